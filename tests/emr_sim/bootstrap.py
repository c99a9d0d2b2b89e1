"""Running a cluster's bootstrap actions on its nodes, as EMR's instance
controller does: every node at once, each node running the actions in
order and stopping at the first that fails.

For each action (numbered from 1) on each node the script is fetched from
S3 into ``<node>/bootstrap-actions/<n>/`` and run with its arguments, in
its own process group (a daemon it starts lives on until the cluster
ends), cwd the node's sandbox directory, stdin empty, stdout and stderr
to files, stand-ins first on PATH (:mod:`tests.emr_sim.standins`) and
``STREAMR_BOOTSTRAP_DIR`` set to the node's own directory. A script with
no ``#!`` line is run by ``/bin/sh``. Its ``controller``, ``stderr`` and
``stdout`` logs go, gzipped, to
``<log uri><cluster>/node/<instance>/bootstrap-actions/<n>/``.

EMR's wording when an action fails (the cluster's state-change message,
code BOOTSTRAP_FAILURE):

* ``On the master instance (i-...), bootstrap action 2 returned a non-zero return code``
* ``On 2 slave instances (including i-...), bootstrap action 1 returned a non-zero return code``
* ``Master instance (i-...) failed attempting to download bootstrap action 1 file from S3``"""

from __future__ import annotations

import errno
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field

from tests.emr_sim.clock import SimClock
from tests.emr_sim.emrlogs import HadoopLog, log_uri_join, write_log_files
from tests.emr_sim.nodes import Node
from tests.emr_sim.s3 import SimS3
from tests.emr_sim.tasks import kill_group, start_process

__all__ = ["BootstrapAction", "BootstrapRecord", "BootstrapRun"]


@dataclass
class BootstrapAction:
    name: str
    path: str
    args: list[str]


@dataclass
class BootstrapRecord:
    """One action run on one node (times in simulated seconds; returncode
    None when the script could not be fetched)."""

    instance_id: str
    role: str
    action: int
    name: str
    path: str
    args: list[str]
    returncode: int | None
    started: float
    ended: float
    calls: list[str] = field(default_factory=list)
    node_dir: str = ""


