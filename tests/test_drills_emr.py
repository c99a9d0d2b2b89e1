"""Failure drills on the simulated EMR (issue 19, items 4 to 8): SIGTERM,
Ctrl-C while the start-cluster answer is on its way, Ctrl-C while a pooled
job starts a cluster, giving up after throttling, and eight first jobs of a
pool capped at two. Each run stops what it started on EMR; answers are held
with the simulator's hold events, never with sleeps."""

import signal
import subprocess
import sys

import pytest

from tests.support.emr import SimSetup, clusters, the_cluster
from tests.support.jobs import EMR_JOBS, FAST, ROOT, ok, start_job
from tests.support.pool import COUNTS, POOL, WORDS, lock_object, pooled, start_pooled
from tests.support.waiting import wait_for, wait_for_line

pytestmark = pytest.mark.slow

SLOW = EMR_JOBS / "mr_slow.py"


@pytest.fixture()
def sim_setup():
    return SimSetup(files={"s3://in-bucket/text/a.txt": WORDS})


def tmp_buckets(sim):
    return [b["Name"] for b in sim.s3.list_buckets()["Buckets"]
            if b["Name"].startswith("streamr-tmp-")]


def stopped(proc, log):
    """Wait for *proc* to end (killing it if the test failed first); its stderr."""
    try:
        proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    return log.read_text()


def test_sigterm_terminates_the_jobs_cluster(sim, tmp_path):
    log = tmp_path / "job.log"
    proc = start_job(SLOW, "-r", "emr", *FAST, "--sleep", "60", "s3://in-bucket/text/",
                     log_file=log)
    wait_for_line(log, r"Step 1 of 1 \(s-\w+\): RUNNING", proc=proc)
    proc.send_signal(signal.SIGTERM)
    err = stopped(proc, log)
    assert proc.returncode == 143, err
    assert err.rstrip().splitlines()[-1] == (
        "mr_slow.py: interrupted by SIGTERM; temporary files removed")
    assert sim.wait_for_cluster(the_cluster(sim), "TERMINATED") == "TERMINATED"


def test_ctrl_c_while_the_start_answer_is_in_flight_terminates_the_cluster(sim, tmp_path):
    log = tmp_path / "job.log"
    held = sim.hold("RunJobFlow")
    proc = start_job(SLOW, "-r", "emr", *FAST, "--sleep", "60", "s3://in-bucket/text/",
                     log_file=log)
    try:
        wait_for(held.arrived.is_set, what="the RunJobFlow request")
        # EMR has started the cluster; its answer has not reached the job
        proc.send_signal(signal.SIGINT)
        err = stopped(proc, log)
    finally:
        held.release.set()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    cluster_id = the_cluster(sim)
    assert sim.wait_for_cluster(cluster_id, "TERMINATED") == "TERMINATED"
    reason = sim.client("emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"][
        "StateChangeReason"]
    assert reason["Code"] == "USER_REQUEST"


def test_ctrl_c_while_a_pooled_job_starts_a_cluster_leaves_no_lock(sim, tmp_path):
    log = tmp_path / "job.log"
    # the job lists the pool's clusters after starting one, holding that cluster's lock
    held = sim.hold("ListClusters", after="RunJobFlow")
    proc = start_pooled(log)
    try:
        wait_for(held.arrived.is_set, what="the pool listed after the start")
        proc.send_signal(signal.SIGINT)
        err = stopped(proc, log)
    finally:
        held.release.set()
    assert proc.returncode == 130, err
    cluster_id = the_cluster(sim)
    bucket, key = lock_object(sim, cluster_id)
    assert sim.s3.list_objects_v2(Bucket=bucket, Prefix=key)["KeyCount"] == 0
    # the next job joins it at once rather than waiting out the lock
    wait_for(lambda: sim.cluster(cluster_id).state == "WAITING")
    again = pooled()
    assert ok(again) == COUNTS
    assert "joined cluster %s of pool default" % cluster_id in again.stderr.decode()


def test_giving_up_after_throttling_terminates_the_jobs_own_cluster(sim, tmp_path):
    log = tmp_path / "job.log"
    proc = start_job(SLOW, "-r", "emr", *FAST, "--sleep", "60", "--aws-max-attempts", "2",
                     "s3://in-bucket/text/", log_file=log)
    wait_for_line(log, r"Step 1 of 1 \(s-\w+\): RUNNING", proc=proc)
    cluster_id = the_cluster(sim)
    for operation in ("DescribeCluster", "ListSteps", "DescribeStep"):
        sim.throttle(operation, times=10_000)
    err = stopped(proc, log)
    sim.faults.clear()
    assert proc.returncode == 1, err
    assert "AWS kept throttling" in err.rstrip().splitlines()[-1]
    assert sim.wait_for_cluster(cluster_id, "TERMINATED") == "TERMINATED"


def test_first_jobs_of_a_capped_pool_share_one_bucket_and_the_cap(sim):
    assert tmp_buckets(sim) == []
    procs = [subprocess.Popen(
        [sys.executable, str(SLOW), "-r", "emr", "--no-conf", "--check-cluster-every", "0.1",
         *POOL, "--max-clusters-in-pool", "2", "--sleep", "0.3", "--label", "job%d" % number,
         "s3://in-bucket/text/"],
        cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for number in range(8)]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    for proc, (_, err) in zip(procs, outputs):
        assert proc.returncode == 0, err.decode()
    assert len(tmp_buckets(sim)) == 1
    assert 1 <= len(clusters(sim)) <= 2, clusters(sim)
