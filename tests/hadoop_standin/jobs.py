"""``hadoop jar hadoop-streaming*.jar ...`` of the stand-in: the job runs
through the EMR simulator's streaming emulation (:mod:`tests.emr_sim.streaming`)
on one local node over the stand-in's HDFS, printing what Hadoop 3's job
client prints to stderr (``Running job:``, ``The url to track the job:``,
``map 40% reduce 0%``, the counters block), and leaving each task
attempt's logs in ``logs/userlogs/<application>/<container>/``.

While its tasks run, the job's id and this process's id are in
``state/jobs/<job id>``; ``mapred job -kill`` sends SIGTERM there, which
cancels the job as YARN would: its tasks are killed and the client
reports ``failed with state KILLED``."""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading

from tests.emr_sim.clock import SimClock
from tests.emr_sim.emrlogs import HadoopLog
from tests.emr_sim.nodes import Node
from tests.emr_sim.stepcontext import StepContext, StepFailed
from tests.emr_sim.streaming import StreamingRun
from tests.emr_sim.tasks import LiveProcesses
from tests.hadoop_standin.store import HdfsStore

__all__ = ["run_streaming_jar"]


class ConsoleLog:
    """The job client's console: Hadoop's short log4j format, to stderr as
    each line is logged (a client prints as it goes)."""

    def __init__(self, clock: SimClock, on_line=None):
        self._log = HadoopLog("console", clock)
        self._lock = threading.Lock()
        self._on_line = on_line

    def _flush(self) -> None:
        lines, self._log.lines = self._log.lines, []
        for line in lines:
            sys.stderr.write(line + "\n")
            if self._on_line is not None:
                self._on_line(line)
        sys.stderr.flush()

    def line(self, level: str, source: str, message: str, *more: str) -> None:
        with self._lock:
            self._log.line(level, source, message, *more)
            self._flush()

    def raw(self, *lines: str) -> None:
        with self._lock:
            self._log.raw(*lines)
            self._flush()


def _next_application(state: str):
    """A function giving each new application's ``(number, cluster
    timestamp)``, numbered on from the stand-in's earlier jobs."""
    counter_path = os.path.join(state, "applications")

    def new_application() -> tuple[int, int]:
        try:
            with open(counter_path) as handle:
                number = int(handle.read() or 0) + 1
        except FileNotFoundError:
            number = 1
        with open(counter_path, "w") as handle:
            handle.write(str(number))
        return number, 1764400000000

    return new_application


def run_streaming_jar(home: str, args: list) -> int:
    """Run the streaming job *args* describe (what follows the jar); the
    exit status Hadoop's client gives."""
    store = HdfsStore(os.path.join(home, "hdfs"))
    state = os.path.join(home, "state")
    clock = SimClock()
    jobs_dir = os.path.join(state, "jobs")
    live = LiveProcesses()
    marker: list = []

    def on_line(line: str) -> None:
        # the job is known (and can be killed) once the client names it
        if "Running job: " in line and not marker:
            job_id = line.rsplit("Running job: ", 1)[1].strip()
            path = os.path.join(jobs_dir, job_id)
            with open(path + ".tmp", "w") as handle:
                handle.write(str(os.getpid()))
            os.replace(path + ".tmp", path)
            marker.append(path)

    # a node of its own for each job: its -files cache lives as long as the job
    node = Node("localhost", "CORE", tempfile.mkdtemp(prefix="node-", dir=state),
                base_env=dict(os.environ))
    ctx = StepContext(cluster_id="standin", step_id="", s3=store, clock=clock, nodes=[node],
                      log=ConsoleLog(clock, on_line), live=live,
                      new_application=_next_application(state), task_slots=2,
                      task_timeout=600.0, resource_manager="localhost/127.0.0.1:8032",
                      proxy_url="http://localhost:8088/proxy/",
                      streaming_jar=os.path.join(home, "share", "hadoop", "tools", "lib",
                                                 "hadoop-streaming-3.3.6.jar"))
    killed = threading.Event()

    def kill(_signum, _frame) -> None:
        killed.set()
        live.cancel()

    signal.signal(signal.SIGTERM, kill)
    run = StreamingRun(ctx, args)
    status = 0
    try:
        run.run()
    except StepFailed:
        status = 1
    finally:
        for path in marker:
            os.unlink(path)
        _write_task_logs(home, ctx)
        node.remove()
    if killed.is_set() and getattr(run, "job_id", None):
        ctx.log.line("INFO", "org.apache.hadoop.mapreduce.Job",
                     "Job %s failed with state KILLED due to: Kill job %s received from %s"
                     " (auth:SIMPLE) at 127.0.0.1" % (run.job_id, run.job_id,
                                                     os.environ.get("USER", "hadoop")))
        status = 1
    return status


def _write_task_logs(home: str, ctx: StepContext) -> None:
    """Each container's logs where YARN's NodeManager keeps them."""
    userlogs = os.path.join(home, "logs", "userlogs")
    for key, logs in ctx.container_logs.items():
        folder = os.path.join(userlogs, *key.split("/"))
        os.makedirs(folder, exist_ok=True)
        for name, text in logs.items():
            with open(os.path.join(folder, name), "w", encoding="utf_8") as out:
                out.write(text)


def application_logs(home: str, application_id: str) -> list | None:
    """``(container, log name, text)`` of an application's containers, in
    order; None when YARN does not know the application."""
    folder = os.path.join(home, "logs", "userlogs", application_id)
    if not os.path.isdir(folder):
        return None
    found = []
    for container in sorted(os.listdir(folder)):
        for name in ("stderr", "stdout", "syslog"):
            path = os.path.join(folder, container, name)
            if os.path.exists(path):
                with open(path, encoding="utf_8", errors="replace") as handle:
                    found.append((container, name, handle.read()))
    return found


