"""The pool's matching rules, one test each, as unit tests of
:class:`~streamr.runners.emr.pool.PoolScan` fed canned EMR answers
(tests/support/canned_emr.py): which clusters a job may join, the verdict
it logs for each (what ``-v`` shows a user), and the order it tries them.

What a job asks for comes from the same RunJobFlow ``Instances`` a job
sends (:func:`~streamr.runners.emr.capacity.job_needs`). The end-to-end
pool scenarios (joining, waiting, locks, lost clusters) are in
tests/test_emr_pool.py."""

import logging
import re

import pytest

from streamr.runners.emr.capacity import job_needs
from streamr.runners.emr.pool import PoolScan
from tests.support.canned_emr import (
    HASH,
    CannedCluster,
    CannedEMR,
    ago,
    fleet_cluster,
    group_cluster,
    step,
)


def needs(master="m5.xlarge", core=None, core_count=1, core_bid=None, master_type=None):
    """What a job with these instance options asks for, per role."""
    groups = [{"Name": "master", "InstanceRole": "MASTER", "InstanceCount": 1,
               "InstanceType": master_type or master}]
    if core:
        core_group = {"Name": "core", "InstanceRole": "CORE", "InstanceType": core,
                      "InstanceCount": core_count}
        if core_bid is not None:
            core_group["Market"] = "SPOT"
            if core_bid:
                core_group["BidPrice"] = core_bid
        groups.append(core_group)
    return job_needs({"InstanceGroups": groups})


