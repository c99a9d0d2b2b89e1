"""What a job asks of a cluster and what a cluster has, per role
(streamr.runners.emr.capacity), and the pool hash (pool.pool_hash)."""

from decimal import Decimal

import pytest

from streamr.errors import UsageError
from streamr.runners.emr.capacity import (
    ON_DEMAND,
    Price,
    cluster_capacity,
    compare_roles,
    group_price,
    highest,
    job_needs,
    spec_price,
)
from streamr.runners.emr.pool import check_pool_name, pool_hash


def usd(text):
    return Price("usd", Decimal(text))


def pct(text):
    return Price("pct", Decimal(text))


@pytest.mark.parametrize("cluster, job, fits", [
    (usd("0.2"), usd("0.3"), True),
    (usd("0.3"), usd("0.3"), True),
    (usd("0.4"), usd("0.3"), False),
    (ON_DEMAND, usd("0.3"), False),
    (usd("9"), ON_DEMAND, True),
    (pct("50"), pct("60"), True),
    (pct("70"), pct("60"), False),
    (pct("50"), usd("0.3"), False),   # not comparable without price lists
    (usd("0.1"), pct("60"), False),
    (Price("mixed"), usd("1"), False),
    (Price("mixed"), ON_DEMAND, True),
])
def test_price_at_most(cluster, job, fits):
    assert cluster.at_most(job) is fits


def test_group_and_spec_prices():
    assert group_price("ON_DEMAND", "0.5") == ON_DEMAND
    assert group_price(None, None) == ON_DEMAND
    assert group_price("SPOT", "") == ON_DEMAND
    assert group_price("SPOT", "OnDemandPrice") == ON_DEMAND
    assert group_price("SPOT", "0.25") == usd("0.25")
    assert spec_price({"BidPrice": "0.1"}, spot=False) == ON_DEMAND
    assert spec_price({"BidPrice": "0.1"}, spot=True) == usd("0.1")
    assert spec_price({"BidPriceAsPercentageOfOnDemandPrice": 40}, spot=True) == pct("40")
    assert spec_price({"BidPriceAsPercentageOfOnDemandPrice": 100}, spot=True) == ON_DEMAND
    assert spec_price({}, spot=True) == ON_DEMAND


def test_highest():
    assert highest([usd("0.1"), usd("0.3")]) == usd("0.3")
    assert highest([usd("0.1"), ON_DEMAND]) == ON_DEMAND
    assert highest([usd("0.1"), pct("50")]).kind == "mixed"
    assert highest([]) == ON_DEMAND


