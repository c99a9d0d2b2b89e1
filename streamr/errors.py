"""Every error a user can cause, as one tree of exception classes.

:class:`StreamrError` is the root. Each class says on itself how the
program ends when it escapes: :attr:`~StreamrError.exit_status`. The two
places a program ends (``python job.py`` in :mod:`streamr.launch`, the
``streamr`` command in :mod:`streamr.cli.failure`) read it from the
exception and list no error types themselves, so adding an error is adding
a class here. A job's command line prints :meth:`~StreamrError.message`;
the ``streamr`` command prints ``streamr: error:`` and the error's text.
Anything that is not a :class:`StreamrError` is a bug in streamr (or in the
job's own code) and keeps its traceback.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

__all__ = [
    "AWSError",
    "CorruptInputError",
    "HadoopError",
    "HadoopNotFound",
    "Interrupted",
    "JobFailed",
    "MalformedRecordError",
    "NoSpaceError",
    "OptionValueError",
    "AWSSetupError",
    "StepFailedException",
    "Stopped",
    "StreamrError",
    "TaskFailure",
    "TooManyFailedRecords",
    "UsageError",
]


class StreamrError(Exception):
    """Root of the errors a user can cause (and fix): they end the program
    with one line on stderr and :attr:`exit_status`, never a traceback."""

    #: the exit status of a program that ends with this error
    exit_status = 1

    def message(self, prog: str) -> str:
        """The line a job's command line ends with, *prog* being the
        script's name."""
        return "%s: error: %s" % (prog, self)


class UsageError(StreamrError):
    """Bad options, a missing input path, an unknown runner: exit status 2."""

    exit_status = 2


class OptionValueError(StreamrError, ValueError):
    """A value that does not fit its option: exit status 2. ``str()`` is one
    line that says what was expected. (Also a :class:`ValueError`, as it
    always was; importable from :mod:`streamr.options` too.)"""

    exit_status = 2


class AWSError(StreamrError):
    """AWS refused a request, or cannot be reached, for a reason the user can
    fix (credentials, bucket, region, endpoint): exit status 1. ``str()`` is
    one line naming what was asked for and the likely fix."""

    exit_status = 1


class AWSSetupError(AWSError):
    """Nothing to talk to AWS with (no credentials found): a set-up problem
    caught before any work, so exit status 2, like other usage errors."""

    exit_status = 2


class HadoopNotFound(UsageError):
    """No ``hadoop`` program, or no streaming jar, where streamr looked:
    exit status 2. The message names the places looked at and the option
    to set."""

    exit_status = 2


class HadoopError(StreamrError):
    """A ``hadoop`` command (``hadoop fs``, ``mapred``, ``yarn``) failed;
    the message is its own last line: exit status 1."""

    exit_status = 1


class CorruptInputError(StreamrError):
    """A compressed file that does not decompress (damaged, cut short, or
    not really in the format its name says): exit status 1."""

    exit_status = 1

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__("%s: cannot decompress it (%s); the file is damaged, cut short or"
                         " not in the format its name says" % (path, reason))


class NoSpaceError(StreamrError):
    """A filesystem the run writes to is full: exit status 1. The line names
    the filesystem (its mount point) and the file being written; the run's
    temporary files are removed, whatever ``cleanup_on_failure`` says, so
    the failed run does not keep the disk full."""

    exit_status = 1

    def __init__(self, where: str, path: str | None = None):
        self.where = where
        self.path = path
        writing = " (writing %s)" % path if path and path != where else ""
        super().__init__("no space left on %s%s; removed this run's temporary files"
                         % (where, writing))


class MalformedRecordError(StreamrError, ValueError):
    """A line that the protocol in use cannot read: exit status 1.

    ``str()`` names where the line came from, which protocol refused it and
    why, in one line. (Also a :class:`ValueError`, as protocols raise.)"""

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


class StepFailedException(StreamrError):
    """Raised by a runner when a step of the job fails: exit status 1.

    ``str()`` gives a one-line summary such as ``Step 2 of 3 failed: ...``
    (steps counted from 1 for people). Jobs written for mrjob import it from
    :mod:`streamr.step`, which re-exports it."""

    exit_status = 1

    def __init__(self, reason=None, step_num=None, num_steps=None, step_desc=None,
                 last_step_num=None, *, details=None):
        super().__init__(reason)
        self.reason = reason
        #: what to show above the line (a task's traceback), or ``None``
        self.details = details
        self.step_num = step_num
        self.num_steps = num_steps
        self.step_desc = step_desc
        self.last_step_num = None if last_step_num == step_num else last_step_num

    def __str__(self):
        if self.step_desc:
            name = self.step_desc
        elif self.step_num is None:
            name = "Step"
        else:
            if self.last_step_num is not None:
                name = "Steps %d-%d" % (self.step_num + 1, self.last_step_num + 1)
            else:
                name = "Step %d" % (self.step_num + 1)
            if self.num_steps:
                name += " of %d" % self.num_steps
        if self.reason:
            return "%s failed: %s" % (name, self.reason)
        return "%s failed" % name

    def __repr__(self):
        fields = ("reason", "step_num", "num_steps", "step_desc")
        shown = ", ".join("%s=%r" % (f, getattr(self, f)) for f in fields
                          if getattr(self, f) is not None)
        return "%s(%s)" % (type(self).__name__, shown)

    def message(self, prog: str) -> str:
        # already a whole sentence naming the step: no program prefix; the
        # details (a task's traceback) come first, so the run ends in this line
        if self.details:
            return "%s\n%s" % (self.details.rstrip("\n"), self)
        return str(self)


class JobFailed(StreamrError):
    """The job's own code raised in a task: exit status 1. Made from the
    runner's :class:`TaskFailure` once the job's traceback is printed; its
    message is the failure line, naming the step and the task."""

    exit_status = 1

    def __init__(self, failure: TaskFailure):
        self.failure = failure
        super().__init__(str(failure))

    def message(self, prog: str) -> str:
        return str(self)


class Interrupted(StreamrError):
    """The user pressed Ctrl-C (``KeyboardInterrupt``): exit status 130,
    as a shell reports a program stopped by SIGINT. Stopped by another
    signal (SIGTERM, SIGHUP: :class:`Stopped`), the status is 128 plus the
    signal's number and the line names the signal."""

    exit_status = 130

    def __init__(self, signal_name: str = "", signal_number: int = 0):
        super().__init__(signal_name)
        self.signal_name = signal_name
        if signal_number:
            self.exit_status = 128 + signal_number

    def message(self, prog: str) -> str:
        by = " by %s" % self.signal_name if self.signal_name else ""
        return "%s: interrupted%s; temporary files removed" % (prog, by)


class Stopped(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM or SIGHUP arrives, so that a
    run stops the way Ctrl-C stops it: every ``except KeyboardInterrupt``
    that stops tasks, steps and clusters, and every cleanup, runs."""

    def __init__(self, signal_name: str, signal_number: int):
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.signal_number = signal_number


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


class TooManyFailedRecords(StreamrError):
    """A task, or the job, skipped more records whose processing raised than
    its limit allows (see the ``skip_failed_records`` option): exit status 1.
    ``str()`` is one line: how many, the limit, the option that sets it."""

    exit_status = 1
