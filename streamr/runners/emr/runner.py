"""The EMR runner (``-r emr``): one run of a job on Amazon EMR.

1. Check the options; plan the steps (:mod:`~streamr.runners.emr.step_plan`),
   which also decides what the run's directory under ``cloud_tmp_dir``
   needs: the job script, streamr itself as a zip, ``files``, ``dirs``
   (packed), ``archives``, the ``setup`` wrapper, local inputs, bootstrap
   files.
2. Choose where the steps run: the cluster ``cluster_id`` names
   (:mod:`~streamr.runners.emr.given_cluster`), a cluster of a pool
   (:mod:`~streamr.runners.emr.pooled_cluster`), or a new cluster of the
   run's own (:mod:`~streamr.runners.emr.new_cluster`); let that placement
   check what it can, then upload the run's files (by content, so
   unchanged ones are not sent again) and let it put the steps there.
3. Watch the cluster and steps until they are done, logging each change
   (:mod:`~streamr.runners.emr.watch`).
4. Read counters from the step logs, or on failure the probable cause from
   the task and bootstrap logs (:mod:`~streamr.runners.emr.outcome`).
5. Clean up: the run's S3 directory, the local temporary directory, and
   what the placement says is the run's on the cluster.

This module only runs that lifecycle; each step's work is in the modules
it names.
"""

from __future__ import annotations

import logging
import os
import shutil

from streamr.errors import UsageError
from streamr.fs.local import is_local_path
from streamr.runners.aws_access import AWSAccess
from streamr.runners.base import MRJobRunner
from streamr.runners.emr.cluster import ACTIVE_STATES, EMRClusters
from streamr.runners.emr.cluster_start import ClusterStarter
from streamr.runners.emr.given_cluster import GivenCluster
from streamr.runners.emr.log_fetch import LogFetcher, s3_uri
from streamr.runners.emr.new_cluster import NewCluster
from streamr.runners.emr.outcome import Outcome, cluster_failure_text
from streamr.runners.emr.placement import Placement, PlacementContext, quietly
from streamr.runners.emr.pooled_cluster import PooledCluster
from streamr.runners.emr.request import check_cluster_options
from streamr.runners.emr.spark_steps import check_runs_spark, with_spark_application
from streamr.runners.emr.step_plan import StepPlanner
from streamr.runners.emr.watch import StepWatcher
from streamr.runners.uploads import Uploads
from streamr.step import SPARK_STEP_TYPES, StepFailedException

__all__ = ["EMRJobRunner"]

log = logging.getLogger(__name__)


