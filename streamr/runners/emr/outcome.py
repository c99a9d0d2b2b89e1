"""How a job's steps went, once the wait is over: counters for the steps
that completed, and for the first that did not, one message saying what
happened and, from the cluster's logs, the probable cause.

The wait ends with what EMR last said (a
:class:`~streamr.runners.emr.watch.WatchResult`); the logs are fetched
through :class:`~streamr.runners.emr.log_fetch.LogFetcher`. For a failed
step, EMR's own account comes first: DescribeStep's ``FailureDetails``
(reason, the log line EMR took for the root cause, and the log file it
found it in), and the probable cause is looked for from that log file
rather than by scanning every log of the cluster. When a step
stopped because its cluster went away, EMR says why only once the cluster
has ended, so the text here waits a little for that. The same reading
tells a pooled run whether its cluster was lost under it, which is worth
one more try elsewhere (:func:`lost_cluster_reason`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from streamr.runners.emr.answers import ClusterStatus, StepStatus
from streamr.runners.emr.cluster import DONE_STATES, EMRClusters
from streamr.runners.emr.log_fetch import LogFetcher
from streamr.runners.emr.step_plan import StepQueue
from streamr.step import StepFailedException

__all__ = ["Outcome", "cluster_failure_text", "ended_cluster_status", "failure_details_text",
           "lost_cluster_reason"]

log = logging.getLogger(__name__)

#: reasons a cluster ends that another try on another cluster would meet again
_NOT_WORTH_RETRYING = ("BOOTSTRAP_FAILURE", "VALIDATION_ERROR", "STEP_FAILURE")


def _in_words(state: str) -> str:
    """``TERMINATED_WITH_ERRORS`` as a sentence says it."""
    return state.lower().replace("_", " ")


def ended_cluster_status(clusters: EMRClusters, cluster_id: str, status: ClusterStatus, *,
                         every: float, tries: int = 20) -> ClusterStatus:
    """The cluster's status once it has ended, when a step was stopped
    because the cluster is going away (its reason says why); *status*
    itself if it is not ending within a few checks, *every* seconds
    apart."""
    for _ in range(tries):
        if status.ended:
            return status
        time.sleep(every)
        status = ClusterStatus.of(clusters.describe(cluster_id))
    return status


def lost_cluster_reason(clusters: EMRClusters, cluster_id: str, result, steps: StepQueue, *,
                        every: float) -> str | None:
    """How the cluster went away under the job's unfinished steps, when
    that is worth another try; None otherwise."""
    if steps.all_completed(result) and not steps.waiting:
        return None
    if any(result.step_state(s) == "FAILED" for s in steps.ids):
        status = result.cluster_status
    else:  # steps cancelled or interrupted: look again, the cluster may be going
        status = ClusterStatus.of(clusters.describe(cluster_id))
    status = ended_cluster_status(clusters, cluster_id, status, every=every, tries=3)
    if status.active or status.code in _NOT_WORTH_RETRYING:
        return None
    return "was %s (%s: %s)" % (_in_words(str(status.state or "?")), status.code,
                                status.message)


def cluster_failure_text(result, logs: LogFetcher) -> str:
    """Why a cluster ended before it was ready for steps: its state, EMR's
    reason and, for a failed bootstrap action, that action's output."""
    status = result.cluster_status
    text = "%s (%s: %s)" % (result.cluster_state, status.code, status.message)
    cause = logs.bootstrap_cause(status.message or "")
    if cause is not None:
        text += "\n" + cause.format()
    return text