def test_job_needs_from_groups_fleets_and_the_plain_form():
    needs = job_needs({"InstanceGroups": [
        {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
        {"InstanceRole": "CORE", "InstanceType": "r5.xlarge", "InstanceCount": 2,
         "Market": "SPOT", "BidPrice": "0.2"},
        {"InstanceRole": "TASK", "InstanceType": "c5.xlarge", "InstanceCount": 1},
        {"InstanceRole": "TASK", "InstanceType": "c5.2xlarge", "InstanceCount": 1}]})
    assert (needs["MASTER"].memory_gib, needs["MASTER"].vcpus) == (16, 4)
    assert (needs["CORE"].memory_gib, needs["CORE"].vcpus) == (64, 8)
    assert needs["CORE"].price == usd("0.2")
    assert (needs["TASK"].memory_gib, needs["TASK"].vcpus) == (24, 12)
    fleets = job_needs({"InstanceFleets": [
        {"InstanceFleetType": "CORE", "TargetOnDemandCapacity": 2, "TargetSpotCapacity": 2,
         "InstanceTypeConfigs": [
             {"InstanceType": "m5.2xlarge", "WeightedCapacity": 2},   # 16 GiB, 4 vCPU a unit
             {"InstanceType": "c5.xlarge", "WeightedCapacity": 1}]}]})  # 8 GiB, 4 vCPU a unit
    assert (fleets["CORE"].memory_gib, fleets["CORE"].vcpus) == (32, 16)  # the least per unit
    plain = job_needs({"MasterInstanceType": "m5.xlarge", "SlaveInstanceType": "m5.2xlarge",
                       "InstanceCount": 3})
    assert plain["MASTER"].instances == 1 and plain["CORE"].memory_gib == 64


def test_cluster_capacity_counts_running_fleet_instances():
    fleets = [{"Id": "if-1", "InstanceFleetType": "CORE", "TargetSpotCapacity": 2,
               "InstanceTypeSpecifications": [{"InstanceType": "m5.xlarge",
                                               "BidPrice": "0.1"}]}]
    instances = [
        {"InstanceFleetId": "if-1", "InstanceType": "m5.xlarge",
         "Status": {"State": "RUNNING"}},
        {"InstanceFleetId": "if-1", "InstanceType": "m5.2xlarge",
         "Status": {"State": "RUNNING"}},
        {"InstanceFleetId": "if-1", "InstanceType": "m5.2xlarge",
         "Status": {"State": "TERMINATED"}}]
    have = cluster_capacity([], fleets, instances)
    assert (have["CORE"].memory_gib, have["CORE"].vcpus) == (48, 12)
    assert have["CORE"].price == usd("0.1")


def test_compare_roles_ignores_roles_the_job_does_not_ask_for():
    needs = job_needs({"InstanceGroups": [
        {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1}]})
    have = cluster_capacity([
        {"InstanceGroupType": "MASTER", "InstanceType": "m5.xlarge", "RunningInstanceCount": 1},
        {"InstanceGroupType": "TASK", "InstanceType": "c5.xlarge", "RunningInstanceCount": 1,
         "Market": "SPOT", "BidPrice": "9"}], [], [])
    assert compare_roles(needs, have) is None
    assert compare_roles(needs, {}) == "master memory 0 GiB < 16 GiB asked"


def base_request(**changes):
    request = {"ReleaseLabel": "emr-7.1.0", "Applications": [{"Name": "Hadoop"}],
               "JobFlowRole": "EMR_EC2_DefaultRole", "Configurations": []}
    request.update(changes)
    return request


def test_pool_hash_depends_on_each_part_and_not_on_application_order():
    base = pool_hash(base_request(), bootstrap="b", task_python=["python3"])
    assert base == pool_hash(base_request(), bootstrap="b", task_python=["python3"])
    changed = [
        pool_hash(base_request(ReleaseLabel="emr-7.2.0"), bootstrap="b",
                  task_python=["python3"]),
        pool_hash(base_request(Applications=[{"Name": "Hadoop"}, {"Name": "Spark"}]),
                  bootstrap="b", task_python=["python3"]),
        pool_hash(base_request(), bootstrap="c", task_python=["python3"]),
        pool_hash(base_request(), bootstrap="b", task_python=["python3.11"]),
        pool_hash(base_request(Configurations=[{"Classification": "x"}]), bootstrap="b",
                  task_python=["python3"]),
        pool_hash(base_request(JobFlowRole="other"), bootstrap="b", task_python=["python3"]),
        pool_hash(base_request(CustomAmiId="ami-1"), bootstrap="b", task_python=["python3"]),
        pool_hash(base_request(), bootstrap="b", task_python=["python3"],
                  action_checksums=["abc"]),
    ]
    assert base not in changed and len(set(changed)) == len(changed)
    two = [{"Name": "Hadoop"}, {"Name": "Spark"}]
    assert (pool_hash(base_request(Applications=two), bootstrap="b", task_python=[])
            == pool_hash(base_request(Applications=list(reversed(two))), bootstrap="b",
                         task_python=[]))


def test_pool_names():
    assert check_pool_name("team-a_1.x") == "team-a_1.x"
    for bad in ("", "a b", "a/b", "x" * 129):
        with pytest.raises(UsageError, match="pool_name"):
            check_pool_name(bad)
