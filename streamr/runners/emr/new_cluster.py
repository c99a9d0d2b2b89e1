"""Running on a cluster the run starts for itself.

The steps go in the RunJobFlow request, so the cluster starts working on
them at once (on a cluster that runs several steps at once, only the
first goes there and the cluster is kept alive until the last is added).
The cluster is the job's own: Ctrl-C terminates it, and cleanup
terminates it (``CLUSTER``) and removes its logs (``LOGS``).
"""

from __future__ import annotations

import logging

from streamr.runners.emr.answers import ClusterStatus
from streamr.runners.emr.placement import Placement, Wait, quietly
from streamr.runners.emr.step_plan import first_batch

__all__ = ["NewCluster"]

log = logging.getLogger(__name__)


class NewCluster(Placement):
    """Starts a cluster with the job's steps in its request."""

    owns_cluster = True

    def __init__(self, ctx):
        super().__init__(ctx)
        self._request: dict = {}

    def prepare(self, steps: list) -> None:
        opts = self.ctx.opts
        # steps that go one at a time need the cluster to wait between them
        staged = len(steps) > 1 and (opts.get("max_concurrent_steps") or 1) > 1
        request = self.ctx.starter.request(keep_alive=staged)
        request["Steps"], self.steps.waiting = first_batch(
            steps, request.get("StepConcurrencyLevel"))
        self.steps.end_with_last_step = staged
        self.ctx.starter.check(request)
        self._request = request

    def run(self, wait: Wait):
        self.start(self._request)
        return wait()

    def start(self, request: dict) -> str:
        """Start the cluster *request* describes; its id."""
        self._start_cluster(request)
        return self.cluster_id

    def stop(self) -> None:
        log.info("terminating cluster %s, which this job started", self.cluster_id)
        self.clusters.terminate(self.cluster_id)
        self.steps.ids = []  # they end with the cluster

    def cleanup(self, modes: set) -> None:
        super().cleanup(modes)
        if not self.cluster_id:
            return
        if modes & {"ALL", "CLUSTER"}:
            quietly("terminate the cluster", self._terminate_if_up)
        if "LOGS" in modes:
            prefix = self.ctx.log_uri + self.cluster_id + "/"
            quietly("remove %s" % prefix, lambda: self.ctx.fs.rm(prefix))

    def _terminate_if_up(self) -> None:
        if ClusterStatus.of(self.clusters.describe(self.cluster_id)).active:
            self.clusters.terminate(self.cluster_id)
