"""Subclasses of moto's EMR models that leave the life of a cluster to the
simulator's driver instead of moto's shortcuts.

moto's own ``Cluster`` goes straight to WAITING (or TERMINATED) inside
RunJobFlow, marks the first step RUNNING forever and reports no state-change
reason codes. The classes here keep a new cluster in STARTING with every
step PENDING, turn TerminateJobFlows into a request the driver carries out,
report ``StateChangeReason`` codes, step ``FailureDetails`` and instance
states, and keep every timestamp in simulated time (see
:mod:`tests.emr_sim.clock`). :mod:`tests.emr_sim.moto_patches` swaps them in
for moto's classes while a simulator runs."""

from __future__ import annotations

import datetime
from typing import Any

from moto.emr import models
from moto.emr.exceptions import ValidationException
from moto.emr.utils import random_id

__all__ = ["ACTIVE", "SimCluster", "SimFleet", "SimInstance", "SimInstanceGroup", "SimStep",
           "set_sim_time", "sim_time"]

TERMINAL_CLUSTER_STATES = ("TERMINATING", "TERMINATED", "TERMINATED_WITH_ERRORS")


class _Active:
    """What the patched models talk to: the running simulator's clock and
    driver (both None when no simulator runs)."""

    clock: Any = None
    driver: Any = None


ACTIVE = _Active()


class SimTimestamp:
    """A model attribute holding a moment: moto code reads and writes
    datetimes, the value is stored as simulated seconds, so that advancing
    the clock moves it into the past (see :mod:`tests.emr_sim.clock`)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_sim_" + name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__.get(self.slot)
        if isinstance(value, float) and ACTIVE.clock is not None:
            return ACTIVE.clock.to_datetime(value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        if isinstance(value, datetime.datetime) and ACTIVE.clock is not None:
            value = ACTIVE.clock.from_datetime(value)
        obj.__dict__[self.slot] = value


def set_sim_time(obj: Any, name: str, sim_seconds: float | None) -> None:
    """Set timestamp attribute *name* of a model to a simulated time."""
    obj.__dict__["_sim_" + name] = None if sim_seconds is None else float(sim_seconds)


def sim_time(obj: Any, name: str) -> float | None:
    """The simulated time held by timestamp attribute *name*, or None."""
    value = obj.__dict__.get("_sim_" + name)
    return value if isinstance(value, float) else None


class SimStep(models.Step):
    """A step that stays PENDING until the driver runs it."""

    creation_date_time = SimTimestamp()
    start_date_time = SimTimestamp()
    end_date_time = SimTimestamp()
    ready_date_time = SimTimestamp()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failure_details: dict[str, str] | None = None

    def start(self) -> None:
        """moto calls this on the first step at once; the driver decides."""

    @property
    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "State": self.state,
            "StateChangeReason": {},
            "Timeline": {
                "CreationDateTime": self.creation_date_time,
                "StartDateTime": self.start_date_time,
                "EndDateTime": self.end_date_time,
            },
        }
        if self.failure_details:
            status["FailureDetails"] = dict(self.failure_details)
        return status


class SimCluster(models.Cluster):
    """A cluster that stays in STARTING until the driver moves it on."""

    creation_datetime = SimTimestamp()
    start_datetime = SimTimestamp()
    ready_datetime = SimTimestamp()
    end_datetime = SimTimestamp()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.reason_code: str | None = None
        self.reason_message: str | None = None
        self.instance_fleets: list[SimFleet] = []
        self.auto_termination_policy: dict[str, Any] | None = None
        self.requested_log_uri: str | None = None
        #: every state the cluster has been in, in order
        self.history: list[str] = []
        super().__init__(*args, **kwargs)

    # moto calls these three from __init__ and TerminateJobFlows
    def start_cluster(self) -> None:
        self.set_state("STARTING", "", "Provisioning Amazon EC2 capacity")

    def run_bootstrap_actions(self) -> None:
        """Bootstrapping is the driver's work."""

    def terminate(self) -> None:
        if ACTIVE.driver is not None:
            ACTIVE.driver.terminate_requested(self)
        else:
            super().terminate()

    def add_steps(self, steps: list[dict[str, Any]]) -> list[models.Step]:
        if getattr(self, "state", None) in TERMINAL_CLUSTER_STATES:
            raise ValidationException(
                "A job flow that is shutting down, terminated, or finished may not be modified.")
        added = []
        for step in steps:
            new = SimStep(state="PENDING", **step)
            self.steps.append(new)
            added.append(new)
        if ACTIVE.driver is not None and getattr(self, "state", None):
            ACTIVE.driver.wake()
        return added

    def set_state(self, state: str, code: str | None = None, message: str | None = None) -> None:
        """Change state and state-change reason together."""
        if not self.history or self.history[-1] != state:
            self.history.append(state)
        self.state = state
        self.reason_code = code
        self.reason_message = message
        self.last_state_change_reason = message

    @property
    def status(self) -> dict[str, Any]:
        reason = {}
        if self.reason_code:
            reason["Code"] = self.reason_code
        if self.reason_message:
            reason["Message"] = self.reason_message
        return {
            "State": self.state,
            "StateChangeReason": reason,
            "Timeline": {
                "CreationDateTime": self.creation_datetime,
                "ReadyDateTime": self.ready_datetime,
                "EndDateTime": self.end_datetime,
            },
        }

    @property
    def instance_collection_type(self) -> str:
        return "INSTANCE_FLEET" if self.instance_fleets else "INSTANCE_GROUP"

    @property
    def master_public_dns_name(self) -> str:
        for instance in self.ec2_instances:
            if instance.instance_group.role == "MASTER":
                dns = instance.public_dns_name or ""
                if "." in dns:
                    dashed, domain = dns.split(".", 1)
                    return "%s.%s.%s" % (dashed, self.emr_backend.region_name, domain)
        return super().master_public_dns_name


