"""Starting a new cluster for a run: the RunJobFlow request the runner's
options make, the checks before it is sent, and the start itself.

The request's shape is :mod:`streamr.runners.emr.request`; the bootstrap
script is :mod:`streamr.runners.emr.bootstrap`. What this module adds is
the run's side of it: writing the bootstrap script into the run's files
(uploaded with them), tagging a pooled cluster with its pool hash and lock
directory, and refusing early what would make the cluster fail minutes
later (a release label EMR does not offer, a missing security
configuration, bootstrap script or IAM role). Both the new and
the pooled placement, and ``streamr create-cluster``, start clusters here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from streamr.errors import UsageError
from streamr.runners.emr.cluster import EMRClusters
from streamr.runners.uploads import Uploads

__all__ = ["ClusterStarter"]

log = logging.getLogger(__name__)


class ClusterStarter:
    """Builds, checks and sends RunJobFlow requests for one run. *log_uri*
    is where a new cluster keeps its logs, *lock_dir* where the run keeps
    its locks (a pooled cluster is tagged with it), *uploads_dir* where
    :class:`~streamr.runners.uploads.Uploads` puts the run's files
    (scripts there are uploaded after the checks, so they need not exist
    yet). After :meth:`request` for a pooled cluster, :attr:`pool_hash`
    is the hash of its set-up."""

    def __init__(self, *, opts: dict, fs, clusters: EMRClusters, uploads: Uploads,
                 tmp_dir: Callable[[], str], job_key: str, label: str, owner: str,
                 log_uri: str, lock_dir: str, uploads_dir: str):
        self.opts = opts
        self.fs = fs
        self.clusters = clusters
        self.uploads = uploads
        self.tmp_dir = tmp_dir
        self.job_key = job_key
        self.label = label
        self.owner = owner
        self.log_uri = log_uri
        self.lock_dir = lock_dir
        self.uploads_dir = uploads_dir
        self.pool_hash: str | None = None

    def request(self, *, keep_alive: bool, pooled: bool = False) -> dict:
        """The RunJobFlow request for a new cluster; a *pooled* one is
        tagged with its pool, the pool hash (also kept in
        :attr:`pool_hash`) and where it is locked."""
        from streamr.runners.emr.bootstrap import (
            bootstrap_actions_request,
            bootstrap_fingerprint,
            plan_bootstrap,
        )
        from streamr.runners.emr.request import cluster_name, cluster_request, cluster_tags

        opts = dict(self.opts)
        opts["pool_clusters"] = pooled
        label, owner = self.label, self.owner
        plan = plan_bootstrap(self.opts.get("bootstrap") or [],
                              bool(self.opts.get("bootstrap_python")), self.uploads.uri_for)
        script_uri = None
        if plan.script:
            path = os.path.join(self.tmp_dir(), "streamr-bootstrap.sh")
            with open(path, "w", encoding="utf_8") as handle:
                handle.write(plan.script)
            script_uri = self.uploads.uri_for(path)
        action_lines = self.opts.get("bootstrap_actions") or []
        actions = bootstrap_actions_request(script_uri, action_lines)
        request = cluster_request(
            opts, name=cluster_name(label, owner, self.job_key),
            log_uri=self.log_uri, bootstrap_actions=actions,
            tags=cluster_tags(dict(opts, pool_clusters=False), label=label, owner=owner),
            keep_alive=keep_alive)
        if pooled:
            from streamr.runners.emr.pool import pool_hash

            self._check_bootstrap_actions(request)
            scripts = [a["ScriptBootstrapAction"]["Path"] for a in request["BootstrapActions"]
                       if a["ScriptBootstrapAction"]["Path"] != script_uri]
            self.pool_hash = pool_hash(
                request, bootstrap=bootstrap_fingerprint(plan, action_lines),
                task_python=self.opts.get("task_python_bin") or ["python3"],
                action_checksums=[self.fs.checksum(path) if path.startswith("s3://") else path
                                  for path in scripts])
            request = cluster_request(
                opts, name=cluster_name(label, owner, self.job_key),
                log_uri=self.log_uri, bootstrap_actions=actions, keep_alive=keep_alive,
                tags=cluster_tags(opts, label=label, owner=owner, pool_hash=self.pool_hash,
                                  lock_dir=self.lock_dir))
        return request

    def _check_bootstrap_actions(self, request: dict) -> None:
        """Every bootstrap action's script is on S3 (else the cluster
        would fail minutes later, on every node)."""
        for action in request.get("BootstrapActions") or ():
            path = action.get("ScriptBootstrapAction", {}).get("Path", "")
            ours = path.startswith(self.uploads_dir)  # uploaded next
            if path.startswith("s3://") and not ours and not self.fs.exists(path):
                raise UsageError("bootstrap action script %s does not exist" % path)

    def check(self, request: dict) -> None:
        """Refuse *request* now if the cluster could not start: a release
        label EMR does not offer in the region, a security configuration
        EMR does not have, a bootstrap script missing from S3, an IAM role
        that does not exist."""
        from streamr.runners.emr.releases import check_release_label

        region = self.clusters.connection.region
        label = request.get("ReleaseLabel")
        if label:
            check_release_label(label, self.clusters.release_labels(), region)
        security = request.get("SecurityConfiguration")
        if security and self.clusters.security_configuration_exists(security) is False:
            raise UsageError("security_configuration %s does not exist in %s: create it with"
                             " 'aws emr create-security-configuration', or name another"
                             % (security, region))
        self._check_bootstrap_actions(request)
        self.clusters.check_roles(request.get("ServiceRole") or "EMR_DefaultRole",
                                  request.get("JobFlowRole") or "EMR_EC2_DefaultRole")

    def start(self, request: dict) -> str:
        """Send *request*; the new cluster's id."""
        from streamr.runners.emr.request import instance_summary

        cluster_id = self.clusters.start(request)
        log.info("started cluster %s (%s, %s)", cluster_id, request.get("ReleaseLabel"),
                 instance_summary(request))
        return cluster_id

    def find_started(self, request: dict) -> str | None:
        """The id of the active cluster *request* started, found by its
        name, when the answer to the request never came (Ctrl-C while it
        was on its way, answers lost on every attempt); None when EMR has
        no such cluster. More than one (each lost attempt may have started
        one): the others are terminated. Never raises: it runs while the
        run is being stopped."""
        name = request.get("Name")
        try:
            found = self.clusters.named(name)
        except Exception as exc:  # the interruption is what to report
            log.warning("could not look for the cluster this job was starting: %s", exc)
            return None
        if not found:
            return None
        log.info("cluster %s was started before the interruption", found[-1])
        if len(found) > 1:
            self.clusters.end_lost_starts(name, found[-1], found)
        return found[-1]

    def step_ids(self, cluster_id: str, request: dict) -> list:
        """The ids EMR gave the steps *request* started cluster
        *cluster_id* with, in the request's order."""
        names = [step["Name"] for step in request.get("Steps", ())]
        if not names:
            return []
        by_name = {s["Name"]: s["Id"] for s in self.clusters.steps(cluster_id)}
        return [by_name[name] for name in names]
