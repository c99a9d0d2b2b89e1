"""Cluster pools: which kept-alive clusters a job may join.

A pooled cluster carries two tags: ``streamr:pool`` (the pool's name) and
``streamr:pool-hash`` (:func:`pool_hash` of everything that must be the
same for two jobs to share nodes). :class:`PoolScan` looks at every active
cluster and keeps those a job can join:

1. same pool name;
2. same pool hash;
3. WAITING with a free step slot, or RUNNING with a free slot when the
   cluster runs several steps at once (``StepConcurrencyLevel`` > 1);
4. per role, at least the memory and 5. at least the vCPUs the job asks
   for (:mod:`streamr.runners.emr.capacity`);
6. per role, a spot price no higher than the job's own;
7. not about to shut itself down for idleness.

Clusters that pass are ranked by the memory and CPU of their core and task
nodes (most first), then by how recently they became idle (a RUNNING
cluster counts as idle now), so long-idle clusters drain and time out.
Each verdict is logged at debug level (``-v``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from streamr import __version__
from streamr.errors import UsageError
from streamr.runners.emr.capacity import (
    RoleCapacity,
    cluster_capacity,
    compare_roles,
    worker_capacity,
)
from streamr.runners.emr.cluster import (
    ACTIVE_STATES,
    EMRClusters,
    age,
    cluster_idle_since,
    tag_value,
)

__all__ = [
    "LOCK_DIR_TAG",
    "POOL_HASH_TAG",
    "POOL_TAG",
    "Candidate",
    "PoolScan",
    "check_pool_name",
    "pool_hash",
]

log = logging.getLogger(__name__)

POOL_TAG = "streamr:pool"
POOL_HASH_TAG = "streamr:pool-hash"
#: where the locks of a pooled cluster live (an s3:// prefix)
LOCK_DIR_TAG = "streamr:lock-dir"

#: step states that take one of a cluster's step slots
BUSY_STEP_STATES = ("PENDING", "RUNNING", "CANCEL_PENDING")
#: a cluster with less idle time than this left is about to shut down
#: (a quarter of its idle timeout when that is shorter)
IDLE_MARGIN_SECONDS = 60.0

def busy_steps(steps: list) -> int:
    """How many of *steps* take one of their cluster's step slots."""
    return sum(1 for s in steps if s.get("Status", {}).get("State") in BUSY_STEP_STATES)


_POOL_NAME = re.compile(r"^[A-Za-z0-9_.:+=@-]{1,128}$")


def check_pool_name(name: str) -> str:
    if not _POOL_NAME.match(name or ""):
        raise UsageError("pool_name %r: use 1 to 128 letters, digits and _ . : + = @ -"
                         % (name,))
    return name


