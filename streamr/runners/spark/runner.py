"""The Spark runner (``-r spark``): every step of a job on Apache Spark.

An ordinary job's steps run through :mod:`streamr.runners.spark.harness`,
which keeps Hadoop's semantics (one partition per task, the local runner's
splits and key ranges) and so writes the bytes ``-r local`` writes. A
``local`` master (``local[*]``, the default) runs the harness in this
process on a ``SparkSession`` (one already running, as in tests, is used
and left running); any other master gets it through ``spark-submit``.
Steps that are Spark programs themselves (``SparkStep``, ``SparkJarStep``,
``SparkScriptStep``) are submitted as they are, on the same master, the
way the local runner submits them (:mod:`streamr.runners.spark.steps`).

Input files are found and fetched (S3, stdin) as the local runner does,
and the last step's part files published by the shared runner code,
unless they are on a filesystem only Spark's Hadoop code can use
(``hdfs://``, ``s3a://``, ``s3://`` with a cluster master): then the
harness reads or writes them through Spark.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
import sys

import streamr
from streamr.errors import UsageError
from streamr.runners.local import LocalRunner
from streamr.runners.spark.plan import HarnessPlanning
from streamr.runners.spark.steps import (
    check_spark_steps,
    option_spark_args,
    step_groups,
    submit_options,
)
from streamr.runners.spark.submit import (
    INSTALL_HINT,
    check_java,
    pyspark_home,
    run_spark_submit,
    spark_submit_argv,
    zip_streamr,
)
from streamr.step import SPARK_STEP_TYPES

__all__ = ["SparkMRJobRunner"]

log = logging.getLogger(__name__)

#: seconds to wait for a standalone master to accept a connection
MASTER_CONNECT_SECONDS = 5.0
_HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness.py")


class SparkMRJobRunner(HarnessPlanning, LocalRunner):
    """Runs the job's steps on Spark. See the module docstring."""

    alias = "spark"

    def _check_options(self) -> None:
        if not self._script:
            raise UsageError("the spark runner needs the job's script file")
        self._check_step_types(("streaming",) + SPARK_STEP_TYPES, hint="-r emr")
        check_spark_steps(self._steps)
        self._warn_about_task_failure_percent()
        if pyspark_home() is None:
            raise UsageError("the spark runner needs pyspark, which is not installed"
                             " (install it with: %s)" % INSTALL_HINT)
        check_java()
        self._check_master()
        if self._opts.get("spark_deploy_mode") == "cluster" and any(
                desc.get("type") == "streaming" for desc in self._steps):
            # the harness plans tasks over this machine's files and hands its
            # result back in one: its driver has to run here
            raise UsageError("spark_deploy_mode cluster runs only Spark steps; a job with"
                             " streaming steps needs client (the default)")

    @property
    def _master(self) -> str:
        return self._opts.get("spark_master") or "local[*]"

    def _in_process(self) -> bool:
        return self._master.startswith("local") and not self._opts.get("spark_submit_bin")

    def _check_master(self) -> None:
        """A standalone master that does not answer fails the run at once,
        in one line (Spark itself would retry for a minute)."""
        master = self._master
        if not master.startswith("spark://"):
            return
        for address in master[len("spark://"):].split(","):
            host, _, port = address.rpartition(":")
            try:
                socket.create_connection((host, int(port)), MASTER_CONNECT_SECONDS).close()
                return
            except (OSError, ValueError) as exc:
                reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError("cannot reach the Spark master %s: %s" % (master, reason))

    # --- steps ---------------------------------------------------------------------------

    def _run(self) -> None:
        import shutil

        self._plan_working_dir()
        tmp = self._tmp_dir()
        self._archive_cache = os.path.join(tmp, "archives")
        groups = step_groups(self._steps)
        streaming_ends = [self._steps[groups[end][0]].get("type") not in SPARK_STEP_TYPES
                          for end in (0, -1)]
        # Spark's own Hadoop filesystems read and write what this machine
        # cannot (hdfs://, s3a://...), when the steps at that end are the
        # harness's; other runs fetch and publish as -r local does
        self._input_uris = self._spark_input_uris() if streaming_ends[0] else None
        self._output_uri = (self.get_output_dir() if streaming_ends[1]
                            and self._through_spark(self.get_output_dir()) else None)
        if self._output_uri is None:
            self._check_output_dir()
        staging = self._staging_dir()
        try:
            files = [] if self._input_uris else self._input_files()
            for first, last in groups:
                out_dir = staging if last == len(self._steps) - 1 else os.path.join(
                    tmp, "step-%d-output" % last)
                os.makedirs(out_dir, exist_ok=True)
                if self._steps[first].get("type") in SPARK_STEP_TYPES:
                    # submitted as it is, on this runner's master (the
                    # local runner's way, which reads spark_master)
                    files = self._run_spark_step(first, self._steps[first], files, out_dir)
                else:
                    files = self._run_streaming(first, last, files, out_dir)
                for step_num in range(first, last + 1):
                    self._check_failed_records(step_num)
            if self._output_uri is None:
                self._publish_output(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            self._stop_session()

    def _through_spark(self, uri: str) -> bool:
        """Whether *uri* is read or written by Spark's own Hadoop
        filesystems: any scheme but ``file://`` and, with a local master,
        ``s3://`` (which this machine reads with boto3 as ``-r local``
        does; on a cluster, such as EMR's, Spark's ``s3://`` is used)."""
        scheme = uri.split("://", 1)[0] if "://" in uri else ""
        if scheme in ("", "file"):
            return False
        return scheme != "s3" or not self._master.startswith("local")

    def _spark_input_uris(self) -> list | None:
        """The inputs as URIs for Spark to read, when any of them is for
        Spark's filesystems (then all go that way: local paths as
        ``file://`` URIs, which a cluster's nodes must then all see)."""
        paths = self._input_paths
        if not any(self._through_spark(path) for path in paths):
            return None
        if "-" in paths:
            raise UsageError("standard input cannot be read together with inputs that"
                             " Spark reads (%s)" % next(p for p in paths if p != "-"))
        return [path if "://" in path else "file://" + os.path.abspath(path)
                for path in paths]

    def _plan(self, first: int, last: int, files: list, out_dir: str) -> dict:
        """What the harness needs to run steps *first* to *last*
        (:mod:`streamr.runners.spark.plan`), reading *files* or the input
        URIs and writing into *out_dir* or the output URI."""
        return self._harness_plan(
            first, last, python=[sys.executable], script=os.path.abspath(self._script),
            working_dir=[list(entry) for entry in self._working_dir.entries()],
            tmp_dir=self._tmp_dir(), inputs=[list(pair) for pair in files],
            output_dir=out_dir,
            input_uris=getattr(self, "_input_uris", None) if first == 0 else None,
            output_uri=(getattr(self, "_output_uri", None)
                        if last == len(self._steps) - 1 else None),
            # the job's files travel through Spark, not by their paths here
            bundle=os.path.basename(self._bundle()), bundle_path=self._bundle())

    def _bundle(self) -> str:
        """The job's files as a tar for Spark to ship
        (:mod:`streamr.runners.spark.bundle`), made once per run."""
        from streamr.runners.spark.bundle import bundle_name, make_bundle

        return make_bundle(os.path.join(self._tmp_dir(), bundle_name(self._job_key)),
                           self._script, self._working_dir.entries())

    def _run_streaming(self, first: int, last: int, files: list, out_dir: str) -> list:
        plan = self._plan(first, last, files, out_dir)
        log.info("running step%s %s of %d on Spark (%s)", "s" if last > first else "",
                 "%d-%d" % (first + 1, last + 1) if last > first else first + 1,
                 len(self._steps), self._master)
        if self._in_process():
            from streamr.console import end_progress
            from streamr.runners.progress import StepProgress
            from streamr.runners.spark.harness import run_plan

            def progress(step_num: int, has_reducer: bool) -> StepProgress:
                return StepProgress(step_num, len(self._steps), has_reducer)

            try:
                session = self._session()
                with _plain_interrupts():
                    result = run_plan(plan, session.sparkContext, progress)
            except Exception as exc:
                if _while_interrupted(exc):
                    raise KeyboardInterrupt from None
                raise
            finally:
                end_progress()  # a failure's message starts on a line of its own
        else:
            result = self._submit_harness(plan, first)
        for num, counters in result["counters"].items():
            self._step_counters(int(num)).update(counters)
        for report in result["reports"]:
            log.warning("%s", report)
        return [tuple(pair) for pair in result["outputs"]]

    def _submit_harness(self, plan: dict, first: int) -> dict:
        tmp = self._tmp_dir()
        plan_path = os.path.join(tmp, "plan-%d.json" % first)
        result_path = os.path.join(tmp, "result-%d.json" % first)
        # JSON keys are strings: the harness reads step numbers back as such
        plan = dict(plan, steps={str(k): v for k, v in plan["steps"].items()})
        with open(plan_path, "w", encoding="utf_8") as handle:
            json.dump(plan, handle)
        argv = spark_submit_argv(self._submit_opts(), app=_HARNESS,
                                 app_args=[plan_path, result_path],
                                 py_files=[zip_streamr(tmp)], jobconf=self._spark_conf())
        run_spark_submit(argv, env=self._submit_env(), log_prefix="spark: ",
                         step_num=first, num_steps=len(self._steps))
        with open(result_path, encoding="utf_8") as handle:
            return json.load(handle)

    # --- Spark itself --------------------------------------------------------------------

    def _submit_opts(self) -> dict:
        return submit_options(self._opts, spark_master=self._master)

    def _spark_conf(self) -> dict:
        """Spark properties every run sets: a failed task is retried as
        many times as Hadoop would (``mapreduce.*.maxattempts``), and the
        driver logs only what the user should see (see :meth:`_log_config`)."""
        jobconf = self._step_jobconf()
        java_options = " ".join(filter(None, [
            "-Dlog4j2.configurationFile=file:" + self._log_config(),
            jobconf.get("spark.driver.extraJavaOptions")]))
        return {"spark.task.maxFailures": self._task_max_failures(),
                "spark.ui.showConsoleProgress": "false",
                "spark.driver.extraJavaOptions": java_options}

    def _log_config(self) -> str:
        """A log4j2 configuration for Spark's driver: its start-up notes
        and a failed task's Java stack say nothing the runner does not say
        better (the job's own traceback), so only fatal errors are shown,
        and warnings with ``-v``."""
        path = os.path.join(self._tmp_dir(), "log4j2.properties")
        if not os.path.exists(path):
            level = "warn" if logging.getLogger("streamr").isEnabledFor(logging.DEBUG) else "fatal"
            with open(path, "w", encoding="utf_8") as handle:
                handle.write("\n".join([
                    "rootLogger.level = %s" % level,
                    "rootLogger.appenderRef.stderr.ref = stderr",
                    "appender.console.type = Console",
                    "appender.console.name = stderr",
                    "appender.console.target = SYSTEM_ERR",
                    "appender.console.layout.type = PatternLayout",
                    "appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n",
                    ""]))
        return path

    def _submit_env(self) -> dict:
        env = dict(os.environ)
        env.setdefault("PYSPARK_PYTHON", sys.executable)
        env.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        parent = os.path.dirname(os.path.dirname(os.path.abspath(streamr.__file__)))
        env["PYTHONPATH"] = parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH")
                                      else "")
        return env

    def _session(self):
        """The ``SparkSession`` to run on: the one running in this process
        (left running), else a new one for this run (stopped at the end)."""
        from pyspark import SparkContext
        from pyspark.sql import SparkSession

        if SparkContext._active_spark_context is not None:
            return SparkSession.builder.getOrCreate()
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        conf = dict(self._spark_conf())
        builder = SparkSession.builder.master(_with_retries(
            self._master, int(conf["spark.task.maxFailures"]))).appName(self._job_key)
        conf.update(_conf_pairs(option_spark_args(self._opts)))
        conf.update({k: v for k, v in self._step_jobconf().items() if k.startswith("spark.")})
        for name, value in conf.items():
            builder = builder.config(name, value)
        log.info("starting Spark (%s)", self._master)
        self._own_session = builder.getOrCreate()
        return self._own_session

    def _stop_session(self) -> None:
        session = getattr(self, "_own_session", None)
        if session is not None:
            self._own_session = None
            session.stop()


