"""The EMR runner (``-r emr``): one run of a job on Amazon EMR.

1. Upload what tasks and nodes need to the run's directory under
   ``cloud_tmp_dir`` (files by content, so unchanged ones are not sent
   again): the job script, streamr itself as a zip, ``files``, ``dirs``
   (packed), ``archives``, the ``setup`` wrapper, local inputs, bootstrap
   files.
2. Start a cluster with RunJobFlow and the steps in the same request (or
   add the steps to the cluster ``cluster_id`` names).
3. Watch the cluster and steps until they are done, logging each change.
4. Read counters from the step logs, or on failure the probable cause from
   the task and bootstrap logs.
5. Clean up: the run's S3 directory, the local temporary directory, the
   cluster it started.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time

from streamr.date_aliases import expand_date_aliases, parse_as_of
from streamr.errors import UsageError
from streamr.fs.local import is_local_path
from streamr.inputs import expand_input_paths
from streamr.job import SKIP_MALFORMED_PROPERTY
from streamr.runners.base import MRJobRunner
from streamr.runners.emr.cluster import ACTIVE_STATES, STEP_DONE_STATES, EMRClusters
from streamr.runners.emr.log_fetch import LogFetcher, s3_uri
from streamr.runners.emr.steps import (
    StreamingPlan,
    jar_step,
    step_name,
    step_request,
    streaming_step,
)
from streamr.runners.emr.uploads import STREAMR_ZIP, Uploads, pack_dir, pack_streamr
from streamr.runners.emr.watch import StepWatcher
from streamr.step import StepFailedException

__all__ = ["EMRJobRunner", "s3_uri"]

log = logging.getLogger(__name__)

#: the jar that runs ``hadoop-streaming`` and other commands on EMR nodes
COMMAND_RUNNER = "command-runner.jar"
#: name of the script that runs ``setup`` commands before each task
SETUP_WRAPPER = "streamr-setup.sh"


class EMRJobRunner(MRJobRunner):
    """Runs a job's steps on EMR. See the module docstring."""

    alias = "emr"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._connection = None
        self._cloud_tmp_dir = None
        self._cluster_id = None
        self._created_cluster = False
        self._step_ids: list = []
        self._uploads = None
        self._final_output = None
        self._cluster_log_uri = None  # an existing cluster's own log URI
        self._pooled = False  # the job runs on a cluster of a pool
        self._lock = None  # the lock held on that cluster until the first step runs
        self._pool_hash = None
        self._queued_steps: list = []  # steps to add once the ones before them complete
        self._end_with_last_step = False  # the job's own cluster waits only for queued steps

    # --- AWS ---------------------------------------------------------------------------

    @property
    def connection(self):
        if self._connection is None:
            from streamr.aws import AWSConnection

            self._connection = AWSConnection(self._opts)
        return self._connection

    @property
    def fs(self):
        if self._fs is None:
            from streamr.fs import make_filesystem

            self._fs = make_filesystem(self._opts, self.connection)
        return self._fs

    @property
    def clusters(self) -> EMRClusters:
        return EMRClusters(self.connection)

    def get_cluster_id(self) -> str | None:
        """The cluster the job runs (or ran) on."""
        return self._cluster_id

    # --- places on S3 ------------------------------------------------------------------

    def cloud_tmp_dir(self) -> str:
        """``cloud_tmp_dir``, else ``tmp/`` in streamr's bucket of the region
        (found or made on first use). Ends with ``/``."""
        if self._cloud_tmp_dir is None:
            configured = self._opts.get("cloud_tmp_dir")
            if configured:
                if not configured.startswith(("s3://", "s3a://", "s3n://")):
                    raise UsageError("cloud_tmp_dir must be an s3:// URI, not %r" % configured)
                self._cloud_tmp_dir = configured.rstrip("/") + "/"
            else:
                s3 = self.fs.for_path("s3://x/")
                self._cloud_tmp_dir = "s3://%s/tmp/" % s3.tmp_bucket(self.connection.region)
        return self._cloud_tmp_dir

    def _job_dir(self) -> str:
        return self.cloud_tmp_dir() + self._job_key + "/"

    def log_uri(self) -> str:
        """Where the cluster keeps its logs: an existing cluster's own log
        URI, else ``cloud_log_dir``, else ``logs/`` under ``cloud_tmp_dir``."""
        if self._cluster_log_uri:
            return s3_uri(self._cluster_log_uri)
        configured = self._opts.get("cloud_log_dir")
        return (configured.rstrip("/") + "/") if configured else self.cloud_tmp_dir() + "logs/"

    def get_output_dir(self) -> str:
        if self._output_dir is None:
            self._output_dir = self._job_dir() + "output/"
        return self._output_dir

    # --- checks ------------------------------------------------------------------------

    def _check_options(self) -> None:
        if not self._script:
            raise UsageError("the EMR runner needs the job's script file")
        for num, desc in enumerate(self._steps):
            if desc.get("type") not in ("streaming", "jar"):
                raise UsageError("step %d is a %s step, which the EMR runner cannot run yet"
                                 % (num + 1, desc.get("type")))
        every = self._opts.get("check_cluster_every")
        if every is not None and every < 0:
            raise UsageError("check_cluster_every must be 0 or more seconds, not %s" % every)

    def _action_on_failure(self) -> str:
        chosen = self._opts.get("emr_action_on_failure")
        if chosen:
            return chosen
        shared = self._opts.get("cluster_id") or self._opts.get("pool_clusters")
        return "CANCEL_AND_WAIT" if shared else "TERMINATE_CLUSTER"

    # --- the run -----------------------------------------------------------------------

    def _run(self) -> None:
        self._plan_working_dir()
        out_dir = self.get_output_dir()
        self._check_output_dir()
        self._final_output = (self._job_dir() + "output/" if is_local_path(out_dir)
                              else out_dir)
        self._uploads = Uploads(self.fs, self.cloud_tmp_dir() + "files")
        inputs = self._step_zero_inputs()
        steps = self._step_requests(inputs)
        cluster_id = self._opts.get("cluster_id")
        if cluster_id:
            if self._opts.get("pool_clusters"):
                log.warning("cluster %s was named with cluster_id, so the job runs there and"
                            " pool_clusters is ignored", cluster_id)
            self._check_cluster(cluster_id)
            self._uploads.upload()
            self._use_cluster(cluster_id, steps)
            result = self._watch()
        elif self._opts.get("pool_clusters"):
            result = self._run_pooled(steps)
        else:
            # steps that go one at a time need the cluster to wait between them
            staged = len(steps) > 1 and (self._opts.get("max_concurrent_steps") or 1) > 1
            request = self._cluster_request(keep_alive=staged)
            request["Steps"] = self._first_batch(steps, request.get("StepConcurrencyLevel"))
            self._end_with_last_step = staged
            self._check_roles(request)
            self._uploads.upload()
            self._start_cluster(request)
            result = self._watch()
        self._check_result(result)
        if is_local_path(out_dir):
            self._download_output()

    # --- inputs ------------------------------------------------------------------------

    def _step_zero_inputs(self) -> list:
        """URIs the first step reads: S3 paths as given (Hadoop expands
        globs and directories itself; date aliases become the dated paths
        that hold files), local files and stdin uploaded. A ``mapper_raw``
        first step reads a manifest listing every input file instead."""
        today = parse_as_of(self._opts.get("as_of"))
        fmt = self._opts.get("date_format")
        check = self._opts["check_input_paths"]
        uris: list = []
        files: list = []  # every input file, for a manifest
        for num, path in enumerate(self._input_paths):
            if path == "-":
                copy = os.path.join(self._tmp_dir(), "stdin-%d" % num)
                stream = self._stdin if self._stdin is not None else sys.stdin.buffer
                with open(copy, "wb") as out:
                    shutil.copyfileobj(stream, out, 1 << 20)
                uri = self._uploads.uri_for(copy)
                uris.append(uri)
                files.append(uri)
                continue
            found = expand_input_paths([path], self.fs, check=check, today=today,
                                       date_format=fmt)
            if not found:
                continue
            if is_local_path(path):
                local = [self._uploads.uri_for(f) for f in found]
                uris.extend(local)
                files.extend(local)
                continue
            files.extend(found)
            dated = expand_date_aliases(path, today, fmt) if "$[" in path else None
            if dated is None or len(dated) == 1 and not dated[0].dates:
                uris.append(path)
            else:
                uris.extend(item.path for item in dated if self.fs.exists(item.path))
        if not uris and not check:
            raise UsageError("no input: every input path stood for no files")
        if self._steps and self._steps[0].get("input_manifest"):
            manifest = os.path.join(self._tmp_dir(), "input-manifest.txt")
            with open(manifest, "w", encoding="utf_8") as handle:
                for uri in files:
                    handle.write(uri + "\n")
            return [self._uploads.uri_for(manifest)]
        return uris

    # --- steps -------------------------------------------------------------------------

    def _upload_path(self, path: str, what: str = "file") -> str:
        """The URI nodes read *path* from: S3 and ``file://`` (a path on
        the nodes) as given, a local file uploaded."""
        if "://" in path:
            return path
        if not os.path.isfile(path):
            raise UsageError("%s %s does not exist here; give an s3:// URI, or file:///PATH"
                             " for one already on the cluster's nodes" % (what, path))
        return self._uploads.uri_for(path)

    def _streaming_plan(self) -> StreamingPlan:
        plan = StreamingPlan()
        script_name = os.path.basename(self._script)
        plan.files.append((self._uploads.uri_for(self._script), script_name))
        plan.files.append((self._uploads.uri_for(pack_streamr(self._tmp_dir())), STREAMR_ZIP))
        packed = os.path.join(self._tmp_dir(), "packed")
        os.makedirs(packed, exist_ok=True)
        for kind, path, name in self._working_dir.entries():
            if kind == "file":
                plan.files.append((self._upload_path(path), name))
            elif kind == "archive":
                plan.archives.append((self._upload_path(path), name))
            elif "://" in path:
                raise UsageError("directory %s must be local (pack it as an archive to use"
                                 " one on S3)" % path)
            else:
                tarball = pack_dir(path, os.path.join(packed, name + ".tar.gz"))
                plan.archives.append((self._uploads.uri_for(tarball), name))
        setup = self._opts.get("setup") or []
        if setup:
            wrapper = os.path.join(self._tmp_dir(), SETUP_WRAPPER)
            with open(wrapper, "w", encoding="utf_8") as handle:
                handle.write("#!/bin/sh\n# setup commands, then the task\nset -e\n")
                handle.write("".join(command + "\n" for command in setup))
                handle.write('exec "$@"\n')
            plan.files.append((self._uploads.uri_for(wrapper), SETUP_WRAPPER))
            plan.setup_wrapper = SETUP_WRAPPER
        python = self._opts.get("task_python_bin") or ["python3"]
        plan.task_command = list(python) + [script_name]
        plan.task_args = self._task_args_base()
        jobconf = {k: str(v) for k, v in (self._opts.get("jobconf") or {}).items()}
        if self._opts["skip_malformed_records"]:
            jobconf[SKIP_MALFORMED_PROPERTY] = "true"
        plan.jobconf = jobconf
        cmdenv = dict(self._opts.get("cmdenv") or {})
        cmdenv["PYTHONPATH"] = STREAMR_ZIP + (
            ":" + cmdenv["PYTHONPATH"] if cmdenv.get("PYTHONPATH") else "")
        plan.cmdenv = cmdenv
        plan.partitioner = self._job_settings.get("partitioner")
        plan.input_format = self._job_settings.get("hadoop_input_format")
        plan.output_format = self._job_settings.get("hadoop_output_format")
        plan.libjars = [self._upload_path(p) for p in self._job_settings.get("libjars") or []]
        return plan

    def _step_output(self, step_num: int) -> str:
        if step_num == len(self._steps) - 1:
            return self._final_output
        return self._job_dir() + "step-output/%04d/" % step_num

    def _step_requests(self, inputs: list) -> list:
        plan = None
        requests = []
        action = self._action_on_failure()
        num_steps = len(self._steps)
        for num, desc in enumerate(self._steps):
            step_inputs = inputs if num == 0 else [self._step_output(num - 1)]
            output = self._step_output(num)
            if desc["type"] == "jar":
                jar = jar_step(desc, num, self._upload_path(desc["jar"], "jar"), step_inputs,
                               output,
                               dict(self._opts.get("jobconf") or {}),
                               [self._upload_path(p) for p in
                                self._job_settings.get("libjars") or []])
            else:
                plan = plan or self._streaming_plan()
                jar = {"Jar": COMMAND_RUNNER,
                       "Args": streaming_step(desc, num, plan, step_inputs, output,
                                              last=num == num_steps - 1)}
            requests.append(step_request(step_name(self._job_key, num, num_steps), action,
                                         jar))
        return requests

    # --- the cluster -------------------------------------------------------------------

    def start_cluster(self, keep_alive: bool = True) -> str:
        """Start a cluster with this runner's options and no steps (for
        ``streamr create-cluster``); its id. A cluster kept alive shuts
        itself down after ``max_mins_idle`` idle minutes."""
        self._uploads = Uploads(self.fs, self.cloud_tmp_dir() + "files")
        pooled = bool(self._opts.get("pool_clusters"))
        if pooled:
            from streamr.runners.emr.pool import check_pool_name

            check_pool_name(self._opts.get("pool_name") or "default")
        request = self._cluster_request(keep_alive=keep_alive or pooled, pooled=pooled)
        self._check_roles(request)
        self._uploads.upload()
        self._start_cluster(request)
        return self._cluster_id

    def wait_until_ready(self) -> None:
        """Wait until the cluster this runner started can take steps;
        :class:`StepFailedException` with the probable cause if it ends
        instead."""
        watcher = StepWatcher(self.clusters, self._cluster_id, {},
                              self._opts.get("check_cluster_every") or 0)
        while True:
            result = watcher.poll()
            if result.cluster_state in ("WAITING", "RUNNING"):
                return
            if result.cluster_state not in ACTIVE_STATES:
                change = result.cluster.get("Status", {}).get("StateChangeReason", {})
                text = "%s (%s: %s)" % (result.cluster_state, change.get("Code"),
                                        change.get("Message"))
                cause = LogFetcher(self.fs, self.log_uri(), self._cluster_id).bootstrap_cause(
                    change.get("Message") or "")
                if cause is not None:
                    text += "\n" + cause.format()
                raise StepFailedException(text, step_desc="Cluster %s" % self._cluster_id)
            watcher.sleep()

    def _cluster_request(self, keep_alive: bool, pooled: bool = False) -> dict:
        """The RunJobFlow request for a new cluster; a *pooled* one is
        tagged with its pool, the pool hash (also kept in
        ``self._pool_hash``) and where it is locked."""
        from streamr.runners.emr.bootstrap import (
            bootstrap_actions_request,
            bootstrap_fingerprint,
            plan_bootstrap,
        )
        from streamr.runners.emr.request import cluster_name, cluster_request, cluster_tags

        opts = dict(self._opts)
        opts["pool_clusters"] = pooled
        label, owner = self.label, self.owner
        plan = plan_bootstrap(self._opts.get("bootstrap") or [],
                              bool(self._opts.get("bootstrap_python")), self._uploads.uri_for)
        script_uri = None
        if plan.script:
            path = os.path.join(self._tmp_dir(), "streamr-bootstrap.sh")
            with open(path, "w", encoding="utf_8") as handle:
                handle.write(plan.script)
            script_uri = self._uploads.uri_for(path)
        action_lines = self._opts.get("bootstrap_actions") or []
        actions = bootstrap_actions_request(script_uri, action_lines)
        request = cluster_request(
            opts, name=cluster_name(label, owner, self._job_key),
            log_uri=self.log_uri(), bootstrap_actions=actions,
            tags=cluster_tags(dict(opts, pool_clusters=False), label=label, owner=owner),
            keep_alive=keep_alive)
        if pooled:
            from streamr.runners.emr.pool import pool_hash

            self._check_bootstrap_actions(request)
            scripts = [a["ScriptBootstrapAction"]["Path"] for a in request["BootstrapActions"]
                       if a["ScriptBootstrapAction"]["Path"] != script_uri]
            self._pool_hash = pool_hash(
                request, bootstrap=bootstrap_fingerprint(plan, action_lines),
                task_python=self._opts.get("task_python_bin") or ["python3"],
                action_checksums=[self.fs.checksum(path) if path.startswith("s3://") else path
                                  for path in scripts])
            request = cluster_request(
                opts, name=cluster_name(label, owner, self._job_key),
                log_uri=self.log_uri(), bootstrap_actions=actions, keep_alive=keep_alive,
                tags=cluster_tags(opts, label=label, owner=owner, pool_hash=self._pool_hash,
                                  lock_dir=self._lock_dir()))
        return request

    def _check_bootstrap_actions(self, request: dict) -> None:
        """Every bootstrap action's script is on S3 (else the cluster
        would fail minutes later, on every node)."""
        for action in request.get("BootstrapActions") or ():
            path = action.get("ScriptBootstrapAction", {}).get("Path", "")
            ours = path.startswith(self.cloud_tmp_dir() + "files/")  # uploaded next
            if path.startswith("s3://") and not ours and not self.fs.exists(path):
                raise UsageError("bootstrap action script %s does not exist" % path)

    def _check_roles(self, request: dict) -> None:
        self._check_bootstrap_actions(request)
        self.clusters.check_roles(request.get("ServiceRole") or "EMR_DefaultRole",
                                  request.get("JobFlowRole") or "EMR_EC2_DefaultRole")

    def _start_cluster(self, request: dict) -> None:
        from streamr.runners.emr.request import instance_summary

        self._cluster_id = self.clusters.start(request)
        self._created_cluster = True
        log.info("started cluster %s (%s, %s)", self._cluster_id, request.get("ReleaseLabel"),
                 instance_summary(request))
        names = [step["Name"] for step in request.get("Steps", ())]
        if not names:
            return
        by_name = {s["Name"]: s["Id"] for s in self.clusters.steps(self._cluster_id)}
        self._step_ids = [by_name[name] for name in names]

    def _check_cluster(self, cluster_id: str) -> dict:
        cluster = self.clusters.describe(cluster_id)
        state = cluster.get("Status", {}).get("State")
        if state not in ACTIVE_STATES:
            raise UsageError("cluster %s is %s; it can run no more steps (start a new one by"
                             " leaving out --cluster-id)" % (cluster_id, state))
        return cluster

    def _use_cluster(self, cluster_id: str, steps: list) -> None:
        cluster = self._check_cluster(cluster_id)
        state = cluster.get("Status", {}).get("State")
        self._cluster_id = cluster_id
        self._cluster_log_uri = cluster.get("LogUri")
        batch = self._first_batch(steps, cluster.get("StepConcurrencyLevel"))
        self._step_ids = self.clusters.add_steps(cluster_id, batch)
        log.info("added %d step(s) to cluster %s (%s)", len(batch), cluster_id, state)

    def _first_batch(self, steps: list, concurrency) -> list:
        """The steps to send now. A cluster that runs several steps at once
        would start a job's later steps before the earlier ones have
        written their output, so there the steps go one at a time: the
        rest wait in ``self._queued_steps``."""
        batch = steps[:1] if (concurrency or 1) > 1 else list(steps)
        self._queued_steps = list(steps[len(batch):])
        return batch

    def _labels(self) -> dict:
        num = max(len(self._steps), len(self._step_ids))
        return {step_id: "Step %d of %d" % (i + 1, num) for i, step_id in enumerate(self._step_ids)}

    def _watch(self, on_poll=None):
        """Wait for the job's steps (Ctrl-C stops what the job started)."""
        try:
            return self._wait_for_steps(on_poll)
        except KeyboardInterrupt:
            self._interrupted()
            raise

    def _wait_for_steps(self, on_poll=None):
        logs = LogFetcher(self.fs, self.log_uri(), self._cluster_id)

        def progress(step_id: str) -> str | None:
            info = logs.step_info(step_id)
            if info and info.last_progress:
                return "map %d%% reduce %d%%" % info.last_progress
            return None

        watcher = StepWatcher(self.clusters, self._cluster_id, self._labels(),
                              self._opts.get("check_cluster_every") or 0, progress=progress,
                              on_poll=on_poll)
        while True:
            result = watcher.wait()
            done = all(result.step_state(s) == "COMPLETED" for s in self._step_ids)
            if not (self._queued_steps and done and result.cluster_state in ACTIVE_STATES):
                return result
            self._step_ids += self.clusters.add_steps(self._cluster_id,
                                                      [self._queued_steps.pop(0)])
            if self._end_with_last_step and not self._queued_steps:
                self.clusters.set_keep_alive(self._cluster_id, False)
            watcher.watch(self._labels())

    def _interrupted(self) -> None:
        """Ctrl-C: stop what this run started on EMR (on a pooled cluster,
        only the job's steps: the cluster stays for the pool)."""
        if self._lock is not None:
            self._lock.release()
        if not self._cluster_id:
            return
        try:
            if self._created_cluster and not self._pooled:
                log.info("terminating cluster %s, which this job started", self._cluster_id)
                self.clusters.terminate(self._cluster_id)
                self._step_ids = []  # they end with the cluster
            else:
                self._cancel_own_steps()
        except Exception as exc:  # the interrupt is what to report
            log.warning("could not stop the job on cluster %s: %s", self._cluster_id, exc)

    def _cancel_own_steps(self) -> None:
        steps = self.clusters.steps(self._cluster_id, self._step_ids)
        pending = [s["Id"] for s in steps
                   if s.get("Status", {}).get("State") not in STEP_DONE_STATES]
        self.clusters.cancel_steps(self._cluster_id, pending)

    # --- pooled clusters ----------------------------------------------------------------

    def _lock_dir(self) -> str:
        """Where this job keeps locks: ``locks/`` under ``cloud_tmp_dir``."""
        return self.cloud_tmp_dir() + "locks/"

    def _run_pooled(self, steps: list):
        """Run *steps* on a cluster of the pool (joined or started); if that
        cluster is lost before they finish, remove the partial output and
        try once more on another cluster."""
        from streamr.runners.emr.capacity import job_needs
        from streamr.runners.emr.join import PoolJoiner
        from streamr.runners.emr.pool import PoolScan, check_pool_name

        name = check_pool_name(self._opts.get("pool_name") or "default")
        request = self._cluster_request(keep_alive=True, pooled=True)
        request["Steps"] = steps[:1] if request.get("StepConcurrencyLevel", 1) > 1 else steps
        self._check_roles(request)
        self._uploads.upload()
        self._pooled = True
        scan = PoolScan(self.clusters, name, self._pool_hash, job_needs(request["Instances"]))
        every = self._opts.get("check_cluster_every") or 0
        lock_seconds = self._opts.get("pool_lock_seconds") or 300.0
        if lock_seconds <= 0:
            raise UsageError("pool_lock_seconds must be more than 0, not %r" % lock_seconds)
        joiner = PoolJoiner(
            scan, self.connection, lock_dir=self._lock_dir(), owner=self._job_key,
            lock_seconds=lock_seconds, wait_minutes=self._opts.get("pool_wait_minutes") or 0,
            max_clusters=self._opts.get("max_clusters_in_pool") or 0,
            jitter_seconds=self._opts.get("pool_jitter_seconds") or 0, every=every)
        lost: set = set()
        while True:
            joined = joiner.join(steps, lambda: self._start_pooled(request), exclude=lost)
            self._lock = joined.lock
            self._created_cluster = joined.created
            self._queued_steps = list(steps[len(joined.step_ids):])
            if not joined.created:
                self._cluster_id, self._step_ids = joined.cluster_id, joined.step_ids
                self._cluster_log_uri = self.clusters.describe(joined.cluster_id).get("LogUri")
            result = self._watch(on_poll=self._mind_lock)
            self._lock.release()
            why = self._lost_cluster(result)
            if why is None:
                return result
            if lost:
                log.warning("cluster %s %s too; not trying again", self._cluster_id, why)
                return result
            log.warning("cluster %s %s before the job's steps finished; removing partial"
                        " output and trying once more on another cluster", self._cluster_id,
                        why)
            lost.add(self._cluster_id)
            self._remove_partial_output()

    def _start_pooled(self, request: dict) -> tuple:
        self._cluster_log_uri = None
        self._start_cluster(request)
        return self._cluster_id, self._step_ids

    def _mind_lock(self, result) -> None:
        """After each look at the cluster: release the lock once the first
        step has left PENDING (or the cluster has ended); renew it while
        the step waits."""
        lock = self._lock
        if lock is None or not lock.held:
            return
        first = result.step_state(self._step_ids[0]) if self._step_ids else ""
        if first not in ("", "PENDING") or result.cluster_state not in ACTIVE_STATES:
            lock.release()
        else:
            lock.renew_if_half_gone()

    def _lost_cluster(self, result) -> str | None:
        """How the cluster went away under the job's unfinished steps, when
        that is worth another try; None otherwise."""
        finished = all(result.step_state(s) == "COMPLETED" for s in self._step_ids)
        if finished and not self._queued_steps:
            return None
        if any(result.step_state(s) == "FAILED" for s in self._step_ids):
            status = result.cluster.get("Status", {})
        else:  # steps cancelled or interrupted: look again, the cluster may be going
            status = self.clusters.describe(self._cluster_id).get("Status", {})
        status = self._ended_cluster_status(status, tries=3)
        if status.get("State") in ACTIVE_STATES:
            return None
        change = status.get("StateChangeReason", {})
        if change.get("Code") in ("BOOTSTRAP_FAILURE", "VALIDATION_ERROR", "STEP_FAILURE"):
            return None
        return "was %s (%s: %s)" % (str(status.get("State", "?")).lower().replace("_", " "),
                                    change.get("Code"), change.get("Message"))

    def _remove_partial_output(self) -> None:
        for uri in (self._final_output, self._job_dir() + "step-output/"):
            if self.fs.exists(uri):
                self.fs.rm(uri)
                log.info("removed partial output %s", uri)

    # --- after the wait ----------------------------------------------------------------

    def _check_result(self, result) -> None:
        logs = LogFetcher(self.fs, self.log_uri(), self._cluster_id)
        num = max(len(self._steps), len(self._step_ids))
        for index, step_id in enumerate(self._step_ids):
            state = result.step_state(step_id)
            if state == "COMPLETED":
                info = logs.step_info(step_id)
                counters = self._step_counters(index)
                if info is not None:
                    counters.update(info.counters)
                else:
                    log.info("step %d's logs are not on S3 yet, so its counters are not"
                             " shown (EMR copies logs every few minutes)", index + 1)
                continue
            reason = self._failure_reason(result, logs, step_id, state)
            raise StepFailedException(reason, step_num=index, num_steps=num)
        if self._queued_steps:  # the cluster went away between two steps
            status = self._ended_cluster_status(result.cluster.get("Status", {}), tries=3)
            change = status.get("StateChangeReason", {})
            raise StepFailedException(
                "cluster %s is %s (%s: %s) before the job's next step could be added"
                % (self._cluster_id, status.get("State"), change.get("Code"),
                   change.get("Message")), step_num=len(self._step_ids), num_steps=num)

    def _step_counters(self, step_num: int) -> dict:
        while len(self._counters) <= step_num:
            self._counters.append({})
        return self._counters[step_num]

    def _failure_reason(self, result, logs: LogFetcher, step_id: str, state: str) -> str:
        cluster_status = result.cluster.get("Status", {})
        change = cluster_status.get("StateChangeReason", {})
        step = result.steps.get(step_id, {})
        if state == "FAILED":
            details = step.get("Status", {}).get("FailureDetails") or {}
            text = "step %s on cluster %s failed" % (step_id, self._cluster_id)
            if details.get("Reason"):
                text += ": %s" % details["Reason"]
            cause = logs.step_cause(step_id, step)
        else:
            text = "step %s on cluster %s is %s" % (step_id, self._cluster_id,
                                                    state or "not done")
            cluster_status = self._ended_cluster_status(cluster_status)
            change = cluster_status.get("StateChangeReason", {})
            if cluster_status.get("State") in ("TERMINATING", "TERMINATED",
                                               "TERMINATED_WITH_ERRORS"):
                text += "; the cluster %s (%s: %s)" % (
                    cluster_status["State"].lower().replace("_", " "), change.get("Code"),
                    change.get("Message"))
            cause = logs.bootstrap_cause(change.get("Message") or "")
        if cause is not None:
            return text + "\n" + cause.format()
        if state == "FAILED":
            return text + ("\n(no logs found under %s for this step yet: EMR copies logs"
                           " to S3 every few minutes; `streamr diagnose %s %s` reads them"
                           " later)" % (self.log_uri(), self._cluster_id, step_id))
        return text

    def _ended_cluster_status(self, status: dict, tries: int = 20) -> dict:
        """The cluster's status once it has ended, when a step was stopped
        because the cluster is going away (its reason says why); *status*
        itself if it is not ending within a few checks."""
        for _ in range(tries):
            if status.get("State") in ("TERMINATED", "TERMINATED_WITH_ERRORS"):
                return status
            time.sleep(self._opts.get("check_cluster_every") or 0)
            status = self.clusters.describe(self._cluster_id).get("Status", {})
        return status

    def _download_output(self) -> None:
        staging = self._staging_dir()
        try:
            for path in self.fs.files(self._final_output, skip_hidden=True, use_glob=False):
                self.fs.get(path, os.path.join(staging, path.rstrip("/").rsplit("/", 1)[-1]))
            self._publish_output(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # --- cleanup -----------------------------------------------------------------------

    def cleanup(self, mode=None) -> None:
        """Remove or stop what *mode* (default: the ``cleanup`` option)
        names: ``CLOUD_TMP`` the run's S3 directory, ``CLUSTER`` the
        cluster this run started (if still up), ``JOB`` this run's steps
        that have not finished, ``LOGS`` the logs of the cluster this run
        started, ``LOCAL_TMP`` the local temporary directory; ``TMP`` is
        both temporary directories and ``ALL`` all but the logs."""
        modes = set(mode if mode is not None else self._opts["cleanup"])
        super().cleanup(modes)
        if modes & {"ALL", "JOB"} and self._cluster_id and self._step_ids:
            self._quietly("stop the job's steps", self._cancel_own_steps)
        if self._lock is not None:
            self._lock.release()
        own_cluster = self._created_cluster and not self._pooled  # pooled ones stay
        if modes & {"ALL", "CLUSTER"} and own_cluster:
            self._quietly("terminate the cluster", self._terminate_if_up)
        if modes & {"ALL", "CLOUD_TMP", "TMP"} and self._cloud_tmp_dir:
            self._quietly("remove %s" % self._job_dir(), lambda: self.fs.rm(self._job_dir()))
        if "LOGS" in modes and own_cluster:
            prefix = self.log_uri() + self._cluster_id + "/"
            self._quietly("remove %s" % prefix, lambda: self.fs.rm(prefix))

    def _terminate_if_up(self) -> None:
        cluster = self.clusters.describe(self._cluster_id)
        if cluster.get("Status", {}).get("State") in ACTIVE_STATES:
            self.clusters.terminate(self._cluster_id)

    @staticmethod
    def _quietly(what: str, action) -> None:
        try:
            action()
        except Exception as exc:  # cleanup must not hide how the job went
            log.warning("could not %s: %s", what, exc)
