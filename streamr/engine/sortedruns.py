"""Sorted runs: the files map tasks write and reduce tasks merge.

A run is a file of encoded records (``key\\tvalue\\n``) sorted by key (by
whole line with ``SORT_VALUES``), with an index beside it (``.idx``:
``offset\\tkey`` lines) so that a reduce task can seek straight to its key
range, and the runner can weigh each key when it chooses the ranges. The
first :data:`EXACT_INDEX_BYTES` of a run get an entry at every change of key
(small map outputs are weighed exactly, as the inline runner weighs them);
past that, one entry every few kilobytes. Reduce tasks get contiguous key
ranges, so the part files, read in name order, are globally sorted.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import bisect
import heapq
import io
from collections.abc import Iterable, Iterator

from streamr.engine.records import split_key

__all__ = ["RunWriter", "index_samples", "merge_range", "read_index", "read_range"]

INDEX_EVERY = 8192
#: the part of each run indexed at every change of key
EXACT_INDEX_BYTES = 64 << 10


class RunWriter:
    """Write one sorted run and its index."""

    def __init__(self, path: str):
        self.path = path
        self._out = open(path, "wb", buffering=1 << 20)  # noqa: SIM115 - closed in close()
        self._index: list = []
        self._offset = 0
        self._next_index = 0
        self._last_key = None

    def write_lines(self, lines: Iterable[bytes]) -> None:
        """Append lines (each ending in ``\\n``) already in sorted order."""
        out_write = self._out.write
        index = self._index
        offset, next_index = self._offset, self._next_index
        last_key = self._last_key
        for line in lines:
            if offset < EXACT_INDEX_BYTES:
                key = split_key(line)
                if key != last_key:
                    index.append(b"%d\t%s\n" % (offset, key))
                    last_key = key
                    next_index = offset + INDEX_EVERY
            elif offset >= next_index:
                index.append(b"%d\t%s\n" % (offset, split_key(line)))
                next_index = offset + INDEX_EVERY
            out_write(line)
            offset += len(line)
        self._offset, self._next_index, self._last_key = offset, next_index, last_key

    def close(self) -> int:
        """Finish the run; return its size in bytes."""
        self._out.close()
        with open(self.path + ".idx", "wb") as idx:
            idx.writelines(self._index)
            idx.write(b"%d\t\n" % self._offset)
        return self._offset


def read_index(path: str) -> list:
    """``[(offset, key), ...]`` of run *path*; the last entry is
    ``(size, b"")``."""
    entries = []
    with open(path + ".idx", "rb") as idx:
        for line in idx:
            offset, _, key = line.rstrip(b"\n").partition(b"\t")
            entries.append((int(offset), key))
    return entries


def index_samples(indexes: list) -> list:
    """``(key, bytes)`` samples of runs given by their indexes, in key order:
    each index entry weighs the bytes up to the next one. What
    :func:`streamr.engine.partition.choose_boundaries` cuts into ranges."""
    samples = []
    for entries in indexes:
        for (offset, key), (next_offset, _) in zip(entries, entries[1:]):
            samples.append((key, next_offset - offset))
    samples.sort()
    return samples


def read_range(path: str, low: bytes | None, high: bytes | None,
               index: list | None = None) -> Iterator[bytes]:
    """Lines of run *path* whose key is in ``[low, high)`` (``None``: open)."""
    index = index if index is not None else read_index(path)
    keys = [key for _, key in index[:-1]]
    # where to start reading, and up to where keys must be checked against
    # *low*: the index entry before *low* and the one after it
    start, low_until = 0, 0
    if low is not None:
        pos = bisect.bisect_left(keys, low)
        if pos > 0:
            start = index[pos - 1][0]
            low_until = index[pos][0]
    # from where keys must be checked against *high*, and where they all
    # are at least *high*
    high_from, stop = index[-1][0], index[-1][0]
    if high is not None:
        pos = bisect.bisect_left(keys, high)
        stop = index[pos][0]
        high_from = index[pos - 1][0] if pos > 0 else 0
    with open(path, "rb", buffering=BLOCK) as run:
        run.seek(start)
        offset = start
        if offset < low_until:  # the few lines around low: checked one by one
            for line in run:
                offset += len(line)
                if split_key(line) >= low:
                    if high is not None and offset - len(line) >= high_from \
                            and split_key(line) >= high:
                        return
                    yield line
                if offset >= low_until:
                    break
        if offset < high_from:  # the bulk: no key need be looked at
            yield from _lines_between(run, offset, high_from)
            offset = high_from
        for line in run:  # the few lines around high
            if offset >= stop or (high is not None and split_key(line) >= high):
                return
            offset += len(line)
            yield line


#: how much of a run a reduce task reads at once in the bulk of its key
#: range: a reduce task holds one such block per run it merges (up to
#: ``mapreduce.task.io.sort.factor`` of them), so it stays small
BLOCK = 1 << 17


def _lines_between(run, offset: int, end: int) -> Iterator[bytes]:
    """The lines of open file *run* from *offset* (where it is) to *end*
    (a line start), read in blocks of :data:`BLOCK` bytes and cut in C."""
    left = end - offset
    while left > 0:
        block = run.read(min(left, BLOCK))
        if not block:
            return
        if not block.endswith(b"\n") and len(block) < left:
            block += run.readline()
        left -= len(block)
        yield from io.BytesIO(block)


def merge_range(paths: list, low: bytes | None, high: bytes | None,
                whole_line: bool = False) -> Iterator[bytes]:
    """Merge the ``[low, high)`` parts of runs *paths* into one sorted
    stream. Equal keys keep run order (stable), like a single sort would."""
    streams = [read_range(path, low, high) for path in paths]
    if len(streams) == 1:
        return streams[0]
    if whole_line:
        return heapq.merge(*streams)
    return heapq.merge(*streams, key=split_key)
