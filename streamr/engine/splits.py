"""Cutting inputs into map-task splits, and reading one split, as Hadoop does.

A split is a byte range of one input file, and it reads the lines that
start inside that range: a split that does not start at byte 0 skips the
line it starts inside of, unless the byte before it ends a line. So each
line is read by exactly one split, whatever the cut points. Compressed
files cannot be entered in the middle, so each is one split.

When the planner can see where lines end, it cuts as mrjob's local runners
do: a split takes whole lines until it holds at least its share of the
bytes, so small inputs give the same map tasks (and the same
``mapper_final`` output) as they gave under mrjob. A split never grows past
the largest split size; past that it is cut by bytes.

Many small files are packed: when an input has more than
:data:`PACK_FILES_ABOVE` files, :func:`pack_splits` gathers whole files
smaller than a split's share into one map task's input, in input order, as
Hadoop's ``CombineFileInputFormat`` does, so the number of map tasks follows
the bytes, not the files. Inputs of fewer files keep one task per file at
least, as mrjob gives them.

The inline runner (lines in memory) and the local runner (files on disk)
plan with :func:`plan_splits` and read with :func:`lines_in_split` and
:func:`read_split` respectively; both give the same lines to the same tasks.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterator
from typing import NamedTuple, Optional

from streamr.engine.records import Position
from streamr.inputs import corrupt_input_error, is_compressed, open_input

__all__ = ["MAX_SPLIT", "PACK_FILES_ABOVE", "InputFile", "Split", "file_line_end", "line_offsets",
           "lines_in_split", "memory_line_end", "pack_splits", "plan_splits", "read_split",
           "read_split_blocks", "read_splits"]

#: largest split when none is configured (Hadoop's block size)
MAX_SPLIT = 128 << 20
#: bytes a block of :func:`read_split_blocks` holds (then up to the line's end)
BLOCK_BYTES = 1 << 20
# bytes read between reports to a reader's on_read (a call per line costs
# more than reading the line)
_TELL_EVERY = 1 << 18

#: inputs of more files than this have their small files packed into shared
#: map tasks; up to this many, every file has a map task of its own, as under
#: mrjob (whose local runners never pack)
PACK_FILES_ABOVE = 100


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


#: ``line_end(file_index, byte)``: where the line holding *byte* of that file
#: ends (the offset just past its newline, or the file's size)
LineEnd = Optional[Callable[[int, int], int]]


def plan_splits(files: list, target: int, max_split: int | None = None,
                line_end: LineEnd = None) -> list:
    """Splits of *files* (:class:`InputFile`): about *target* of them over
    all uncompressed bytes (each compressed file takes one of the *target*
    and is one split), none above *max_split* (or :data:`MAX_SPLIT`). With
    *line_end*, each split ends where a line ends: it takes whole lines
    until it holds at least its share of the bytes (rounded down)."""
    plain = sum(f.size for f in files if not f.compressed)
    wanted = max(1, target - sum(1 for f in files if f.compressed))
    largest = max_split or MAX_SPLIT
    # a byte cut rounds the share up (no tiny last split); a split of whole
    # lines takes lines until it holds the share rounded down, as mrjob's do
    share = plain // wanted if line_end is not None else -(-plain // wanted)
    size = min(max(1, share), largest)
    splits = []
    for num, f in enumerate(files):
        if f.compressed or f.size == 0:
            splits.append(Split(f.path, 0, f.size, f.compressed, f.label, num))
            continue
        start = 0
        while start < f.size:
            end = min(start + size, f.size)
            if line_end is not None and end < f.size:
                end = min(max(line_end(num, end - 1), end), start + largest, f.size)
            splits.append(Split(f.path, start, end - start, False, f.label, num))
            start = end
    return splits


def pack_splits(splits: list, target: int, max_split: int | None = None) -> list:
    """The map tasks' inputs, each a list of *splits* (from
    :func:`plan_splits`, about *target* wanted): one split each, unless they
    cover more than :data:`PACK_FILES_ABOVE` files. Then each whole file
    smaller than a task's share of all the bytes joins the files before it
    until together they hold that share (and at most *max_split*, or
    :data:`MAX_SPLIT`); pieces of larger files stay tasks of their own.
    Input order is kept."""
    pieces = Counter(split.source for split in splits)
    if len(pieces) <= PACK_FILES_ABOVE:
        return [[split] for split in splits]
    total = sum(split.length for split in splits)
    share = min(max(1, -(-total // max(1, target))), max_split or MAX_SPLIT)
    tasks: list = []
    group: list = []
    held = 0
    for split in splits:
        whole = pieces[split.source] == 1
        if not whole or split.length >= share:
            if group:  # closed early: tasks keep the input's order
                tasks.append(group)
                group, held = [], 0
            tasks.append([split])
            continue
        group.append(split)
        held += split.length
        if held >= share:
            tasks.append(group)
            group, held = [], 0
    if group:
        tasks.append(group)
    return tasks


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
    held in memory as *lines* (starting at *offsets*): those that start in
    its byte range."""
    if split.compressed:
        return 0, lines
    first = bisect.bisect_left(offsets, split.start)
    stop = bisect.bisect_left(offsets, split.start + split.length)
    return first, lines[first:stop]


