"""Idle pooled clusters through the simulated EMR: a pooled cluster shuts
itself down after ``max_mins_idle``, and ``streamr terminate-idle-clusters``
lists idle clusters, terminates them with ``--yes``, filters by pool, and
leaves locked, busy and foreign clusters alone."""

import re

import pytest

from tests.support.emr import SimSetup, clusters, occupy, streamr
from tests.support.jobs import ok
from tests.support.pool import COUNTS, WORDS, lock_object, pool_cluster, pooled, started_new

pytestmark = pytest.mark.slow


@pytest.fixture()
def sim_setup():
    return SimSetup(files={"s3://in-bucket/text/a.txt": WORDS})


def test_idle_pooled_cluster_shuts_itself_down(sim):
    first = pooled("--max-mins-idle", "5")
    assert ok(first) == COUNTS
    [cluster_id] = clusters(sim)
    assert sim.cluster(cluster_id).auto_termination_policy == {"IdleTimeout": 300}
    sim.advance(301)
    snapshot = sim.cluster(cluster_id)
    assert snapshot.state == "TERMINATED"
    assert snapshot.reason_message == "Cluster was terminated due to idle timeout"
    second = pooled("--max-mins-idle", "5")
    assert ok(second) == COUNTS
    started_new(sim, second, [cluster_id])


def idle_table(*args):
    result = streamr("terminate-idle-clusters", "--no-conf", *args)
    assert result.exit_code == 0, result.output
    return result


def test_terminate_idle_clusters_lists_by_default_and_acts_with_yes(sim):
    idle = pool_cluster("--max-mins-idle", "60")
    sim.advance(15 * 60)
    fresh = pool_cluster("--max-mins-idle", "60")
    dry = idle_table("--max-mins-idle", "10")
    assert dry.stdout == "would terminate %s (pool default, idle 15m)\n" % idle
    assert "1 cluster(s) would be terminated; run again with --yes" in dry.stderr
    assert sim.cluster(idle).state == "WAITING"
    done = idle_table("--max-mins-idle", "10", "--yes")
    assert done.stdout == "terminating %s (pool default, idle 15m)\n" % idle
    assert sim.wait_for_cluster(idle, "TERMINATED") == "TERMINATED"
    assert sim.cluster(fresh).state == "WAITING"


def test_terminate_idle_clusters_filters_by_pool(sim):
    nightly = pool_cluster("--max-mins-idle", "60", "--pool-name", "nightly")
    adhoc = pool_cluster("--max-mins-idle", "60", "--pool-name", "adhoc")
    sim.advance(20 * 60)
    done = idle_table("--pool", "nightly", "--yes")
    assert done.stdout == "terminating %s (pool nightly, idle 20m)\n" % nightly
    assert sim.wait_for_cluster(nightly, "TERMINATED") == "TERMINATED"
    assert sim.cluster(adhoc).state == "WAITING"


def test_terminate_idle_clusters_never_touches_a_locked_cluster(sim):
    from streamr.aws import AWSConnection
    from streamr.runners.emr.lock import ClusterLock

    cluster_id = pool_cluster("--max-mins-idle", "60")
    sim.advance(30 * 60)
    bucket, key = lock_object(sim, cluster_id)
    held = ClusterLock(AWSConnection({}), "s3://%s/%s" % (bucket, key), owner="a-job",
                       seconds=600)
    assert held.acquire()
    done = idle_table("--yes")
    assert re.match(r"leaving %s \(pool default, idle 30m\): locked by a-job \(joining\) for"
                    r" \d+s more\n$" % cluster_id, done.stdout)
    assert sim.cluster(cluster_id).state == "WAITING"
    listed = streamr("list-clusters", "--no-conf")
    row = next(line for line in listed.stdout.splitlines() if line.startswith(cluster_id))
    assert re.search(r"\s30m\s+joining \(\d+s left\)\s", row)
    header = listed.stdout.splitlines()[0].split()
    assert header[:7] == ["ID", "STATE", "NAME", "POOL", "AGE", "IDLE", "LOCK"]
    held.release()
    idle_table("--yes")
    assert sim.wait_for_cluster(cluster_id, "TERMINATED") == "TERMINATED"


def test_terminate_idle_clusters_leaves_busy_and_foreign_clusters(sim):
    busy = pool_cluster("--max-mins-idle", "60")
    sim.advance(30 * 60)
    done = occupy(sim, busy)
    foreign = sim.client("emr").run_job_flow(
        Name="not ours", ReleaseLabel="emr-7.1.0", JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole", Instances={
            "KeepJobFlowAliveWhenNoSteps": True, "InstanceGroups": [{
                "InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1}]},
    )["JobFlowId"]
    sim.wait_for_cluster(foreign, "WAITING")
    sim.advance(30 * 60)
    result = idle_table("--yes")
    done.set()
    assert result.stdout == ""
    assert "no cluster has been idle for 10 minutes or more" in result.stderr
    assert sim.cluster(foreign).state == "WAITING"


def test_terminate_idle_clusters_rejects_a_negative_idle_time(sim):
    result = streamr("terminate-idle-clusters", "--no-conf", "--max-mins-idle", "-1")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "streamr: error: --max-mins-idle must be 0 or more, not -1")
