"""Reading the logs one task attempt leaves in its YARN container: the
Python traceback the task printed to ``stderr``, a Java exception from
``syslog``, the input split the attempt was reading, and the attempt and
container ids that name these logs.

Every function takes lines (with or without line endings) and returns
lines without them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

__all__ = [
    "AttemptId",
    "ContainerId",
    "InputSplit",
    "attempt_id_from_path",
    "container_id_from_path",
    "find_input_split",
    "find_java_exception",
    "find_python_traceback",
    "last_plain_line",
    "parse_attempt_id",
    "parse_container_id",
    "summarize_java_exception",
]

_TRACEBACK = "Traceback (most recent call last):"
_CHAINS = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)
# the last line of a traceback: ``ValueError: ...``, ``pkg.mod.Error``, ``KeyboardInterrupt``
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(:|$)")

_FRAME = re.compile(r"^\s+at \S")
_MORE = re.compile(r"^\s+\.\.\. \d+ more")
_SECTION = re.compile(r"^\s*(Caused by|Suppressed): ")
_JAVA_EXCEPTION = re.compile(r"Exception|Error\b|Throwable")
#: how far above its first ``at`` frame an exception's line may be
_HEADER_REACH = 5

_SPLIT = re.compile(r"Processing split: (\S+):(\d+)\+(\d+)\s*$")

_ATTEMPT_ID = re.compile(r"attempt_(\d+)_(\d+)_([mr])_(\d+)_(\d+)")
_CONTAINER_ID = re.compile(r"container_(?:e(\d+)_)?(\d+)_(\d+)_(\d+)_(\d+)")


class InputSplit(NamedTuple):
    """The part of an input file a map attempt read: bytes
    ``start`` up to (not including) ``start + length`` of ``uri``."""

    uri: str
    start: int
    length: int

    @property
    def end(self) -> int:
        return self.start + self.length


class AttemptId(NamedTuple):
    """The parts of ``attempt_<cluster ts>_<job>_<m|r>_<task>_<attempt>``."""

    id: str
    timestamp: int
    job: int
    task_type: str
    task: int
    attempt: int


class ContainerId(NamedTuple):
    """The parts of ``container_[e<epoch>_]<cluster ts>_<app>_<app attempt>_<n>``."""

    id: str
    epoch: int
    timestamp: int
    application: int
    application_attempt: int
    number: int


def find_python_traceback(lines: Iterable[str]) -> list[str] | None:
    """The last complete Python traceback in *lines* (a task's ``stderr``),
    with any tracebacks chained to it ("During handling of the above
    exception...", "The above exception was the direct cause...") and the
    lines between them. Noise before and after is left out; a traceback cut
    off before its exception line does not count."""
    text = _strip(lines)
    last: tuple[int, int] | None = None
    i = 0
    while i < len(text):
        if text[i].strip() != _TRACEBACK or text[i][:1].isspace():
            i += 1
            continue
        end = _traceback_end(text, i)
        if end is None:
            i += 1
            continue
        if last is not None and _chained(text[last[1]:i]):
            last = (last[0], end)
        else:
            last = (i, end)
        i = end
    return text[last[0]:last[1]] if last else None


def _traceback_end(text: list[str], start: int) -> int | None:
    """Index just past the exception line of the traceback whose header is
    at *start*, or None when it never reaches one."""
    for i in range(start + 1, len(text)):
        line = text[i]
        if line[:1].isspace():
            continue
        return i + 1 if line and _EXCEPTION_LINE.match(line) else None
    return None


def _chained(between: list[str]) -> bool:
    said = [line.strip() for line in between if line.strip()]
    return len(said) == 1 and said[0] in _CHAINS


def find_java_exception(lines: Iterable[str], max_lines: int = 40) -> list[str] | None:
    """The last Java exception in *lines*: the line naming it, its ``at``
    frames, and its ``Caused by:`` and ``Suppressed:`` sections. Long
    stacks are cut to at most *max_lines* lines, keeping every section's
    first line and the first frames of each."""
    text = _strip(lines)
    found: list[str] | None = None
    i = 0
    while i < len(text):
        if not _FRAME.match(text[i]):
            i += 1
            continue
        header = _java_header(text, i)
        end = i
        while end < len(text) and _continues_stack(text[end]):
            end += 1
        if header is not None:
            found = text[header:end]
        i = end
    return _shorten(found, max_lines) if found else None


def summarize_java_exception(lines: Iterable[str]) -> str | None:
    """The last Java exception in *lines* as one line: its class and
    message, and its deepest ``Caused by:``; ``None`` when there is none."""
    stack = find_java_exception(lines, max_lines=1_000_000)
    if not stack:
        return None
    head = stack[0].strip()
    if head.startswith("Exception in thread "):
        # 'Exception in thread "main" org.apache...Exception: why'
        head = head.split('" ', 1)[-1]
    causes = [line.strip()[len("Caused by: "):] for line in stack
              if line.strip().startswith("Caused by: ")]
    return head + ("; caused by %s" % causes[-1] if causes else "")


def last_plain_line(lines: Iterable[str]) -> str:
    """The last line of *lines* that is neither blank nor part of a Java
    stack (a frame, ``... N more``); ``""`` when there is none."""
    last = ""
    for line in lines:
        if line.strip() and not _continues_stack(line):
            last = line.strip()
    return last


def _java_header(text: list[str], first_frame: int) -> int | None:
    for i in range(first_frame - 1, max(-1, first_frame - 1 - _HEADER_REACH), -1):
        if not text[i].strip() or _FRAME.match(text[i]):
            return None
        if _JAVA_EXCEPTION.search(text[i]):
            return i
    return None


def _continues_stack(line: str) -> bool:
    return bool(_FRAME.match(line) or _MORE.match(line) or _SECTION.match(line))


def _shorten(stack: list[str], max_lines: int) -> list[str]:
    if len(stack) <= max_lines:
        return stack
    sections: list[list[str]] = []
    for line in stack:
        if not sections or _SECTION.match(line):
            sections.append([line])
        else:
            sections[-1].append(line)
    keep = max(1, (max_lines - 2 * len(sections)) // len(sections))
    short: list[str] = []
    for section in sections:
        head, frames = section[0], section[1:]
        short.append(head)
        short.extend(frames[:keep])
        if len(frames) > keep:
            short.append("\t... %d lines left out" % (len(frames) - keep))
    return short[:max_lines]


def find_input_split(lines: Iterable[str]) -> InputSplit | None:
    """The split a map attempt read, from its ``syslog`` line
    ``Processing split: <uri>:<start>+<length>`` (``s3://``, ``hdfs://``
    or any other URI). None for reduce attempts and combined splits."""
    for line in _strip(lines):
        match = _SPLIT.search(line)
        if match:
            return InputSplit(match.group(1), int(match.group(2)), int(match.group(3)))
    return None


def attempt_id_from_path(path: str) -> str | None:
    """The last ``attempt_...`` id in *path*, or None."""
    found = _ATTEMPT_ID.findall(path)
    return "attempt_%s" % "_".join(found[-1]) if found else None


def container_id_from_path(path: str) -> str | None:
    """The last ``container_...`` id in *path*, or None."""
    found = list(_CONTAINER_ID.finditer(path))
    return found[-1].group(0) if found else None


def parse_attempt_id(attempt_id: str) -> AttemptId | None:
    """The parts of a task attempt id, or None if it is not one."""
    match = _ATTEMPT_ID.fullmatch(attempt_id)
    if not match:
        return None
    ts, job, kind, task, attempt = match.groups()
    return AttemptId(attempt_id, int(ts), int(job), kind, int(task), int(attempt))


def parse_container_id(container_id: str) -> ContainerId | None:
    """The parts of a YARN container id, or None if it is not one."""
    match = _CONTAINER_ID.fullmatch(container_id)
    if not match:
        return None
    epoch, ts, app, app_attempt, number = match.groups()
    return ContainerId(container_id, int(epoch or 0), int(ts), int(app), int(app_attempt),
                       int(number))


def _strip(lines: Iterable[str]) -> list[str]:
    return [line.rstrip("\r\n") for line in lines]
