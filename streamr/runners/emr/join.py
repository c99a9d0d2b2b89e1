"""Getting a job's steps onto a cluster of its pool: join a free one, wait
for one, or start one.

:meth:`PoolJoiner.join` repeats until the steps are on a cluster:

1. Scan the pool (:class:`~streamr.runners.emr.pool.PoolScan`) and try each
   candidate, best first: take its lock, look at it again (another job may
   have added a step since the scan), add the steps.
2. Nothing free, but the pool has busy or starting clusters of the job's
   set-up, and ``pool_wait_minutes`` is not over: wait and scan again.
3. Before starting a cluster, wait a random part of ``pool_jitter_seconds``
   once and scan again, so jobs started together do not all start clusters.
4. Start a cluster under the pool's own lock, so that two jobs cannot both
   see room in a pool capped by ``max_clusters_in_pool`` and both start
   one; a full pool means waiting until a cluster frees up.

The job keeps the cluster's lock (:class:`~streamr.runners.emr.lock.ClusterLock`)
until its first step runs; the pooled placement
(:mod:`~streamr.runners.emr.pooled_cluster`) releases it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from streamr.errors import AWSError
from streamr.runners.emr.lock import ClusterLock, lock_uri
from streamr.runners.emr.pool import Candidate, PoolScan

__all__ = ["Joined", "PoolJoiner"]

log = logging.getLogger(__name__)

#: seconds between "still waiting" lines
SAY_EVERY = 60.0


@dataclass
class Joined:
    """Where the steps went."""

    cluster_id: str
    step_ids: list
    lock: ClusterLock
    created: bool


class PoolJoiner:
    """Puts steps on a cluster of *scan*'s pool. *lock_dir* is this job's
    own place for locks (on clusters it starts, and the pool's lock);
    *owner* names the job in locks; locks last *lock_seconds*."""

    def __init__(self, scan: PoolScan, connection, *, lock_dir: str, owner: str,
                 lock_seconds: float, wait_minutes: float = 0, max_clusters: int = 0,
                 jitter_seconds: float = 0, every: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random,
                 on_wait: Callable[[], None] | None = None):
        self.scan = scan
        self.connection = connection
        self.lock_dir = lock_dir
        self.owner = owner
        self.lock_seconds = lock_seconds
        self.wait_seconds = max(wait_minutes or 0, 0) * 60.0
        self.max_clusters = max(max_clusters or 0, 0)
        self.jitter_seconds = max(jitter_seconds or 0, 0)
        self.every = max(every, 0.0)
        self._sleep = sleep
        self._rand = rand
        #: called each time the job waits for a cluster of the pool to free up
        self._on_wait = on_wait or (lambda: None)
        self._said = 0.0

    def _lock(self, uri: str, purpose: str) -> ClusterLock:
        return ClusterLock(self.connection, uri, owner=self.owner,
                           seconds=self.lock_seconds, purpose=purpose)

    def _say(self, message: str, *args) -> None:
        """Log a waiting line at most every :data:`SAY_EVERY` seconds."""
        now = time.monotonic()
        if now - self._said >= SAY_EVERY:
            self._said = now
            log.info(message, *args)

    def join(self, steps: list, start: Callable[[], tuple], *,
             exclude: frozenset | set = frozenset()) -> Joined:
        """Put *steps* on a cluster; *start* starts a pooled cluster with
        the steps and returns ``(cluster_id, step_ids)``. Clusters in
        *exclude* are not joined. On a cluster that runs several steps at
        once only the first step is added (:attr:`Joined.step_ids` says how
        many went)."""
        began = time.monotonic()
        jittered = self.jitter_seconds == 0
        name = self.scan.name
        while True:
            for candidate in self.scan.run(exclude):
                joined = self._try(candidate, steps)
                if joined is not None:
                    return joined
            waited = time.monotonic() - began
            # waiting helps only if a cluster of this set-up may free up
            if waited < self.wait_seconds and self.scan.same_setup:
                self._say("no free cluster in pool %s; waiting up to %d more minute(s) for"
                          " one (pool_wait_minutes)", name,
                          int((self.wait_seconds - waited) // 60) + 1)
                self._on_wait()
                self._sleep(self.every)
                continue
            if not jittered:
                jittered = True
                delay = self._rand() * self.jitter_seconds
                log.info("no free cluster in pool %s; looking again in %.1fs before starting"
                         " one (pool_jitter_seconds)", name, delay)
                self._sleep(delay)
                continue
            joined = self._start(steps, start, exclude)
            if joined is not None:
                return joined
            self._on_wait()
            self._sleep(self.every)

    def _try(self, candidate: Candidate, steps: list) -> Joined | None:
        cluster_id = candidate.cluster_id
        lock = self._lock(lock_uri(candidate.lock_dir or self.lock_dir, cluster_id), "joining")
        if not lock.acquire():
            refused = lock.refused_by.describe() if lock.refused_by else "locked"
            log.debug("cluster %s: skipped (%s)", cluster_id, refused)
            return None
        verdict = self.scan.judge(self.scan.clusters.describe(cluster_id))
        if isinstance(verdict, str):
            log.debug("cluster %s: rejected on a second look, under its lock (%s)",
                      cluster_id, verdict)
            lock.release()
            return None
        if verdict.slots > 1:  # several steps at once: a job's steps go one at a time
            steps = steps[:1]
        try:
            step_ids = self.scan.clusters.add_steps(cluster_id, steps)
        except AWSError as exc:
            log.info("could not add steps to cluster %s (%s); trying another", cluster_id, exc)
            lock.release()
            return None
        log.info("joined cluster %s of pool %s (%s)", cluster_id, self.scan.name,
                 candidate.state)
        return Joined(cluster_id, step_ids, lock, created=False)

    def _start(self, steps: list, start: Callable[[], tuple], exclude) -> Joined | None:
        """Start a cluster under the pool's lock; None when another job
        holds that lock or the pool is full."""
        name = self.scan.name
        pool_lock = self._lock(lock_uri(self.lock_dir, "pool-" + name), "starting a cluster")
        if not pool_lock.acquire():
            log.debug("pool %s: another job is starting a cluster (%s)", name,
                      pool_lock.refused_by.describe() if pool_lock.refused_by else "locked")
            return None
        try:
            for candidate in self.scan.run(exclude):  # one last look, under the lock
                joined = self._try(candidate, steps)
                if joined is not None:
                    return joined
            members = len(self.scan.members)
            if self.max_clusters and members >= self.max_clusters:
                self._say("pool %s is full (%d of at most %d clusters, max_clusters_in_pool);"
                          " waiting for a cluster to free up", name, members, self.max_clusters)
                return None
            cluster_id, step_ids = start()
            lock = self._lock(lock_uri(self.lock_dir, cluster_id), "starting")
            try:
                lock.acquire()
                self._wait_until_listed(cluster_id)
            except BaseException:
                lock.release()  # else the next job waits out the lock's whole life
                raise
            return Joined(cluster_id, step_ids, lock, created=True)
        finally:
            pool_lock.release()

    def _wait_until_listed(self, cluster_id: str, tries: int = 10) -> None:
        """Hold the pool's lock until EMR lists the new cluster, so the
        next job to count the pool counts it."""
        for _ in range(tries):
            if any(c.get("Id") == cluster_id for c in self.scan.clusters.active()):
                return
            self._sleep(max(self.every, 0.5))
