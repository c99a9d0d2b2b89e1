"""Running a ``command-runner.jar spark-submit ...`` step on the simulated
cluster, with the real Spark that pyspark bundles.

On EMR the step's ``spark-submit`` hands the program to YARN (master
``yarn``, usually ``--deploy-mode cluster``): the driver runs in a
container whose working directory holds the ``--files`` and
``--archives`` (renamed by their ``#name``), with the ``--py-files`` on
its Python path, and reads and writes S3 through EMRFS. Here the same
command line runs pyspark's own ``spark-submit`` with a local master, in a
container directory on the master node prepared the same way; S3 is
translated for it: every ``s3://`` URI among the program's arguments that
names existing objects (comma-separated lists too) is downloaded and
replaced by the local copy, and one that names nothing is the output: a
local directory whose files are uploaded to that URI when the program
succeeds. ``spark.yarn.appMasterEnv.*`` properties become the driver's
environment, as in cluster mode; the Python is the simulator's own.

What the program writes (Spark's log and the job's traceback) is the log of
the driver's container, as in cluster mode; the step's own log names the
application and its final state. A non-zero exit fails the step.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from tests.emr_sim.s3 import is_s3_uri
from tests.emr_sim.stepcontext import StepContext, StepFailed
from tests.emr_sim.tasks import kill_group, start_process

__all__ = ["SparkSubmitArgs", "parse_spark_submit", "run_spark_submit"]

SPARK_SUBMIT = "org.apache.spark.deploy.SparkSubmit"
# spark-submit's options that take a value (the rest are flags)
_WITH_VALUE = {"--master", "--deploy-mode", "--class", "--name", "--jars", "--packages",
               "--exclude-packages", "--repositories", "--py-files", "--files", "--archives",
               "--conf", "-c", "--properties-file", "--driver-memory", "--driver-java-options",
               "--driver-library-path", "--driver-class-path", "--executor-memory",
               "--proxy-user", "--driver-cores", "--total-executor-cores", "--executor-cores",
               "--num-executors", "--principal", "--keytab", "--queue"}
#: how long a Spark program may run in the simulator
SPARK_TIMEOUT = 600.0


class SparkSubmitArgs:
    """``spark-submit``'s command line taken apart: its options (the last
    value of each), ``--conf`` pairs in order, the program and its
    arguments."""

    def __init__(self) -> None:
        self.options: dict[str, str] = {}
        self.confs: list[tuple[str, str]] = []
        self.flags: list[str] = []
        self.app = ""
        self.app_args: list[str] = []


def parse_spark_submit(args: list[str]) -> SparkSubmitArgs:
    """Parse the arguments after ``spark-submit`` as it does: options up
    to the first argument that is not one, which is the program."""
    parsed = SparkSubmitArgs()
    pos = 0
    while pos < len(args):
        arg = args[pos]
        if not arg.startswith("-"):
            break
        name, eq, value = arg.partition("=")
        if name in _WITH_VALUE:
            if not eq:
                pos += 1
                if pos >= len(args):
                    raise StepFailed("Unknown Error.", "Error: Missing argument for option '%s'"
                                     % name)
                value = args[pos]
            if name in ("--conf", "-c"):
                key, _, conf_value = value.partition("=")
                parsed.confs.append((key, conf_value))
            else:
                parsed.options[name] = value
        else:
            parsed.flags.append(arg)
        pos += 1
    if pos >= len(args):
        raise StepFailed("Unknown Error.", "Error: Must specify a primary resource (JAR or"
                         " Python file)")
    parsed.app = args[pos]
    parsed.app_args = list(args[pos + 1:])
    return parsed


def _renamed(entry: str) -> tuple[str, str]:
    uri, _, name = entry.partition("#")
    return uri, name or uri.rstrip("/").rsplit("/", 1)[-1]


def _s3_objects(ctx: StepContext, uri: str) -> list:
    """The objects *uri* names: itself, or everything under it as a prefix."""
    if ctx.s3.size(uri) is not None:
        return [uri]
    prefix = uri.rstrip("/") + "/"
    return [obj.uri for obj in ctx.s3.list(prefix)]


class _PathTranslator:
    """Local stand-ins for the S3 URIs in a program's arguments."""

    def __init__(self, ctx: StepContext, root: str):
        self.ctx = ctx
        self.root = root
        self.outputs: list[tuple[str, str]] = []  # (local dir, URI)

    def arg(self, arg: str) -> str:
        if not any(is_s3_uri(part) for part in arg.split(",")):
            return arg
        return ",".join(self._one(part) if is_s3_uri(part) else part
                        for part in arg.split(","))

    def _one(self, uri: str) -> str:
        local = os.path.join(self.root, "s3", uri.split("://", 1)[1].rstrip("/"))
        objects = _s3_objects(self.ctx, uri)
        if not objects:
            self.outputs.append((local, uri))
            os.makedirs(os.path.dirname(local), exist_ok=True)
            return local
        prefix = uri.rstrip("/") + "/"
        for obj in objects:
            target = local if obj == uri else os.path.join(local, obj[len(prefix):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            self.ctx.s3.download(obj, target)
        return local

    def upload_outputs(self) -> None:
        for local, uri in self.outputs:
            if not os.path.isdir(local):
                continue
            for folder, _, names in os.walk(local):
                for name in sorted(names):
                    if name.endswith(".crc"):
                        continue  # Hadoop's checksums stay with the local filesystem
                    path = os.path.join(folder, name)
                    rel = os.path.relpath(path, local).replace(os.sep, "/")
                    with open(path, "rb") as handle:
                        self.ctx.s3.put(uri.rstrip("/") + "/" + rel, handle.read())


def _local_spark_submit() -> str:
    import importlib.util

    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        raise StepFailed("Unknown Error.", "the simulator needs pyspark to run Spark steps")
    return os.path.join(list(spec.submodule_search_locations)[0], "bin", "spark-submit")


def run_spark_submit(ctx: StepContext, args: list[str]) -> None:
    """Run the ``spark-submit`` command line *args* (without the program
    name) on the master node; raise :class:`StepFailed` when it fails."""
    parsed = parse_spark_submit(args)
    node = ctx.nodes[0]
    number, stamp = ctx.new_application()
    app_id = "application_%d_%04d" % (stamp, number)
    ctx.application_ids.append(app_id)
    container_id = "container_%d_%04d_01_000001" % (stamp, number)
    cwd = node.container_dir(app_id, container_id)
    ctx.log.line("INFO", "org.apache.hadoop.yarn.client.api.impl.YarnClientImpl",
                 "Submitted application %s" % app_id)

    def fetch(uri: str, archive: bool) -> str:
        if is_s3_uri(uri):
            return node.localize(ctx.s3, uri, archive, scope=app_id)
        return uri[len("file://"):] if uri.startswith("file://") else uri

    for entry in filter(None, parsed.options.get("--files", "").split(",")):
        uri, name = _renamed(entry)
        node.link_into(cwd, fetch(uri, False), name)
    for entry in filter(None, parsed.options.get("--archives", "").split(",")):
        uri, name = _renamed(entry)
        node.link_into(cwd, fetch(uri, True), name)
    py_files = [fetch(uri, False) for uri in
                filter(None, parsed.options.get("--py-files", "").split(","))]
    # the program sits in the driver's working directory, as YARN localizes
    # it (a copy: Spark would follow a link back to the node's file cache)
    app = os.path.join(cwd, parsed.app.rstrip("/").rsplit("/", 1)[-1])
    source = fetch(parsed.app, False)
    if os.path.islink(app):  # also shipped with --files
        os.remove(app)
    shutil.copy(source, app)
    paths = _PathTranslator(ctx, cwd)
    app_args = [paths.arg(arg) for arg in parsed.app_args]

    env = node.environment(cwd)
    env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    if os.environ.get("JAVA_HOME"):
        env["JAVA_HOME"] = os.environ["JAVA_HOME"]
    argv = [_local_spark_submit(), "--master", "local[2]",
            "--conf", "spark.ui.enabled=false"]
    for key, value in parsed.confs:
        if key.startswith("spark.yarn.appMasterEnv."):
            env[key[len("spark.yarn.appMasterEnv."):]] = value
        elif key.startswith("spark.yarn."):
            continue
        else:
            argv += ["--conf", "%s=%s" % (key, value)]
    # the cluster's Python is the one running the simulator
    env["PYSPARK_PYTHON"] = sys.executable
    env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    argv += ["--conf", "spark.executorEnv.PYSPARK_PYTHON=%s" % sys.executable]
    if py_files:
        argv += ["--py-files", ",".join(py_files)]
    for name in ("--class", "--name", "--jars", "--driver-memory", "--executor-memory"):
        if name in parsed.options:
            argv += [name, parsed.options[name]]
    argv += [app] + app_args

    output_path = os.path.join(cwd, "spark-submit.out")
    with open(output_path, "wb") as output:
        proc = start_process(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=output,
                             stderr=subprocess.STDOUT)
    ctx.live.add(proc)
    try:
        proc.wait(timeout=SPARK_TIMEOUT)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        proc.wait()
    finally:
        ctx.live.discard(proc)
    with open(output_path, "rb") as output:
        text = output.read().decode("utf-8", "replace")
    # in cluster mode the driver runs in YARN's first container: what it
    # writes is that container's log, and the step's log only reports on it
    ctx.container_logs["%s/%s" % (app_id, container_id)] = {"stderr": text, "stdout": ""}
    ctx.log.line("INFO", "org.apache.spark.deploy.yarn.Client",
                 "Application report for %s (state: %s)"
                 % (app_id, "FINISHED" if proc.returncode == 0 else "FAILED"))
    if proc.returncode != 0:
        ctx.log.line("ERROR", SPARK_SUBMIT, "Application %s finished with failed status" % app_id)
        raise StepFailed("Unknown Error.", "Application %s finished with failed status"
                         % app_id)
    paths.upload_outputs()
    shutil.rmtree(os.path.join(cwd, "s3"), ignore_errors=True)
