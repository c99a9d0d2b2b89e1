"""Cutting inputs into map-task splits, and reading one split, as Hadoop does.

A split is a byte range of one input file. The planner cuts by size only;
line boundaries are settled by whoever reads the split, with Hadoop's rule:
a split that does not start at byte 0 skips its first (partial) line, and a
split reads every line that starts at or before its end. So each line is
read by exactly one split, whatever the cut points. Compressed files cannot
be entered in the middle, so each is one split.

The inline runner (lines in memory) and the local runner (files on disk)
plan with :func:`plan_splits` and read with :func:`lines_in_split` and
:func:`read_split` respectively; both give the same lines to the same tasks.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from typing import NamedTuple

from streamr.engine.records import Position
from streamr.inputs import corrupt_input_error, is_compressed, open_input

__all__ = ["MAX_SPLIT", "InputFile", "Split", "line_offsets", "lines_in_split", "plan_splits",
           "read_split"]

#: largest split when none is configured (Hadoop's block size)
MAX_SPLIT = 128 << 20


class InputFile(NamedTuple):
    """One input to plan splits for: its *path* (for the runner), the
    *label* failures name it by, its *size* in bytes, and whether it is
    *compressed* (one split)."""

    path: str
    label: str
    size: int
    compressed: bool


class Split(NamedTuple):
    """The input of one map task: *length* bytes of input *source* (its
    index in the planned list) from byte *start*."""

    path: str
    start: int
    length: int
    compressed: bool
    label: str
    source: int = 0


def plan_splits(files: list, target: int, max_split: int | None = None) -> list:
    """Splits of *files* (:class:`InputFile`): about *target* of them over
    all uncompressed bytes (each compressed file takes one of the *target*
    and is one split), none above *max_split* (or :data:`MAX_SPLIT`)."""
    plain = sum(f.size for f in files if not f.compressed)
    wanted = max(1, target - sum(1 for f in files if f.compressed))
    size = min(max(1, -(-plain // wanted)), max_split or MAX_SPLIT)
    splits = []
    for num, f in enumerate(files):
        if f.compressed or f.size == 0:
            splits.append(Split(f.path, 0, f.size, f.compressed, f.label, num))
            continue
        start = 0
        while start < f.size:
            length = min(size, f.size - start)
            splits.append(Split(f.path, start, length, False, f.label, num))
            start += length
    return splits


def line_offsets(lines: list) -> list:
    """Where each of *lines* starts, in bytes from the first."""
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line)
    return offsets


def lines_in_split(lines: list, offsets: list, split: Split) -> tuple:
    """``(index of the first line, lines)`` that *split* reads of an input
    held in memory as *lines* (starting at *offsets*), by Hadoop's rule."""
    if split.compressed:
        return 0, lines
    end = split.start + split.length
    first = bisect.bisect_right(offsets, split.start) if split.start else 0
    stop = bisect.bisect_right(offsets, end)
    return first, lines[first:stop]


def read_split(split: Split, position: Position,
               on_read: Callable[[int], None] = lambda size: None) -> Iterator[bytes]:
    """Lines of *split* read from its file, by Hadoop's rule, counting
    them in *position* and telling *on_read* how many bytes each took. A
    damaged compressed file raises :class:`~streamr.errors.CorruptInputError`."""
    path, start = split.path, split.start
    position.source = split.label or path
    if split.compressed or is_compressed(path):
        with open_input(path) as stream:
            try:
                for line in stream:
                    on_read(len(line))
                    yield line
            except Exception as exc:  # only reading errors: the consumer's stay outside
                better = corrupt_input_error(exc, position.source)
                if better is None:
                    raise
                raise better from exc
        return
    end = start + split.length
    with open(path, "rb", buffering=1 << 20) as stream:
        pos = 0
        if start:
            stream.seek(start)
            pos = start + len(stream.readline())
            # line numbers count from here, not from the top of the file
            position.source = "%s (lines counted from byte %d)" % (position.source, pos)
        for line in stream:
            if pos > end:
                break
            pos += len(line)
            on_read(len(line))
            yield line
