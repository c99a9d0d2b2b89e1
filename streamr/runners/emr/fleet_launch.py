"""How EMR fills instance fleets: the spot and on-demand allocation
strategies and the spot provisioning timeout, from the runner's options
into each fleet's ``LaunchSpecifications``.

These settings exist only for instance fleets: EMR's instance groups have
one instance type each and no provisioning timeout. A user who sets them
without ``instance_fleets`` would otherwise see them silently ignored, so
that is one :class:`UsageError` line, raised before any request.

A fleet that already says something in its own ``LaunchSpecifications``
keeps it: the options fill in what the fleet leaves out, key by key, so
one fleet can differ from the rest.

Pure: no AWS calls.
"""

from __future__ import annotations

import copy

from streamr.errors import UsageError

__all__ = ["FLEET_OPTIONS", "check_fleet_options", "with_launch_specifications"]

#: the options that only instance fleets take
FLEET_OPTIONS = ("spot_allocation_strategy", "on_demand_allocation_strategy",
                 "spot_timeout_action", "spot_timeout_minutes")

# EMR requires both timeout fields in a SpotSpecification; when the user
# sets only some spot settings, these fill the rest. Switching to on-demand
# lets the job run (at on-demand prices) rather than end the cluster.
DEFAULT_SPOT_TIMEOUT_ACTION = "SWITCH_TO_ON_DEMAND"
DEFAULT_SPOT_TIMEOUT_MINUTES = 60


def check_fleet_options(opts: dict) -> None:
    """Refuse fleet-only options on a cluster without instance fleets."""
    given = [name for name in FLEET_OPTIONS if opts.get(name) is not None]
    if given and not opts.get("instance_fleets"):
        raise UsageError("%s need%s instance fleets: set instance_fleets (EMR's instance"
                         " groups have no allocation strategy or spot timeout)"
                         % (", ".join(given), "s" if len(given) == 1 else ""))


def _spot_specification(opts: dict) -> dict:
    """The SpotSpecification the options ask for ({} when they set none)."""
    strategy = opts.get("spot_allocation_strategy")
    action = opts.get("spot_timeout_action")
    minutes = opts.get("spot_timeout_minutes")
    if not strategy and not action and minutes is None:
        return {}
    spec = {"TimeoutDurationMinutes": DEFAULT_SPOT_TIMEOUT_MINUTES if minutes is None
            else minutes,
            "TimeoutAction": action or DEFAULT_SPOT_TIMEOUT_ACTION}
    if strategy:
        spec["AllocationStrategy"] = strategy
    return spec


def with_launch_specifications(fleets: list, opts: dict) -> list:
    """A copy of *fleets* with the options' launch specifications filled
    in: the spot one on each fleet that asks for spot capacity, the
    on-demand one on each fleet that asks for on-demand capacity."""
    check_fleet_options(opts)
    spot = _spot_specification(opts)
    on_demand = ({"AllocationStrategy": opts["on_demand_allocation_strategy"]}
                 if opts.get("on_demand_allocation_strategy") else {})
    fleets = copy.deepcopy(fleets)
    for fleet in fleets:
        wanted = {}
        if spot and (fleet.get("TargetSpotCapacity") or 0) > 0:
            wanted["SpotSpecification"] = spot
        if on_demand and (fleet.get("TargetOnDemandCapacity") or 0) > 0:
            wanted["OnDemandSpecification"] = on_demand
        if not wanted:
            continue
        launch = fleet.setdefault("LaunchSpecifications", {})
        for key, spec in wanted.items():
            own = launch.get(key) if isinstance(launch.get(key), dict) else {}
            launch[key] = dict(spec, **own)  # the fleet's own settings win
    return fleets
