"""Where a job's steps run on EMR, and what that means for stopping and
cleaning up: the interface the three placement strategies share.

A run puts its steps on a cluster the user named (``cluster_id``,
:mod:`~streamr.runners.emr.given_cluster`), on a cluster it starts for
itself (:mod:`~streamr.runners.emr.new_cluster`), or on a cluster of a
pool, joined or started (:mod:`~streamr.runners.emr.pooled_cluster`). The
runner drives each the same way:

1. :meth:`Placement.prepare` with the steps, before anything is uploaded:
   the checks that can refuse the run early;
2. :meth:`Placement.run` once the run's files are on S3: put the steps on
   the cluster and wait for them (through the runner's *wait*);
3. :meth:`Placement.interrupted` on Ctrl-C and :meth:`Placement.cleanup`
   at the end, which differ by whose cluster it is
   (:attr:`Placement.owns_cluster`): the job's own cluster is terminated,
   a shared one only loses the job's unfinished steps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from streamr.aws import aws_refused
from streamr.runners.emr.answers import StepStatus
from streamr.runners.emr.cluster import EMRClusters
from streamr.runners.emr.cluster_start import ClusterStarter
from streamr.runners.emr.step_plan import StepQueue

__all__ = ["Placement", "PlacementContext", "Wait", "quietly"]

log = logging.getLogger(__name__)

#: the runner's wait for the placement's steps: called with an optional
#: function to run after each look at the cluster; returns the WatchResult
Wait = Callable[..., object]


def quietly(what: str, action: Callable[[], object]) -> None:
    """Run a cleanup *action*; if it fails, log that it could not *what*."""
    try:
        action()
    except Exception as exc:  # cleanup must not hide how the job went
        log.warning("could not %s: %s", what, exc)


@dataclass
class PlacementContext:
    """What every placement needs of its run. *log_uri* is where a cluster
    the run starts keeps its logs; *lock_dir* where the run keeps locks;
    *partial_outputs* what a retry on another cluster removes first;
    *every* the seconds between looks at a cluster."""

    opts: dict
    clusters: EMRClusters
    connection: object
    fs: object
    starter: ClusterStarter
    job_key: str
    log_uri: str
    lock_dir: str
    partial_outputs: tuple
    every: float
    #: told the run's state when it changes here (``waiting`` for a pooled cluster)
    on_state: Callable[[str], None] = lambda state: None


class Placement:
    """One way of putting a run's steps on a cluster. After :meth:`run`,
    :attr:`cluster_id` is the cluster the steps went to, :attr:`log_uri`
    that cluster's own log URI when the run did not start it, and
    :attr:`steps` the steps sent and still to send."""

    #: whether the cluster is the job's own (Ctrl-C and cleanup end it)
    owns_cluster = False

    def __init__(self, ctx: PlacementContext):
        self.ctx = ctx
        self.cluster_id: str | None = None
        self.log_uri: str | None = None
        self.steps = StepQueue()
        self._stopped = False  # whether interrupted() has stopped the job's part

    @property
    def clusters(self) -> EMRClusters:
        return self.ctx.clusters

    def prepare(self, steps: list) -> None:
        """Check what can be checked before the run's files are uploaded;
        remember *steps* (``Steps`` entries) for :meth:`run`."""
        raise NotImplementedError

    def run(self, wait: Wait):
        """Put the steps on a cluster and wait for them with *wait*; the
        :class:`~streamr.runners.emr.watch.WatchResult` the wait ended with."""
        raise NotImplementedError

    # --- starting a cluster ------------------------------------------------------------

    def _start_cluster(self, request: dict) -> None:
        # the id is kept before the steps are looked up, so that if that
        # fails, cleanup still knows the cluster
        try:
            self.cluster_id = self.ctx.starter.start(request)
        except BaseException as exc:
            if aws_refused(exc):  # EMR answered no: nothing was started
                raise
            # a Ctrl-C or a lost answer: EMR may have started the cluster all the
            # same: find it by its name (unique: it holds the job key), so it is stopped
            self.cluster_id = self.ctx.starter.find_started(request)
            if self.cluster_id:
                quietly("find the job's steps", lambda: setattr(
                    self.steps, "ids", self.ctx.starter.step_ids(self.cluster_id, request)))
            raise
        step_ids = self.ctx.starter.step_ids(self.cluster_id, request)
        if step_ids:
            self.steps.ids = step_ids

    # --- stopping ----------------------------------------------------------------------

    def release(self) -> None:
        """Let go of anything held on the cluster for others to see (a
        pooled cluster's lock)."""

    def stop(self) -> None:
        """What Ctrl-C does to the cluster: by default cancel the job's
        unfinished steps, leaving the cluster to whoever else uses it."""
        self.cancel_own_steps()

    def cancel_own_steps(self) -> None:
        if not self.steps.ids:
            return  # none sent: nothing of the job's to cancel (never "all steps")
        found = self.clusters.steps(self.cluster_id, self.steps.ids)
        pending = [s["Id"] for s in found if not StepStatus.of(s).done]
        self.clusters.cancel_steps(self.cluster_id, pending)

    def interrupted(self) -> None:
        """Ctrl-C: stop what this run started on EMR (once)."""
        self.release()
        if not self.cluster_id or self._stopped:
            return
        self._stopped = True
        try:
            self.stop()
        except Exception as exc:  # the interrupt is what to report
            log.warning("could not stop the job on cluster %s: %s", self.cluster_id, exc)

    def cleanup(self, modes: set) -> None:
        """The part of the runner's cleanup *modes* that is about the
        cluster: ``JOB`` cancels the job's unfinished steps (here), and
        ``CLUSTER`` and ``LOGS`` are only for the job's own cluster."""
        if modes & {"ALL", "JOB"} and self.cluster_id and self.steps.ids:
            quietly("stop the job's steps", self.cancel_own_steps)
        self.release()