def fleet_needs(core_capacity=4, percent=60):
    """What a job with core fleets of m5.xlarge (weight 1) and m5.2xlarge
    (weight 2) asks for."""
    return job_needs({"InstanceFleets": [
        {"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1,
         "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]},
        {"InstanceFleetType": "CORE", "TargetSpotCapacity": core_capacity,
         "InstanceTypeConfigs": [
             {"InstanceType": "m5.xlarge", "WeightedCapacity": 1,
              "BidPriceAsPercentageOfOnDemandPrice": percent},
             {"InstanceType": "m5.2xlarge", "WeightedCapacity": 2,
              "BidPriceAsPercentageOfOnDemandPrice": percent}]},
    ]})


@pytest.fixture()
def scan(caplog):
    """``scan(clusters, **job)``: run a scan of pool ``default`` (or
    *pool*) over *clusters* for a job with hash *hash_* and *needs*;
    returns (the candidates' ids, best first; the verdict logged per cluster).
    The scan itself is left as ``scan.last``."""
    caplog.set_level(logging.DEBUG, logger="streamr.runners.emr.pool")

    def run(*clusters, pool="default", hash_=HASH, job=None, exclude=frozenset()):
        caplog.clear()
        scanner = PoolScan(CannedEMR(*clusters).clusters(), pool, hash_,
                           needs() if job is None else job)
        found = scanner.run(exclude)
        verdicts = {}
        for record in caplog.records:
            match = re.match(r"cluster (\S+): (.*)$", record.getMessage())
            if match:
                verdicts[match.group(1)] = match.group(2)
        run.last = scanner
        return [c.cluster_id for c in found], verdicts

    return run


# --- which clusters are looked at ------------------------------------------------------------


def test_a_cluster_of_the_same_pool_and_set_up_is_joined(scan):
    found, verdicts = scan(group_cluster("j-SAME"))
    assert found == ["j-SAME"]
    assert verdicts["j-SAME"].startswith("accepted (WAITING")


def test_rule_pool_name(scan):
    found, verdicts = scan(group_cluster("j-REPORTS", pool="reports"),
                           group_cluster("j-UNPOOLED", pool=None), pool="adhoc")
    assert found == []
    assert verdicts == {"j-REPORTS": "rejected (not in pool adhoc)",
                        "j-UNPOOLED": "rejected (not in pool adhoc)"}
    assert scan.last.members == []


def test_rule_pool_hash(scan):
    found, verdicts = scan(group_cluster("j-OTHER", hash_="b" * 64))
    assert found == []
    assert verdicts["j-OTHER"] == (
        "rejected (set up differently: release, applications, bootstrap, configurations,"
        " instance profile, security configuration, managed scaling, streamr or task Python"
        " differ)")
    # a member of the pool, but not one this job could ever wait for
    assert scan.last.members == ["j-OTHER"] and scan.last.same_setup == []


def test_a_cluster_this_job_lost_a_run_on_is_not_joined_again(scan):
    found, verdicts = scan(group_cluster("j-LOST"), exclude={"j-LOST"})
    assert found == []
    assert verdicts["j-LOST"] == "rejected (this job already lost a run on it)"


# --- step slots ------------------------------------------------------------------------------


def test_rule_busy_cluster_is_not_joined(scan):
    found, verdicts = scan(group_cluster("j-BUSY", state="RUNNING", steps=[step("RUNNING")]))
    assert found == []
    assert verdicts["j-BUSY"] == "rejected (RUNNING a step and runs one step at a time)"
    assert scan.last.same_setup == ["j-BUSY"]  # worth waiting for


def test_rule_running_cluster_with_a_free_step_slot_is_joined(scan):
    found, verdicts = scan(group_cluster("j-TWO", state="RUNNING", slots=2,
                                         steps=[step("RUNNING")]))
    assert found == ["j-TWO"]
    assert verdicts["j-TWO"].startswith("accepted (RUNNING")


def test_rule_cluster_whose_step_slots_are_all_taken_is_not_joined(scan):
    found, verdicts = scan(group_cluster("j-FULL", state="RUNNING", slots=2,
                                         steps=[step("RUNNING"), step("PENDING")]))
    assert found == []
    assert verdicts["j-FULL"] == "rejected (RUNNING with 2 of 2 step slots taken)"


def test_starting_cluster_is_not_joined(scan):
    found, verdicts = scan(group_cluster("j-NEW", state="BOOTSTRAPPING"))
    assert found == []
    assert verdicts["j-NEW"] == "rejected (BOOTSTRAPPING, not ready for steps)"


# --- memory, CPU and instance types per role -------------------------------------------------


def test_rule_memory_per_role(scan):
    # c5.2xlarge: 8 vCPUs, 16 GiB; r5.xlarge: 4 vCPUs, 32 GiB
    found, verdicts = scan(group_cluster("j-C5", core="c5.2xlarge"),
                           job=needs(core="r5.xlarge"))
    assert found == []
    assert verdicts["j-C5"] == "rejected (core memory 16 GiB < 32 GiB asked)"


def test_rule_cpu_per_role(scan):
    found, verdicts = scan(group_cluster("j-R5", core="r5.xlarge", core_count=2),
                           job=needs(core="c5.2xlarge", core_count=2))
    assert found == []
    assert verdicts["j-R5"] == "rejected (core vCPUs 8 < 16 asked)"


def test_rule_master_memory(scan):
    found, verdicts = scan(group_cluster("j-SMALL"), job=needs(master_type="m5.4xlarge"))
    assert found == []
    assert verdicts["j-SMALL"] == "rejected (master memory 16 GiB < 64 GiB asked)"


def test_rule_more_capacity_than_asked_is_joined(scan):
    found, verdicts = scan(group_cluster("j-BIG", core="m5.4xlarge", core_count=3),
                           job=needs(core="m5.xlarge", core_count=2))
    assert found == ["j-BIG"]
    assert verdicts["j-BIG"] == "accepted (WAITING; core+task 192 GiB, 48 vCPUs)"


def test_rule_unknown_instance_type_is_compared_by_name(scan):
    cluster = group_cluster("j-X99", core="x99.mega", core_count=1)
    found, verdicts = scan(cluster, job=needs(core="x99.mega", core_count=2))
    assert found == []
    assert verdicts["j-X99"] == (
        "rejected (core: 2 x x99.mega asked (a type streamr has no figures for, so compared"
        " by name), cluster has 1)")
    found, verdicts = scan(cluster, job=needs(core="x99.mega", core_count=1))
    assert found == ["j-X99"]
    assert verdicts["j-X99"].startswith("accepted")


# --- spot prices -----------------------------------------------------------------------------


@pytest.mark.parametrize("cluster_bid, job_bid, joins", [
    ("0.30", "0.50", True),    # cheaper than the job would pay
    ("0.50", "0.50", True),
    ("0.50", "0.30", False),   # dearer
    ("", "0.30", False),       # up to on-demand: maybe dearer
    (None, "0.30", False),     # on-demand
    ("0.50", "", True),        # the job accepts up to on-demand
    ("0.50", None, True),      # an on-demand job pays on-demand anyway
], ids=["lower", "equal", "higher", "cap-vs-bid", "on-demand-vs-bid", "bid-vs-cap",
        "bid-vs-on-demand"])
def test_rule_spot_bid_price(scan, cluster_bid, job_bid, joins):
    found, verdicts = scan(group_cluster("j-SPOT", core="m5.xlarge", core_bid=cluster_bid),
                           job=needs(core="m5.xlarge", core_bid=job_bid))
    if joins:
        assert found == ["j-SPOT"]
        assert verdicts["j-SPOT"].startswith("accepted")
    else:
        assert found == []
        assert verdicts["j-SPOT"].startswith("rejected (core price")


# --- fleets ----------------------------------------------------------------------------------


def test_fleets_join_a_cluster_with_the_same_fleets(scan):
    # 4 units of core capacity, running as 4 x m5.xlarge: 64 GiB, 16 vCPUs
    found, verdicts = scan(fleet_cluster("j-FLEET", ["m5.xlarge"] * 4), job=fleet_needs())
    assert found == ["j-FLEET"]
    assert verdicts["j-FLEET"].startswith("accepted (WAITING; core+task 64 GiB, 16")


def test_fleets_rule_capacity(scan):
    found, verdicts = scan(fleet_cluster("j-FLEET", ["m5.xlarge"] * 4),
                           job=fleet_needs(core_capacity=8))
    assert found == []
    assert verdicts["j-FLEET"] == "rejected (core memory 64 GiB < 128 GiB asked)"


def test_fleets_rule_bid_percentage(scan):
    found, verdicts = scan(fleet_cluster("j-FLEET", ["m5.xlarge"] * 4, percent=80),
                           job=fleet_needs(percent=60))
    assert found == []
    assert verdicts["j-FLEET"] == (
        "rejected (core price (spot bid 80% of on-demand) is not known to be at most the"
        " job's (spot bid 60% of on-demand))")


# --- idle clusters ---------------------------------------------------------------------------


def test_rule_cluster_about_to_shut_down_for_idleness_is_not_joined(scan):
    # idle for 95 s of its 120 s: 25 s left, under the margin (a quarter: 30 s)
    found, verdicts = scan(group_cluster("j-IDLE", ready=ago(95), idle_timeout=120))
    assert found == []
    assert re.match(r"rejected \(about to shut down for idleness \(\d+s of idle time left\)\)$",
                    verdicts["j-IDLE"]), verdicts


def test_cluster_with_idle_time_to_spare_is_joined(scan):
    found, _ = scan(group_cluster("j-FRESH", ready=ago(30), idle_timeout=120),
                    group_cluster("j-NO-TIMEOUT", ready=ago(86400), idle_timeout=None))
    assert sorted(found) == ["j-FRESH", "j-NO-TIMEOUT"]


def test_idleness_counts_from_the_end_of_the_last_step(scan):
    cluster = group_cluster("j-USED", ready=ago(3600), idle_timeout=120,
                            steps=[step("COMPLETED", ended=ago(10))])
    assert scan(cluster)[0] == ["j-USED"]


# --- which match is tried first --------------------------------------------------------------


def test_most_capacity_is_preferred(scan):
    found, verdicts = scan(group_cluster("j-SMALL", core="m5.xlarge", core_count=1),
                           group_cluster("j-BIG", core="m5.xlarge", core_count=3),
                           job=needs(core="m5.xlarge", core_count=1))
    assert found == ["j-BIG", "j-SMALL"]
    assert verdicts["j-SMALL"].startswith("accepted")


def test_most_recently_idle_is_preferred_among_equals(scan):
    found, _ = scan(group_cluster("j-OLDER", ready=ago(240)),
                    group_cluster("j-NEWER", ready=ago(120)))
    assert found == ["j-NEWER", "j-OLDER"]


def test_a_step_just_ended_makes_a_cluster_the_most_recently_idle(scan):
    # the cluster a job just ran on stays first for the next job
    found, _ = scan(group_cluster("j-OLDER", ready=ago(240)),
                    group_cluster("j-USED", ready=ago(300),
                                  steps=[step("COMPLETED", ended=ago(5))]))
    assert found == ["j-USED", "j-OLDER"]


def test_a_running_cluster_counts_as_idle_now(scan):
    found, _ = scan(group_cluster("j-WAITING", ready=ago(5)),
                    group_cluster("j-RUNNING", state="RUNNING", slots=2, ready=ago(600),
                                  steps=[step("RUNNING")]))
    assert found == ["j-RUNNING", "j-WAITING"]


def test_clusters_of_other_states_and_pools_do_not_count_as_members(scan):
    scan(CannedCluster("j-DONE", state="TERMINATED"), group_cluster("j-MINE"),
         group_cluster("j-OTHER", hash_="c" * 64))
    assert scan.last.members == ["j-MINE", "j-OTHER"]
    assert scan.last.same_setup == ["j-MINE"]
