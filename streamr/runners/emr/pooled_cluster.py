"""Running on a cluster of a pool (``pool_clusters``): one joined, or
started for the pool when none is free.

Joining is :class:`~streamr.runners.emr.join.PoolJoiner`; this placement
adds what the run does around it: the pooled cluster's request (tagged
with the pool's hash), holding the cluster's lock until the job's first
step runs, and one more try on another cluster when the cluster is lost
under the job's unfinished steps. The cluster belongs to the pool, even
one this run started: Ctrl-C and cleanup cancel only the job's steps and
leave the cluster for the next job.
"""

from __future__ import annotations

import logging

from streamr.errors import UsageError
from streamr.runners.emr.answers import ClusterView
from streamr.runners.emr.cluster import ACTIVE_STATES
from streamr.runners.emr.outcome import lost_cluster_reason
from streamr.runners.emr.placement import Placement, PlacementContext, Wait

__all__ = ["PooledCluster"]

log = logging.getLogger(__name__)

#: seconds a cluster's lock lasts unless renewed, when pool_lock_seconds is not set
DEFAULT_LOCK_SECONDS = 300.0


class PooledCluster(Placement):
    """Joins or starts a cluster of pool ``pool_name``."""

    def __init__(self, ctx: PlacementContext):
        super().__init__(ctx)
        self.name = ""  # the pool's, checked by prepare()
        self.lock = None  # held on the cluster until the job's first step runs
        self._requests: list = []
        self._request: dict = {}

    def prepare(self, steps: list) -> None:
        from streamr.runners.emr.pool import check_pool_name

        self.name = check_pool_name(self.ctx.opts.get("pool_name") or "default")
        request = self.ctx.starter.request(keep_alive=True, pooled=True)
        request["Steps"] = steps[:1] if request.get("StepConcurrencyLevel", 1) > 1 else steps
        self.ctx.starter.check(request)
        self._requests = list(steps)
        self._request = request

    def _joiner(self):
        from streamr.runners.emr.capacity import job_needs
        from streamr.runners.emr.join import PoolJoiner
        from streamr.runners.emr.pool import PoolScan

        ctx = self.ctx
        scan = PoolScan(ctx.clusters, self.name, ctx.starter.pool_hash,
                        job_needs(self._request["Instances"]))
        lock_seconds = ctx.opts.get("pool_lock_seconds") or DEFAULT_LOCK_SECONDS
        if lock_seconds <= 0:
            raise UsageError("pool_lock_seconds must be more than 0, not %r" % lock_seconds)
        return PoolJoiner(
            scan, ctx.connection, lock_dir=ctx.lock_dir, owner=ctx.job_key,
            lock_seconds=lock_seconds, wait_minutes=ctx.opts.get("pool_wait_minutes") or 0,
            max_clusters=ctx.opts.get("max_clusters_in_pool") or 0,
            jitter_seconds=ctx.opts.get("pool_jitter_seconds") or 0, every=ctx.every,
            on_wait=lambda: ctx.on_state("waiting"))

    def run(self, wait: Wait):
        """Run the steps on a cluster of the pool (joined or started); if
        that cluster is lost before they finish, remove the partial output
        and try once more on another cluster."""
        joiner = self._joiner()
        steps = self._requests
        lost: set = set()
        while True:
            joined = joiner.join(steps, self._start, exclude=lost)
            self.lock = joined.lock
            self.steps.waiting = list(steps[len(joined.step_ids):])
            if not joined.created:
                self.cluster_id, self.steps.ids = joined.cluster_id, joined.step_ids
                self.log_uri = ClusterView.of(self.clusters.describe(joined.cluster_id)).log_uri
            result = wait(on_poll=self._mind_lock)
            self.lock.release()
            why = lost_cluster_reason(self.clusters, self.cluster_id, result, self.steps,
                                      every=self.ctx.every)
            if why is None:
                return result
            if lost:
                log.warning("cluster %s %s too; not trying again", self.cluster_id, why)
                return result
            log.warning("cluster %s %s before the job's steps finished; removing partial"
                        " output and trying once more on another cluster", self.cluster_id,
                        why)
            lost.add(self.cluster_id)
            self._remove_partial_output()

    def _start(self) -> tuple:
        """Start a pooled cluster with the steps (the joiner calls this
        under the pool's lock); ``(cluster_id, step_ids)``."""
        self.log_uri = None
        self._start_cluster(self._request)
        return self.cluster_id, self.steps.ids

    def _mind_lock(self, result) -> None:
        """After each look at the cluster: release the lock once the first
        step has left PENDING (or the cluster has ended); renew it while
        the step waits."""
        lock = self.lock
        if lock is None or not lock.held:
            return
        first = result.step_state(self.steps.ids[0]) if self.steps.ids else ""
        if first not in ("", "PENDING") or result.cluster_state not in ACTIVE_STATES:
            lock.release()
        else:
            lock.renew_if_half_gone()

    def _remove_partial_output(self) -> None:
        fs = self.ctx.fs
        for uri in self.ctx.partial_outputs:
            if fs.exists(uri):
                fs.rm(uri)
                log.info("removed partial output %s", uri)

    def release(self) -> None:
        if self.lock is not None:
            self.lock.release()
