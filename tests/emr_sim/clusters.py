"""A simulated cluster's own state beside moto's model (:class:`ClusterRun`),
the records tests read back, and what RunJobFlow leaves for the simulator
to fill in: applications with names and versions, and nodes for every
instance group or fleet (moto makes none for the
MasterInstanceType/SlaveInstanceType/InstanceCount form or for fleets)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from moto.emr.models import EXAMPLE_AMI_ID, Application
from moto.emr.utils import random_id

from tests.emr_sim.bootstrap import BootstrapRun
from tests.emr_sim.moto_models import SimCluster, SimFleet, SimInstance, SimStep
from tests.emr_sim.nodes import Node
from tests.emr_sim.tasks import Attempt, LiveProcesses

__all__ = ["ClusterRun", "StepRecord", "StepWork", "fill_in_cluster", "make_nodes"]

#: Hadoop and Spark versions of each EMR major release
_VERSIONS = {"7": {"Hadoop": "3.3.6", "Spark": "3.5.0", "Hive": "3.1.3"},
             "6": {"Hadoop": "3.3.3", "Spark": "3.3.0", "Hive": "3.1.3"},
             "5": {"Hadoop": "2.10.1", "Spark": "2.4.8", "Hive": "2.3.9"}}
_ROLE_ORDER = {"MASTER": 0, "CORE": 1, "TASK": 2}


class StepRecord(NamedTuple):
    """A step that ran: simulated start and end (None while running)."""

    step_id: str
    name: str
    started: float
    ended: float | None
    state: str


@dataclass
class StepWork:
    """A step the driver started, and the thread running it."""

    step: SimStep
    started: float
    live: LiveProcesses
    thread: threading.Thread | None = None
    outcome: Any = None
    attempts: list[Attempt] = field(default_factory=list)
    application_ids: list[str] = field(default_factory=list)
    #: the state to end in instead of COMPLETED/FAILED, once cancelled
    stop_state: str | None = None
    finished: bool = False


@dataclass
class ClusterRun:
    """The simulator's side of one cluster."""

    cluster: SimCluster
    created: float
    request: dict[str, Any]
    nodes: list[Node] = field(default_factory=list)
    bootstrap: BootstrapRun | None = None
    bootstrap_started: float = 0.0
    ready: float | None = None
    idle_since: float | None = None
    final_state: str | None = None
    terminate_started: float | None = None
    #: real (monotonic) time termination began, to bound waiting for threads
    terminating_since: float = 0.0
    #: (when, step id, final state, code, message, step state) of an injected termination
    scheduled_termination: tuple[float, str, str, str, str, str] | None = None
    work: dict[str, StepWork] = field(default_factory=dict)
    records: list[StepRecord] = field(default_factory=list)
    applications: int = 0
    rm_stamp: int = 0
    any_step_failed: bool = False

    @property
    def id(self) -> str:
        return self.cluster.id

    def record(self, work: StepWork, ended: float | None) -> None:
        step = work.step
        new = StepRecord(step.id, step.name, work.started, ended, step.state)
        for i, old in enumerate(self.records):
            if old.step_id == step.id:
                self.records[i] = new
                return
        self.records.append(new)


def fill_in_cluster(cluster: SimCluster, request: dict[str, Any], log_uri_s3n: bool) -> None:
    """Finish what moto's RunJobFlow leaves undone (see the module docstring)."""
    instances = request.get("Instances", {})
    _fill_applications(cluster, request)
    cluster.requested_log_uri = request.get("LogUri")
    if cluster.log_uri and log_uri_s3n and cluster.log_uri.startswith(("s3://", "s3a://")):
        cluster.log_uri = "s3n://" + cluster.log_uri.split("://", 1)[1]
    backend = cluster.emr_backend
    for config in instances.get("InstanceFleets", []):
        fleet = SimFleet("if-" + random_id(), config, cluster.creation_datetime)
        cluster.instance_fleets.append(fleet)
        reply = backend.ec2_backend.run_instances(EXAMPLE_AMI_ID, fleet.instance_count, None, [],
                                                  instance_type=fleet.instance_type,
                                                  is_instance_type_default=False)
        for ec2_instance in reply.instances:
            cluster.add_instance(SimInstance(ec2_instance, fleet, instance_fleet_id=fleet.id))
    if not cluster.instance_fleets:
        if not cluster.instance_groups:
            backend.add_instance_groups(cluster.id, [{
                "instance_count": 1, "instance_role": "MASTER",
                "instance_type": instances.get("MasterInstanceType") or "m5.xlarge"}])
        with_nodes = {instance.instance_group.id for instance in cluster.ec2_instances}
        for group in cluster.instance_groups:
            if group.id not in with_nodes and group.num_instances > 0:
                backend.run_instances(cluster.id, {"instance_count": group.num_instances,
                                                   "instance_type": group.instance_type}, group)


def _fill_applications(cluster: SimCluster, request: dict[str, Any]) -> None:
    major = (cluster.release_label or "emr-7").split("-", 1)[-1].split(".", 1)[0]
    versions = _VERSIONS.get(major, _VERSIONS["7"])
    wanted = request.get("Applications") or [{"Name": "Hadoop"}]
    cluster.applications = [
        Application(name=app.get("Name", ""),
                    version=app.get("Version") or versions.get(app.get("Name", ""), ""),
                    args=app.get("Args", []), additional_info=app.get("AdditionalInfo", {}))
        for app in wanted]


def make_nodes(cluster: SimCluster, root: str, base_env: dict[str, str]) -> list[Node]:
    """A sandboxed :class:`Node` for every instance, master first."""
    instances = sorted(cluster.ec2_instances,
                       key=lambda instance: _ROLE_ORDER.get(instance.instance_group.role, 3))
    nodes = []
    for instance in instances:
        node_root = os.path.join(root, cluster.id, instance.ec2_instance_id)
        nodes.append(Node(instance.ec2_instance_id, instance.instance_group.role, node_root,
                          base_env=dict(base_env)))
    return nodes
