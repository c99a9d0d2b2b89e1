"""The Hadoop runner (``-r hadoop``): one run of a job on a Hadoop cluster
through its own command line.

1. Check the options and steps; find ``hadoop`` and the streaming jar
   (:mod:`~streamr.runners.hadoop.find`), so a missing one stops the run
   before any work.
2. Plan the steps as the EMR runner does
   (:class:`~streamr.runners.emr.step_plan.StepPlanner`): local inputs,
   the job script, streamr itself, ``files``, ``dirs`` and ``archives``
   are uploaded once, by content, to the run's directory under
   ``hadoop_tmp_dir`` on HDFS.
3. Run each step with ``hadoop jar`` (:mod:`~streamr.runners.hadoop.client`),
   showing progress and collecting counters from Hadoop's output; a step
   reads the previous one's output on HDFS. Spark steps go to the
   cluster's YARN through ``spark-submit``
   (:mod:`~streamr.runners.hadoop.spark`).
4. On failure, the probable cause from the task logs
   (:mod:`~streamr.runners.hadoop.diagnose`).
5. Fetch a local output directory's part files; clean up the run's HDFS
   directory and the local temporary one.
"""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import time

from streamr.errors import UsageError
from streamr.fs.local import is_local_path
from streamr.runners.base import MRJobRunner
from streamr.runners.emr.step_plan import StepPlanner
from streamr.runners.hadoop.client import JobClient, JobRun, sibling_program
from streamr.runners.hadoop.diagnose import probable_cause
from streamr.runners.hadoop.find import find_hadoop_bin, find_streaming_jar
from streamr.runners.hadoop.spark import run_spark_step, spark_submit_for_yarn
from streamr.runners.progress import StepProgress
from streamr.runners.streaming_args import jar_args, streaming_args
from streamr.runners.uploads import Uploads
from streamr.step import SPARK_STEP_TYPES, StepFailedException

__all__ = ["HadoopJobRunner"]

log = logging.getLogger(__name__)

#: step types this runner runs
STEP_TYPES = ("streaming", "jar") + SPARK_STEP_TYPES


def hdfs_user() -> str:
    """Whom HDFS takes the user for: ``$HADOOP_USER_NAME``, else the login."""
    try:
        return os.environ.get("HADOOP_USER_NAME") or getpass.getuser()
    except Exception:
        return "hadoop"