def pool_hash(request: dict, *, bootstrap: str, task_python: list,
              action_checksums: list | None = None) -> str:
    """A SHA-256 hex digest of what must be identical for jobs to share a
    cluster: release label, applications, the bootstrap fingerprint
    (commands, files by content, Python, actions) and the content of
    bootstrap action scripts, EMR configurations, custom AMI, the nodes'
    instance profile, streamr's version, the Python tasks run with and,
    when set, the security configuration and managed scaling limits (a job
    that asks for other limits or other encryption wants another cluster;
    left out when unset so that such clusters keep the hash they had)."""
    described = {
        "release": request.get("ReleaseLabel"),
        "applications": sorted(str(a.get("Name", "")).lower()
                               for a in request.get("Applications") or ()),
        "bootstrap": bootstrap,
        "action-scripts": list(action_checksums or ()),
        "configurations": request.get("Configurations") or [],
        "ami": request.get("CustomAmiId"),
        "instance-profile": request.get("JobFlowRole"),
        "streamr": __version__,
        "task-python": list(task_python),
    }
    if request.get("SecurityConfiguration"):
        described["security-configuration"] = request["SecurityConfiguration"]
    if request.get("ManagedScalingPolicy"):
        described["managed-scaling"] = request["ManagedScalingPolicy"]
    text = json.dumps(described, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Candidate:
    """A cluster of the pool that the job can join."""

    cluster_id: str
    state: str
    lock_dir: str | None
    capacity: tuple = (0.0, 0.0)
    idle_since: datetime | None = None
    roles: dict = field(default_factory=dict)
    slots: int = 1  # steps the cluster runs at once

    def rank(self) -> tuple:
        idle = self.idle_since or datetime.now(timezone.utc)
        if idle.tzinfo is None:
            idle = idle.replace(tzinfo=timezone.utc)
        return (-self.capacity[0], -self.capacity[1], -idle.timestamp())


class PoolScan:
    """One look at the pool *name* for a job with *hash_* and per-role
    *needs*."""

    def __init__(self, clusters: EMRClusters, name: str, hash_: str,
                 needs: dict[str, RoleCapacity]):
        self.clusters = clusters
        self.name = name
        self.hash = hash_
        self.needs = needs
        self.members: list[str] = []  # active clusters of the pool, any hash
        self.same_setup: list[str] = []  # those of them with this job's hash
        self.candidates: list[Candidate] = []

    def run(self, exclude: set | frozenset = frozenset()) -> list[Candidate]:
        """Look at every active cluster; the ones to try, best first."""
        self.members, self.same_setup, self.candidates = [], [], []
        for summary in self.clusters.active():
            cluster_id = summary["Id"]
            cluster = self.clusters.describe(cluster_id)
            if tag_value(cluster, POOL_TAG) != self.name:
                log.debug("cluster %s: rejected (not in pool %s)", cluster_id, self.name)
                continue
            if cluster.get("Status", {}).get("State") in ACTIVE_STATES:
                self.members.append(cluster_id)
                if tag_value(cluster, POOL_HASH_TAG) == self.hash:
                    self.same_setup.append(cluster_id)
            if cluster_id in exclude:
                log.debug("cluster %s: rejected (this job already lost a run on it)",
                          cluster_id)
                continue
            verdict = self.judge(cluster)
            if isinstance(verdict, str):
                log.debug("cluster %s: rejected (%s)", cluster_id, verdict)
                continue
            log.debug("cluster %s: accepted (%s; core+task %s GiB, %s vCPUs)", cluster_id,
                      verdict.state, *("%g" % v for v in verdict.capacity))
            self.candidates.append(verdict)
        self.candidates.sort(key=Candidate.rank)
        return self.candidates

    def judge(self, cluster: dict) -> Candidate | str:
        """A :class:`Candidate`, or why the job cannot join *cluster*."""
        cluster_id = cluster["Id"]
        if tag_value(cluster, POOL_HASH_TAG) != self.hash:
            return ("set up differently: release, applications, bootstrap, configurations,"
                    " instance profile, security configuration, managed scaling, streamr or"
                    " task Python differ")
        state = cluster.get("Status", {}).get("State")
        slots = cluster.get("StepConcurrencyLevel") or 1
        if state not in ("WAITING", "RUNNING"):
            return "%s, not ready for steps" % state
        if state == "RUNNING" and slots < 2:
            return "RUNNING a step and runs one step at a time"
        steps = self.clusters.steps(cluster_id)
        busy = busy_steps(steps)
        if busy >= slots:
            return "%s with %d of %d step slots taken" % (state, busy, slots)
        roles = self._capacity(cluster)
        why = compare_roles(self.needs, roles)
        if why:
            return why
        idle_since = cluster_idle_since(cluster, steps) if state == "WAITING" else None
        if idle_since is not None and busy == 0:
            left = self._idle_time_left(cluster_id, idle_since)
            if left is not None and left[0] < left[1]:
                return "about to shut down for idleness (%ds of idle time left)" % left[0]
        return Candidate(cluster_id=cluster_id, state=state,
                         lock_dir=tag_value(cluster, LOCK_DIR_TAG),
                         capacity=worker_capacity(roles), idle_since=idle_since, roles=roles,
                         slots=slots)

    def _capacity(self, cluster: dict) -> dict[str, RoleCapacity]:
        cluster_id = cluster["Id"]
        if cluster.get("InstanceCollectionType") == "INSTANCE_FLEET":
            fleets = self.clusters.instance_fleets(cluster_id)
            return cluster_capacity([], fleets, self.clusters.instances(cluster_id))
        return cluster_capacity(self.clusters.instance_groups(cluster_id), [], [])

    def _idle_time_left(self, cluster_id: str, idle_since: datetime):
        """(seconds left, margin) before EMR shuts the idle cluster down,
        or None when it has no idle timeout."""
        timeout = self.clusters.idle_timeout(cluster_id)
        if not timeout:
            return None
        margin = min(IDLE_MARGIN_SECONDS, timeout / 4.0)
        return timeout - (age(idle_since) or 0.0), margin
