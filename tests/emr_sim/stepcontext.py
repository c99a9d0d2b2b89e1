"""What the code running one step is given (the cluster's nodes, S3, the
logs being written) and how it says the step failed."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.emr_sim.clock import SimClock
from tests.emr_sim.emrlogs import JobClientLog
from tests.emr_sim.nodes import Node
from tests.emr_sim.s3 import SimS3
from tests.emr_sim.tasks import Attempt, LiveProcesses

__all__ = ["StepContext", "StepFailed"]


class StepFailed(Exception):
    """The step failed: *reason* and *message* become its FailureDetails."""

    def __init__(self, reason: str, message: str | None = None):
        super().__init__(message or reason)
        self.reason = reason
        self.message = message


@dataclass
class StepContext:
    """One running step's surroundings."""

    cluster_id: str
    step_id: str
    s3: SimS3
    clock: SimClock
    nodes: list[Node]
    log: JobClientLog
    live: LiveProcesses
    #: gives the next YARN application's ``(number, cluster timestamp)``
    new_application: Callable[[], tuple[int, int]]
    #: names of the cluster's applications (``Hadoop``, ``Spark``...)
    applications: tuple = ()
    task_slots: int = 2
    task_timeout: float = 120.0
    #: how the job client names the cluster's YARN (as an EMR master node does)
    resource_manager: str = "ip-172-31-0-1.ec2.internal/172.31.0.1:8032"
    proxy_url: str = "http://ip-172-31-0-1.ec2.internal:20888/proxy/"
    streaming_jar: str = "/usr/lib/hadoop/hadoop-streaming-3.3.6-amzn-3.jar"
    #: ``<application>/<container>`` -> log name -> text, written when the step ends
    container_logs: dict[str, dict[str, str]] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    application_ids: list[str] = field(default_factory=list)
    job_ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _worker_turn: itertools.count = field(default_factory=itertools.count)

    @property
    def workers(self) -> list[Node]:
        """The nodes tasks run on: core and task nodes, or the master alone."""
        return [node for node in self.nodes if node.role != "MASTER"] or self.nodes[:1]

    def next_worker(self) -> Node:
        workers = self.workers
        with self.lock:
            return workers[next(self._worker_turn) % len(workers)]