class HadoopJobRunner(MRJobRunner):
    """Runs a job's steps on a Hadoop cluster with ``hadoop jar``. See the
    module docstring."""

    alias = "hadoop"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._hadoop_bin: list | None = None
        self._streaming_jar: str | None = None
        self._tmp_dir_made = False

    # --- Hadoop itself ---------------------------------------------------------------

    def get_hadoop_bin(self) -> list:
        """The command that runs ``hadoop``."""
        if self._hadoop_bin is None:
            self._hadoop_bin = find_hadoop_bin(self._opts.get("hadoop_bin"))
        return self._hadoop_bin

    def get_hadoop_streaming_jar(self) -> str:
        """The streaming jar's path."""
        if self._streaming_jar is None:
            self._streaming_jar = find_streaming_jar(self._opts.get("hadoop_streaming_jar"),
                                                     self.get_hadoop_bin())
        return self._streaming_jar

    @property
    def fs(self):
        if self._fs is None:
            from streamr.fs import make_filesystem

            opts = dict(self._opts)
            opts["hadoop_bin"] = self.get_hadoop_bin()
            self._fs = make_filesystem(opts)
        return self._fs

    # --- places on HDFS --------------------------------------------------------------

    def hadoop_tmp_dir(self) -> str:
        """``hadoop_tmp_dir`` as a URI ending in ``/``: a path without a
        scheme is on HDFS, a relative one under the user's HDFS home
        (``/user/<name>``), as Hadoop takes it."""
        configured = (self._opts.get("hadoop_tmp_dir") or "tmp/streamr").rstrip("/")
        if "://" in configured:
            return configured + "/"
        if not configured.startswith("/"):
            configured = "/user/%s/%s" % (hdfs_user(), configured)
        return "hdfs://" + configured + "/"

    def _job_dir(self) -> str:
        return self.hadoop_tmp_dir() + self._job_key + "/"

    def get_output_dir(self) -> str:
        if self._output_dir is None:
            self._output_dir = self._job_dir() + "output/"
        return self._output_dir

    # --- checks ----------------------------------------------------------------------

    def _check_options(self) -> None:
        if not self._script:
            raise UsageError("the Hadoop runner needs the job's script file")
        self._check_step_types(STEP_TYPES, "-r local")
        self.get_hadoop_bin()
        if any(desc.get("type") == "streaming" for desc in self._steps):
            self.get_hadoop_streaming_jar()
        if any(desc.get("type") in SPARK_STEP_TYPES for desc in self._steps):
            spark_submit_for_yarn(self._opts)  # none: one line before any upload

    # --- the run ---------------------------------------------------------------------

    def _run(self) -> None:
        self._plan_working_dir()
        given = self._output_dir is not None  # else the run's own, new directory
        out_dir = self.get_output_dir()
        if given:
            self._check_output_dir()
        if given and not is_local_path(out_dir) and self.fs.exists(out_dir):
            # Hadoop writes only to a directory that does not exist yet
            raise UsageError("output directory %s already exists; Hadoop writes only to a"
                             " new directory: remove it or choose another" % out_dir)
        final_output = self._job_dir() + "output/" if is_local_path(out_dir) else out_dir
        uploads = Uploads(self.fs, self._job_dir() + "files")
        planner = StepPlanner(
            opts=self._opts, fs=self.fs, uploads=uploads, tmp_dir=self._tmp_dir,
            job_key=self._job_key, steps=self._steps, script=self._script,
            working_dir=self._working_dir, job_settings=self._job_settings,
            task_args=self._task_args_base, streaming_jobconf=self._step_jobconf(),
            input_paths=self._input_paths, spool_stdin=self._spool_stdin,
            job_dir=self._job_dir(), final_output=final_output)
        self._tmp_dir_made = True
        inputs = planner.inputs()
        self._record_inputs(planner.input_files)
        plan = (planner.streaming_plan()
                if any(desc["type"] != "jar" for desc in self._steps) else None)
        self._upload(uploads)
        num_steps = len(self._steps)
        for num, desc in enumerate(self._steps):
            step_inputs = inputs if num == 0 else [planner.step_output(num - 1)]
            output = planner.step_output(num)
            if desc["type"] in SPARK_STEP_TYPES:
                log.info("Running step %d of %d...", num + 1, num_steps)
                self._record_step(num)
                argv = planner.spark_step(desc, num, plan, step_inputs, output)["Args"]
                run_spark_step(argv, opts=self._opts, step_num=num, num_steps=num_steps)
                self._record_step(num, ended=True)
                continue
            if desc["type"] == "jar":
                args = self._jar_step_args(desc, step_inputs, output)
            else:
                args = ["jar", self.get_hadoop_streaming_jar()] + streaming_args(
                    desc, num, plan, step_inputs, output, last=num == num_steps - 1,
                    extra_args=self._opts.get("hadoop_extra_args") or ())
            log.info("Running step %d of %d...", num + 1, num_steps)
            self._record_step(num)
            self._run_step(num, args, has_reducer="reducer" in desc)
            self._check_failed_records(num)
            self._record_step(num, ended=True)
        if is_local_path(out_dir):
            self._download_output(final_output)

    def _upload(self, uploads: Uploads) -> None:
        """Send the run's files to its new HDFS directory (nothing can be
        there already), in as few ``hadoop fs`` commands as it takes."""
        target = self.fs.for_path(self._job_dir())
        if not hasattr(target, "put_files"):  # hadoop_tmp_dir on another filesystem
            uploads.upload()
            return
        pairs = uploads.take_pending()
        started = time.time()
        target.put_files([(local, uri) for uri, local in pairs])
        log.info("uploaded %d file(s), %.1f MB, in %.1fs", len(pairs),
                 sum(os.path.getsize(local) for _, local in pairs) / 1e6, time.time() - started)

    def _jar_step_args(self, desc: dict, inputs: list, output: str) -> list:
        """``jar JAR [MAIN_CLASS] ARGS...`` of a jar step; a jar on HDFS is
        fetched first (``hadoop jar`` runs a local jar)."""
        jar = desc["jar"]
        if "://" in jar and not jar.startswith("file://"):
            local = os.path.join(self._tmp_dir(), os.path.basename(jar))
            self.fs.get(jar, local)
            jar = local
        elif jar.startswith("file://"):
            jar = jar[len("file://"):]
        args = ["jar", jar]
        if desc.get("main_class"):
            args.append(desc["main_class"])
        libjars = list(self._job_settings.get("libjars") or [])
        return args + jar_args(desc, inputs, output, dict(self._opts.get("jobconf") or {}),
                               libjars)

    def _run_step(self, num: int, args: list, has_reducer: bool) -> None:
        progress = StepProgress(num, len(self._steps), has_reducer)
        run = JobClient(self.get_hadoop_bin()).run(args, progress)
        if run.returncode == 0:
            progress.done()
            self._step_counters(num).update(run.info.counters)
            return
        raise self._failure(num, run)

    def _failure(self, num: int, run: JobRun) -> StepFailedException:
        """The error for step *num*, whose ``hadoop jar`` failed as *run*
        says, with the probable cause from the task logs."""
        cause, looked = probable_cause(
            run.info.application_id, log_dirs=self._opts.get("hadoop_log_dirs"),
            yarn=sibling_program(self.get_hadoop_bin(), "yarn"))
        reason = run.error_line()
        if cause is None:
            if run.info.application_id:
                reason += " (no task logs found: looked in %s)" % looked
            return StepFailedException(reason, step_num=num, num_steps=len(self._steps))
        return StepFailedException(reason, step_num=num, num_steps=len(self._steps),
                                   details=cause.format())

    def _download_output(self, final_output: str) -> None:
        staging = self._staging_dir()
        try:
            for path in self.fs.files(final_output, skip_hidden=True, use_glob=False):
                self.fs.get(path, os.path.join(staging, path.rstrip("/").rsplit("/", 1)[-1]))
            self._publish_output(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # --- cleanup ---------------------------------------------------------------------

    def cleanup(self, mode=None) -> None:
        """Remove what *mode* (default: the ``cleanup`` option) names:
        ``CLOUD_TMP`` the run's directory under ``hadoop_tmp_dir`` on HDFS,
        ``LOCAL_TMP`` the local temporary directory; ``TMP`` and ``ALL``
        both."""
        modes = set(mode if mode is not None else self._opts["cleanup"])
        super().cleanup(modes)
        if modes & {"ALL", "CLOUD_TMP", "TMP"} and self._tmp_dir_made:
            self._tmp_dir_made = False
            try:
                self.fs.rm(self._job_dir())
            except Exception as exc:  # cleanup must not hide the run's own outcome
                log.warning("could not remove %s: %s", self._job_dir(), exc)