_INSTANCE_STATES = {"PROVISIONING": "PROVISIONING", "BOOTSTRAPPING": "BOOTSTRAPPING",
                    "RUNNING": "RUNNING", "TERMINATING": "RUNNING", "TERMINATED": "TERMINATED"}


class SimInstanceGroup(models.InstanceGroup):
    """An instance group whose state follows its cluster's."""

    creation_date_time = SimTimestamp()
    start_date_time = SimTimestamp()
    ready_date_time = SimTimestamp()
    end_date_time = SimTimestamp()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not kwargs.get("instance_group_id"):
            kwargs["instance_group_id"] = "ig-" + random_id()
        super().__init__(*args, **kwargs)
        self.state = "PROVISIONING"
        self.ready_date_time = None

    @property
    def status(self) -> dict[str, Any]:
        return _group_status(self)


class SimFleet:
    """An instance fleet (moto has none): what ListInstanceFleets reports,
    and the group-like object the fleet's instances point to."""

    creation_date_time = SimTimestamp()
    ready_date_time = SimTimestamp()
    end_date_time = SimTimestamp()

    def __init__(self, fleet_id: str, config: dict[str, Any], created: datetime.datetime):
        self.id = fleet_id
        self.name = config.get("Name") or config.get("InstanceFleetType", "").lower()
        self.role = config.get("InstanceFleetType", "CORE")
        self.on_demand = int(config.get("TargetOnDemandCapacity") or 0)
        self.spot = int(config.get("TargetSpotCapacity") or 0)
        self.specs = [dict(spec) for spec in config.get("InstanceTypeConfigs", [])]
        self.launch = config.get("LaunchSpecifications")
        self.market = "ON_DEMAND" if self.on_demand else "SPOT"
        self.state = "PROVISIONING"
        self.creation_date_time = created
        self.ready_date_time = None
        self.end_date_time = None

    @property
    def instance_type(self) -> str:
        return self.specs[0].get("InstanceType", "m5.xlarge") if self.specs else "m5.xlarge"

    @property
    def instance_count(self) -> int:
        weight = int(self.specs[0].get("WeightedCapacity") or 1) if self.specs else 1
        return max(1, -(-(self.on_demand + self.spot) // weight))

    def describe(self) -> dict[str, Any]:
        running = self.state in ("RUNNING", "BOOTSTRAPPING", "TERMINATING")
        answer = {
            "Id": self.id, "Name": self.name, "Status": _group_status(self),
            "InstanceFleetType": self.role,
            "TargetOnDemandCapacity": self.on_demand, "TargetSpotCapacity": self.spot,
            "ProvisionedOnDemandCapacity": self.on_demand if running else 0,
            "ProvisionedSpotCapacity": self.spot if running else 0,
            "InstanceTypeSpecifications": [
                {key: value for key, value in spec.items()
                 if key in ("InstanceType", "WeightedCapacity", "BidPrice",
                            "BidPriceAsPercentageOfOnDemandPrice")}
                for spec in self.specs],
        }
        if self.launch:
            answer["LaunchSpecifications"] = self.launch
        return answer


def _group_status(group: Any) -> dict[str, Any]:
    reason = {}
    if group.state == "TERMINATED":
        reason = {"Code": "CLUSTER_TERMINATED", "Message": "Job flow terminated"}
    return {
        "State": group.state,
        "StateChangeReason": reason,
        "Timeline": {
            "CreationDateTime": group.creation_date_time,
            "ReadyDateTime": group.ready_date_time,
            "EndDateTime": group.end_date_time,
        },
    }


class SimInstance(models.Instance):
    """A node, in an instance group or an instance fleet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not kwargs.get("instance_id"):
            kwargs["instance_id"] = "ci-" + random_id()
        super().__init__(*args, **kwargs)
        self.instance_fleet_id = self.instance_fleet_id or None

    @property
    def instance_group_id(self) -> str | None:  # type: ignore[override]
        return None if self.instance_fleet_id else self.instance_group.id

    @property
    def status(self) -> dict[str, Any]:
        group = self.instance_group
        return {
            "State": _INSTANCE_STATES.get(group.state, group.state),
            "StateChangeReason": {},
            "Timeline": {
                "CreationDateTime": group.creation_date_time,
                "ReadyDateTime": group.ready_date_time,
                "EndDateTime": group.end_date_time,
            },
        }
