"""Choosing the key ranges of reduce tasks.

Reduce tasks get contiguous key ranges, so the part files, read in name
order, are globally sorted, and a key never lands in two of them. The
ranges are chosen from *samples*: ``(key, bytes)`` pairs in key order, one
per record (the inline runner, which holds map output in memory) or one per
index entry of each sorted run (the local runner, which never reads the map
output itself). Either way the rule is the same: range *i* ends at the
first change of key at or after ``i / parts`` of all bytes.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

from collections.abc import Iterator

from streamr.engine.records import split_key

__all__ = ["choose_boundaries", "partition_sorted"]


def _cut_points(samples: list, parts: int) -> Iterator[int]:
    """Indexes of the samples that start a new range (at most
    ``parts - 1``; fewer when there are not enough distinct keys)."""
    total = sum(weight for _, weight in samples)
    if parts <= 1 or total == 0:
        return
    made = 0
    acc = 0
    previous = None
    for index, (key, weight) in enumerate(samples):
        if made == parts - 1:
            return
        # a range may end only where the key changes, so no key is split
        if index and key != previous and acc >= total * (made + 1) / parts:
            made += 1
            yield index
        acc += weight
        previous = key


def choose_boundaries(samples: list, parts: int) -> list:
    """Keys that cut *samples* (``(key, bytes)`` pairs sorted by key) into
    *parts* ranges of similar byte size: at most ``parts - 1`` increasing
    keys. Range *i* holds keys ``k`` with ``bounds[i-1] <= k < bounds[i]``."""
    return [samples[index][0] for index in _cut_points(samples, parts)]


def partition_sorted(records: list, parts: int) -> list:
    """Cut sorted encoded *records* into *parts* lists of similar byte size,
    never putting one key in two of them (trailing lists may be empty).
    Concatenated, they are *records*, so output order matches one big
    reducer's."""
    samples = [(split_key(record), len(record)) for record in records]
    starts = [0, *_cut_points(samples, parts), len(records)]
    runs = [records[begin:end] for begin, end in zip(starts, starts[1:])]
    return runs + [[] for _ in range(max(parts, 1) - len(runs))]
