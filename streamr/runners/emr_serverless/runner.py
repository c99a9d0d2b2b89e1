"""The EMR Serverless runner (``-r emr-serverless``): a job on an EMR
Serverless Spark application, with no cluster to manage.

EMR Serverless runs Spark (and Hive) programs only, so an ordinary job's
streaming steps run through the Spark harness
(:mod:`streamr.runners.spark.harness`), which keeps Hadoop's semantics and
so writes the bytes ``-r local`` writes. One run:

1. Check the options (the execution role is required, and must be a role
   ARN) before any request.
2. Upload what the job run needs to ``cloud_tmp_dir``, by content as the
   EMR runner does (:mod:`streamr.runners.uploads`): the job script,
   streamr as a zip, the driver program
   (:mod:`~streamr.runners.emr_serverless.driver`), the working
   directory's files, local inputs, and the plan the harness follows.
3. Find the application (:mod:`~streamr.runners.emr_serverless.application`)
   or make one, and start it.
4. For each run of consecutive streaming steps, one job run
   (:mod:`~streamr.runners.emr_serverless.job_run`); wait for it (Ctrl-C
   cancels it); on failure the probable cause from its logs in S3
   (:mod:`~streamr.runners.emr_serverless.logs`), with the job's
   traceback.
5. Counters from the harness's result; output on S3 (or downloaded to a
   local output directory); an application the run made is stopped and
   deleted.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil

from streamr.errors import StepFailedException, UsageError
from streamr.fs.local import is_local_path
from streamr.runners.aws_access import AWSAccess
from streamr.runners.base import MRJobRunner
from streamr.runners.emr_serverless.application import Application, find_or_create
from streamr.runners.emr_serverless.driver import SOURCE_PREFIX
from streamr.runners.emr_serverless.job_run import JobRun, SparkSubmit
from streamr.runners.emr_serverless.logs import JobRunLogs
from streamr.runners.emr_serverless.spark_steps import spark_step_submit
from streamr.runners.spark.plan import HarnessPlanning
from streamr.runners.spark.steps import check_spark_steps, option_spark_args, step_groups
from streamr.runners.uploads import Uploads, pack_dir, pack_streamr
from streamr.step import SPARK_STEP_TYPES

__all__ = ["EMRServerlessRunner"]

log = logging.getLogger(__name__)

# an IAM role's ARN, in any partition
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
# characters EMR Serverless takes in an application's name
_NAME_CHARS = re.compile(r"[^A-Za-z0-9._/#-]")
#: the longest name EMR Serverless takes for an application
_NAME_LENGTH = 64

#: cores a job run's tasks are planned for unless ``num_cores`` says
DEFAULT_CORES = 8
_DRIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "driver.py")


def _application_name(job_key: str) -> str:
    """The name of an application made for the run: its job key, cut from
    the front when too long, so that the time that makes it unique stays
    (an application whose creation was cut short is found by it)."""
    return _NAME_CHARS.sub("_", job_key)[-_NAME_LENGTH:]


class EMRServerlessRunner(HarnessPlanning, AWSAccess, MRJobRunner):
    """Runs a job's steps on EMR Serverless. See the module docstring."""

    alias = "emr-serverless"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._app: Application | None = None
        self._uploads: Uploads | None = None
        #: ids of the job runs this run started, in order
        self.job_run_ids: list = []

    # --- AWS ---------------------------------------------------------------------------

    @property
    def application_id(self) -> str | None:
        """The application the job runs (ran) on."""
        return self._app.id if self._app is not None else None

    def _every(self) -> float:
        return self._opts.get("check_cluster_every") or 0

    # --- places on S3 ------------------------------------------------------------------

    def log_uri(self) -> str:
        """Where job runs keep their logs: ``cloud_log_dir``, else ``logs/``
        under ``cloud_tmp_dir``."""
        configured = self._opts.get("cloud_log_dir")
        return (configured.rstrip("/") + "/") if configured else self.cloud_tmp_dir() + "logs/"

    def get_output_dir(self) -> str:
        if self._output_dir is None:
            self._output_dir = self._job_dir() + "output/"
        return self._output_dir

    def _num_cores(self) -> int:
        return self._opts.get("num_cores") or DEFAULT_CORES

    # --- checks ------------------------------------------------------------------------

    def _check_options(self) -> None:
        if not self._script:
            raise UsageError("the emr-serverless runner needs the job's script file")
        self._check_step_types(("streaming",) + SPARK_STEP_TYPES, hint="-r emr")
        check_spark_steps(self._steps)  # a bad step fails before any request
        role = self._opts.get("emr_serverless_role")
        if not role:
            raise UsageError("the emr-serverless runner needs emr_serverless_role: the ARN of"
                             " the IAM role job runs execute as")
        if not _ROLE_ARN.match(role):
            raise UsageError("emr_serverless_role must be an IAM role ARN"
                             " (arn:aws:iam::ACCOUNT:role/NAME), not %r" % role)
        self._warn_about_task_failure_percent()

    # --- the run -----------------------------------------------------------------------

    def _run(self) -> None:
        self._plan_working_dir()
        out_dir = self.get_output_dir()
        self._check_output_dir()
        final = self._job_dir() + "output/" if is_local_path(out_dir) else out_dir
        self._uploads = Uploads(self.fs, self.cloud_tmp_dir() + "files")
        inputs = self._input_uris()
        self._app = find_or_create(
            self._client(), wanted=self._opts.get("emr_serverless_application"),
            release_label=self._opts["emr_serverless_release_label"],
            name=_application_name(self._job_key), every=self._every())
        try:
            self._app.start()
            self._run_steps(inputs, final)
        finally:
            if self._app.created_by_run:
                self._remove_application()
        if is_local_path(out_dir):
            self._download_output(final)

    def _remove_application(self) -> None:
        """Stop and delete the application made for the run; a failure
        here is a warning, so it never hides how the job itself ended."""
        try:
            self._app.stop_and_delete()
        except Exception as exc:
            log.warning("could not stop and delete application %s (%s); delete it with: aws"
                        " emr-serverless delete-application --application-id %s",
                        self._app.id, exc, self._app.id)

    def _run_steps(self, files: list, final: str) -> None:
        """Each run of consecutive streaming steps as one job run of the
        harness, each Spark step as a job run of its own; a step's output
        (a directory on S3) is the next one's input."""
        for first, last in step_groups(self._steps):
            out = final if last == len(self._steps) - 1 else (
                self._job_dir() + "step-%d-output/" % last)
            if self._steps[first].get("type") in SPARK_STEP_TYPES:
                self._run_spark_step(first, files, out)
            else:
                self._run_streaming(first, last, files, out)
            for step_num in range(first, last + 1):
                self._check_failed_records(step_num)
            if last < len(self._steps) - 1:
                files = [(uri, "output of step %d" % (last + 1)) for uri in
                         self.fs.files(out, skip_hidden=True, use_glob=False)]

    def _client(self):
        return self.connection.client("emr-serverless")

    def _input_uris(self) -> list:
        """``(URI, label)`` of each input file: S3 files as they are, local
        files and stdin uploaded (by content) first."""
        found = []
        for num, path in enumerate(self._expanded_inputs()):
            if path == "-":
                found.append((self._uploads.uri_for(self._spool_stdin(num)), "<stdin>"))
            elif is_local_path(path):
                found.append((self._uploads.uri_for(path), path))
            else:
                found.append((path, path))
        return found

    def _sources(self, inputs: list) -> tuple:
        """The URIs the driver copies to the job run (script, working
        directory, inputs) and the plan's fields naming them by number."""
        uris = [self._uploads.uri_for(self._script)]
        entries = []
        for kind, path, name in self._working_dir.entries():
            if kind == "dir":
                # directories travel packed, and the harness unpacks them
                packed = os.path.join(self._tmp_dir(), "dir-%d-%s.tar.gz" % (len(uris), name))
                path, kind = pack_dir(path, packed), "archive"
            entries.append([kind, SOURCE_PREFIX + str(len(uris)), name])
            uris.append(self._uploads.uri_for(path))
        named_inputs = []
        for uri, label in inputs:
            named_inputs.append([SOURCE_PREFIX + str(len(uris)), label])
            uris.append(uri)
        return uris, {"script": SOURCE_PREFIX + "0", "working_dir": entries,
                      "inputs": named_inputs}

    def _spark_conf(self) -> dict:
        """Spark properties of every job run: a failed task is retried as
        many times as Hadoop would, and the job's ``spark.*`` properties."""
        jobconf = self._step_jobconf()
        conf = {"spark.task.maxFailures": self._task_max_failures()}
        conf.update({k: str(v) for k, v in jobconf.items() if k.startswith("spark.")})
        return conf

    def _run_streaming(self, first: int, last: int, inputs: list, output_uri: str) -> None:
        """Steps *first* to *last* as one job run of the harness."""
        uris, fields = self._sources(inputs)
        plan_path = os.path.join(self._tmp_dir(), "plan-%d.json" % first)
        with open(plan_path, "w", encoding="utf_8") as handle:
            # the places only the job run knows are left for the driver to fill
            json.dump(self._harness_plan(first, last, python=["python3"], tmp_dir=None,
                                         output_dir=None, **fields), handle)
        plan_uri = self._job_dir() + "plan-%d.json" % first
        result_uri = self._job_dir() + "result-%d.json" % first
        submit = SparkSubmit(
            entry_point=self._uploads.uri_for(_DRIVER),
            arguments=[plan_uri, result_uri, output_uri] + uris,
            py_files=[self._streamr_zip()], conf=self._spark_conf(),
            spark_args=option_spark_args(self._opts))
        self._uploads.upload()
        self.fs.put(plan_path, plan_uri)
        self._job_run(submit, first, last)
        with self.fs.open_read(result_uri) as handle:
            result = json.loads(handle.read().decode("utf_8"))
        for num, counters in result["counters"].items():
            self._step_counters(int(num)).update(counters)
        for report in result["reports"]:
            log.warning("%s", report)
        for num in range(first, last + 1):
            self._record_step(num, ended=True)

    def _run_spark_step(self, step_num: int, files: list, output_uri: str) -> None:
        """Spark step *step_num* as a job run of its own."""
        desc = self._steps[step_num]
        own = desc.get("jar") if desc["type"] == "spark_jar" else desc.get("script")
        app_uri = self._uploads.uri_for(own) if own and is_local_path(own) else None
        entries = []
        for kind, path, name in self._working_dir.entries():
            if kind == "dir":
                packed = os.path.join(self._tmp_dir(), "dir-%s.tar.gz" % name)
                path, kind = pack_dir(path, packed), "archive"
            entries.append((kind, "%s#%s" % (self._uploads.uri_for(path), name)))
        submit = spark_step_submit(
            desc, step_num, opts=self._opts, script_uri=self._uploads.uri_for(self._script),
            app_uri=app_uri, inputs=[uri for uri, _ in files], output=output_uri,
            generic_args=self._task_args_base(),
            files=[entry for kind, entry in entries if kind == "file"],
            archives=[entry for kind, entry in entries if kind == "archive"],
            streamr_zip=self._streamr_zip(), jobconf=self._step_jobconf(desc))
        submit.spark_args = option_spark_args(self._opts) + submit.spark_args
        self._uploads.upload()
        self._job_run(submit, step_num, step_num)
        self._step_counters(step_num)
        self._record_step(step_num, ended=True)

    def _streamr_zip(self) -> str:
        return self._uploads.uri_for(pack_streamr(self._tmp_dir()))

    def _job_run(self, submit: SparkSubmit, first: int, last: int) -> None:
        """Run *submit* as a job run for steps *first* to *last*; raise
        :class:`StepFailedException` with the probable cause if it fails."""
        log.info("running step%s %s of %d on EMR Serverless", "s" if last > first else "",
                 "%d-%d" % (first + 1, last + 1) if last > first else first + 1,
                 len(self._steps))
        for num in range(first, last + 1):
            self._record_step(num)
        run = JobRun(self._client(), self._app.id, self._every())
        self.job_run_ids.append(run.start(name=self._job_key, role=self._opts[
            "emr_serverless_role"], submit=submit, log_uri=self.log_uri()))
        self._record_job_runs()
        end = run.wait()
        if end.state != "SUCCESS":
            self._fail(run, end, first, last)

    def _record_job_runs(self) -> None:
        """Tell the run history where the job runs ran and keep their logs."""
        if self._recorder is None:
            return
        extra = dict(self._recorder.record.extra, emr_serverless_application=self._app.id,
                     emr_serverless_job_runs=list(self.job_run_ids))
        self._recorder.update(log_uri=self.log_uri(), extra=extra)

    def _fail(self, run: JobRun, end, first: int, last: int) -> None:
        """Raise :class:`StepFailedException` for job run *run*, which ended
        as *end* says, with the probable cause from its logs."""
        if end.state == "CANCELLED":
            raise StepFailedException("job run %s was cancelled%s" % (
                run.id, ": %s" % end.details if end.details else ""), step_num=first,
                num_steps=len(self._steps), last_step_num=last)
        said, traceback = JobRunLogs(self.fs, self.log_uri(), self._app.id, run.id,
                                     self._every()).probable_cause("RUNNING" in run.seen)
        reason = said.get("reason") or "job run %s failed%s" % (
            run.id, ": %s" % end.details if end.details else "")
        step_num = said.get("step_num", first)
        raise StepFailedException(reason, step_num=step_num, num_steps=len(self._steps),
                                  last_step_num=None if "step_num" in said else last,
                                  details=said.get("details") or traceback)

    def _download_output(self, final: str) -> None:
        staging = self._staging_dir()
        try:
            for path in self.fs.files(final, skip_hidden=True, use_glob=False):
                self.fs.get(path, os.path.join(staging, path.rstrip("/").rsplit("/", 1)[-1]))
            self._publish_output(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # --- cleanup -----------------------------------------------------------------------

    def cleanup(self, mode=None) -> None:
        """Remove what *mode* (default: the ``cleanup`` option) names: the
        run's S3 directory with ``CLOUD_TMP`` (or ``TMP``, ``ALL``), the
        local temporary directory with ``LOCAL_TMP``."""
        modes = set(mode if mode is not None else self._opts["cleanup"])
        super().cleanup(modes)
        if modes & {"ALL", "CLOUD_TMP", "TMP"} and self._cloud_tmp_dir:
            try:
                self.fs.rm(self._job_dir())
            except Exception as exc:  # cleaning up never hides the run's own outcome
                log.warning("could not remove %s: %s", self._job_dir(), exc)
