"""Exceptions that stand for mistakes a user can make, as opposed to bugs.

The command-line entry points turn these into one line on stderr and a
non-zero exit status, without a traceback.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

__all__ = ["AWSError", "CorruptInputError", "MalformedRecordError", "TaskFailure", "UsageError"]


class UsageError(Exception):
    """Bad options, a missing input path, an unknown runner: exit status 2."""

    exit_status = 2


class AWSError(Exception):
    """AWS refused a request, or cannot be reached, for a reason the user can
    fix (credentials, bucket, region, endpoint): exit status 1. ``str()`` is
    one line naming what was asked for and the likely fix."""

    exit_status = 1


class CorruptInputError(Exception):
    """A compressed file that does not decompress (damaged, cut short, or
    not really in the format its name says): exit status 1."""

    exit_status = 1

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__("%s: cannot decompress it (%s); the file is damaged, cut short or"
                         " not in the format its name says" % (path, reason))


class MalformedRecordError(ValueError):
    """A line that the protocol in use cannot read: exit status 1.

    ``str()`` names where the line came from, which protocol refused it and
    why, in one line."""

    exit_status = 1

    def __init__(self, protocol: str, source: str | None, line_num: int | None, reason: str):
        self.protocol = protocol
        self.source = source
        self.line_num = line_num
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source or "input"
        if self.line_num:
            where += " line %d" % self.line_num
        return "%s: malformed record for %s (%s)" % (where, self.protocol, self.reason)


class TaskFailure:
    """Which task of which step failed, and where in its input: what a runner
    records when the job's own code fails, to tell the user."""

    def __init__(self, step_num: int, num_steps: int, kind: str, task_num: int,
                 where: str | None = None, details: str | None = None):
        self.step_num = step_num
        self.num_steps = num_steps
        self.kind = kind
        self.task_num = task_num
        self.where = where
        self.details = details

    def __str__(self) -> str:
        text = "Step %d of %d failed: %s task %d" % (
            self.step_num + 1, self.num_steps, self.kind, self.task_num)
        if self.where:
            text += " failed while reading %s" % self.where
        if self.details:
            text += "\n" + self.details
        return text
