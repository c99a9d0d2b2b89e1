"""Running on the cluster the user named with ``cluster_id``.

The cluster is someone else's: the run adds its steps and, on Ctrl-C or a
``JOB`` cleanup, cancels only those it added. It never terminates the
cluster and never removes its logs.
"""

from __future__ import annotations

import logging

from streamr.errors import UsageError
from streamr.runners.emr.answers import ClusterView
from streamr.runners.emr.placement import Placement, PlacementContext, Wait
from streamr.runners.emr.step_plan import first_batch

__all__ = ["GivenCluster"]

log = logging.getLogger(__name__)


class GivenCluster(Placement):
    """Adds the job's steps to cluster *cluster_id*."""

    def __init__(self, ctx: PlacementContext, cluster_id: str):
        super().__init__(ctx)
        self.given_id = cluster_id
        self._requests: list = []

    def _check(self) -> ClusterView:
        """The cluster, if it can still run steps; else one line saying so."""
        cluster = ClusterView.of(self.clusters.describe(self.given_id))
        if not cluster.status.active:
            raise UsageError("cluster %s is %s; it can run no more steps (start a new one by"
                             " leaving out --cluster-id)" % (self.given_id,
                                                             cluster.status.state))
        return cluster

    def prepare(self, steps: list) -> None:
        if self.ctx.opts.get("pool_clusters"):
            log.warning("cluster %s was named with cluster_id, so the job runs there and"
                        " pool_clusters is ignored", self.given_id)
        self._check()
        self._requests = list(steps)

    def run(self, wait: Wait):
        # looked at again: the uploads took time, and its state is logged
        cluster = self._check()
        self.cluster_id = self.given_id
        self.log_uri = cluster.log_uri
        batch, self.steps.waiting = first_batch(self._requests, cluster.step_concurrency)
        self.steps.ids = self.clusters.add_steps(self.cluster_id, batch)
        log.info("added %d step(s) to cluster %s (%s)", len(batch), self.cluster_id,
                 cluster.status.state)
        return wait()
