"""Waiting for a cluster's steps: poll EMR every ``check_cluster_every``
seconds and log each change of the cluster's or a step's state, with the
time since the wait began, and the step's progress when its log says."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from streamr.runners.emr.answers import ClusterStatus, StepStatus
from streamr.runners.emr.cluster import DONE_STATES, STEP_DONE_STATES, EMRClusters

__all__ = ["StepWatcher", "WatchResult", "format_elapsed"]

log = logging.getLogger(__name__)

#: seconds between looks at a running step's log for its progress
PROGRESS_EVERY = 30.0


def format_elapsed(seconds: float) -> str:
    seconds = int(seconds)
    return "%d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60)


@dataclass
class WatchResult:
    """How the wait ended: the cluster as last described, and each watched
    step (by id) as last listed."""

    cluster: dict
    steps: dict = field(default_factory=dict)

    @property
    def cluster_status(self) -> ClusterStatus:
        return ClusterStatus.of(self.cluster)

    @property
    def cluster_state(self) -> str:
        return self.cluster_status.state or ""

    def step_status(self, step_id: str) -> StepStatus:
        """The step's status as last listed (all None for one not listed)."""
        return StepStatus.of(self.steps.get(step_id))

    def step_state(self, step_id: str) -> str:
        return self.step_status(step_id).state or ""


class StepWatcher:
    """Polls *cluster_id* until every step in *labels* (step id -> name
    for people, such as ``Step 1 of 2``) is done, or the cluster ends.
    *on_poll* is called with each :class:`WatchResult` as it comes."""

    def __init__(self, clusters: EMRClusters, cluster_id: str, labels: dict, every: float,
                 progress: Callable[[str], str | None] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 on_poll: Callable[[WatchResult], None] | None = None):
        self._clusters = clusters
        self._cluster_id = cluster_id
        self._labels = dict(labels)
        self._every = max(float(every), 0.0)
        self._progress = progress
        self._sleep = sleep
        self._on_poll = on_poll
        self._started = time.time()
        self._seen: dict = {}
        self._last_progress: dict = {}

    def _say(self, what: str, state: str, detail: str = "") -> None:
        if self._seen.get(what) == (state, detail):
            return
        self._seen[what] = (state, detail)
        log.info("%s: %s%s (%s elapsed)", what, state, " - " + detail if detail else "",
                 format_elapsed(time.time() - self._started))

    def poll(self) -> WatchResult:
        """Look once, log what changed."""
        cluster = self._clusters.describe(self._cluster_id)
        status = ClusterStatus.of(cluster)
        state = status.state or "?"
        self._say("cluster %s" % self._cluster_id, state,
                  (status.message or "") if state in DONE_STATES or state == "WAITING" else "")
        steps = {s["Id"]: s for s in self._clusters.steps(self._cluster_id,
                                                            list(self._labels))}
        for step_id, label in self._labels.items():
            step = steps.get(step_id)
            if step is None:
                continue
            step_state = StepStatus.of(step).state or "?"
            self._say("%s (%s)" % (label, step_id), step_state)
            if step_state == "RUNNING":
                self._report_progress(step_id, label)
        return WatchResult(cluster, steps)

    def _report_progress(self, step_id: str, label: str) -> None:
        if self._progress is None:
            return
        now = time.time()
        if now - self._last_progress.get(step_id, 0.0) < PROGRESS_EVERY:
            return
        self._last_progress[step_id] = now
        text = self._progress(step_id)
        if text:
            self._say("%s (%s)" % (label, step_id), "RUNNING", text)

    def watch(self, labels: dict) -> None:
        """Watch the steps in *labels* as well (a job's later steps, added
        once the earlier ones completed)."""
        self._labels.update(labels)

    def sleep(self) -> None:
        self._sleep(self._every)

    def wait(self) -> WatchResult:
        """Poll until every step is done or the cluster has ended."""
        while True:
            result = self.poll()
            if self._on_poll is not None:
                self._on_poll(result)
            if all(result.step_state(s) in STEP_DONE_STATES for s in self._labels):
                return result
            if result.cluster_state in ("TERMINATED", "TERMINATED_WITH_ERRORS"):
                return result
            self._sleep(self._every)
