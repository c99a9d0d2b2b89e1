"""The ``managed_scaling`` option: EMR managed scaling limits, checked and
turned into the ``ManagedScalingPolicy`` of a RunJobFlow request.

A user writes the limits as EMR's ``ComputeLimits`` mapping. EMR itself
would only refuse a bad mapping after the run has uploaded its files (or,
for a few mistakes such as a minimum above the maximum, start a cluster
that never scales as meant), so everything EMR's API and its managed
scaling rules demand is checked here, before any request, and a mistake is
one line naming the key at fault.

Pure: no AWS calls.
"""

from __future__ import annotations

from typing import Any

from streamr.errors import UsageError

__all__ = ["UNIT_TYPES", "managed_scaling_policy"]

#: what ComputeLimits measures in, and what each is for
UNIT_TYPES = ("Instances", "VCPU", "InstanceFleetUnits")
_REQUIRED = ("UnitType", "MinimumCapacityUnits", "MaximumCapacityUnits")
_OPTIONAL_LIMITS = ("MaximumOnDemandCapacityUnits", "MaximumCoreCapacityUnits")
_KEYS = _REQUIRED + _OPTIONAL_LIMITS
_LIMIT_KEYS = _KEYS[1:]


def managed_scaling_policy(limits: dict | None, *, fleets: bool) -> dict | None:
    """The ``ManagedScalingPolicy`` for *limits* (the option's value), or
    None when it is unset or empty. *fleets* says whether the cluster has
    instance fleets, which decides the unit type EMR accepts.
    :class:`UsageError` for anything EMR would refuse."""
    if not limits:
        return None
    if not isinstance(limits, dict):
        raise UsageError("managed_scaling must be a mapping such as {UnitType: Instances,"
                         " MinimumCapacityUnits: 2, MaximumCapacityUnits: 10}")
    unknown = sorted(str(key) for key in limits if key not in _KEYS)
    if unknown:
        raise UsageError("managed_scaling: unknown key %s; the keys are %s"
                         % (", ".join(unknown), ", ".join(_KEYS)))
    missing = [key for key in _REQUIRED if limits.get(key) is None]
    if missing:
        raise UsageError("managed_scaling needs %s (EMR requires UnitType,"
                         " MinimumCapacityUnits and MaximumCapacityUnits)"
                         % ", ".join(missing))
    unit = _unit_type(limits["UnitType"], fleets)
    numbers = {key: _whole_number(key, limits[key]) for key in _LIMIT_KEYS
               if limits.get(key) is not None}
    low, high = numbers["MinimumCapacityUnits"], numbers["MaximumCapacityUnits"]
    if low < 1:
        raise UsageError("managed_scaling: MinimumCapacityUnits must be 1 or more, not %d"
                         % low)
    if low > high:
        raise UsageError("managed_scaling: MinimumCapacityUnits (%d) is more than"
                         " MaximumCapacityUnits (%d)" % (low, high))
    for key in _OPTIONAL_LIMITS:
        if key in numbers and not 0 <= numbers[key] <= high:
            raise UsageError("managed_scaling: %s must be between 0 and MaximumCapacityUnits"
                             " (%d), not %d" % (key, high, numbers[key]))
    limits_out: dict[str, Any] = {"UnitType": unit}
    limits_out.update((key, numbers[key]) for key in _LIMIT_KEYS if key in numbers)
    return {"ComputeLimits": limits_out}


def _unit_type(value: Any, fleets: bool) -> str:
    """*value* as EMR spells it (any case accepted), or :class:`UsageError`
    when it is not one, or does not fit the cluster's kind of instances."""
    unit = next((u for u in UNIT_TYPES if str(value).lower() == u.lower()), None)
    if unit is None:
        raise UsageError("managed_scaling: UnitType must be one of %s, not %r"
                         % (", ".join(UNIT_TYPES), value))
    # EMR measures instance groups in instances or vCPUs, fleets in their own units
    if fleets and unit != "InstanceFleetUnits":
        raise UsageError("managed_scaling: a cluster with instance_fleets is measured in"
                         " InstanceFleetUnits, not %s" % unit)
    if not fleets and unit == "InstanceFleetUnits":
        raise UsageError("managed_scaling: UnitType InstanceFleetUnits needs instance_fleets;"
                         " with instance groups use Instances or VCPU")
    return unit


def _whole_number(key: str, given: Any) -> int:
    value = given
    if isinstance(value, bool):
        value = None  # YAML's yes/no is not a count
    elif (isinstance(value, str) and value.strip().isdigit()
          or isinstance(value, float) and value.is_integer()):
        value = int(value)
    if not isinstance(value, int):
        raise UsageError("managed_scaling: %s must be a whole number, not %r" % (key, given))
    return value
