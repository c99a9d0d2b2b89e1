"""Changes to moto's EMR service, made in-process while a simulator runs
(:func:`install`) and undone after (:func:`uninstall`).

Models (see :mod:`tests.emr_sim.moto_models`): moto's ``Cluster``,
``Step``, ``InstanceGroup`` and ``Instance`` are replaced by subclasses
that leave a cluster's life to the driver.

Responses (methods of moto's ``ElasticMapReduceResponse``):

* ``RunJobFlow``: after moto's own work, the simulator takes the cluster on
  (applications rebuilt from the request, because moto's copy can lose
  ``Name``/``Version``; nodes made for the MasterInstanceType/InstanceCount
  form and for InstanceFleets, which moto skips; StepConcurrencyLevel and
  AutoTerminationPolicy kept).
* ``RunJobFlow`` also refuses a SecurityConfiguration that was never
  created (moto takes any name) and keeps the ManagedScalingPolicy, which
  the added ``GetManagedScalingPolicy`` answers with.
* added: ``CancelSteps``, ``GetAutoTerminationPolicy``,
  ``PutAutoTerminationPolicy``, ``RemoveAutoTerminationPolicy``,
  ``ListInstanceFleets``, ``SetKeepJobFlowAliveWhenNoSteps``.
* ``ListInstances`` also filters by InstanceFleetId, InstanceFleetType and
  InstanceStates; ``ListSteps`` and ``ListClusters`` list newest first, as
  EMR does (moto: steps of one request in the order sent, clusters by id).
* the region comes from the request's signature when the URL (127.0.0.1)
  names none, so clusters live in the region the client asked for.
* ``AddJobFlowSteps`` and ``ModifyCluster`` wake the driver.

S3 (methods of moto's ``S3Response``): ``PutObject`` and ``DeleteObject``
run one at a time. moto checks ``If-None-Match`` / ``If-Match`` and then
writes, as two separate moves, so two threads of its server could both
pass the check; S3 decides a conditional write atomically, and streamr's
locks on pooled clusters depend on that."""

from __future__ import annotations

import json
import threading
from typing import Any

from moto.core.responses import ActionResult, BaseResponse, EmptyResult, PaginatedResult
from moto.emr import models
from moto.emr.exceptions import ValidationException
from moto.emr.responses import ElasticMapReduceResponse
from moto.s3.responses import S3Response

from tests.emr_sim import moto_models
from tests.emr_sim.moto_models import ACTIVE

__all__ = ["install", "uninstall"]

#: (holder, attribute name) -> original value, while installed
_SAVED: dict[tuple[Any, str], Any] = {}

_MODEL_CLASSES = {
    "Cluster": moto_models.SimCluster,
    "Step": moto_models.SimStep,
    "InstanceGroup": moto_models.SimInstanceGroup,
    "Instance": moto_models.SimInstance,
}

MIN_IDLE_TIMEOUT = 60
MAX_IDLE_TIMEOUT = 7 * 24 * 3600


def install(driver: Any, clock: Any) -> None:
    """Patch moto so that *driver* runs every new cluster, on *clock*."""
    if _SAVED:
        raise RuntimeError("a simulated EMR is already running in this process")
    for name, cls in _MODEL_CLASSES.items():
        _replace(models, name, cls)
    for name, function in _RESPONSE_METHODS.items():
        _replace(ElasticMapReduceResponse, name, function)
    for name in _S3_SERIALIZED:
        _replace(S3Response, name, _serialized(S3Response.__dict__[name]))
    ACTIVE.clock = clock
    ACTIVE.driver = driver


def uninstall() -> None:
    """Undo :func:`install`."""
    for (holder, name), original in _SAVED.items():
        if original is _MISSING:
            delattr(holder, name)
        else:
            setattr(holder, name, original)
    _SAVED.clear()
    ACTIVE.driver = None
    ACTIVE.clock = None


_MISSING = object()


def _replace(holder: Any, name: str, value: Any) -> None:
    _SAVED[(holder, name)] = holder.__dict__.get(name, _MISSING)
    setattr(holder, name, value)


