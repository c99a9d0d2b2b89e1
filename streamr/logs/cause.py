"""The probable cause of a failed step or cluster, picked from the logs
it left, and put into words for the user."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from streamr.logs.paths import log_type, rank_task_logs
from streamr.logs.task import (
    InputSplit,
    find_input_split,
    find_java_exception,
    find_python_traceback,
)

__all__ = [
    "ProbableCause",
    "bootstrap_cause",
    "bootstrap_failure_from_reason",
    "find_probable_cause",
]

#: kinds of :class:`ProbableCause`
KINDS = ("python", "java", "bootstrap", "unknown")

#: most lines of a failed bootstrap action's ``stderr`` shown (its last ones)
BOOTSTRAP_TAIL = 20

_INDENT = "    "
_INSTANCE = re.compile(r"\b(i-[0-9a-f]+)\b")
_ACTION = re.compile(r"\bbootstrap action (\d+)\b")


@dataclass
class ProbableCause:
    """Why a step (or a cluster's start) probably failed: *kind* is one of
    ``"python"``, ``"java"``, ``"bootstrap"`` or ``"unknown"``; *lines*
    are what the log said (a traceback, an exception, an error message);
    *path* is the log they came from; *split* the input the failing task
    was reading, when known."""

    kind: str
    lines: list[str] = field(default_factory=list)
    path: str | None = None
    split: InputSplit | None = None

    def format(self) -> str:
        """The cause as a block of text (no final newline)::

            Probable cause of failure:
                <lines, indented>
            while reading <uri> (bytes <start>-<end>)
            (from <log path>)

        The last two lines appear only when split and path are known; the
        byte range ends just before ``<end>``."""
        out = ["Probable cause of failure:"]
        for line in self.lines:
            line = line.expandtabs(4).rstrip()
            out.append(_INDENT + line if line else "")
        if self.split is not None:
            out.append("while reading %s (bytes %d-%d)"
                       % (self.split.uri, self.split.start, self.split.end))
        if self.path:
            out.append("(from %s)" % self.path)
        return "\n".join(out)


def find_probable_cause(task_logs: Mapping[str, Iterable[str]]) -> ProbableCause | None:
    """The likeliest cause of a failed step, from its task attempts' logs
    (*task_logs* maps each log's path to its lines).

    Logs are read in :func:`~streamr.logs.paths.rank_task_logs` order. A
    Python traceback in some ``stderr`` wins over any Java exception (a
    streaming task's ``syslog`` always blames its subprocess, which says
    less than the subprocess's own traceback); the Java exception is the
    fallback. The input split comes from the ``syslog`` in the same
    container as the log the cause was found in. None when no log holds
    either."""
    logs = {path: list(lines) for path, lines in task_logs.items()}
    ranked = rank_task_logs(logs)

    for path in ranked:
        if log_type(path) != "stderr":
            continue
        traceback = find_python_traceback(logs[path])
        if traceback:
            return ProbableCause("python", traceback, path, _split_near(path, logs))

    for path in ranked:
        exception = find_java_exception(logs[path])
        if exception:
            return ProbableCause("java", exception, path, _split_near(path, logs))
    return None


def _split_near(path: str, logs: Mapping[str, list[str]]) -> InputSplit | None:
    """The input split named in the ``syslog`` beside *path*."""
    folder = posixpath.dirname(path)
    for other, lines in logs.items():
        if posixpath.dirname(other) == folder and log_type(other) == "syslog":
            split = find_input_split(lines)
            if split is not None:
                return split
    return None


def bootstrap_cause(stderr_lines: Iterable[str] | None, reason_message: str | None = None,
                    path: str | None = None) -> ProbableCause:
    """The cause of a failed bootstrap action: EMR's *reason_message* (the
    cluster's state-change reason) followed by what the action wrote to
    ``stderr`` (read from *path*): its Python traceback if it printed one,
    else its last lines."""
    lines = []
    if reason_message:
        lines.append(reason_message.strip())
    stderr = [line.rstrip("\r\n") for line in stderr_lines or ()]
    detail = find_python_traceback(stderr)
    if detail is None:
        while stderr and not stderr[-1].strip():
            stderr.pop()
        detail = stderr[-BOOTSTRAP_TAIL:]
    lines.extend(detail)
    return ProbableCause("bootstrap", lines, path)


def bootstrap_failure_from_reason(message: str) -> tuple[str | None, int] | None:
    """Which node and bootstrap action failed, from a cluster's
    state-change reason (``On the master instance (i-0abc), bootstrap
    action 2 returned a non-zero return code``): ``(instance id, action
    number)``, the instance being None when the message names none (when
    it names several, the first). None if the message is not about a
    bootstrap action."""
    action = _ACTION.search(message)
    if action is None:
        return None
    instance = _INSTANCE.search(message)
    return (instance.group(1) if instance else None), int(action.group(1))
