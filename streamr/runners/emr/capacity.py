"""What a job asks of a cluster's instances, and what a cluster has, per
role (MASTER, CORE, TASK): memory, CPU and spot price. Pooling compares the
two before a job joins a cluster.

Everything here is pure: the job's side is read from its RunJobFlow
``Instances`` (instance groups or fleets), the cluster's from the answers
of ``ListInstanceGroups``, ``ListInstanceFleets`` and ``ListInstances``.

Memory and CPU come from :mod:`streamr.runners.emr.instance_types`. An
instance type missing from that table is compared by name instead: the
cluster must have at least as many instances of exactly that type.

Prices: a role on on-demand instances, or on spot with no bid (spot capped
at the on-demand price), or on spot bidding 100% or more of the on-demand
price, costs at most the on-demand price (:data:`ON_DEMAND`). A bid in US
dollars and a bid as a percentage of the on-demand price cannot be
compared without price lists, so a cluster whose price is of the other
kind is not joined unless the job accepts the on-demand price.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from streamr.runners.emr.instance_types import instance_spec

__all__ = [
    "ON_DEMAND",
    "Price",
    "RoleCapacity",
    "cluster_capacity",
    "compare_roles",
    "job_needs",
    "worker_capacity",
]

ROLES = ("MASTER", "CORE", "TASK")


@dataclass(frozen=True)
class Price:
    """The most a role may cost per instance-hour: ``on-demand`` (the
    on-demand price or less), ``usd`` (a bid in dollars), ``pct`` (a bid as
    a percentage of the on-demand price) or ``mixed`` (several kinds)."""

    kind: str
    value: Decimal = Decimal(0)

    def __str__(self) -> str:
        plain = format(self.value.normalize(), "f")
        if self.kind == "usd":
            return "spot bid $%s" % plain
        if self.kind == "pct":
            return "spot bid %s%% of on-demand" % plain
        if self.kind == "mixed":
            return "spot bids in dollars and in percent"
        return "up to the on-demand price"

    def at_most(self, other: Price) -> bool:
        """True when this price is known to be no higher than *other*."""
        if other.kind == "on-demand":
            return True
        if self.kind != other.kind or self.kind == "mixed":
            return False
        return self.value <= other.value


ON_DEMAND = Price("on-demand")


def _decimal(text) -> Decimal | None:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and value > 0 else None


def group_price(market: str | None, bid) -> Price:
    """The price of an instance group from its Market and BidPrice."""
    if (market or "ON_DEMAND").upper() != "SPOT":
        return ON_DEMAND
    value = _decimal(bid) if bid not in (None, "", "OnDemandPrice") else None
    return Price("usd", value) if value is not None else ON_DEMAND


def spec_price(spec: dict, spot: bool) -> Price:
    """The price of one instance type of a fleet (InstanceTypeConfig or
    InstanceTypeSpecification); *spot* when the fleet has spot capacity."""
    if not spot:
        return ON_DEMAND
    if spec.get("BidPrice") not in (None, ""):
        value = _decimal(spec["BidPrice"])
        return Price("usd", value) if value is not None else ON_DEMAND
    percent = _decimal(spec.get("BidPriceAsPercentageOfOnDemandPrice"))
    if percent is None or percent >= 100:
        return ON_DEMAND
    return Price("pct", percent)


def highest(prices: list[Price]) -> Price:
    """The most any of *prices* allows."""
    if not prices or any(p.kind == "on-demand" for p in prices):
        return ON_DEMAND
    kinds = {p.kind for p in prices}
    if len(kinds) > 1 or "mixed" in kinds:
        return Price("mixed")
    return Price(kinds.pop(), max(p.value for p in prices))


@dataclass
class RoleCapacity:
    """Memory (GiB) and vCPUs of one role, instance counts of types not in
    the table, and the role's price."""

    memory_gib: float = 0.0
    vcpus: float = 0.0
    unknown: Counter = field(default_factory=Counter)
    prices: list = field(default_factory=list)
    instances: int = 0

    @property
    def price(self) -> Price:
        return highest(self.prices)

    def add(self, instance_type: str, count: float, weight: float = 1.0) -> None:
        spec = instance_spec(instance_type or "")
        if spec is None:
            self.unknown[(instance_type or "?").lower()] += int(count)
        else:
            self.memory_gib += spec.memory_gib * count / weight
            self.vcpus += spec.vcpus * count / weight
        self.instances += int(count)