@contextlib.contextmanager
def _plain_interrupts():
    """Ctrl-C as a plain ``KeyboardInterrupt`` while the harness runs.

    pyspark's own SIGINT handler calls into the JVM from inside the
    signal handler, over the connection the interrupted call is using,
    and py4j prints the resulting tracebacks; the harness cancels Spark's
    jobs itself once the interrupt has unwound. py4j also logs the call
    it lost through the root logger: with no handler there, Python would
    print it, so a handler that drops it is there meanwhile."""
    import signal
    import threading

    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else None
    root = logging.getLogger()
    quiet = logging.NullHandler() if not root.handlers else None
    if main:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if quiet is not None:
        root.addHandler(quiet)
    try:
        yield
    finally:
        if quiet is not None:
            root.removeHandler(quiet)
        if main and previous is not None:
            signal.signal(signal.SIGINT, previous)


def _while_interrupted(exc: BaseException) -> bool:
    """Whether *exc* was raised while a Ctrl-C unwound: pyspark's clean-up
    on the way out (``SCCallSiteSync``) calls into the JVM over the
    connection the interrupt cut, and its network error would otherwise
    stand in for the interrupt."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__context__
    return False


def _with_retries(master: str, attempts: int) -> str:
    """A ``local[N]`` master that tries each task *attempts* times: in
    local mode Spark ignores ``spark.task.maxFailures`` and reads the
    number from the master (``local[N,F]``)."""
    match = re.fullmatch(r"local(?:\[([^\],]+)\])?", master)
    if match is None or attempts <= 1:
        return master
    return "local[%s,%d]" % (match.group(1) or "1", attempts)


def _conf_pairs(args: list) -> dict:
    """The ``--conf NAME=VALUE`` pairs among spark-submit *args* (all an
    in-process session can take from them)."""
    pairs = {}
    for switch, value in zip(args, args[1:]):
        if switch == "--conf" and "=" in value:
            name, _, setting = value.partition("=")
            pairs[name] = setting
    return pairs
