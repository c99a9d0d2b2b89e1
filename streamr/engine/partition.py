"""Choosing the key ranges of reduce tasks.

Reduce tasks get contiguous key ranges, so the part files, read in name
order, are globally sorted, and a key never lands in two of them. The
ranges are chosen from *samples*: ``(key, bytes)`` pairs in key order, one
per record (the inline runner, which holds map output in memory) or one per
index entry of each sorted run (the local runner, which never reads the map
output itself).

Two rules, depending on who chose the number of reduce tasks:

* The job did not (no ``mapreduce.job.reduces``): :func:`balanced_cuts`. A
  range takes whole keys until it holds at least ``1 / parts`` of all
  bytes, then the next one starts, so there are at most *parts* ranges and
  never an empty one. This is how mrjob 0.7.4's local runners cut, so jobs
  whose ``reducer_init``/``reducer_final`` keep state give the output they
  gave there.
* The job did: :func:`exact_cuts`. Exactly that many ranges, range *i*
  ending at the first change of key at or after ``i / parts`` of all bytes,
  and none empty unless there are fewer keys than ranges (as Hadoop gives
  empty part files then).

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

from streamr.engine.records import split_key

__all__ = ["balanced_cuts", "choose_boundaries", "exact_cuts", "partition_sorted"]


def balanced_cuts(samples: list, parts: int) -> list:
    """Indexes of the samples that start a new range when the job left the
    number of reduce tasks open: a range closes at the first change of key
    once it holds ``total // parts`` bytes or more (at most *parts* ranges)."""
    total = sum(weight for _, weight in samples)
    cuts: list = []
    if parts <= 1 or total == 0:
        return cuts
    share = total // parts
    held = 0
    previous = None
    for index, (key, weight) in enumerate(samples):
        if index and key != previous and held >= share:
            cuts.append(index)
            if len(cuts) == parts - 1:
                break
            held = 0
        held += weight
        previous = key
    return cuts


def exact_cuts(samples: list, parts: int) -> list:
    """Indexes of the samples that start a new range when the job asked
    for *parts* reduce tasks: ``min(parts, keys) - 1`` cuts, each at the
    first change of key at or after its share of the bytes, or earlier
    when the keys left are only just enough to give every later range one."""
    total = sum(weight for _, weight in samples)
    starts = [index for index in range(len(samples))
              if index == 0 or samples[index][0] != samples[index - 1][0]]
    wanted = min(parts, len(starts)) - 1
    cuts: list = []
    if wanted <= 0:
        return cuts
    acc = 0
    previous_start = 0
    for number, start in enumerate(starts[1:], 1):
        acc += sum(weight for _, weight in samples[previous_start:start])
        previous_start = start
        keys_left = len(starts) - number
        needed = wanted - len(cuts)
        if acc * parts >= total * (len(cuts) + 1) or keys_left <= needed:
            cuts.append(start)
            if len(cuts) == wanted:
                break
    return cuts


def _cuts(samples: list, parts: int, exact: bool) -> list:
    return exact_cuts(samples, parts) if exact else balanced_cuts(samples, parts)


def choose_boundaries(samples: list, parts: int, exact: bool = True) -> list:
    """Keys that cut *samples* (``(key, bytes)`` pairs sorted by key) into
    ranges by :func:`exact_cuts` (or :func:`balanced_cuts` when not
    *exact*): increasing keys, range *i* holding keys ``k`` with
    ``bounds[i-1] <= k < bounds[i]``."""
    return [samples[index][0] for index in _cuts(samples, parts, exact)]


def partition_sorted(records: list, parts: int, exact: bool = True) -> list:
    """Cut sorted encoded *records* into ranges (see :func:`choose_boundaries`),
    never putting one key in two of them. With *exact*, there are *parts*
    lists (trailing ones empty only when keys run out); else at most
    *parts*, none empty (one empty list when there are no records).
    Concatenated, they are *records*, so output order matches one big
    reducer's."""
    samples = [(split_key(record), len(record)) for record in records]
    starts = [0, *_cuts(samples, parts, exact), len(records)]
    runs = [records[begin:end] for begin, end in zip(starts, starts[1:])]
    if not exact:
        return runs
    return runs + [[] for _ in range(max(parts, 1) - len(runs))]