def _original(name: str) -> Any:
    return _SAVED[(ElasticMapReduceResponse, name)]


# --- S3 ------------------------------------------------------------------------

#: S3 responses that check a condition and then write: one at a time
_S3_SERIALIZED = ("put_object", "delete_object")
_S3_WRITE_LOCK = threading.Lock()


def _serialized(method: Any) -> Any:
    def one_at_a_time(self: Any) -> Any:
        with _S3_WRITE_LOCK:
            return method(self)

    one_at_a_time.__name__ = method.__name__
    return one_at_a_time


# --- response methods ------------------------------------------------------


def get_region_from_url(self: Any, request: Any, full_url: str) -> str:
    for pattern in ElasticMapReduceResponse.emr_region_regex:
        match = pattern.search(self.parsed_url.netloc)
        if match:
            return match.group(1)
    return BaseResponse.get_region_from_url(self, request, full_url)


def run_job_flow(self: Any) -> ActionResult:
    request = json.loads(self.body or "{}")
    security = request.get("SecurityConfiguration")
    if security and security not in self.backend.security_configurations:
        # EMR refuses a cluster whose security configuration does not exist
        raise ValidationException("Security configuration '%s' does not exist." % security)
    with ACTIVE.driver.lock:
        answer = _original("run_job_flow")(self)
        cluster = self.backend.describe_cluster(answer.result["JobFlowId"])
        cluster.managed_scaling_policy = request.get("ManagedScalingPolicy")
        ACTIVE.driver.cluster_created(cluster, request)
    return answer


def get_managed_scaling_policy(self: Any) -> ActionResult:
    cluster = self.backend.describe_cluster(self._get_param("ClusterId"))
    policy = getattr(cluster, "managed_scaling_policy", None)
    return ActionResult({"ManagedScalingPolicy": policy} if policy else {})


def add_job_flow_steps(self: Any) -> ActionResult:
    with ACTIVE.driver.lock:
        answer = _original("add_job_flow_steps")(self)
    ACTIVE.driver.wake()
    return answer


def modify_cluster(self: Any) -> ActionResult:
    with ACTIVE.driver.lock:
        answer = _original("modify_cluster")(self)
    ACTIVE.driver.wake()
    return answer


def terminate_job_flows(self: Any) -> ActionResult:
    with ACTIVE.driver.lock:
        answer = _original("terminate_job_flows")(self)
    ACTIVE.driver.wake()
    return answer


def cancel_steps(self: Any) -> ActionResult:
    cluster = self.backend.describe_cluster(self._get_param("ClusterId"))
    step_ids = list(self._get_param("StepIds", []) or [])
    option = self._get_param("StepCancellationOption") or "SEND_INTERRUPT"
    with ACTIVE.driver.lock:
        infos = ACTIVE.driver.cancel_steps(cluster, step_ids, option)
    ACTIVE.driver.wake()
    return ActionResult({"CancelStepsInfoList": infos})


def get_auto_termination_policy(self: Any) -> ActionResult:
    cluster = self.backend.describe_cluster(self._get_param("ClusterId"))
    if cluster.auto_termination_policy is None:
        return ActionResult({})
    return ActionResult({"AutoTerminationPolicy": dict(cluster.auto_termination_policy)})


def put_auto_termination_policy(self: Any) -> ActionResult:
    cluster = self.backend.describe_cluster(self._get_param("ClusterId"))
    policy = self._get_param("AutoTerminationPolicy") or {}
    with ACTIVE.driver.lock:
        cluster.auto_termination_policy = checked_idle_policy(policy)
    ACTIVE.driver.wake()
    return EmptyResult()


def remove_auto_termination_policy(self: Any) -> ActionResult:
    cluster = self.backend.describe_cluster(self._get_param("ClusterId"))
    with ACTIVE.driver.lock:
        cluster.auto_termination_policy = None
    return EmptyResult()


