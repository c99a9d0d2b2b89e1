"""Skipping the records whose processing raises, when the user asks for it.

One bad record in millions should not have to fail a whole job. With
``--skip-failed-records`` (the Hadoop property
:data:`~streamr.engine.properties.SKIP_FAILED_PROPERTY`), each call of the
mapper, the combiner or the reducer runs under a :class:`RecordSkipper`:
what the call yields is collected, and if the call raises, its output is
dropped (a skipped record leaves nothing half-written behind), the
``failed records skipped`` counter goes up, and the first few are reported
on the task's stderr with the job's traceback and where the record came
from. A task fails once it has skipped more than its limits allow: a count
(checked at once) and a percentage of the records it ran (checked when it
has run them all, since early on one failure is a large share).

Limits over the whole job are the runner's to check, from the counters
(:meth:`streamr.runners.base.MRJobRunner._check_failed_records`).

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

from typing import Callable

from streamr.compat import jobconf_from_env
from streamr.engine.properties import (
    FAILED_RECORDS_COUNTER,
    PROCESSED_RECORDS_COUNTER,
    SKIP_FAILED_PROPERTY,
    SKIP_FAILED_TASK_MAX_PROPERTY,
    SKIP_FAILED_TASK_PERCENT_PROPERTY,
    STREAMR_COUNTER_GROUP,
)
from streamr.engine.tracebacks import user_traceback
from streamr.errors import TooManyFailedRecords, UsageError

__all__ = ["REPORTED", "RecordSkipper", "skipper_from_env"]

#: skipped records reported with their traceback, per task and kind
REPORTED = 5


def _number(name: str, kind: type):
    text = jobconf_from_env(name)
    if text is None or str(text).strip() == "":
        return None
    try:
        return kind(text)
    except ValueError:
        raise UsageError("Hadoop property %s must be a number, not %r" % (name, text)) from None


def skipper_from_env(job, kind: str, where: Callable[[tuple], str]) -> RecordSkipper | None:
    """A :class:`RecordSkipper` for the *kind* calls of this task when the
    task's environment asks for skipping, else ``None`` (calls run as they
    are, at no cost)."""
    if (jobconf_from_env(SKIP_FAILED_PROPERTY) or "").lower() != "true":
        return None
    return RecordSkipper(job, kind, where,
                         limit=_number(SKIP_FAILED_TASK_MAX_PROPERTY, int),
                         percent=_number(SKIP_FAILED_TASK_PERCENT_PROPERTY, float))


class RecordSkipper:
    """Runs the *kind* calls of one task, skipping those that raise. See the
    module docstring. *where(args)* says in words which record a call was
    given (a file and line, or a key), *limit* and *percent* are the task's
    limits (``None``: none)."""

    def __init__(self, job, kind: str, where: Callable[[tuple], str], *,
                 limit: int | None = None, percent: float | None = None):
        self.job = job
        self.kind = kind
        self.where = where
        self.limit = limit
        self.percent = percent
        self.processed = 0
        self.skipped = 0
        self._counted = 0  # processed records already added to the counter
        self._summed_up = REPORTED  # skipped records already said

    def guard(self, func: Callable) -> Callable:
        """*func* (a generator function, or one that returns an iterable or
        ``None``) as a function that returns a list of what it yields, or
        an empty list when it raises."""
        def guarded(*args):
            self.processed += 1
            try:
                return list(func(*args) or ())
            except Exception as exc:
                self._skip(exc, args)
                return []

        return guarded

    def _write(self, text: str) -> None:
        self.job.stderr.write(text.encode("utf_8", "replace"))
        self.job.stderr.flush()

    def _skip(self, exc: Exception, args: tuple) -> None:
        self.skipped += 1
        self.job.increment_counter(STREAMR_COUNTER_GROUP, FAILED_RECORDS_COUNTER)
        problem = (_exception_line(exc).splitlines() or [type(exc).__name__])[0]
        if self.skipped <= REPORTED:
            self._write("streamr: skipped %s (the %s raised %s)\n%s"
                        % (self.where(args), self.kind, problem, user_traceback(exc)))
        if self.limit is not None and self.skipped > self.limit:
            raise TooManyFailedRecords(
                "the %s skipped more than %d record%s whose processing raised, the most one"
                " task may skip (max_failed_records_per_task); the last: %s at %s"
                % (self.kind, self.limit, "" if self.limit == 1 else "s", problem,
                   self.where(args)))

    def finish(self) -> None:
        """Once every record has been run (for a combiner: once a spill has
        been combined; it may be called again): count them, say how many
        were skipped beyond those reported, and fail when they are more
        than the percentage allowed."""
        if self.processed > self._counted:
            self.job.increment_counter(STREAMR_COUNTER_GROUP, PROCESSED_RECORDS_COUNTER,
                                       self.processed - self._counted)
            self._counted = self.processed
        more = self.skipped - self._summed_up
        if more > 0:
            self._write("streamr: skipped %d more record%s the %s raised on (%d in all)\n"
                        % (more, "" if more == 1 else "s", self.kind, self.skipped))
            self._summed_up = self.skipped
        if (self.percent is not None and self.processed
                and self.skipped * 100.0 > self.percent * self.processed):
            raise TooManyFailedRecords(
                "the %s skipped %d of %d records (%.2f%%) because its processing raised,"
                " more than the %s%% one task may skip (max_failed_percent_per_task)"
                % (self.kind, self.skipped, self.processed,
                   100.0 * self.skipped / self.processed, _plain(self.percent)))


def _exception_line(exc: Exception) -> str:
    text = str(exc)
    return "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


def _plain(number: float) -> str:
    return ("%f" % number).rstrip("0").rstrip(".")
