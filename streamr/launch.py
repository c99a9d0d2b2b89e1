"""From a parsed job to a running runner: picking the runner, handing it the
job's options, and the command-line wrapper that turns user mistakes into one
line and an exit status (the only place ``python job.py`` reads an error's
exit status)."""

from __future__ import annotations

import codecs
import signal
import sys
import threading

from streamr.console import set_up_logging
from streamr.engine.tracebacks import user_traceback
from streamr.errors import Interrupted, JobFailed, StepFailedException, Stopped, StreamrError
from streamr.options import OPTIONS
from streamr.runners import runner_class
from streamr.runners.description import describe_job
from streamr.runners.process_group import STOP_SIGNALS as RUN_STOP_SIGNALS

__all__ = ["make_runner", "run_job_from_command_line"]


def _cli_option_values(job) -> dict:
    return {opt.name: getattr(job.options, opt.name, None) for opt in OPTIONS
            if getattr(job.options, opt.name, None) is not None}


def runner_kwargs(job) -> dict:
    """Everything a runner needs from *job*, as one
    :class:`~streamr.runners.description.JobDescription`: its class and
    script, steps, inputs, output, config paths, task arguments, stdin, the
    job class's option values and the command line's."""
    return {"description": describe_job(job, _cli_option_values(job))}


def make_runner(job):
    """A runner for *job*, of the class ``-r`` names (inline by default)."""
    alias = job.options.runner or "inline"
    return runner_class(alias)(**runner_kwargs(job))


def run_job_from_command_line(job) -> None:
    """What ``python myjob.py [args]`` does when not in task mode. An error
    a user can fix ends it with the error's own line and exit status."""
    opts = job.options
    set_up_logging(quiet=opts.quiet, verbose=opts.verbose, stream=_message_stream(job))
    try:
        with stopped_by_signals():
            _run_and_cat(job)
    except Stopped as exc:
        _exit_with(job, Interrupted(exc.signal_name, exc.signal_number))
    except KeyboardInterrupt:
        _exit_with(job, Interrupted())
    except StreamrError as exc:
        _exit_with(job, exc)
    except BrokenPipeError:
        sys.exit(1)  # whoever read the output stopped reading: nothing to tell


def _message_stream(job):
    """Where messages about the run go: the job's own stderr when
    :meth:`~streamr.job.MRJob.sandbox` replaced it (so a test reads them
    there), else ``sys.stderr``."""
    if getattr(job, "_stderr", None) is None:
        return sys.stderr
    return codecs.getwriter("utf_8")(job.stderr)


#: signals that stop a run the way Ctrl-C does (SIGINT is Python's KeyboardInterrupt)
STOP_SIGNALS = tuple(signum for signum in RUN_STOP_SIGNALS if signum != signal.SIGINT)


class stopped_by_signals:
    """While active, SIGTERM and SIGHUP raise :class:`~streamr.errors.Stopped`
    (a ``KeyboardInterrupt``) in the main thread, so every runner stops its
    tasks, steps and clusters and cleans up as on Ctrl-C. Only the first
    one raises: a second signal during cleanup is logged and ignored, so
    cleanup is not cut short (Ctrl-C still ends it at once). The previous
    handlers come back on exit."""

    def __init__(self):
        self._old: dict = {}
        self._raised = False

    def _handle(self, signum, frame):
        name = signal.Signals(signum).name
        if self._raised:
            sys.stderr.write("%s received again while cleaning up; still cleaning up"
                             " (Ctrl-C to stop now)\n" % name)
            return
        self._raised = True
        raise Stopped(name, signum)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._old[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc):
        for signum, old in self._old.items():
            signal.signal(signum, old)
        return False


def _run_and_cat(job) -> None:
    cat_output = job.options.cat_output
    if cat_output is None:
        cat_output = not job.options.output_dir
    with make_runner(job) as runner:
        try:
            runner.run()
        except StepFailedException as exc:
            # said at once: cleaning up after a failed step can take a while
            _tell(job, exc)
            raise
        except StreamrError:
            raise
        except Exception as exc:
            failure = getattr(runner, "failure", None)
            if failure is None:
                raise  # a bug in streamr: keep the traceback
            # the job's own code raised: its traceback, then where it was
            _message_stream(job).write(user_traceback(exc))
            failed = JobFailed(failure)
            _tell(job, failed)
            raise failed from None
        if cat_output:
            out = job.stdout
            for chunk in runner.cat_output():
                out.write(chunk)
            out.flush()


def _tell(job, exc: StreamrError) -> None:
    """Write *exc*'s line on stderr (once)."""
    if not getattr(exc, "_told", False):
        stream = _message_stream(job)
        stream.write(exc.message(job.arg_parser.prog).rstrip() + "\n")
        stream.flush()
        exc._told = True  # type: ignore[attr-defined]


def _exit_with(job, exc: StreamrError) -> None:
    """End the program on *exc*: its line, then the exit status its class
    declares (the one place ``python job.py`` reads one)."""
    _tell(job, exc)
    sys.exit(exc.exit_status)