def checked_idle_policy(policy: Any) -> dict[str, int]:
    """An AutoTerminationPolicy as EMR accepts it (IdleTimeout in seconds,
    one minute to seven days; one hour when not given)."""
    timeout = policy.get("IdleTimeout") if policy else None
    timeout = 3600 if timeout is None else int(timeout)
    if not MIN_IDLE_TIMEOUT <= timeout <= MAX_IDLE_TIMEOUT:
        raise ValidationException(
            "The IdleTimeout of an AutoTerminationPolicy must be between %d and %d seconds."
            % (MIN_IDLE_TIMEOUT, MAX_IDLE_TIMEOUT))
    return {"IdleTimeout": timeout}


def set_keep_job_flow_alive_when_no_steps(self: Any) -> ActionResult:
    keep = self._get_bool_param("KeepJobFlowAliveWhenNoSteps", False)
    with ACTIVE.driver.lock:
        for cluster_id in self._get_param("JobFlowIds", []) or []:
            self.backend.describe_cluster(cluster_id).keep_job_flow_alive_when_no_steps = keep
    ACTIVE.driver.wake()
    return EmptyResult()


def list_instance_fleets(self: Any) -> ActionResult:
    cluster = self.backend.describe_cluster(self._get_param("ClusterId"))
    return ActionResult({"InstanceFleets": [fleet.describe() for fleet in cluster.instance_fleets]})


def list_instances(self: Any) -> ActionResult:
    cluster = self.backend.describe_cluster(self._get_param("ClusterId"))
    group_id = self._get_param("InstanceGroupId")
    group_types = self._get_param("InstanceGroupTypes") or []
    fleet_id = self._get_param("InstanceFleetId")
    fleet_type = self._get_param("InstanceFleetType")
    states = self._get_param("InstanceStates") or []
    found = []
    for instance in cluster.ec2_instances:
        group = instance.instance_group
        fleet = bool(instance.instance_fleet_id)
        if group_id and (fleet or group.id != group_id):
            continue
        if group_types and (fleet or group.role not in group_types):
            continue
        if fleet_id and instance.instance_fleet_id != fleet_id:
            continue
        if fleet_type and (not fleet or group.role != fleet_type):
            continue
        if states and instance.status["State"] not in states:
            continue
        found.append(instance)
    return PaginatedResult({"Instances": found})


def list_clusters(self: Any) -> ActionResult:
    states = self._get_param("ClusterStates", []) or []
    after = self._get_param("CreatedAfter")
    before = self._get_param("CreatedBefore")
    clusters = self.backend.list_clusters(states, after, before)
    clusters.sort(key=lambda cluster: cluster.creation_datetime, reverse=True)
    return PaginatedResult({"Clusters": clusters})


def list_steps(self: Any) -> ActionResult:
    cluster = self.backend.describe_cluster(self._get_param("ClusterId"))
    step_ids = self._get_param("StepIds", []) or []
    step_states = self._get_param("StepStates", []) or []
    steps = [step for step in reversed(cluster.steps)
             if (not step_ids or step.id in step_ids)
             and (not step_states or step.state in step_states)]
    return PaginatedResult({"Steps": steps})


_RESPONSE_METHODS = {
    "get_region_from_url": get_region_from_url,
    "run_job_flow": run_job_flow,
    "add_job_flow_steps": add_job_flow_steps,
    "modify_cluster": modify_cluster,
    "terminate_job_flows": terminate_job_flows,
    "cancel_steps": cancel_steps,
    "get_auto_termination_policy": get_auto_termination_policy,
    "get_managed_scaling_policy": get_managed_scaling_policy,
    "put_auto_termination_policy": put_auto_termination_policy,
    "remove_auto_termination_policy": remove_auto_termination_policy,
    "set_keep_job_flow_alive_when_no_steps": set_keep_job_flow_alive_when_no_steps,
    "list_instance_fleets": list_instance_fleets,
    "list_instances": list_instances,
    "list_clusters": list_clusters,
    "list_steps": list_steps,
}
