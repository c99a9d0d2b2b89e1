"""Running one step, whatever its jar, and leaving its logs.

* ``command-runner.jar`` with ``hadoop-streaming`` first (or a jar named
  ``hadoop-streaming*.jar``): a streaming job (:mod:`tests.emr_sim.streaming`);
* ``command-runner.jar`` with ``spark-submit`` first, on a cluster with
  Spark among its applications: a Spark program run with pyspark
  (:mod:`tests.emr_sim.spark`);
* ``command-runner.jar`` with another command first (or ``spark-submit``
  on a cluster without Spark): the function registered under that
  command's name, else the step fails as command-runner does for a
  missing program ("Cannot run program");
* any other jar: the function registered under the jar's URI or file name,
  else the step fails with a Java ``ClassNotFoundException`` (or
  ``FileNotFoundException`` when the jar is an S3 URI with nothing there).

A registered function is called as ``func(args, jar)`` with the step's
``Args`` as sent, and a :class:`JarContext`; it succeeds by returning None
or 0; a non-zero number or an exception fails the step (the traceback goes
to the step's ``stderr``).

When the step ends, its ``controller``, ``syslog`` and ``stderr`` (and any
task containers' logs) are written under the cluster's log URI."""

from __future__ import annotations

import posixpath
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.emr_sim.emrlogs import HadoopLog, log_uri_join, write_log_files
from tests.emr_sim.s3 import SimS3, is_s3_uri
from tests.emr_sim.spark import run_spark_submit
from tests.emr_sim.stepcontext import StepContext, StepFailed
from tests.emr_sim.streaming import run_streaming

__all__ = ["JarContext", "StepOutcome", "StepSpec", "run_step"]

RUN_JAR = "org.apache.hadoop.util.RunJar"


@dataclass
class StepSpec:
    """What the driver hands over about a step."""

    number: int
    jar: str
    args: list[str]
    main_class: str | None
    log_uri: str | None
    forced_failure: str | None = None


@dataclass
class StepOutcome:
    ok: bool
    reason: str | None = None
    message: str | None = None
    log_file: str | None = None
    ended: float = 0.0


class JarContext:
    """What a registered jar function gets besides its arguments."""

    def __init__(self, ctx: StepContext, stdout: list[str]):
        self.cluster_id = ctx.cluster_id
        self.step_id = ctx.step_id
        self.s3: SimS3 = ctx.s3
        self.nodes = ctx.nodes
        self._ctx = ctx
        self._stdout = stdout

    def log(self, message: str) -> None:
        """Add an INFO line to the step's syslog and stderr."""
        self._ctx.log.line("INFO", "org.apache.hadoop.util.RunJar", message)

    def print(self, line: str) -> None:
        """Add a line to the step's stdout."""
        self._stdout.append(line)

    def read(self, uri: str) -> bytes:
        return self.s3.get(uri)

    def write(self, uri: str, data: bytes) -> None:
        self.s3.put(uri, data)

    def list(self, uri: str) -> list[str]:
        return [obj.uri for obj in self.s3.list(uri)]


def run_step(ctx: StepContext, spec: StepSpec, jars: dict[str, Callable]) -> StepOutcome:
    """Run the step; write its logs; say how it went."""
    controller = HadoopLog("controller", ctx.clock)
    stdout: list[str] = []
    command = "hadoop jar %s %s" % (_local_jar(spec.jar), " ".join(spec.args))
    step_dir = "/mnt/var/log/hadoop/steps/%s" % ctx.step_id
    controller.line("INFO", "", "Ensure step %d jar file %s" % (spec.number, spec.jar))
    controller.line("INFO", "", "StepRunner: Created Runner for step %d" % spec.number)
    controller.line("INFO", "", "startExec '%s'" % command)
    controller.line("INFO", "", "Environment:", "  PATH=/usr/local/bin:/usr/bin:/bin",
                    "  HADOOP_LOGFILE=syslog", "  HADOOP_LOG_DIR=%s" % step_dir)
    controller.line("INFO", "", "redirectOutput to %s/stdout" % step_dir)
    controller.line("INFO", "", "redirectError to %s/stderr" % step_dir)
    controller.line("INFO", "", "Working dir /mnt/var/lib/hadoop/steps/%s" % ctx.step_id)
    controller.line("INFO", "", "ProcessRunner started child process 4%04d" % spec.number)
    started = time.monotonic()
    outcome = StepOutcome(True)
    try:
        if spec.forced_failure is not None:
            ctx.log.line("ERROR", RUN_JAR, spec.forced_failure)
            raise StepFailed(spec.forced_failure, spec.forced_failure)
        code = _dispatch(ctx, spec, jars, stdout)
    except StepFailed as failure:
        outcome = StepOutcome(False, failure.reason, failure.message)
        code = 1
    except Exception as error:  # a registered function's own failure
        ctx.log.raw(*traceback.format_exc().rstrip("\n").splitlines())
        outcome = StepOutcome(False, "Unknown Error.", "%s: %s" % (type(error).__name__, error))
        code = 1
    seconds = int(time.monotonic() - started)
    controller.line("INFO", "", "waitProcessCompletion ended with exit code %d : %s"
                    % (code, command[:80]))
    controller.line("INFO", "", "total process run time: %d seconds" % seconds)
    if ctx.job_ids:
        controller.line("INFO", "", "Step created jobs: %s" % ",".join(ctx.job_ids))
    else:
        controller.line("INFO", "", "Step created jobs: ")
    if outcome.ok:
        controller.line("INFO", "", "Step succeeded with exitCode 0 and took %d seconds" % seconds)
    else:
        controller.line("WARN", "", "Step failed with exitCode %d and took %d seconds"
                        % (code, seconds))
    if spec.log_uri:
        step_logs = log_uri_join(spec.log_uri, ctx.cluster_id, "steps", ctx.step_id)
        if not outcome.ok:
            outcome.log_file = step_logs + "/stderr.gz"
        files = {"controller": controller.text(), "syslog": ctx.log.syslog.text(),
                 "stderr": ctx.log.stderr.text()}
        if stdout:
            files["stdout"] = "".join(line + "\n" for line in stdout)
        write_log_files(ctx.s3, step_logs, files)
        for key, container_files in sorted(ctx.container_logs.items()):
            write_log_files(ctx.s3, log_uri_join(spec.log_uri, ctx.cluster_id, "containers", key),
                            container_files)
    outcome.ended = ctx.clock.now()
    return outcome


