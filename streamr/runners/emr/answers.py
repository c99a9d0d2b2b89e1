"""Small typed views of the EMR answers the runner reads.

``DescribeCluster`` and ``ListSteps`` answer with nested dicts whose keys
may be missing (a step that has not failed has no ``FailureDetails``, a
running cluster no ``StateChangeReason``). Reading them through these
views names each field once, here, instead of repeating
``.get("Status", {}).get(...)`` chains wherever a state or a reason is
needed. A missing field reads as None, as the chains it replaces did, so
messages built from these views read exactly as before.
"""

from __future__ import annotations

from typing import NamedTuple

from streamr.runners.emr.cluster import ACTIVE_STATES, STEP_DONE_STATES

__all__ = ["ENDED_STATES", "ClusterStatus", "ClusterView", "StepStatus"]

#: states of a cluster that has ended (TERMINATING is still on its way)
ENDED_STATES = ("TERMINATED", "TERMINATED_WITH_ERRORS")


class ClusterStatus(NamedTuple):
    """A cluster's ``Status``: its state and why it last changed."""

    state: str | None
    code: str | None  # StateChangeReason.Code, e.g. BOOTSTRAP_FAILURE
    message: str | None  # StateChangeReason.Message, EMR's words for people

    @classmethod
    def of(cls, cluster: dict) -> ClusterStatus:
        """The status of *cluster*, as DescribeCluster returns it."""
        status = cluster.get("Status") or {}
        change = status.get("StateChangeReason") or {}
        return cls(status.get("State"), change.get("Code"), change.get("Message"))

    @property
    def active(self) -> bool:
        """Whether the cluster can still run steps."""
        return self.state in ACTIVE_STATES

    @property
    def ended(self) -> bool:
        return self.state in ENDED_STATES


class ClusterView(NamedTuple):
    """What the runner needs of one DescribeCluster answer."""

    status: ClusterStatus
    log_uri: str | None  # where the cluster copies its logs, if anywhere
    step_concurrency: int | None  # how many steps it runs at once

    @classmethod
    def of(cls, cluster: dict) -> ClusterView:
        return cls(ClusterStatus.of(cluster), cluster.get("LogUri"),
                   cluster.get("StepConcurrencyLevel"))


class StepStatus(NamedTuple):
    """A step's ``Status``: its state and, once it failed, EMR's account."""

    state: str | None
    failure_reason: str | None  # FailureDetails.Reason, a short phrase
    failure_message: str | None  # FailureDetails.Message, often a log line
    log_file: str | None  # FailureDetails.LogFile, where EMR found that line

    @classmethod
    def of(cls, step: dict | None) -> StepStatus:
        """The status of *step*, as ListSteps or DescribeStep returns it
        (None or ``{}`` for a step not listed reads as all None)."""
        status = (step or {}).get("Status") or {}
        details = status.get("FailureDetails") or {}
        return cls(status.get("State"), details.get("Reason"), details.get("Message"),
                   details.get("LogFile"))

    @property
    def done(self) -> bool:
        """Whether the state will not change again."""
        return self.state in STEP_DONE_STATES