def memory_line_end(offsets_of: Callable[[int], list], sizes: list) -> Callable[[int, int], int]:
    """A ``line_end`` for :func:`plan_splits` over inputs held in memory:
    *offsets_of(i)* gives where each line of input *i* starts."""
    def line_end(num: int, byte: int) -> int:
        offsets = offsets_of(num)
        after = bisect.bisect_right(offsets, byte)
        return offsets[after] if after < len(offsets) else sizes[num]

    return line_end


def file_line_end(paths: list) -> Callable[[int, int], int]:
    """A ``line_end`` for :func:`plan_splits` over files on disk (one seek
    and one line read per split)."""
    def line_end(num: int, byte: int) -> int:
        with open(paths[num], "rb") as stream:
            stream.seek(byte)
            return byte + len(stream.readline())

    return line_end


def read_splits(splits: list, position: Position,
                on_read: Callable[[int], None] = lambda size: None) -> Iterator[bytes]:
    """Lines of each of *splits* (a packed map task's input) in turn, as
    :func:`read_split` reads them."""
    for split in splits:
        yield from read_split(split, position, on_read)


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
                unsaid = 0
                for line in stream:
                    unsaid += len(line)
                    if unsaid >= _TELL_EVERY:
                        on_read(unsaid)
                        unsaid = 0
                    yield line
                on_read(unsaid)
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
            # the line under way at byte start-1 belongs to the split before
            stream.seek(start - 1)
            pos = start - 1 + len(stream.readline())
            # lines are counted from here; a message turns them into the file's own
            position.count_from(path, pos)
        told = pos
        for line in stream:
            if pos >= end:
                break
            pos += len(line)
            if pos - told >= _TELL_EVERY:
                on_read(pos - told)
                told = pos
            yield line
        on_read(pos - told)


def read_split_blocks(split: Split, position: Position,
                      on_read: Callable[[int], None] = lambda size: None) -> Iterator[bytes]:
    """The lines :func:`read_split` gives, joined in blocks of about
    :data:`BLOCK_BYTES` (whole lines each), for readers that cut lines
    themselves (:func:`~streamr.engine.records.decode_text_blocks`)."""
    path, start = split.path, split.start
    position.source = split.label or path
    if split.compressed or is_compressed(path):
        with open_input(path) as stream:
            try:
                while True:
                    block = stream.read(BLOCK_BYTES)
                    if not block:
                        return
                    if not block.endswith(b"\n"):
                        block += stream.readline()
                    on_read(len(block))
                    yield block
            except Exception as exc:  # only reading errors: the consumer's stay outside
                better = corrupt_input_error(exc, position.source)
                if better is None:
                    raise
                raise better from exc
    end = start + split.length
    with open(path, "rb") as stream:
        pos = 0
        if start:
            # the line under way at byte start-1 belongs to the split before
            stream.seek(start - 1)
            pos = start - 1 + len(stream.readline())
            position.count_from(path, pos)
        while pos < end:
            block = stream.read(min(BLOCK_BYTES, end - pos))
            if not block:
                return
            if not block.endswith(b"\n"):
                # the last line starts before the split's end: it is ours
                block += stream.readline()
            pos += len(block)
            on_read(len(block))
            yield block

