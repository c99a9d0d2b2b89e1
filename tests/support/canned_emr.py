"""Canned EMR answers for unit tests of the pool scan: clusters described
as boto3 describes them (DescribeCluster, ListSteps, ListInstanceGroups,
ListInstanceFleets, ListInstances, GetAutoTerminationPolicy), served by a
stand-in EMR client to the real
:class:`~streamr.runners.emr.cluster.EMRClusters`.

No moto and no network: a test builds the clusters it needs with
:func:`group_cluster` or :func:`fleet_cluster` and hands
``CannedEMR(...).clusters()`` to :class:`~streamr.runners.emr.pool.PoolScan`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from streamr.runners.emr.cluster import EMRClusters
from streamr.runners.emr.pool import LOCK_DIR_TAG, POOL_HASH_TAG, POOL_TAG

#: the pool hash every canned cluster has unless told otherwise
HASH = "a" * 64


def ago(seconds: float) -> datetime:
    """A moment *seconds* before now, as boto3 gives moments (UTC-aware)."""
    return datetime.now(timezone.utc) - timedelta(seconds=seconds)


def group(role: str, instance_type: str, count: int = 1, bid=None) -> dict:
    """One instance group as ListInstanceGroups gives it; *bid* None is
    on-demand, ``""`` spot capped at the on-demand price, else a bid in dollars."""
    answer = {"Id": "ig-%s" % role.lower(), "InstanceGroupType": role,
              "InstanceType": instance_type, "RequestedInstanceCount": count,
              "RunningInstanceCount": count, "Market": "ON_DEMAND"}
    if bid is not None:
        answer["Market"] = "SPOT"
        answer["BidPrice"] = bid or "OnDemandPrice"
    return answer


def step(state: str, ended: datetime | None = None) -> dict:
    """One step as ListSteps gives it."""
    timeline = {"CreationDateTime": ago(3600)}
    if ended is not None:
        timeline["EndDateTime"] = ended
    return {"Id": "s-%s" % state, "Name": "a step", "Status": {"State": state,
                                                             "Timeline": timeline}}


class CannedCluster:
    """One cluster's answers."""

    def __init__(self, cluster_id, *, state="WAITING", pool="default", hash_=HASH,
                 slots=1, ready=None, steps=(), groups=(), fleets=(), instances=(),
                 idle_timeout=600):
        self.id = cluster_id
        tags = [{"Key": "streamr:owner", "Value": "someone"}]
        if pool is not None:
            tags += [{"Key": POOL_TAG, "Value": pool}, {"Key": POOL_HASH_TAG, "Value": hash_},
                     {"Key": LOCK_DIR_TAG, "Value": "s3://locks/tmp/locks/"}]
        ready = ago(60) if ready is None else ready
        self.description = {
            "Id": cluster_id, "Name": "cluster %s" % cluster_id, "Tags": tags,
            "Status": {"State": state, "StateChangeReason": {},
                       "Timeline": {"CreationDateTime": ready - timedelta(seconds=300),
                                    "ReadyDateTime": ready}},
            "StepConcurrencyLevel": slots,
            "InstanceCollectionType": "INSTANCE_FLEET" if fleets else "INSTANCE_GROUP",
        }
        self.steps = list(steps)
        self.groups = list(groups)
        self.fleets = list(fleets)
        self.instances = list(instances)
        self.idle_timeout = idle_timeout

    def summary(self) -> dict:
        return {"Id": self.id, "Name": self.description["Name"],
                "Status": self.description["Status"]}


def group_cluster(cluster_id, master="m5.xlarge", core=None, core_count=1, core_bid=None,
                  **kwargs) -> CannedCluster:
    """A cluster of instance groups: a master of type *master* and, if
    *core* is given, *core_count* core nodes of that type."""
    groups = [group("MASTER", master)]
    if core:
        groups.append(group("CORE", core, core_count, core_bid))
    return CannedCluster(cluster_id, groups=groups, **kwargs)


def fleet_cluster(cluster_id, core_types: list, percent=60, **kwargs) -> CannedCluster:
    """A cluster of instance fleets: one m5.xlarge master and running core
    instances of *core_types*, bidding *percent* of the on-demand price."""
    fleets = [
        {"Id": "if-master", "InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1,
         "InstanceTypeSpecifications": [{"InstanceType": "m5.xlarge"}]},
        {"Id": "if-core", "InstanceFleetType": "CORE", "TargetSpotCapacity": len(core_types),
         "InstanceTypeSpecifications": [
             {"InstanceType": name, "WeightedCapacity": weight,
              "BidPriceAsPercentageOfOnDemandPrice": percent}
             for name, weight in (("m5.xlarge", 1), ("m5.2xlarge", 2))]},
    ]
    instances = [{"Id": "i-master", "InstanceFleetId": "if-master",
                  "InstanceType": "m5.xlarge", "Status": {"State": "RUNNING"}}]
    instances += [{"Id": "i-core%d" % n, "InstanceFleetId": "if-core", "InstanceType": name,
                   "Status": {"State": "RUNNING"}} for n, name in enumerate(core_types)]
    return CannedCluster(cluster_id, fleets=fleets, instances=instances, **kwargs)


class _Pages:
    def __init__(self, pages):
        self._pages = pages

    def paginate(self, **kwargs):
        return self._pages(**kwargs)


class CannedEMR:
    """A stand-in EMR client answering from *clusters*, and the connection
    that hands it out (``client("emr")``)."""

    def __init__(self, *clusters: CannedCluster):
        self.by_id = {cluster.id: cluster for cluster in clusters}

    # --- what EMRClusters calls --------------------------------------------------------

    def client(self, service: str):
        assert service == "emr", service
        return self

    def clusters(self) -> EMRClusters:
        return EMRClusters(self)

    def describe_cluster(self, ClusterId):
        return {"Cluster": self.by_id[ClusterId].description}

    def get_auto_termination_policy(self, ClusterId):
        timeout = self.by_id[ClusterId].idle_timeout
        return {"AutoTerminationPolicy": {"IdleTimeout": timeout}} if timeout else {}

    def get_paginator(self, operation: str):
        return _Pages(getattr(self, "_" + operation))

    def _list_clusters(self, ClusterStates):
        yield {"Clusters": [c.summary() for c in self.by_id.values()
                            if c.description["Status"]["State"] in ClusterStates]}

    def _list_steps(self, ClusterId, StepIds=None):
        steps = self.by_id[ClusterId].steps
        yield {"Steps": [s for s in steps if not StepIds or s["Id"] in StepIds]}

    def _list_instance_groups(self, ClusterId):
        yield {"InstanceGroups": self.by_id[ClusterId].groups}

    def _list_instance_fleets(self, ClusterId):
        yield {"InstanceFleets": self.by_id[ClusterId].fleets}

    def _list_instances(self, ClusterId, InstanceStates):
        yield {"Instances": [i for i in self.by_id[ClusterId].instances
                             if i["Status"]["State"] in InstanceStates]}
