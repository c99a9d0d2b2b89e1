"""Finding and shutting down streamr's idle clusters (``streamr
terminate-idle-clusters``), a safety net behind EMR's own idle shutdown.

A cluster is idle when it is WAITING with no step pending or running; only
clusters streamr started (tagged ``streamr:version``) are considered. A
pooled cluster is terminated only after taking its lock (the same lock a
job takes to join it), and after a second look under that lock: a job that
is about to use the cluster holds the lock, so it is never pulled from
under that job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from streamr.runners.emr.cluster import EMRClusters, age, cluster_idle_since, tag_value
from streamr.runners.emr.lock import ClusterLock, lock_uri, read_lock
from streamr.runners.emr.pool import LOCK_DIR_TAG, POOL_TAG, busy_steps

__all__ = ["IdleCluster", "find_idle_clusters", "terminate_idle_cluster"]

log = logging.getLogger(__name__)

#: the tag every cluster streamr starts carries
VERSION_TAG = "streamr:version"
#: how long the lock taken to terminate a cluster lasts
TERMINATE_LOCK_SECONDS = 120.0


@dataclass
class IdleCluster:
    """A cluster that has been idle long enough, and what stops its
    termination (*blocked*, None when nothing does)."""

    cluster_id: str
    pool: str | None
    idle_seconds: float
    lock_dir: str | None
    blocked: str | None = None


def _idle_seconds(clusters: EMRClusters, cluster: dict) -> float | None:
    """Seconds the cluster has been idle, or None when it is not idle."""
    steps = clusters.steps(cluster["Id"])
    if busy_steps(steps):
        return None
    return age(cluster_idle_since(cluster, steps))


def find_idle_clusters(clusters: EMRClusters, connection, *, min_idle_minutes: float,
                       pools: tuple = ()) -> list[IdleCluster]:
    """streamr's clusters idle for at least *min_idle_minutes* (in one of
    *pools* when given), each with a reason if a live lock protects it."""
    found = []
    for summary in clusters.active():
        if summary.get("Status", {}).get("State") not in (None, "WAITING"):
            continue
        cluster = clusters.describe(summary["Id"])
        if tag_value(cluster, VERSION_TAG) is None:
            continue  # not started by streamr
        pool = tag_value(cluster, POOL_TAG)
        if pools and pool not in pools:
            continue
        idle = _idle_seconds(clusters, cluster)
        if idle is None or idle < min_idle_minutes * 60:
            continue
        entry = IdleCluster(cluster["Id"], pool, idle, tag_value(cluster, LOCK_DIR_TAG))
        if entry.lock_dir:
            held = read_lock(connection, lock_uri(entry.lock_dir, entry.cluster_id))
            if held is not None and not held.expired:
                entry.blocked = held.describe()
        found.append(entry)
    return found


def terminate_idle_cluster(clusters: EMRClusters, connection, entry: IdleCluster, *,
                           min_idle_minutes: float, owner: str) -> str | None:
    """Terminate *entry*'s cluster; None when done, else why not."""
    lock = None
    if entry.lock_dir:
        lock = ClusterLock(connection, lock_uri(entry.lock_dir, entry.cluster_id),
                           owner=owner, seconds=TERMINATE_LOCK_SECONDS, purpose="terminating")
        if not lock.acquire():
            return lock.refused_by.describe() if lock.refused_by else "locked"
    try:
        cluster = clusters.describe(entry.cluster_id)
        if cluster.get("Status", {}).get("State") != "WAITING":
            return "it is %s now" % cluster.get("Status", {}).get("State")
        idle = _idle_seconds(clusters, cluster)
        if idle is None or idle < min_idle_minutes * 60:
            return "it is no longer idle"
        clusters.terminate(entry.cluster_id)
        return None
    finally:
        if lock is not None:
            lock.release()
