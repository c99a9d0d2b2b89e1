"""EMR Serverless, simulated on the moto server: applications that start
and stop over time, and job runs that really run.

moto's ``emr-serverless`` keeps applications and job runs but never runs
anything (a job run is ``SUCCESS`` as soon as it is sent). While
:class:`SimulatedServerless` is installed, moto's backend is changed in
this process (the server's threads share it):

* ``CreateApplication`` answers with an application ``CREATED``;
  ``StartApplication`` and ``StopApplication`` pass through ``STARTING``
  and ``STOPPING`` in a thread of their own.
* ``StartJobRun`` leaves the job run ``SUBMITTED`` and a thread carries it
  through ``PENDING``, ``SCHEDULED`` and ``RUNNING``: its
  ``jobDriver.sparkSubmit`` runs on pyspark's own ``spark-submit`` with a
  local master. S3 is translated as the EMR simulator translates it for
  cluster steps (:mod:`tests.emr_sim.spark`): every ``s3://`` URI among the
  entry point, its arguments and ``--py-files``/``--files``/``--archives``
  that names objects is downloaded and replaced by the local copy; one
  that names nothing is an output, uploaded when the program succeeds
  (a directory's files, or the file itself). The job run's Python
  (``python3`` on the path, and ``PYSPARK_PYTHON``) is the simulator's.
* When the program ends, its stdout and stderr are written gzipped where
  EMR Serverless writes them, ``LOGURI/applications/APP/jobs/RUN/
  SPARK_DRIVER/{stdout,stderr}.gz`` (with a local master the executors run
  in the driver's process, so their log, ``SPARK_EXECUTOR/1/``, is the
  worker lines: the Python tracebacks it wrote), then the job run is
  ``SUCCESS`` or ``FAILED``.
* ``CancelJobRun`` kills the program's process group; the job run is
  ``CANCELLED``.
* A job run whose execution role is not in IAM fails without running.
"""

from __future__ import annotations

import gzip
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.emrserverless.models import EMRServerlessBackend

from tests.emr_sim.s3 import SimS3, is_s3_uri
from tests.emr_sim.tasks import kill_group, start_process

__all__ = ["SimulatedServerless"]

#: real seconds each passing state of an application or job run lasts
STATE_SECONDS = 0.05
#: how long a job run's program may run in the simulator
RUN_TIMEOUT = 600.0
_ORIGINALS = ("create_application", "start_application", "stop_application",
              "start_job_run", "cancel_job_run")