class Outcome:
    """Reads how the job's steps went on cluster *cluster_id*; *logs*
    fetches that cluster's logs, *every* is the seconds between looks at
    a cluster that is ending."""

    def __init__(self, clusters: EMRClusters, logs: LogFetcher, cluster_id: str, *,
                 every: float):
        self.clusters = clusters
        self.logs = logs
        self.cluster_id = cluster_id
        self.every = every

    def _ended(self, status: ClusterStatus, tries: int = 20) -> ClusterStatus:
        return ended_cluster_status(self.clusters, self.cluster_id, status, every=self.every,
                                    tries=tries)

    def check(self, result, steps: StepQueue, num_steps: int,
              counters: Callable[[int], dict]) -> None:
        """Add each completed step's counters (from its log) to
        ``counters(step_num)``; raise :class:`StepFailedException` for the
        first step that did not complete, or when the cluster went away
        before the job's next step could be sent."""
        num = max(num_steps, len(steps.ids))
        for index, step_id in enumerate(steps.ids):
            state = result.step_state(step_id)
            if state == "COMPLETED":
                info = self.logs.step_info(step_id)
                step_counters = counters(index)
                if info is not None:
                    step_counters.update(info.counters)
                    _log_retried_attempts(index, info)
                else:
                    log.info("step %d's logs are not on S3 yet, so its counters are not"
                             " shown (EMR copies logs every few minutes)", index + 1)
                continue
            reason = self.failure_reason(result, step_id, state)
            raise StepFailedException(reason, step_num=index, num_steps=num)
        if steps.waiting:  # the cluster went away between two steps
            status = self._ended(result.cluster_status, tries=3)
            raise StepFailedException(
                "cluster %s is %s (%s: %s) before the job's next step could be added"
                % (self.cluster_id, status.state, status.code, status.message),
                step_num=len(steps.ids), num_steps=num)

    def failure_reason(self, result, step_id: str, state: str) -> str:
        """What happened to step *step_id* (in *state*, not COMPLETED),
        and the probable cause from the logs."""
        if state == "FAILED":
            step = self.described_step(step_id, result.steps.get(step_id) or {})
            text = "step %s on cluster %s failed" % (step_id, self.cluster_id)
            text += failure_details_text(StepStatus.of(step))
            cause = self.logs.step_cause(step_id, step)
        else:
            text = "step %s on cluster %s is %s" % (step_id, self.cluster_id,
                                                    state or "not done")
            status = self._ended(result.cluster_status)
            if status.state in DONE_STATES:
                text += "; the cluster %s (%s: %s)" % (_in_words(status.state), status.code,
                                                       status.message)
            cause = self.logs.bootstrap_cause(status.message or "")
        if cause is not None:
            return text + "\n" + cause.format()
        if state == "FAILED":
            return text + ("\n(no logs found under %s for this step yet: EMR copies logs"
                           " to S3 every few minutes; `streamr diagnose %s %s` reads them"
                           " later)" % (self.logs.log_uri, self.cluster_id, step_id))
        return text

    def described_step(self, step_id: str, listed: dict) -> dict:
        """The failed step as DescribeStep gives it (EMR's own account of
        the failure: ``FailureDetails``), else as it was last *listed*."""
        try:
            return self.clusters.step(self.cluster_id, step_id) or listed
        except Exception as exc:  # the listed step still says what failed
            log.debug("could not describe step %s: %s", step_id, exc)
            return listed


def failure_details_text(status: StepStatus) -> str:
    """EMR's account of a failed step (its ``FailureDetails``) as the rest
    of the line after "failed" and the lines under it: the reason, the log
    line EMR picked out as the root cause, and the log file it is in."""
    text = ": %s" % status.failure_reason if status.failure_reason else ""
    if status.failure_message and status.failure_message != status.failure_reason:
        text += "\nEMR found: %s" % status.failure_message.strip()
    if status.log_file:
        text += "\n(in %s)" % status.log_file
    return text


def _log_retried_attempts(index: int, info) -> None:
    """Say which task attempts of completed step *index* failed and were
    tried again (the step's log lists them), and why, so that a flaky task
    is not retried silently."""
    for attempt_id in info.failed_attempts:
        lines = [line.strip() for line in info.attempt_errors.get(attempt_id, [])
                 if line.strip()]
        log.warning("step %d: task attempt %s failed (%s) and was tried again", index + 1,
                    attempt_id, lines[0] if lines else "no reason in the step's log")
