"""A stand-in for a Hadoop 3 installation, for the Hadoop runner's tests.

:func:`install` lays out what a Hadoop installation looks like to its
users: ``bin/hadoop``, ``bin/mapred`` and ``bin/yarn`` (small shell scripts
running :mod:`tests.hadoop_standin.main` with this test run's
interpreter), ``share/hadoop/tools/lib/hadoop-streaming-3.3.6.jar`` and
``logs/``, and beside it a Spark client for the cluster's YARN,
``spark/bin/spark-submit`` (:mod:`tests.hadoop_standin.spark_submit`, which
runs pyspark's own Spark). HDFS is a local directory. The programs answer what the runner
asks as Hadoop 3's command line does (arguments, output lines, exit
codes); ``hadoop jar hadoop-streaming*.jar ...`` really runs the job,
through the EMR simulator's streaming emulation
(:mod:`tests.emr_sim.streaming`) over the local HDFS.

Every call is appended to ``<state>/calls.log`` (one line: the program and
its arguments, shell-quoted); a running job writes ``<state>/jobs/<job id>``
(its process id) when its tasks start; ``mapred job -kill`` and ``yarn
application -kill`` append the id they killed to ``<state>/kills.log``."""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass

__all__ = ["HadoopInstall", "install"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))
VERSION = "3.3.6"

_SHIM = """#!/bin/sh
# stand-in for Hadoop's {name} (tests/hadoop_standin)
export STREAMR_STANDIN_HOME=${{STREAMR_STANDIN_HOME:-{home}}}
export PYTHONPATH={repo}${{PYTHONPATH:+:$PYTHONPATH}}
exec {python} -S -m tests.hadoop_standin.main {name} "$@"
"""

# Spark's client needs the test run's site-packages (pyspark), unlike Hadoop's
_SPARK_SHIM = """#!/bin/sh
# stand-in for the cluster's Spark client (tests/hadoop_standin)
export STREAMR_STANDIN_HOME=${{STREAMR_STANDIN_HOME:-{home}}}
export STANDIN_PYSPARK_SUBMIT={pyspark_submit}
export PYTHONPATH={repo}${{PYTHONPATH:+:$PYTHONPATH}}
exec {python} -m tests.hadoop_standin.main spark-submit "$@"
"""


@dataclass
class HadoopInstall:
    """Where the stand-in installation is and keeps its state."""

    home: str

    @property
    def bin(self) -> str:
        return os.path.join(self.home, "bin")

    @property
    def hadoop(self) -> str:
        return os.path.join(self.bin, "hadoop")

    @property
    def streaming_jar(self) -> str:
        return os.path.join(self.home, "share", "hadoop", "tools", "lib",
                            "hadoop-streaming-%s.jar" % VERSION)

    @property
    def spark_home(self) -> str:
        """``$SPARK_HOME`` of the cluster's Spark client."""
        return os.path.join(self.home, "spark")

    @property
    def hdfs_root(self) -> str:
        """The local directory holding HDFS's files (``/user`` is in it)."""
        return os.path.join(self.home, "hdfs")

    @property
    def logs(self) -> str:
        return os.path.join(self.home, "logs")

    @property
    def state(self) -> str:
        return os.path.join(self.home, "state")

    def hdfs_path(self, path: str) -> str:
        """The local file holding HDFS path *path* (absolute, or a URI)."""
        if "://" in path:
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        return os.path.join(self.hdfs_root, path.lstrip("/"))

    def calls(self) -> list:
        """Each call so far, as a list of words."""
        try:
            with open(os.path.join(self.state, "calls.log"), encoding="utf_8") as log:
                return [shlex.split(line) for line in log.read().splitlines()]
        except FileNotFoundError:
            return []

    def kills(self) -> list:
        try:
            with open(os.path.join(self.state, "kills.log"), encoding="utf_8") as log:
                return log.read().split()
        except FileNotFoundError:
            return []

    def jobs_dir(self) -> str:
        return os.path.join(self.state, "jobs")


def install(home: str) -> HadoopInstall:
    """Make a stand-in Hadoop installation in the directory *home*."""
    found = HadoopInstall(os.path.abspath(home))
    for folder in (found.bin, os.path.dirname(found.streaming_jar), found.hdfs_root,
                   found.logs, found.jobs_dir()):
        os.makedirs(folder, exist_ok=True)
    for name in ("hadoop", "mapred", "yarn"):
        path = os.path.join(found.bin, name)
        with open(path, "w", encoding="utf_8") as shim:
            shim.write(_SHIM.format(name=name, home=shlex.quote(found.home),
                                    repo=shlex.quote(_REPO),
                                    python=shlex.quote(sys.executable)))
        os.chmod(path, 0o755)
    _install_spark(found)
    with open(found.streaming_jar, "wb"):
        pass  # the stand-in knows a streaming jar by its name
    return found


def _install_spark(found: HadoopInstall) -> None:
    import importlib.util

    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        return  # no Spark client on this cluster
    pyspark_submit = os.path.join(list(spec.submodule_search_locations)[0], "bin",
                                  "spark-submit")
    folder = os.path.join(found.spark_home, "bin")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "spark-submit")
    with open(path, "w", encoding="utf_8") as shim:
        shim.write(_SPARK_SHIM.format(home=shlex.quote(found.home), repo=shlex.quote(_REPO),
                                      python=shlex.quote(sys.executable),
                                      pyspark_submit=shlex.quote(pyspark_submit)))
    os.chmod(path, 0o755)