class SimulatedServerless:
    """EMR Serverless on the moto server at *endpoint* (its backend in this
    process). :meth:`install` and :meth:`uninstall`, or a context manager.
    ``processes`` maps job run ids to their running programs; ``started``
    is set each time a job run's program starts."""

    def __init__(self, endpoint: str, region: str = "us-west-2"):
        self.endpoint = endpoint
        self.region = region
        self.s3 = SimS3(endpoint, region)
        self.processes: dict = {}
        self.started = threading.Event()
        self._cancelled: set = set()
        self._saved: dict = {}
        self._root = None

    def __enter__(self) -> SimulatedServerless:
        self.install()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.uninstall()

    # --- patches ----------------------------------------------------------------------

    def install(self) -> None:
        self._root = tempfile.mkdtemp(prefix="emr-serverless-sim.")
        for name in _ORIGINALS:
            self._saved[name] = getattr(EMRServerlessBackend, name)
        sim = self

        def create_application(backend, *args, **kwargs):
            app = sim._saved["create_application"](backend, *args, **kwargs)
            app.state = "CREATED"
            return app

        def start_application(backend, application_id):
            app = backend.get_application(application_id)
            app.state = "STARTING"
            sim._later(lambda: setattr(app, "state", "STARTED"))

        def stop_application(backend, application_id):
            app = backend.get_application(application_id)
            app.state = "STOPPING"
            sim._later(lambda: setattr(app, "state", "STOPPED"))

        def start_job_run(backend, *args, **kwargs):
            run = sim._saved["start_job_run"](backend, *args, **kwargs)
            run.state = "SUBMITTED"
            threading.Thread(target=sim._execute, args=(run,), daemon=True).start()
            return run

        def cancel_job_run(backend, application_id, job_run_id):
            run = backend.get_job_run(application_id, job_run_id)
            sim._cancelled.add(job_run_id)
            if run.state not in ("SUCCESS", "FAILED", "CANCELLED"):
                run.state = "CANCELLING"
                proc = sim.processes.get(job_run_id)
                if proc is not None:
                    kill_group(proc)
                else:
                    sim._later(lambda: setattr(run, "state", "CANCELLED"))
            return application_id, job_run_id

        for name, patch in (("create_application", create_application),
                            ("start_application", start_application),
                            ("stop_application", stop_application),
                            ("start_job_run", start_job_run),
                            ("cancel_job_run", cancel_job_run)):
            setattr(EMRServerlessBackend, name, patch)

    def uninstall(self) -> None:
        for proc in list(self.processes.values()):
            kill_group(proc)
        for name, original in self._saved.items():
            setattr(EMRServerlessBackend, name, original)
        self._saved.clear()
        if self._root:
            shutil.rmtree(self._root, ignore_errors=True)

    @staticmethod
    def _later(change) -> None:
        def run():
            time.sleep(STATE_SECONDS)
            change()

        threading.Thread(target=run, daemon=True).start()

    # --- job runs ---------------------------------------------------------------------

    def _role_exists(self, arn: str) -> bool:
        from moto.iam.models import iam_backends

        backend = iam_backends[DEFAULT_ACCOUNT_ID]["global"]
        return any(role.arn == arn for role in backend.roles.values())

    def _execute(self, run: Any) -> None:
        try:
            self._execute_run(run)
        except Exception as exc:  # the simulator's own fault shows as the job run's
            run.state_details = "simulator error: %s" % exc
            run.state = "FAILED"

    def _execute_run(self, run: Any) -> None:
        for state in ("PENDING", "SCHEDULED"):
            time.sleep(STATE_SECONDS)
            if run.id in self._cancelled:
                run.state = "CANCELLED"
                return
            run.state = state
        if not self._role_exists(run.execution_role_arn):
            run.state_details = ("Job failed: the execution role %s cannot be assumed"
                                 % run.execution_role_arn)
            run.state = "FAILED"
            return
        cwd = os.path.join(self._root, run.id)
        os.makedirs(cwd)
        outputs: list = []
        argv = self._spark_submit_argv(run.job_driver["sparkSubmit"], cwd, outputs)
        run.state = "RUNNING"
        stdout_path, stderr_path = os.path.join(cwd, "stdout"), os.path.join(cwd, "stderr")
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            proc = start_process(argv, cwd=cwd, env=self._environment(cwd),
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        self.processes[run.id] = proc
        self.started.set()
        try:
            proc.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            proc.wait()
        finally:
            self.processes.pop(run.id, None)
        self._write_logs(run, stdout_path, stderr_path)
        if run.id in self._cancelled:
            run.state = "CANCELLED"
        elif proc.returncode == 0:
            self._upload(outputs)
            run.state = "SUCCESS"
        else:
            run.state_details = ("Job failed, please check complete logs in configured"
                                 " logging destination. ExitCode: %d." % proc.returncode)
            run.state = "FAILED"
        shutil.rmtree(cwd, ignore_errors=True)

    def _local(self, uri: str, cwd: str, outputs: list) -> str:
        """The local stand-in for *uri* (downloaded, or an output to upload)."""
        local = os.path.join(cwd, "s3", uri.split("://", 1)[1].rstrip("/"))
        if self.s3.size(uri) is not None:
            os.makedirs(os.path.dirname(local), exist_ok=True)
            self.s3.download(uri, local)
            return local
        prefix = uri.rstrip("/") + "/"
        found = self.s3.list(prefix)
        for obj in found:
            target = os.path.join(local, obj.uri[len(prefix):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            self.s3.download(obj.uri, target)
        if not found:
            outputs.append((local, uri))
            os.makedirs(os.path.dirname(local), exist_ok=True)
        return local

    def _translated(self, value: str, cwd: str, outputs: list) -> str:
        """*value* (a URI, or several joined by commas, each maybe with a
        ``#name``) with each S3 URI replaced by its local stand-in."""
        parts = []
        for part in value.split(","):
            uri, hash_, name = part.partition("#")
            if is_s3_uri(uri):
                part = self._local(uri, cwd, outputs) + hash_ + name
            parts.append(part)
        return ",".join(parts)

    def _spark_submit_argv(self, driver: dict, cwd: str, outputs: list) -> list:
        from streamr.runners.spark.submit import pyspark_home

        argv = [os.path.join(pyspark_home(), "bin", "spark-submit"), "--master", "local[2]",
                "--conf", "spark.ui.enabled=false"]
        words = shlex.split(driver.get("sparkSubmitParameters") or "")
        for pos, word in enumerate(words):
            before = words[pos - 1] if pos else ""
            if before in ("--py-files", "--files", "--archives", "--jars"):
                word = self._translated(word, cwd, outputs)
            argv.append(word)
        argv.append(self._local(driver["entryPoint"], cwd, outputs))
        argv += [self._translated(arg, cwd, outputs)
                 for arg in driver.get("entryPointArguments") or ()]
        return argv

    def _environment(self, cwd: str) -> dict:
        bin_dir = os.path.join(cwd, "bin")
        os.makedirs(bin_dir)
        os.symlink(sys.executable, os.path.join(bin_dir, "python3"))
        env = {"PATH": bin_dir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
               "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable,
               "HOME": cwd, "LANG": "C.UTF-8"}
        if os.environ.get("JAVA_HOME"):
            env["JAVA_HOME"] = os.environ["JAVA_HOME"]
        return env

    def _upload(self, outputs: list) -> None:
        for local, uri in outputs:
            if os.path.isfile(local):
                with open(local, "rb") as handle:
                    self.s3.put(uri, handle.read())
                continue
            for folder, _, names in os.walk(local):
                for name in sorted(names):
                    if name.endswith(".crc"):
                        continue  # Hadoop's checksums stay with the local filesystem
                    path = os.path.join(folder, name)
                    rel = os.path.relpath(path, local).replace(os.sep, "/")
                    with open(path, "rb") as handle:
                        self.s3.put(uri.rstrip("/") + "/" + rel, handle.read())

    def _write_logs(self, run: Any, stdout_path: str, stderr_path: str) -> None:
        overrides = run.configuration_overrides or {}
        log_uri = (overrides.get("monitoringConfiguration", {})
                   .get("s3MonitoringConfiguration", {}).get("logUri"))
        if not log_uri:
            return
        base = "%s/applications/%s/jobs/%s/" % (log_uri.rstrip("/"), run.application_id,
                                                run.id)
        with open(stdout_path, "rb") as handle:
            stdout = handle.read()
        with open(stderr_path, "rb") as handle:
            stderr = handle.read()
        worker = b"\n".join(line for line in stderr.splitlines()
                            if not line[:2].isdigit())  # Spark's own lines start with a date
        for where, data in (("SPARK_DRIVER/stdout.gz", stdout),
                            ("SPARK_DRIVER/stderr.gz", stderr),
                            ("SPARK_EXECUTOR/1/stdout.gz", b""),
                            ("SPARK_EXECUTOR/1/stderr.gz", worker)):
            self.s3.put(base + where, gzip.compress(data))