def job_needs(instances: dict) -> dict[str, RoleCapacity]:
    """Per role, what the job's RunJobFlow ``Instances`` asks for."""
    needs: dict[str, RoleCapacity] = {}
    for group in instances.get("InstanceGroups") or ():
        role = needs.setdefault(group.get("InstanceRole", "?"), RoleCapacity())
        role.add(group.get("InstanceType", ""), group.get("InstanceCount") or 0)
        role.prices.append(group_price(group.get("Market"), group.get("BidPrice")))
    for fleet in instances.get("InstanceFleets") or ():
        role = needs.setdefault(fleet.get("InstanceFleetType", "?"), RoleCapacity())
        _fleet_need(role, fleet)
    if not needs and instances.get("MasterInstanceType"):
        needs["MASTER"] = RoleCapacity()
        needs["MASTER"].add(instances["MasterInstanceType"], 1)
        count = (instances.get("InstanceCount") or 1) - 1
        if count > 0:
            needs["CORE"] = RoleCapacity()
            needs["CORE"].add(instances.get("SlaveInstanceType")
                              or instances["MasterInstanceType"], count)
    return needs


def _fleet_need(role: RoleCapacity, fleet: dict) -> None:
    """The least a fleet is sure to give: its target capacity in units,
    each unit worth the smallest memory (and CPU) per unit of any of its
    instance types; types not in the table are left out of that."""
    on_demand = fleet.get("TargetOnDemandCapacity") or 0
    spot = fleet.get("TargetSpotCapacity") or 0
    configs = fleet.get("InstanceTypeConfigs") or fleet.get("InstanceTypeSpecifications") or ()
    per_unit = []
    for config in configs:
        spec = instance_spec(config.get("InstanceType", ""))
        weight = float(config.get("WeightedCapacity") or 1)
        if spec is not None:
            per_unit.append((spec.memory_gib / weight, spec.vcpus / weight))
        role.prices.append(spec_price(config, spot > 0))
    units = on_demand + spot
    if per_unit:
        role.memory_gib += units * min(m for m, _ in per_unit)
        role.vcpus += units * min(c for _, c in per_unit)
    role.instances += units


def cluster_capacity(groups: list, fleets: list, instances: list) -> dict[str, RoleCapacity]:
    """Per role, what a cluster has running: from ``ListInstanceGroups``
    (*groups*), or ``ListInstanceFleets`` (*fleets*) with the running
    instances of ``ListInstances`` (*instances*)."""
    have: dict[str, RoleCapacity] = {}
    for group in groups:
        role = have.setdefault(group.get("InstanceGroupType", "?"), RoleCapacity())
        role.add(group.get("InstanceType", ""), group.get("RunningInstanceCount") or 0)
        role.prices.append(group_price(group.get("Market"), group.get("BidPrice")))
    fleet_roles = {}
    for fleet in fleets:
        fleet_roles[fleet.get("Id")] = fleet.get("InstanceFleetType", "?")
        role = have.setdefault(fleet.get("InstanceFleetType", "?"), RoleCapacity())
        spot = (fleet.get("TargetSpotCapacity") or 0) > 0
        role.prices.extend(spec_price(spec, spot)
                           for spec in fleet.get("InstanceTypeSpecifications") or ())
    for instance in instances:
        role_name = fleet_roles.get(instance.get("InstanceFleetId"))
        if role_name is None or instance.get("Status", {}).get("State") != "RUNNING":
            continue
        have[role_name].add(instance.get("InstanceType", ""), 1)
    return have


def compare_roles(needs: dict[str, RoleCapacity],
                  have: dict[str, RoleCapacity]) -> str | None:
    """Why a cluster with *have* cannot run a job that *needs*; None when it can."""
    for name in ROLES:
        need = needs.get(name)
        if need is None or not need.instances:
            continue
        got = have.get(name) or RoleCapacity()
        role = name.lower()
        if got.memory_gib + 1e-9 < need.memory_gib:
            return "%s memory %s GiB < %s GiB asked" % (role, _num(got.memory_gib),
                                                      _num(need.memory_gib))
        if got.vcpus + 1e-9 < need.vcpus:
            return "%s vCPUs %s < %s asked" % (role, _num(got.vcpus), _num(need.vcpus))
        for instance_type, count in sorted(need.unknown.items()):
            if got.unknown.get(instance_type, 0) < count:
                return ("%s: %d x %s asked (a type streamr has no figures for, so compared by"
                        " name), cluster has %d" % (role, count, instance_type,
                                                    got.unknown.get(instance_type, 0)))
        if not got.price.at_most(need.price):
            return "%s price (%s) is not known to be at most the job's (%s)" % (
                role, got.price, need.price)
    return None


def _num(value: float) -> str:
    return ("%.1f" % value).rstrip("0").rstrip(".")


def worker_capacity(have: dict[str, RoleCapacity]) -> tuple[float, float]:
    """(memory GiB, vCPUs) of a cluster's core and task nodes, to rank clusters."""
    roles = [have.get("CORE"), have.get("TASK")]
    return (sum(r.memory_gib for r in roles if r), sum(r.vcpus for r in roles if r))
