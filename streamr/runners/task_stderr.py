"""What a local task's stderr says: its counters, the records it skipped,
and why it failed.

A task started by the local runner writes its stderr to a file. Besides
whatever the job prints, streamr's task side writes four kinds of lines
there: Hadoop streaming's ``reporter:counter:`` lines, ``streamr: skipped
...`` reports (each perhaps followed by the job's traceback), ``streamr:
<kind> of step N failed at <where>`` followed by the job's traceback
(without streamr's frames), and ``streamr: <message>`` for an error a user
can fix (a malformed record, a damaged compressed file). The runner reads
the file once a task has ended and shows the user what inline would show.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from streamr.engine.records import add_counter_line

__all__ = ["TaskEnd", "counters_from_stderr", "skip_reports", "split_skip_reports", "task_end"]

_FAILED_AT = re.compile(r"^streamr: \w+ of step \d+ failed at (.*)$")
_SKIPPED = "streamr: skipped "
_NAMES_LINE = re.compile(r" line \d+$")
#: bytes read from the end of a failed task's stderr
_TAIL_BYTES = 65536


class TaskEnd(NamedTuple):
    """Why a task failed, as its stderr tells it: *where* it was reading
    when the job's code raised (``None``: unknown), *message* (an error a
    user can fix, in one line, or ``None``) and *details* (the job's
    traceback, or the end of the stderr when nothing else is known)."""

    where: str | None
    message: str | None
    details: str | None

    @property
    def line_where(self) -> str | None:
        """*where*, when it names a line of the input (a record the job's
        code was given), else ``None``."""
        return self.where if self.where and _NAMES_LINE.search(self.where) else None

    def summary(self) -> str:
        """The reason in one line, for a retry's log line."""
        if self.message:
            return self.message
        last = (self.details or "").strip().splitlines()
        text = last[-1] if last else "no message"
        return "%s, at %s" % (text, self.line_where) if self.line_where else text


def _lines(path: str, limit: int | None = None) -> list:
    try:
        with open(path, "rb") as handle:
            if limit is not None:
                size = os.fstat(handle.fileno()).st_size
                handle.seek(max(0, size - limit))
            data = handle.read()
    except OSError:
        return []
    return data.decode("utf_8", "replace").splitlines()


def counters_from_stderr(path: str, counters: dict) -> None:
    """Add the ``reporter:counter:`` lines of a task's stderr to *counters*."""
    if not os.path.exists(path):
        return
    with open(path, "rb") as handle:
        for line in handle:
            add_counter_line(line, counters)


def skip_reports(path: str) -> list:
    """Each ``streamr: skipped ...`` report of a task's stderr file."""
    return split_skip_reports(_lines(path))[0]


def split_skip_reports(lines: list) -> tuple:
    """``(reports, other lines)`` of a task's stderr *lines*: each ``streamr:
    skipped ...`` report as text (without the ``streamr:`` prefix), with the
    lines that follow it up to the next line streamr wrote (the job's
    traceback, when one was kept)."""
    reports: list = []
    others: list = []
    current: list | None = None
    for line in lines:
        if line.startswith(_SKIPPED):
            current = [line[len("streamr: "):]]
            reports.append(current)
            continue
        if line.startswith(("streamr: ", "reporter:")):
            current = None
        if current is not None:
            current.append(line)
        else:
            others.append(line)
    return ["\n".join(report) for report in reports], others


def task_end(path: str, tail: int = 25) -> TaskEnd:
    """Why the task whose stderr is in *path* failed (see :class:`TaskEnd`)."""
    kept = [line for line in _lines(path, _TAIL_BYTES) if not line.startswith("reporter:")]
    for index in range(len(kept) - 1, -1, -1):
        line = kept[index]
        match = _FAILED_AT.match(line)
        if match:
            return TaskEnd(match.group(1), None, "\n".join(kept[index + 1:]) or None)
        if line.startswith("streamr: ") and not line.startswith(_SKIPPED):
            return TaskEnd(None, line[len("streamr: "):], None)
    return TaskEnd(None, None, "\n".join(kept[-tail:]) or None)
