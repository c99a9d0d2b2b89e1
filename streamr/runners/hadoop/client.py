"""Running one ``hadoop jar`` command and following it: Hadoop's job
client prints what happens (``Running job: job_...``, ``The url to track
the job: ...``, `` map 40% reduce 0%``, the ``Counters: N`` block), and
streamr shows it as every runner shows a step (progress through
:class:`~streamr.runners.progress.StepProgress`, counters at the end).

The client is started in a session of its own, so that Ctrl-C reaches
streamr and not Hadoop: a job already submitted keeps running on the
cluster when its client dies, so streamr kills it there itself (``mapred
job -kill``, or ``yarn application -kill`` when only the application is
known yet) before stopping the client.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field

from streamr.console import end_progress
from streamr.errors import HadoopError
from streamr.logs.step import StepLogInfo, parse_step_log
from streamr.logs.task import last_plain_line, summarize_java_exception
from streamr.runners.process_group import start_group, stop_group
from streamr.runners.progress import StepProgress

__all__ = ["JobClient", "JobRun", "sibling_program"]

log = logging.getLogger(__name__)

_PROGRESS = re.compile(r"\bmap\s+(\d+)%\s+reduce\s+(\d+)%")
_TRACKING = re.compile(r"The url to track the job: (\S+)")
_RUNNING = re.compile(r"Running job: (job_\d+_\d+)")
_APPLICATION = re.compile(r"Submitted application (application_\d+_\d+)")
_ERROR = re.compile(r"\bERROR\b[^:]*:\s*(.*)$")


def sibling_program(hadoop_bin: list, name: str) -> list:
    """The command of Hadoop's program *name* (``mapred``, ``yarn``): the
    one beside ``hadoop`` in its ``bin/``, else *name* on PATH, else
    ``hadoop`` itself (whose ``job`` and ``application`` commands Hadoop 3
    still accepts)."""
    program = hadoop_bin[0]
    if os.path.sep in program:
        beside = os.path.join(os.path.dirname(program), name)
        if os.path.isfile(beside) and os.access(beside, os.X_OK):
            return [beside]
    found = shutil.which(name)
    return [found] if found else list(hadoop_bin)


@dataclass
class JobRun:
    """What one ``hadoop jar`` command said: its exit status, every line
    it printed, and what those lines tell (:class:`StepLogInfo`)."""

    returncode: int
    lines: list = field(default_factory=list)
    info: StepLogInfo = field(default_factory=StepLogInfo)
    tracking_url: str | None = None

    def error_line(self) -> str:
        """The one line that best says why the command failed."""
        if self.info.failure:
            return self.info.failure
        errors = [match.group(1) for match in map(_ERROR.search, self.lines) if match]
        if errors:
            return errors[-1]
        return (summarize_java_exception(self.lines) or last_plain_line(self.lines)
                or "hadoop exited with status %d" % self.returncode)


class JobClient:
    """Runs ``hadoop jar`` commands with *hadoop_bin*."""

    def __init__(self, hadoop_bin: list):
        self.hadoop_bin = list(hadoop_bin)

    def run(self, args: list, progress: StepProgress | None = None) -> JobRun:
        """Run ``hadoop ARGS`` to its end, showing progress; if it is
        interrupted (Ctrl-C, or any error here), kill what it submitted."""
        command = self.hadoop_bin + list(args)
        log.debug("running %s", " ".join(command))
        try:
            proc = start_group(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
        except OSError as exc:
            raise HadoopError("could not run %s: %s" % (command[0], exc)) from None
        run = JobRun(returncode=-1)
        try:
            for raw in proc.stdout:
                line = raw.decode("utf_8", "replace").rstrip("\r\n")
                run.lines.append(line)
                self._follow(line, run, progress)
            run.returncode = proc.wait()
        except BaseException:
            end_progress()
            self._read_what_is_there(proc, run)
            self._kill(run)
            stop_group(proc, grace=10)
            raise
        finally:
            proc.stdout.close()
        end_progress()
        run.info = parse_step_log(run.lines)
        return run

    def _follow(self, line: str, run: JobRun, progress: StepProgress | None) -> None:
        log.debug("hadoop: %s", line)
        match = _PROGRESS.search(line)
        if match and progress is not None:
            progress.update(int(match.group(1)), int(match.group(2)))
            return
        match = _TRACKING.search(line)
        if match:
            run.tracking_url = match.group(1)
            log.info("  tracking URL: %s", run.tracking_url)
            return
        match = _RUNNING.search(line)
        if match:
            run.info.job_id = match.group(1)
            log.info("  running job %s", run.info.job_id)
            return
        match = _APPLICATION.search(line)
        if match:
            run.info.application_id = match.group(1)

    def _read_what_is_there(self, proc: subprocess.Popen, run: JobRun) -> None:
        """Read, without waiting, what the client printed and streamr has
        not read yet: the job's id may be in it (an interrupt right after
        the job was submitted)."""
        try:
            os.set_blocking(proc.stdout.fileno(), False)
            rest = proc.stdout.read() or b""
        except (OSError, ValueError):
            return
        for raw in rest.decode("utf_8", "replace").splitlines():
            run.lines.append(raw)
            self._follow(raw, run, None)

    def _kill(self, run: JobRun) -> None:
        """Kill the job *run* submitted, if it got that far."""
        if run.info.job_id:
            command = sibling_program(self.hadoop_bin, "mapred") + ["job", "-kill",
                                                                    run.info.job_id]
        elif run.info.application_id:
            command = sibling_program(self.hadoop_bin, "yarn") + [
                "application", "-kill", run.info.application_id]
        else:
            return
        log.info("killing the job on the cluster: %s", " ".join(command))
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=120, start_new_session=True)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("could not kill the job (%s); it may still be running", exc)
            return
        if done.returncode != 0:
            log.warning("could not kill the job: %s", done.stderr.decode(
                "utf_8", "replace").strip().splitlines()[-1:] or done.returncode)