class EMRJobRunner(AWSAccess, MRJobRunner):
    """Runs a job's steps on EMR. See the module docstring."""

    alias = "emr"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clusters: EMRClusters | None = None
        self._uploads = None
        self._final_output = None
        self._placement: Placement | None = None  # where the steps run, once chosen

    # --- AWS ---------------------------------------------------------------------------

    @property
    def clusters(self) -> EMRClusters:
        # one for the run, so that a refused optional call is warned about once
        if self._clusters is None:
            self._clusters = EMRClusters(self.connection)
        return self._clusters

    def get_cluster_id(self) -> str | None:
        """The cluster the job runs (or ran) on."""
        return self._placement.cluster_id if self._placement is not None else None

    # --- places on S3 ------------------------------------------------------------------

    def _lock_dir(self) -> str:
        """Where this job keeps locks: ``locks/`` under ``cloud_tmp_dir``."""
        return self.cloud_tmp_dir() + "locks/"

    def _new_cluster_log_uri(self) -> str:
        """Where a cluster this run starts keeps its logs: ``cloud_log_dir``,
        else ``logs/`` under ``cloud_tmp_dir``."""
        configured = self._opts.get("cloud_log_dir")
        return (configured.rstrip("/") + "/") if configured else self.cloud_tmp_dir() + "logs/"

    def log_uri(self) -> str:
        """Where the cluster keeps its logs: an existing cluster's own log
        URI, else ``cloud_log_dir``, else ``logs/`` under ``cloud_tmp_dir``."""
        own = self._placement.log_uri if self._placement is not None else None
        return s3_uri(own) if own else self._new_cluster_log_uri()

    def get_output_dir(self) -> str:
        if self._output_dir is None:
            self._output_dir = self._job_dir() + "output/"
        return self._output_dir

    # --- checks ------------------------------------------------------------------------

    def _check_options(self) -> None:
        if not self._script:
            raise UsageError("the EMR runner needs the job's script file")
        self._check_step_types(("streaming", "jar") + SPARK_STEP_TYPES)
        if any(desc.get("type") in SPARK_STEP_TYPES for desc in self._steps):
            # a cluster the run starts or joins must run Spark (a pooled
            # one is then chosen among those that do)
            applications = with_spark_application(self._opts.get("applications"))
            if applications != list(self._opts.get("applications") or []):
                log.info("adding Spark to the cluster's applications: the job has Spark steps")
                self._opts["applications"] = applications
        every = self._opts.get("check_cluster_every")
        if every is not None and every < 0:
            raise UsageError("check_cluster_every must be 0 or more seconds, not %s" % every)
        check_cluster_options(self._opts)

    def _every(self) -> float:
        """Seconds between looks at a cluster."""
        return self._opts.get("check_cluster_every") or 0

    # --- the parts of a run ------------------------------------------------------------

    def _planner(self) -> StepPlanner:
        return StepPlanner(
            opts=self._opts, fs=self.fs, uploads=self._uploads, tmp_dir=self._tmp_dir,
            job_key=self._job_key, steps=self._steps, script=self._script,
            working_dir=self._working_dir, job_settings=self._job_settings,
            task_args=self._task_args_base, streaming_jobconf=self._step_jobconf(),
            input_paths=self._input_paths, spool_stdin=self._spool_stdin, job_dir=self._job_dir(),
            final_output=self._final_output)

    def _starter(self) -> ClusterStarter:
        return ClusterStarter(
            opts=self._opts, fs=self.fs, clusters=self.clusters, uploads=self._uploads,
            tmp_dir=self._tmp_dir, job_key=self._job_key, label=self.label, owner=self.owner,
            log_uri=self._new_cluster_log_uri(), lock_dir=self._lock_dir(),
            uploads_dir=self.cloud_tmp_dir() + "files/")

    def _placement_context(self) -> PlacementContext:
        return PlacementContext(
            opts=self._opts, clusters=self.clusters, connection=self.connection, fs=self.fs,
            starter=self._starter(), job_key=self._job_key,
            log_uri=self._new_cluster_log_uri(), lock_dir=self._lock_dir(),
            partial_outputs=(self._final_output, self._job_dir() + "step-output/"),
            every=self._every(), on_state=self._record_state)

    def _choose_placement(self) -> Placement:
        """The cluster ``cluster_id`` names, else a pool's, else a new one."""
        ctx = self._placement_context()
        cluster_id = self._opts.get("cluster_id")
        if cluster_id:
            return GivenCluster(ctx, cluster_id)
        if self._opts.get("pool_clusters"):
            return PooledCluster(ctx)
        return NewCluster(ctx)

    def _log_fetcher(self) -> LogFetcher:
        return LogFetcher(self.fs, self.log_uri(), self.get_cluster_id())

    # --- the run -----------------------------------------------------------------------

    def _run(self) -> None:
        self._plan_working_dir()
        out_dir = self.get_output_dir()
        self._check_output_dir()
        self._final_output = (self._job_dir() + "output/" if is_local_path(out_dir)
                              else out_dir)
        self._uploads = Uploads(self.fs, self.cloud_tmp_dir() + "files")
        planner = self._planner()
        steps = planner.requests(planner.inputs())
        self._record_inputs(planner.input_files)
        self._placement = self._choose_placement()
        cluster_id = self._opts.get("cluster_id")
        if cluster_id and any(d.get("type") in SPARK_STEP_TYPES for d in self._steps):
            check_runs_spark(cluster_id, self.clusters.describe(cluster_id))
        self._placement.prepare(steps)
        self._uploads.upload()
        result = self._run_placement()
        outcome = Outcome(self.clusters, self._log_fetcher(), self.get_cluster_id(),
                          every=self._every())
        outcome.check(result, self._placement.steps, len(self._steps), self._step_counters)
        # the steps ran one after the other on the cluster: the job's limits
        # on skipped records can only be checked now, from their counters
        self._check_failed_records(len(self._steps) - 1)
        if is_local_path(out_dir):
            self._download_output()

    def _run_placement(self):
        """Start or join the cluster and wait for the job's steps. If that
        is cut short (Ctrl-C, SIGTERM, or AWS refusing to answer even after
        retries), stop what the job started on EMR: its own cluster is
        terminated, a shared one loses the job's unfinished steps."""
        try:
            return self._placement.run(self._watch)
        except BaseException as exc:
            if not isinstance(exc, KeyboardInterrupt):
                log.info("giving up on the job (%s); stopping what it started on EMR", exc)
            self._placement.interrupted()
            raise

    def _watch(self, on_poll=None):
        """Wait for the job's steps."""
        return self._wait_for_steps(on_poll)

    def _wait_for_steps(self, on_poll=None):
        """Wait until the job's steps are done, sending each waiting step
        once the ones before it completed."""
        cluster_id = self.get_cluster_id()
        steps = self._placement.steps
        logs = self._log_fetcher()

        def progress(step_id: str) -> str | None:
            info = logs.step_info(step_id)
            if info and info.last_progress:
                return "map %d%% reduce %d%%" % info.last_progress
            return None

        def polled(result) -> None:
            self._record_emr(cluster_id, result)
            if on_poll is not None:
                on_poll(result)

        watcher = StepWatcher(self.clusters, cluster_id, steps.labels(len(self._steps)),
                              self._every(), progress=progress, on_poll=polled)
        while True:
            result = watcher.wait()
            if not steps.send_next(self.clusters, cluster_id, result):
                return result
            watcher.watch(steps.labels(len(self._steps)))

    def _record_state(self, state: str) -> None:
        if self._recorder is not None:
            self._recorder.state(state)

    def _record_emr(self, cluster_id: str, result) -> None:
        """Tell the run history the cluster, its logs and the steps' states."""
        if self._recorder is None:
            return
        ids = list(self._placement.steps.ids)
        self._recorder.update(cluster_id=cluster_id, log_uri=self.log_uri())
        self._recorder.emr_steps(ids, {step_id: result.step_state(step_id) for step_id in ids})

    def _download_output(self) -> None:
        staging = self._staging_dir()
        try:
            for path in self.fs.files(self._final_output, skip_hidden=True, use_glob=False):
                self.fs.get(path, os.path.join(staging, path.rstrip("/").rsplit("/", 1)[-1]))
            self._publish_output(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # --- a cluster without a job (``streamr create-cluster``) ----------------------------

    def start_cluster(self, keep_alive: bool = True) -> str:
        """Start a cluster with this runner's options and no steps (for
        ``streamr create-cluster``); its id. A cluster kept alive shuts
        itself down after ``max_mins_idle`` idle minutes."""
        check_cluster_options(self._opts)
        self._uploads = Uploads(self.fs, self.cloud_tmp_dir() + "files")
        pooled = bool(self._opts.get("pool_clusters"))
        if pooled:
            from streamr.runners.emr.pool import check_pool_name

            check_pool_name(self._opts.get("pool_name") or "default")
        placement = NewCluster(self._placement_context())
        request = placement.ctx.starter.request(keep_alive=keep_alive or pooled, pooled=pooled)
        placement.ctx.starter.check(request)
        self._uploads.upload()
        self._placement = placement
        return placement.start(request)

    def wait_until_ready(self) -> None:
        """Wait until the cluster this runner started can take steps;
        :class:`StepFailedException` with the probable cause if it ends
        instead."""
        cluster_id = self.get_cluster_id()
        watcher = StepWatcher(self.clusters, cluster_id, {}, self._every())
        while True:
            result = watcher.poll()
            if result.cluster_state in ("WAITING", "RUNNING"):
                return
            if result.cluster_state not in ACTIVE_STATES:
                raise StepFailedException(cluster_failure_text(result, self._log_fetcher()),
                                          step_desc="Cluster %s" % cluster_id)
            watcher.sleep()

    # --- cleanup -----------------------------------------------------------------------

    def cleanup(self, mode=None) -> None:
        """Remove or stop what *mode* (default: the ``cleanup`` option)
        names: ``CLOUD_TMP`` the run's S3 directory, ``CLUSTER`` the
        cluster this run started (if still up), ``JOB`` this run's steps
        that have not finished, ``LOGS`` the logs of the cluster this run
        started, ``LOCAL_TMP`` the local temporary directory; ``TMP`` is
        both temporary directories and ``ALL`` all but the logs. A pooled
        cluster stays for the pool, even one this run started."""
        modes = set(mode if mode is not None else self._opts["cleanup"])
        super().cleanup(modes)
        if self._placement is not None:
            self._placement.cleanup(modes)
        if modes & {"ALL", "CLOUD_TMP", "TMP"} and self._cloud_tmp_dir:
            quietly("remove %s" % self._job_dir(), lambda: self.fs.rm(self._job_dir()))