def _local_jar(jar: str) -> str:
    if jar == "command-runner.jar":
        return "/var/lib/aws/emr/step-runner/hadoop-jars/command-runner.jar"
    return jar


def _dispatch(ctx: StepContext, spec: StepSpec, jars: dict[str, Callable],
              stdout: list[str]) -> int:
    name = posixpath.basename(spec.jar)
    args = list(spec.args)
    if name == "command-runner.jar":
        if args and args[0] == "hadoop-streaming":
            run_streaming(ctx, args[1:])
            return 0
        program = args[0] if args else ""
        func = jars.get(program) or jars.get(posixpath.basename(program))
        if func is None and program == "spark-submit" and any(
                name.lower() == "spark" for name in ctx.applications):
            run_spark_submit(ctx, args[1:])
            return 0
        if func is None:
            message = ('Cannot run program "%s" (in directory "/mnt/var/lib/hadoop/steps/%s"):'
                       " error=2, No such file or directory" % (program, ctx.step_id))
            ctx.log.stderr.raw('Exception in thread "main" java.lang.RuntimeException:'
                               " java.io.IOException: " + message,
                               "\tat com.amazonaws.emr.command.runner.ProcessRunner"
                               ".exec(ProcessRunner.java:140)",
                               "\tat com.amazonaws.emr.command.runner.CommandRunner"
                               ".main(CommandRunner.java:23)")
            raise StepFailed("Unknown Error.", "java.io.IOException: " + message)
        return _call(ctx, func, args, stdout)
    if name.startswith("hadoop-streaming") and name.endswith(".jar"):
        run_streaming(ctx, args)
        return 0
    func = jars.get(spec.jar) or jars.get(name)
    if func is not None:
        return _call(ctx, func, args, stdout)
    if is_s3_uri(spec.jar) and ctx.s3.size(spec.jar) is None:
        message = "java.io.FileNotFoundException: File does not exist: %s" % spec.jar
        ctx.log.stderr.raw('Exception in thread "main" ' + message,
                           "\tat com.amazon.ws.emr.hadoop.fs.s3n.S3NativeFileSystem"
                           ".getFileStatus(S3NativeFileSystem.java:830)")
        raise StepFailed("Unknown Error.", message)
    missing = spec.main_class or name.rsplit(".", 1)[0]
    ctx.log.stderr.raw('Exception in thread "main" java.lang.ClassNotFoundException: ' + missing,
                       "\tat java.net.URLClassLoader.findClass(URLClassLoader.java:387)",
                       "\tat java.lang.ClassLoader.loadClass(ClassLoader.java:418)",
                       "\tat java.lang.Class.forName0(Native Method)",
                       "\tat java.lang.Class.forName(Class.java:348)",
                       "\tat org.apache.hadoop.util.RunJar.run(RunJar.java:311)",
                       "\tat org.apache.hadoop.util.RunJar.main(RunJar.java:232)")
    raise StepFailed("Unknown Error.", "java.lang.ClassNotFoundException: " + missing)


def _call(ctx: StepContext, func: Callable[..., Any], args: list[str], stdout: list[str]) -> int:
    result = func(args, JarContext(ctx, stdout))
    code = int(result or 0)
    if code:
        ctx.log.line("ERROR", RUN_JAR, "exited with code %d" % code)
        raise StepFailed("Unknown Error.", "Step exited with code %d" % code)
    return 0
