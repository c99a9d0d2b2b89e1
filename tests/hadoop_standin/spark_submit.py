"""The stand-in cluster's ``spark-submit`` (``$SPARK_HOME/bin/spark-submit``
of :func:`tests.hadoop_standin.install`): a Spark client configured for the
cluster's YARN, as on a Hadoop gateway.

``--master yarn`` is served by the real Spark that pyspark bundles, with a
local master: the driver runs in a container directory of its own holding
the ``--files`` and ``--archives`` (by their ``#name``), with the
``--py-files`` on its path, as YARN localizes them; ``hdfs://`` URIs (in
those lists and among the program's arguments) are the stand-in HDFS's
local files, so a Spark program reads and writes the same HDFS the
``hadoop`` program shows. ``spark.yarn.appMasterEnv.*`` properties are the
driver's environment, as in cluster mode. The exit status is Spark's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

from tests.emr_sim.spark import parse_spark_submit
from tests.emr_sim.stepcontext import StepFailed
from tests.hadoop_standin.store import HdfsStore

__all__ = ["spark_submit"]


def _local(store: HdfsStore, arg: str) -> str:
    """*arg* with each ``hdfs://`` URI of a comma-separated list replaced
    by the stand-in HDFS file holding it."""
    if "hdfs://" not in arg:
        return arg
    return ",".join(store.local(part) if part.startswith("hdfs://") else part
                    for part in arg.split(","))


def _renamed(store: HdfsStore, entry: str) -> tuple[str, str]:
    uri, _, name = entry.partition("#")
    path = _local(store, uri)
    if path.startswith("file://"):
        path = path[len("file://"):]
    return path, name or os.path.basename(path.rstrip("/"))


def spark_submit(home: str, argv: list) -> int:
    store = HdfsStore(os.path.join(home, "hdfs"))
    try:
        parsed = parse_spark_submit(argv)
    except StepFailed as exc:
        print(exc.args[-1], file=sys.stderr)
        return 1
    if parsed.options.get("--master") != "yarn":
        print("Error: the stand-in cluster's spark-submit serves --master yarn only",
              file=sys.stderr)
        return 1
    container = tempfile.mkdtemp(prefix="container_", dir=os.path.join(home, "state"))
    try:
        for entry in filter(None, parsed.options.get("--files", "").split(",")):
            path, name = _renamed(store, entry)
            shutil.copy(path, os.path.join(container, name))
        for entry in filter(None, parsed.options.get("--archives", "").split(",")):
            path, name = _renamed(store, entry)
            shutil.unpack_archive(path, os.path.join(container, name),
                                  format="zip" if path.endswith((".zip", ".jar")) else None)
        py_files = [_renamed(store, entry)[0]
                    for entry in filter(None, parsed.options.get("--py-files", "").split(","))]
        app_path, app_name = _renamed(store, parsed.app)
        app = os.path.join(container, app_name)
        if not os.path.exists(app):
            shutil.copy(app_path, app)
        env = dict(os.environ)
        env.pop("SPARK_HOME", None)  # pyspark's Spark finds its own home
        run = [os.environ["STANDIN_PYSPARK_SUBMIT"], "--master", "local[2]",
               "--conf", "spark.ui.enabled=false"]
        for key, value in parsed.confs:
            if key.startswith("spark.yarn.appMasterEnv."):
                env[key[len("spark.yarn.appMasterEnv."):]] = value
            elif not key.startswith("spark.yarn."):
                run += ["--conf", "%s=%s" % (key, value)]
        # the cluster's Python is the one running the stand-in
        env["PYSPARK_PYTHON"] = env["PYSPARK_DRIVER_PYTHON"] = sys.executable
        if py_files:
            run += ["--py-files", ",".join(py_files)]
        for name in ("--class", "--name", "--jars"):
            if name in parsed.options:
                run += [name, _local(store, parsed.options[name])]
        run += [app] + [_local(store, arg) for arg in parsed.app_args]
        print("INFO Client: Submitted application application_1764400000000_0001",
              file=sys.stderr, flush=True)
        return subprocess.run(run, cwd=container, env=env, stdin=subprocess.DEVNULL).returncode
    finally:
        shutil.rmtree(container, ignore_errors=True)
