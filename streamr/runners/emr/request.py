"""The RunJobFlow request for a new cluster, built from the runner's options.

:func:`cluster_request` turns merged runner options into the keyword
arguments of boto3's ``emr.run_job_flow``; :func:`cluster_name` and
:func:`cluster_tags` make the name and tags it is given, and
:func:`instance_summary` describes the instances for the log.

Everything here is pure: no AWS calls, no boto3. Options that contradict
each other or break EMR's limits stop with one :class:`UsageError` line.
"""

from __future__ import annotations

import copy
import logging
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from streamr import __version__
from streamr.errors import UsageError
from streamr.runners.emr.fleet_launch import check_fleet_options, with_launch_specifications
from streamr.runners.emr.scaling import managed_scaling_policy

__all__ = [
    "DEFAULT_JOB_FLOW_ROLE",
    "DEFAULT_SERVICE_ROLE",
    "check_cluster_options",
    "cluster_name",
    "cluster_request",
    "cluster_tags",
    "instance_summary",
    "merge_params",
]

log = logging.getLogger(__name__)

#: EMR's default instance profile of cluster nodes
DEFAULT_JOB_FLOW_ROLE = "EMR_EC2_DefaultRole"
#: EMR's default service role
DEFAULT_SERVICE_ROLE = "EMR_DefaultRole"

# EMR's limits
_MAX_NAME = 256
_MAX_TAG_KEY = 128
_MAX_TAG_VALUE = 256
_MAX_TAGS = 50
_MIN_IDLE_SECONDS = 60
_MAX_IDLE_SECONDS = 7 * 24 * 3600
_MAX_CONCURRENT_STEPS = 256

_ROLES = ("MASTER", "CORE", "TASK")
# per role: (group name, instance type options in order of preference, count
# option, bid price option)
_SIMPLE_GROUPS = {
    "MASTER": ("master", ("master_instance_type",), None, "master_instance_bid_price"),
    "CORE": ("core", ("core_instance_type",), "num_core_instances", "core_instance_bid_price"),
    "TASK": ("task", ("task_instance_type", "core_instance_type"), "num_task_instances",
             "task_instance_bid_price"),
}
_BID_PRICE_OPTIONS = tuple(spec[3] for spec in _SIMPLE_GROUPS.values())
_COUNT_OPTIONS = ("num_core_instances", "num_task_instances")
# options that the instance_groups and instance_fleets options replace
_SIMPLE_INSTANCE_OPTIONS = ("master_instance_type", "core_instance_type", "task_instance_type",
                            "num_core_instances", "num_task_instances") + _BID_PRICE_OPTIONS

_PRICE = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_TAG_PREFIX = "streamr:"


def cluster_request(opts: dict, *, name: str, log_uri: str | None,
                    bootstrap_actions: list[dict], tags: dict[str, str],
                    keep_alive: bool) -> dict:
    """Keyword arguments for ``run_job_flow`` that start a cluster as *opts*
    describe it.

    *bootstrap_actions* are already in the API's form; *tags* are the
    cluster's tags (see :func:`cluster_tags`); *keep_alive* keeps the
    cluster waiting for more steps when it runs out, and turns on EMR's
    idle shutdown after ``max_mins_idle``. ``extra_cluster_params`` are
    merged in last (see :func:`merge_params`)."""
    request: dict[str, Any] = {"Name": name}
    if log_uri:
        request["LogUri"] = log_uri
    if opts.get("release_label"):
        request["ReleaseLabel"] = opts["release_label"]
    request["Applications"] = _applications(opts.get("applications") or [])
    if opts.get("emr_configurations"):
        request["Configurations"] = copy.deepcopy(opts["emr_configurations"])
    request["Instances"] = _instances(opts, keep_alive)
    request["JobFlowRole"] = opts.get("iam_instance_profile") or DEFAULT_JOB_FLOW_ROLE
    request["ServiceRole"] = opts.get("iam_service_role") or DEFAULT_SERVICE_ROLE
    request["VisibleToAllUsers"] = True
    request["Tags"] = [{"Key": key, "Value": tags[key]} for key in sorted(tags)]
    request["BootstrapActions"] = copy.deepcopy(list(bootstrap_actions))

    concurrency = _max_concurrent_steps(opts)
    if concurrency > 1:
        request["StepConcurrencyLevel"] = concurrency
    if opts.get("ebs_root_volume_gb") is not None:
        size = opts["ebs_root_volume_gb"]
        if size < 1:
            raise UsageError("ebs_root_volume_gb must be 1 or more, not %r" % (size,))
        request["EbsRootVolumeSize"] = size
    idle_seconds = _idle_timeout(opts) if keep_alive else None
    if idle_seconds is not None:
        request["AutoTerminationPolicy"] = {"IdleTimeout": idle_seconds}
    if opts.get("security_configuration"):
        request["SecurityConfiguration"] = opts["security_configuration"]
    scaling = managed_scaling_policy(opts.get("managed_scaling"),
                                     fleets=bool(opts.get("instance_fleets")))
    if scaling:
        request["ManagedScalingPolicy"] = scaling

    return merge_params(request, opts.get("extra_cluster_params") or {})


