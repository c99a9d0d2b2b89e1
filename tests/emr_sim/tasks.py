"""Running one attempt of a streaming task, as Hadoop streaming's
PipeMapRed runs its subprocess.

The command is split like a shell would (quotes respected) and executed
directly, with the task's working directory as cwd; a bare program name is
looked for in that directory first, then on PATH. Its stdin is the task's
input, its stdout and stderr go to files (so a forgotten child process can
never hold a pipe open). ``reporter:counter:GROUP,NAME,AMOUNT`` and
``reporter:status:MESSAGE`` lines on stderr are taken as counters and
status and kept out of the container's stderr log; everything else stays.

The attempt's container gets ``syslog`` (YARN format, with ``Processing
split: <uri>:<start>+<length>`` for map tasks), ``stderr`` and ``stdout``
(empty: a streaming task's stdout is its output)."""

from __future__ import annotations

import errno
import os
import shlex
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

from tests.emr_sim.emrlogs import HadoopLog

__all__ = ["Attempt", "LiveProcesses", "ProcessResult", "kill_group", "run_command",
           "start_process"]

_COUNTER = "reporter:counter:"
_STATUS = "reporter:status:"

_MAP_FRAMES = (
    "\tat org.apache.hadoop.streaming.PipeMapRed.waitOutputThreads(PipeMapRed.java:326)",
    "\tat org.apache.hadoop.streaming.PipeMapRed.mapRedFinished(PipeMapRed.java:539)",
    "\tat org.apache.hadoop.streaming.PipeMapper.close(PipeMapper.java:130)",
    "\tat org.apache.hadoop.mapred.MapRunner.run(MapRunner.java:61)",
    "\tat org.apache.hadoop.streaming.PipeMapRunner.run(PipeMapRunner.java:34)",
    "\tat org.apache.hadoop.mapred.MapTask.runOldMapper(MapTask.java:466)",
    "\tat org.apache.hadoop.mapred.MapTask.run(MapTask.java:350)",
    "\tat org.apache.hadoop.mapred.YarnChild$2.run(YarnChild.java:178)",
    "\tat org.apache.hadoop.mapred.YarnChild.main(YarnChild.java:172)",
)
_REDUCE_FRAMES = (
    "\tat org.apache.hadoop.streaming.PipeMapRed.waitOutputThreads(PipeMapRed.java:326)",
    "\tat org.apache.hadoop.streaming.PipeMapRed.mapRedFinished(PipeMapRed.java:539)",
    "\tat org.apache.hadoop.streaming.PipeReducer.close(PipeReducer.java:134)",
    "\tat org.apache.hadoop.mapred.ReduceTask.runOldReducer(ReduceTask.java:454)",
    "\tat org.apache.hadoop.mapred.ReduceTask.run(ReduceTask.java:393)",
    "\tat org.apache.hadoop.mapred.YarnChild$2.run(YarnChild.java:178)",
    "\tat org.apache.hadoop.mapred.YarnChild.main(YarnChild.java:172)",
)
_EXEC_FRAMES = (
    "\tat org.apache.hadoop.util.ReflectionUtils.setJobConf(ReflectionUtils.java:113)",
    "\tat org.apache.hadoop.mapred.YarnChild.main(YarnChild.java:172)",
)


