"""What a runner tells the run history: the record a run starts with, and
how it ended and why.

The history package knows runs, not runners (:mod:`streamr.history`); this
module is the runner side of the bargain: it reads a runner's job
description and options into a :class:`~streamr.history.record.RunRecord`,
and an exception that ended a run into its end state and the same
probable-cause text the job prints.
"""

from __future__ import annotations

import getpass
import os
import socket
import sys
import time

from streamr.conf import resolve_conf_paths
from streamr.errors import StepFailedException, Stopped, StreamrError
from streamr.history.command_line import mask_argv
from streamr.history.record import RunRecord, StepRecord
from streamr.history.recorder import RERUN_OF_ENV, Recorder

__all__ = ["end_of_run", "start_recording"]


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (a container)
        return "no_user"


def start_recording(runner) -> Recorder:
    """The recorder of *runner*'s run, its record saved as ``starting``."""
    desc = runner.description
    script = os.path.abspath(runner._script) if runner._script else ""
    argv, masked = mask_argv(list(desc.argv))
    job_class = desc.job_class
    now = time.time()
    record = RunRecord(
        run_id=runner.get_job_key(),
        job=job_class.__name__ if job_class else os.path.splitext(os.path.basename(script))[0],
        script=script, argv=argv, runner=runner.alias, user=_user(),
        host=socket.gethostname(), cwd=os.getcwd(),
        conf_paths=[os.path.abspath(path) for path in resolve_conf_paths(desc.conf_paths)],
        state="starting", started=now, ended=None, heartbeat=now,
        steps=[StepRecord(num, str(step.get("type") or "streaming"))
               for num, step in enumerate(runner._steps)],
        counters={}, output=runner._output_dir, input_count=None, input_bytes=None,
        cause=None, extra={"python": sys.executable, "masked": masked})
    rerun_of = os.environ.get(RERUN_OF_ENV)
    if rerun_of:
        record.extra["rerun_of"] = rerun_of
    recorder = Recorder.from_options(runner._opts, record)
    recorder.start()
    return recorder


def end_of_run(exc: BaseException, runner) -> tuple:
    """``(state, cause)`` of a run that *exc* ended: ``interrupted`` for
    Ctrl-C and stopping signals, else ``failed`` with the text the job
    prints for it."""
    if isinstance(exc, Stopped):
        return "interrupted", "stopped by %s" % exc.signal_name
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", "interrupted (Ctrl-C)"
    if isinstance(exc, StepFailedException):
        return "failed", exc.message("")
    if isinstance(exc, StreamrError):
        return "failed", str(exc)
    failure = getattr(runner, "failure", None)
    if failure is not None:
        # the job's own code raised: its traceback, then which task it was
        from streamr.engine.tracebacks import user_traceback

        return "failed", "%s%s" % (user_traceback(exc), failure)
    return "failed", "%s: %s" % (type(exc).__name__, exc)