def check_cluster_options(opts: dict) -> None:
    """Refuse now, before any AWS request, the new-cluster options whose
    mistakes EMR would only report once the run's files are uploaded:
    ``managed_scaling`` and the fleet-only options."""
    managed_scaling_policy(opts.get("managed_scaling"), fleets=bool(opts.get("instance_fleets")))
    check_fleet_options(opts)


def merge_params(base: dict, extra: dict) -> dict:
    """A copy of *base* with *extra* merged in: a mapping merges into the
    mapping under the same key (recursively), any other value replaces what
    was there, and ``None`` removes the key. Neither argument changes."""
    result = copy.deepcopy(base)
    for key, value in extra.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            under = result.get(key)
            result[key] = merge_params(under if isinstance(under, dict) else {}, value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _applications(names: list[str]) -> list[dict]:
    """Hadoop first, then each of *names* once (ignoring case), as given."""
    seen = {"hadoop"}
    applications = [{"Name": "Hadoop"}]
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            applications.append({"Name": name})
    return applications


def _max_concurrent_steps(opts: dict) -> int:
    value = opts.get("max_concurrent_steps")
    if value is None:
        return 1
    if not 1 <= value <= _MAX_CONCURRENT_STEPS:
        raise UsageError("max_concurrent_steps must be between 1 and %d (EMR's limit), not %r"
                         % (_MAX_CONCURRENT_STEPS, value))
    return value


def _idle_timeout(opts: dict) -> int | None:
    """Seconds of idleness after which EMR shuts the cluster down, or
    ``None`` when ``max_mins_idle`` is unset or 0."""
    minutes = opts.get("max_mins_idle")
    if not minutes:
        return None
    seconds = int(minutes * 60)
    if not _MIN_IDLE_SECONDS <= seconds <= _MAX_IDLE_SECONDS:
        raise UsageError("max_mins_idle must be between 1 and %d minutes (7 days; EMR's limits"
                         " on idle shutdown), not %r" % (_MAX_IDLE_SECONDS // 60, minutes))
    return seconds


# --- instances ---------------------------------------------------------------------


def _instances(opts: dict, keep_alive: bool) -> dict:
    for count_option in _COUNT_OPTIONS:
        count = opts.get(count_option) or 0
        if count < 0:
            raise UsageError("%s must be 0 or more, not %r" % (count_option, count))
    groups = opts.get("instance_groups") or None
    fleets = opts.get("instance_fleets") or None
    if groups and fleets:
        raise UsageError("instance_groups cannot be combined with instance_fleets: a cluster"
                         " has either instance groups or instance fleets; drop one or the other")
    if groups or fleets:
        _check_no_simple_options(opts, "instance_groups" if groups else "instance_fleets")
    for price_option in _BID_PRICE_OPTIONS:
        _check_bid_price(price_option, opts.get(price_option))
    check_fleet_options(opts)

    instances: dict[str, Any] = {
        "KeepJobFlowAliveWhenNoSteps": bool(keep_alive),
        "TerminationProtected": False,
    }
    if fleets:
        instances["InstanceFleets"] = with_launch_specifications(_checked_fleets(fleets), opts)
    elif groups:
        instances["InstanceGroups"] = _checked_groups(groups)
    else:
        instances["InstanceGroups"] = _simple_groups(opts)

    if opts.get("ec2_key_pair"):
        instances["Ec2KeyName"] = opts["ec2_key_pair"]
    subnet, zone = opts.get("subnet"), opts.get("zone")
    if subnet:
        if fleets:
            instances["Ec2SubnetIds"] = [subnet]
        else:
            instances["Ec2SubnetId"] = subnet
        if zone:
            log.warning("zone %s is ignored: subnet %s decides where the cluster starts",
                        zone, subnet)
    elif zone:
        if fleets:
            instances["Placement"] = {"AvailabilityZones": [zone]}
        else:
            instances["Placement"] = {"AvailabilityZone": zone}
    return instances


def _check_no_simple_options(opts: dict, option_name: str) -> None:
    clashing = []
    for name in _SIMPLE_INSTANCE_OPTIONS:
        value = opts.get(name)
        if name in _COUNT_OPTIONS:
            if value:
                clashing.append(name)
        elif value is not None:
            clashing.append(name)
    if clashing:
        what = option_name.split("_")[1]
        raise UsageError("%s cannot be combined with %s: the %s describe every instance;"
                         " drop one or the other" % (option_name, ", ".join(clashing), what))


def _check_bid_price(option_name: str, price: Any) -> None:
    if price is None or price == "":
        return
    text = str(price).strip()
    valid = bool(_PRICE.match(text))
    if valid:
        try:
            valid = Decimal(text) > 0
        except InvalidOperation:  # pragma: no cover - the pattern rules this out
            valid = False
    if not valid:
        raise UsageError("%s must be a price in US dollars such as 0.25, not %r"
                         % (option_name, price))


def _simple_groups(opts: dict) -> list[dict]:
    """Instance groups from the instance type, count and bid price options."""
    num_core = opts.get("num_core_instances") or 0
    num_task = opts.get("num_task_instances") or 0
    if num_task and not num_core:
        raise UsageError("num_task_instances needs core nodes: set num_core_instances to 1 or"
                         " more (EMR starts task nodes only alongside core nodes)")
    counts = {"MASTER": 1, "CORE": num_core, "TASK": num_task}
    groups = []
    for role, (group_name, type_options, _, price_option) in _SIMPLE_GROUPS.items():
        if not counts[role]:
            continue
        instance_type = next((opts[name] for name in type_options if opts.get(name)),
                             opts.get("instance_type"))
        group: dict[str, Any] = {
            "Name": group_name,
            "InstanceRole": role,
            "InstanceType": instance_type,
            "InstanceCount": counts[role],
        }
        price = opts.get(price_option)
        if price is None:
            group["Market"] = "ON_DEMAND"
        else:
            group["Market"] = "SPOT"
            if str(price).strip():
                group["BidPrice"] = str(price).strip()
        groups.append(group)
    return groups


def _checked_groups(groups: list) -> list[dict]:
    masters = 0
    for number, group in enumerate(groups, 1):
        if not isinstance(group, dict):
            raise UsageError("instance_groups: group %d must be a mapping, not %r"
                             % (number, group))
        missing = [key for key in ("InstanceRole", "InstanceType", "InstanceCount")
                   if key not in group]
        if missing:
            raise UsageError("instance_groups: group %d has no %s (EMR needs InstanceRole,"
                             " InstanceType and InstanceCount)" % (number, ", ".join(missing)))
        if group["InstanceRole"] not in _ROLES:
            raise UsageError("instance_groups: group %d has InstanceRole %r; it must be one of"
                             " %s" % (number, group["InstanceRole"], ", ".join(_ROLES)))
        masters += group["InstanceRole"] == "MASTER"
    if masters != 1:
        raise UsageError("instance_groups must have exactly one group with InstanceRole"
                         " MASTER, not %d" % masters)
    return [_price_as_text(group) for group in copy.deepcopy(groups)]


def _price_as_text(config: dict) -> dict:
    """*config* with a BidPrice written as a number (YAML's ``0.35``) turned
    into the string EMR's API takes."""
    price = config.get("BidPrice")
    if isinstance(price, (int, float)) and not isinstance(price, bool):
        config["BidPrice"] = str(price)
    return config


def _checked_fleets(fleets: list) -> list[dict]:
    masters = 0
    for number, fleet in enumerate(fleets, 1):
        if not isinstance(fleet, dict):
            raise UsageError("instance_fleets: fleet %d must be a mapping, not %r"
                             % (number, fleet))
        if fleet.get("InstanceFleetType") not in _ROLES:
            raise UsageError("instance_fleets: fleet %d needs InstanceFleetType, one of %s"
                             " (not %r)" % (number, ", ".join(_ROLES),
                                            fleet.get("InstanceFleetType")))
        masters += fleet["InstanceFleetType"] == "MASTER"
    if masters != 1:
        raise UsageError("instance_fleets must have exactly one fleet with InstanceFleetType"
                         " MASTER, not %d" % masters)
    fleets = copy.deepcopy(fleets)
    for fleet in fleets:
        for config in fleet.get("InstanceTypeConfigs") or ():
            if isinstance(config, dict):
                _price_as_text(config)
    return fleets


def instance_summary(request: dict) -> str:
    """A short description of the instances *request* asks for, such as
    ``1 x m5.xlarge master, 2 x m5.xlarge core (spot, bid 0.25)``."""
    instances = request.get("Instances") or {}
    fleets = instances.get("InstanceFleets")
    if fleets:
        return "instance fleets: " + ", ".join(
            str(fleet.get("InstanceFleetType", "?")).lower() for fleet in fleets)
    parts = []
    for group in instances.get("InstanceGroups") or []:
        text = "%s x %s %s" % (group.get("InstanceCount", "?"), group.get("InstanceType", "?"),
                               str(group.get("InstanceRole", "?")).lower())
        if group.get("Market") == "SPOT":  # EMR runs a group without Market on demand
            if group.get("BidPrice"):
                text += " (spot, bid %s)" % group["BidPrice"]
            else:
                text += " (spot, up to the on-demand price)"
        parts.append(text)
    return ", ".join(parts) or "instances not described"


# --- name and tags -------------------------------------------------------------------


def cluster_name(label: str, owner: str, job_key: str) -> str:
    """The name of a new cluster: ``streamr: LABEL by OWNER (JOB_KEY)``,
    shortened to EMR's 256 characters by cutting the label and owner first
    (the job key is what makes it unique)."""
    tail = " (%s)" % job_key
    head = "streamr: %s by %s" % (label, owner)
    if len(head) + len(tail) > _MAX_NAME:
        room = max(_MAX_NAME - len(tail) - 3, 0)
        head = head[:room] + "..." if room else ""
    name = (head + tail).strip()[:_MAX_NAME]
    return _CONTROL_CHARS.sub(" ", name)


def cluster_tags(opts: dict, *, label: str, owner: str, pool_hash: str | None = None,
                 lock_dir: str | None = None) -> dict[str, str]:
    """Tags for a new cluster: the user's ``tags`` and streamr's own
    ``streamr:label``, ``streamr:owner``, ``streamr:version`` and, when
    ``pool_clusters`` is on, ``streamr:pool``, ``streamr:pool-hash`` and
    ``streamr:lock-dir`` (where jobs lock the cluster).

    Keys starting ``streamr:`` belong to streamr (pooling relies on them)
    and ``aws:`` to AWS; user tags may use neither. Tags beyond EMR's
    limits stop with :class:`UsageError`."""
    tags: dict[str, str] = {}
    for key, value in (opts.get("tags") or {}).items():
        key = str(key)
        value = "" if value is None else str(value)
        for prefix, owner_name in ((_TAG_PREFIX, "streamr"), ("aws:", "AWS")):
            if key.lower().startswith(prefix):
                raise UsageError("tag %r: keys starting %r are reserved for %s; choose"
                                 " another key" % (key, prefix, owner_name))
        if not 1 <= len(key) <= _MAX_TAG_KEY:
            raise UsageError("tag key %r must be 1 to %d characters long (EMR's limit)"
                             % (key, _MAX_TAG_KEY))
        if len(value) > _MAX_TAG_VALUE:
            raise UsageError("tag %r: its value is %d characters long; EMR allows at most %d"
                             % (key, len(value), _MAX_TAG_VALUE))
        tags[key] = value

    own = {"label": label, "owner": owner, "version": __version__}
    if opts.get("pool_clusters"):
        if not pool_hash:
            raise ValueError("cluster_tags() needs pool_hash when pool_clusters is set")
        own["pool"] = opts.get("pool_name") or "default"
        own["pool-hash"] = pool_hash
        if lock_dir:
            if len(lock_dir) > _MAX_TAG_VALUE:
                raise UsageError("cloud_tmp_dir is too long for pooling: its locks/ directory"
                                 " must fit in a %d-character cluster tag" % _MAX_TAG_VALUE)
            own["lock-dir"] = lock_dir
    for key, value in own.items():
        tags[_TAG_PREFIX + key] = str(value)[:_MAX_TAG_VALUE]

    if len(tags) > _MAX_TAGS:
        raise UsageError("too many tags: EMR allows %d per cluster, and with streamr's own %d"
                         " these are %d" % (_MAX_TAGS, len(own), len(tags)))
    return tags
