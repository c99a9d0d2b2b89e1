"""Turning lines into (key, value) pairs and back, keeping track of where
each line came from so that a failure can name the file and line.

Both task mode (a job reading stdin under Hadoop streaming or the local
runner) and the inline runner go through these functions.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Iterator
from typing import Callable

from streamr.errors import MalformedRecordError
from streamr.protocol import TextValueProtocol

__all__ = ["Position", "add_counter_line", "decode_lines", "decode_text_blocks", "split_key",
           "to_lines"]


class Position:
    """Where the record being processed came from: a file (or stream) name
    and the 1-based number of the line being read.

    A map task that reads a split starting in the middle of a file counts
    its lines from the split's first line; :meth:`count_from` says which
    file and byte that is, and :attr:`file_line` turns the count into the
    file's own line number when a message needs it (by counting the
    newlines before that byte once: only failures pay for it).

    A reader that hands out a block of lines at once from a list iterator
    calls :meth:`follow` instead of setting :attr:`line` for each: the line
    being read is then worked out from how many lines the iterator has
    left, only when someone asks."""

    __slots__ = ("_base", "_follow", "_line", "_offset", "_path", "source")

    def __init__(self, source: str | None = None, line: int = 0):
        self.source = source
        self._line = line
        self._follow: tuple | None = None
        self._path: str | None = None
        self._offset = 0
        self._base: int | None = None

    @property
    def line(self) -> int:
        """The number of the line being read (0: none yet)."""
        if self._follow is not None:
            lines, before, count = self._follow
            return before + count - operator.length_hint(lines)
        return self._line

    @line.setter
    def line(self, number: int) -> None:
        self._follow = None
        self._line = number

    def follow(self, lines: Iterator, count: int) -> None:
        """The next *count* lines are read from the list iterator *lines*,
        after the current line."""
        self._follow = (lines, self.line, count)

    def count_from(self, path: str, offset: int) -> None:
        """Lines being counted start at byte *offset* of file *path*."""
        self._path, self._offset, self._base = path, offset, None

    @property
    def file_line(self) -> int:
        """The line being read, numbered from the top of its file."""
        line = self.line
        if not self._offset or not line:
            return line
        if self._base is None:
            self._base = _lines_before(self._path, self._offset)
        return self._base + line

    def __str__(self) -> str:
        if self.line:
            return "%s line %d" % (self.source or "input", self.file_line)
        return self.source or "input"


def _lines_before(path, offset: int) -> int:
    """How many lines of file *path* end before byte *offset*."""
    count = 0
    left = offset
    with open(path, "rb") as stream:
        while left > 0:
            chunk = stream.read(min(left, 1 << 20))
            if not chunk:
                break
            count += chunk.count(b"\n")
            left -= len(chunk)
    return count


def _protocol_name(read: Callable) -> str:
    owner = getattr(read, "__self__", None)
    return type(owner).__name__ if owner is not None else getattr(read, "__name__", "protocol")


def decode_lines(lines: Iterable[bytes], read: Callable, position: Position,
                 on_malformed: Callable[[MalformedRecordError], None] | None = None,
                 ) -> Iterator[tuple]:
    """Decode each line (trailing ``\\r\\n`` removed) with *read*, counting
    lines in *position*. A line *read* refuses raises
    :class:`MalformedRecordError`, or is passed to *on_malformed* and skipped
    when that is given."""
    if type(getattr(read, "__self__", None)) is TextValueProtocol:
        return _decode_text_lines(lines, position)
    return _decode_lines(lines, read, position, on_malformed)


def _decode_text_lines(lines: Iterable[bytes], position: Position) -> Iterator[tuple]:
    """:func:`decode_lines` for :class:`~streamr.protocol.TextValueProtocol`
    (the default input protocol), which reads every line: its work done
    here, without two calls per line."""
    line_num = position.line
    position.line = line_num
    for line in lines:
        line_num += 1
        position._line = line_num
        line = line.rstrip(b"\r\n")
        try:
            text = line.decode("utf_8")
        except UnicodeDecodeError:
            text = line.decode("latin_1")
        yield None, text


def decode_text_blocks(blocks: Iterable[bytes], position: Position) -> Iterator[tuple]:
    """What :func:`decode_lines` gives with
    :class:`~streamr.protocol.TextValueProtocol`, for input given as
    *blocks* of whole lines: each block is decoded and cut into lines at
    once, and its lines are handed out without a Python step per line
    (:meth:`Position.follow` keeps the line count)."""
    none = itertools.repeat(None)
    for block in blocks:
        lines = _text_lines(block)
        before = position.line
        each = iter(lines)
        position.follow(each, len(lines))
        yield from zip(none, each)
        position.line = before + len(lines)


def _text_lines(block: bytes) -> list:
    """The lines of *block* (whole lines), each decoded as UTF-8 (latin-1
    when it is not valid UTF-8) with its ``\\r\\n`` removed."""
    try:
        text = block.decode("utf_8")
    except UnicodeDecodeError:
        return [_decode_one(line) for line in block.split(b"\n")[:_whole(block)]]
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    if "\r" in text:
        lines = [line.rstrip("\r") for line in lines]
    return lines


def _whole(block: bytes) -> int | None:
    """Slice end dropping the empty piece after a block's last newline."""
    return -1 if block.endswith(b"\n") else None


def _decode_one(line: bytes) -> str:
    line = line.rstrip(b"\r")
    try:
        return line.decode("utf_8")
    except UnicodeDecodeError:
        return line.decode("latin_1")


def _decode_lines(lines: Iterable[bytes], read: Callable, position: Position,
                  on_malformed: Callable[[MalformedRecordError], None] | None,
                  ) -> Iterator[tuple]:
    line_num = position.line
    position.line = line_num
    for line in lines:
        line_num += 1
        position._line = line_num
        try:
            pair = read(line.rstrip(b"\r\n"))
        except Exception as exc:
            error = MalformedRecordError(_protocol_name(read), position.source,
                                         position.file_line, _reason(exc))
            if on_malformed is None:
                raise error from exc
            on_malformed(error)
            continue
        yield pair


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValueError) and "unpack" in str(exc):
        return "no tab between key and value"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def to_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Re-split a stream of byte chunks into lines (each keeping its
    ``\\n``, except perhaps the last)."""
    leftover = b""
    for chunk in chunks:
        if not chunk:
            continue
        parts = (leftover + chunk).split(b"\n")
        leftover = parts.pop()
        for part in parts:
            yield part + b"\n"
    if leftover:
        yield leftover


_COUNTER_PREFIX = b"reporter:counter:"


def add_counter_line(line: bytes, counters: dict) -> bool:
    """If *line* is a Hadoop streaming ``reporter:counter:group,name,amount``
    line, add it to *counters* (``{group: {name: total}}``) and return True."""
    if not line.startswith(_COUNTER_PREFIX):
        return False
    fields = line[len(_COUNTER_PREFIX):].rstrip(b"\r\n").decode("utf_8", "replace").rsplit(",", 2)
    if len(fields) != 3:
        return False
    try:
        amount = int(fields[2])
    except ValueError:
        return False
    group = counters.setdefault(fields[0], {})
    group[fields[1]] = group.get(fields[1], 0) + amount
    return True


def split_key(line: bytes) -> bytes:
    """The sort key of an encoded record: everything before the first tab
    (the whole line when it has none), without the newline."""
    return line.split(b"\t", 1)[0].rstrip(b"\r\n")