class BootstrapRun:
    """The bootstrap actions of one cluster, running in threads."""

    def __init__(self, cluster_id: str, actions: list[BootstrapAction], nodes: list[Node],
                 s3: SimS3, clock: SimClock, log_uri: str | None, timeout: float,
                 on_done=None):
        self.cluster_id = cluster_id
        self.actions = actions
        self.nodes = nodes
        self.s3 = s3
        self.clock = clock
        self.log_uri = log_uri
        self.timeout = timeout
        self.on_done = on_done
        self.records: list[BootstrapRecord] = []
        self.failures: list[tuple[Node, int, str]] = []  # (node, action, "exit"|"download")
        self.finished_at: float | None = None
        self._lock = threading.Lock()
        self._procs: list[subprocess.Popen] = []
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bootstrap-" + cluster_id,
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def done(self) -> bool:
        return self.finished_at is not None

    def alive(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        if self._thread.ident is not None:
            self._thread.join(timeout)

    def cancel(self) -> None:
        """Stop running actions (and keep new ones from starting)."""
        self._cancelled.set()
        self.kill_all()

    def kill_all(self) -> None:
        """Kill every process group a script started, daemons included."""
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            kill_group(proc)

    def failure_message(self) -> str | None:
        """EMR's state-change message for the failure, or None."""
        if not self.failures:
            return None
        first = min(action for _, action, _ in self.failures)
        failed = [(node, how) for node, action, how in self.failures if action == first]
        for node, how in failed:
            if node.role == "MASTER":
                if how == "download":
                    return ("Master instance (%s) failed attempting to download bootstrap action"
                            " %d file from S3" % (node.instance_id, first))
                return ("On the master instance (%s), bootstrap action %d returned a non-zero"
                        " return code" % (node.instance_id, first))
        count = len(failed)
        return ("On %d slave instance%s (including %s), bootstrap action %d returned a non-zero"
                " return code" % (count, "" if count == 1 else "s", failed[0][0].instance_id,
                                  first))

    def _run(self) -> None:
        threads = [threading.Thread(target=self._run_node, args=(node,), daemon=True)
                   for node in self.nodes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.finished_at = self.clock.now()
        if self.on_done is not None:
            self.on_done()

    def _run_node(self, node: Node) -> None:
        for number, action in enumerate(self.actions, 1):
            if self._cancelled.is_set():
                return
            if not self._run_action(node, number, action):
                return

    def _run_action(self, node: Node, number: int, action: BootstrapAction) -> bool:
        folder = os.path.join(node.root, "bootstrap-actions", str(number))
        os.makedirs(folder, exist_ok=True)
        script = os.path.join(folder, action.path.rstrip("/").rsplit("/", 1)[-1] or "script")
        controller = HadoopLog("controller", self.clock)
        started = self.clock.now()
        calls_before = len(node.calls())
        record = BootstrapRecord(node.instance_id, node.role, number, action.name, action.path,
                                 list(action.args), None, started, started, node_dir=node.root)
        controller.line("INFO", "", "Fetching file '%s'" % action.path)
        try:
            self.s3.download(action.path, script)
        except Exception as error:
            controller.line("ERROR", "", "Failed to download '%s': %s" % (action.path, error))
            self._finish(node, number, record, controller, "", "", "download")
            return False
        os.chmod(script, 0o755)
        out_path, err_path = os.path.join(folder, "stdout"), os.path.join(folder, "stderr")
        argv = [script, *action.args]
        env = node.environment(node.root)
        controller.line("INFO", "", "startExec '%s'" % " ".join(argv))
        controller.line("INFO", "", "Environment:",
                        *("  %s=%s" % item for item in sorted(env.items())
                          if not item[0].startswith("AWS_SECRET")))
        controller.line("INFO", "", "redirectOutput to %s" % out_path)
        controller.line("INFO", "", "redirectError to %s" % err_path)
        controller.line("INFO", "", "Working dir %s" % node.root)
        code = self._execute(argv, node.root, env, out_path, err_path, controller)
        record.returncode = code
        record.calls = node.calls()[calls_before:]
        with open(out_path, errors="replace") as out, open(err_path, errors="replace") as err:
            stdout, stderr = out.read(), err.read()
        if code == 0:
            controller.line("INFO", "", "Execution ended with ret val 0")
            controller.line("INFO", "", "Execution succeeded")
        else:
            controller.line("WARN", "", "Execution failed with code '%s'" % code)
        self._finish(node, number, record, controller, stdout, stderr,
                     None if code == 0 else "exit")
        return code == 0

    def _execute(self, argv: list[str], cwd: str, env: dict[str, str], out_path: str,
                 err_path: str, controller: HadoopLog) -> int:
        started = time.monotonic()
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            try:
                proc = start_process(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=err)
            except OSError as error:
                if error.errno != errno.ENOEXEC:
                    err.write(("%s: %s\n" % (argv[0], error.strerror)).encode())
                    return 127
                proc = start_process(["/bin/sh", *argv], cwd=cwd, env=env,
                                     stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        with self._lock:
            self._procs.append(proc)
        if self._cancelled.is_set():
            kill_group(proc)
        controller.line("INFO", "", "ProcessRunner started child process %d" % proc.pid)
        try:
            code = proc.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            code = proc.wait()
            controller.line("WARN", "", "Process timed out after %d seconds" % self.timeout)
        controller.line("INFO", "", "waitProcessCompletion ended with exit code %d : %s"
                        % (code, " ".join(argv)[:80]))
        controller.line("INFO", "", "total process run time: %d seconds"
                        % int(time.monotonic() - started))
        return code

    def _finish(self, node: Node, number: int, record: BootstrapRecord, controller: HadoopLog,
                stdout: str, stderr: str, failure: str | None) -> None:
        record.ended = self.clock.now()
        with self._lock:
            self.records.append(record)
            if failure:
                self.failures.append((node, number, failure))
        if self.log_uri:
            prefix = log_uri_join(self.log_uri, self.cluster_id, "node", node.instance_id,
                                  "bootstrap-actions", str(number))
            write_log_files(self.s3, prefix, {"controller": controller.text(),
                                              "stderr": stderr, "stdout": stdout})
