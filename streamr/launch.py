"""From a parsed job to a running runner: picking the runner, handing it the
job's options, and the command-line wrapper that turns user mistakes into one
line and an exit status."""

from __future__ import annotations

import logging
import os
import sys
import traceback

from streamr.errors import AWSError, CorruptInputError, MalformedRecordError, UsageError
from streamr.options import OPTIONS, OptionValueError
from streamr.runners import runner_class
from streamr.runners.description import describe_job
from streamr.step import StepFailedException

__all__ = ["make_runner", "run_job_from_command_line", "set_up_logging"]

log = logging.getLogger("streamr")


def set_up_logging(quiet: bool = False, verbose: bool = False, stream=None) -> None:
    """Send ``streamr`` and ``__main__`` log records to *stream* (stderr):
    INFO and up, DEBUG with *verbose*, only errors with *quiet*."""
    level = logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("streamr", "__main__"):
        logger = logging.getLogger(name)
        logger.handlers = [h for h in logger.handlers if not getattr(h, "_streamr", False)]
        handler._streamr = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False


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


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def job_traceback(exc: BaseException) -> str:
    """The traceback of *exc* without streamr's own frames (the ones
    between the runner and the job's code), and without added notes."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__)
              if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR)]
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    notes = getattr(exc, "__notes__", None) or []
    return "".join(line for line in lines if line.rstrip("\n") not in notes)


def _exit(message: str, status: int) -> None:
    sys.stderr.write(message.rstrip() + "\n")
    sys.exit(status)


def run_job_from_command_line(job) -> None:
    """What ``python myjob.py [args]`` does when not in task mode."""
    opts = job.options
    set_up_logging(quiet=opts.quiet, verbose=opts.verbose)
    cat_output = opts.cat_output if opts.cat_output is not None else not opts.output_dir
    prog = job.arg_parser.prog
    try:
        with make_runner(job) as runner:
            try:
                runner.run()
            except StepFailedException as exc:
                log.error(str(exc))
                sys.exit(1)
            except (UsageError, OptionValueError, MalformedRecordError, AWSError,
                    CorruptInputError):
                raise
            except Exception as exc:
                failure = getattr(runner, "failure", None)
                if failure is None:
                    raise  # a bug in streamr: keep the traceback
                # the job's own code raised: its traceback, then where it was
                sys.stderr.write(job_traceback(exc))
                log.error(str(failure))
                sys.exit(1)
            if cat_output:
                out = job.stdout
                for chunk in runner.cat_output():
                    out.write(chunk)
                out.flush()
    except (UsageError, OptionValueError) as exc:
        _exit("%s: error: %s" % (prog, exc), 2)
    except (MalformedRecordError, AWSError, CorruptInputError) as exc:
        _exit("%s: error: %s" % (prog, exc), 1)
    except KeyboardInterrupt:
        _exit("%s: interrupted; temporary files removed" % prog, 130)
    except BrokenPipeError:
        sys.exit(1)
