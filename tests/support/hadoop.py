"""Running jobs against the stand-in Hadoop installation
(:mod:`tests.hadoop_standin`) the way a user at a cluster would: the job
finds ``hadoop`` through ``$HADOOP_HOME``, as on a real node."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.hadoop_standin import HadoopInstall, install
from tests.support.jobs import ROOT

__all__ = ["HADOOP_JOBS", "hadoop_env", "make_install", "run_on_hadoop", "start_on_hadoop"]

#: jobs written for the Hadoop runner's tests
HADOOP_JOBS = os.path.join(ROOT, "tests", "jobs", "hadoop")


def make_install(tmp_path) -> HadoopInstall:
    return install(str(tmp_path / "hadoop"))


def hadoop_env(hadoop: HadoopInstall, **more) -> dict:
    """The environment of a user whose ``$HADOOP_HOME`` is the stand-in
    (and whose PATH has no other ``hadoop``)."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("HADOOP_PREFIX", "HADOOP_INSTALL", "HADOOP_LOG_DIR",
                           "YARN_LOG_DIR")}
    env["HADOOP_HOME"] = hadoop.home
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.update(more)
    return env


def _command(script, args) -> list:
    # tasks run with this test run's interpreter, as a cluster's python3 would run them
    return [sys.executable, str(script), "-r", "hadoop", "--no-conf",
            "--task-python-bin", sys.executable, *map(str, args)]


def run_on_hadoop(hadoop: HadoopInstall, script, *args, cwd=ROOT, env=None,
                  timeout=300) -> subprocess.CompletedProcess:
    """Run *script* with ``-r hadoop`` and *args*; the finished process."""
    return subprocess.run(_command(script, args), cwd=str(cwd), capture_output=True,
                          env=env or hadoop_env(hadoop), timeout=timeout)


def start_on_hadoop(hadoop: HadoopInstall, script, *args, log_file, cwd=ROOT):
    """Start *script* with ``-r hadoop``, stderr to *log_file*; the process."""
    with open(log_file, "wb") as err:
        return subprocess.Popen(_command(script, args), cwd=str(cwd), stdout=subprocess.PIPE,
                                stderr=err, env=hadoop_env(hadoop))
