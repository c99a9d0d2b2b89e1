"""Spark for tests: one ``SparkSession`` per test module, a real standalone
cluster (a master and a worker, each its own JVM, started with pyspark's
own launcher), and running a job in this process under a runner so that
the Spark runner finds the module's session already running.

Starting Spark costs seconds, so sessions and clusters are shared; the
tests that use them are marked ``slow``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import urllib.request
from io import BytesIO

from tests.support.waiting import wait_for


def pyspark_dir() -> str:
    import pyspark

    return os.path.dirname(pyspark.__file__)


def start_session(master: str = "local[2]"):
    """A SparkSession for a test module (stop it when the module ends)."""
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master(master).appName("streamr-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate())


def run_in_process(job_class, args, stdin: bytes = b"") -> tuple:
    """Run *job_class* with *args* (``-r``, inputs, ``-o``...) in this
    process; ``(runner counters, output bytes)``."""
    job = job_class(["--no-conf", *map(str, args)]).sandbox(stdin=BytesIO(stdin))
    with job.make_runner() as runner:
        runner.run()
        return runner.counters(), b"".join(runner.cat_output())


def output_files(out_dir) -> dict:
    """``{name: bytes}`` of every file in the output directory *out_dir*."""
    found = {}
    for name in sorted(os.listdir(out_dir)):
        with open(os.path.join(out_dir, name), "rb") as handle:
            found[name] = handle.read()
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StandaloneCluster:
    """A Spark standalone master and one worker on 127.0.0.1, each a JVM
    started by ``spark-class`` from pyspark's own ``bin/``."""

    def __init__(self, log_dir: str):
        self.log_dir = log_dir
        self.port = free_port()
        self.ui_port = free_port()
        self.url = "spark://127.0.0.1:%d" % self.port
        self.procs: list = []
        # the worker's disk: nothing the driver writes is under here, and
        # nothing of the worker's is under the driver's temporary directory
        self.worker_dir = os.path.join(log_dir, "worker-work")
        self.worker_local_dir = os.path.join(log_dir, "worker-local")

    def _start(self, name: str, *args: str, **more_env: str) -> None:
        env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", SPARK_HOME=pyspark_dir(),
                   **more_env)
        with open(os.path.join(self.log_dir, name + ".log"), "wb") as log:
            self.procs.append(subprocess.Popen(
                [os.path.join(pyspark_dir(), "bin", "spark-class"), *args],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True))

    def state(self) -> dict:
        with urllib.request.urlopen("http://127.0.0.1:%d/json/" % self.ui_port,
                                    timeout=5) as answer:
            return json.load(answer)

    def _worker_alive(self):
        for proc in self.procs:
            if proc.poll() is not None:
                raise AssertionError("a Spark daemon ended (%s); see %s"
                                     % (proc.returncode, self.log_dir))
        try:
            workers = self.state().get("workers") or []
        except (OSError, ValueError):  # not listening yet, or answering with nothing yet
            return False
        return any(worker.get("state") == "ALIVE" for worker in workers)

    def start(self) -> StandaloneCluster:
        self._start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", str(self.port), "--webui-port", str(self.ui_port))
        self._start("worker", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                    "--webui-port", str(free_port()), "--cores", "2", "--memory", "1g",
                    "--work-dir", self.worker_dir, self.url,
                    SPARK_LOCAL_DIRS=self.worker_local_dir)
        wait_for(self._worker_alive, what="the Spark worker to register with its master")
        return self

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