class LiveProcesses:
    """The task processes a step has running, so they can be killed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen] = set()
        self.cancelled = threading.Event()

    def add(self, proc: subprocess.Popen) -> None:
        with self._lock:
            self._procs.add(proc)
        if self.cancelled.is_set():
            kill_group(proc)

    def discard(self, proc: subprocess.Popen) -> None:
        with self._lock:
            self._procs.discard(proc)

    def cancel(self) -> None:
        """Kill every process, and any started from now on."""
        self.cancelled.set()
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            kill_group(proc)


def start_process(argv: list[str], **options) -> subprocess.Popen:
    """``subprocess.Popen(argv, start_new_session=True, **options)``, tried
    again for a while on "Text file busy": a file the simulator has just
    written (a script, a ``-files`` program) stays open for writing in any
    child another thread forks at that moment, until that child execs."""
    for tries_left in range(40, -1, -1):
        try:
            return subprocess.Popen(argv, start_new_session=True, **options)
        except OSError as error:
            if error.errno != errno.ETXTBSY or not tries_left:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group *proc* leads."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class Attempt:
    """One attempt of a task and what came of it."""

    attempt_id: str
    container_id: str
    instance_id: str
    is_map: bool
    ok: bool = False
    error: list[str] = field(default_factory=list)
    counters: dict[str, dict[str, int]] = field(default_factory=dict)
    status: str | None = None
    logs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class ProcessResult:
    """What one streaming subprocess did."""

    returncode: int
    output: bytes = b""
    stderr: str = ""
    error: list[str] = field(default_factory=list)
    counters: dict[str, dict[str, int]] = field(default_factory=dict)
    status: str | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.error


def run_command(command: str | None, records: list[bytes], cwd: str, env: dict[str, str],
                work_dir: str, live: LiveProcesses, timeout: float, is_map: bool,
                attempt_id: str, syslog: HadoopLog) -> ProcessResult:
    """Run streaming *command* on *records* in *cwd* (None: Hadoop's
    identity mapper or reducer). *work_dir* holds its input and output
    files; what happens is logged to *syslog* (the container's)."""
    if command is None:
        return ProcessResult(0, b"".join(records))
    os.makedirs(work_dir, exist_ok=True)
    stdin_path = os.path.join(work_dir, "stdin")
    stdout_path = os.path.join(work_dir, "stdout")
    stderr_path = os.path.join(work_dir, "stderr")
    with open(stdin_path, "wb") as stdin:
        stdin.writelines(records)

    argv = shlex.split(command)
    if argv and "/" not in argv[0] and os.path.exists(os.path.join(cwd, argv[0])):
        argv[0] = os.path.join(cwd, argv[0])
    syslog.line("INFO", "org.apache.hadoop.streaming.PipeMapRed", "PipeMapRed exec %s" % argv)
    try:
        with open(stdin_path, "rb") as stdin, open(stdout_path, "wb") as stdout, \
                open(stderr_path, "wb") as stderr:
            proc = start_process(argv, cwd=cwd, env=env, stdin=stdin, stdout=stdout,
                                 stderr=stderr)
    except OSError as error:
        cause = 'java.io.IOException: Cannot run program "%s": error=%d, %s' % (
            argv[0] if argv else "", error.errno or errno.ENOENT, error.strerror or str(error))
        lines = ["Error: java.lang.RuntimeException: Error in configuring object",
                 *_EXEC_FRAMES, "Caused by: " + cause]
        syslog.line("WARN", "org.apache.hadoop.mapred.YarnChild",
                    "Exception running child : " + lines[0][len("Error: "):], *lines[1:])
        return ProcessResult(1, error=lines)

    live.add(proc)
    try:
        proc.wait(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        kill_group(proc)
        proc.wait()
        timed_out = True
    finally:
        live.discard(proc)

    result = ProcessResult(proc.returncode)
    with open(stderr_path, "rb") as err:
        result.stderr = _take_reports(result, err.read().decode("utf-8", "replace"))
    with open(stdout_path, "rb") as out:
        result.output = out.read()
    if timed_out:
        result.error = ["AttemptID:%s Timed out after %d secs" % (attempt_id, timeout)]
    elif live.cancelled.is_set():
        result.error = ["Container killed by the ApplicationMaster."]
    elif proc.returncode != 0:
        frames = _MAP_FRAMES if is_map else _REDUCE_FRAMES
        message = ("java.lang.RuntimeException: PipeMapRed.waitOutputThreads():"
                   " subprocess failed with code %d" % proc.returncode)
        result.error = ["Error: " + message, *frames]
        syslog.line("WARN", "org.apache.hadoop.mapred.YarnChild",
                    "Exception running child : " + message, *frames)
    else:
        syslog.line("INFO", "org.apache.hadoop.streaming.PipeMapRed", "mapRedFinished")
    return result


def _take_reports(result: ProcessResult, text: str) -> str:
    """Counters and status from *text* (a task's stderr); the rest of it."""
    kept = []
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if bare.startswith(_COUNTER):
            columns = bare[len(_COUNTER):].split(",")
            if len(columns) == 3:
                try:
                    amount = int(columns[2].strip())
                except ValueError:
                    continue
                group = result.counters.setdefault(columns[0], {})
                group[columns[1]] = group.get(columns[1], 0) + amount
            continue
        if bare.startswith(_STATUS):
            result.status = bare[len(_STATUS):]
            continue
        kept.append(line)
    return "".join(kept)
