"""Cluster pooling end to end, against the simulated EMR: joining versus
starting, what enters the pool hash, the requests for spot groups and
fleets, the pool cap and waiting, locks (contention and expiry), recovery
from a cluster lost under a job, idle shutdown and Ctrl-C.

Each matching rule (pool, hash, step slots, memory, vCPUs, prices,
idleness, ranking) is a unit test of the pool scan in
tests/test_emr_pool_scan.py; here a few scenarios show the rules at work
through real jobs."""

import json
import re
import signal
import subprocess
import sys
import threading

import pytest

from tests.support.emr import SimSetup, clusters, occupy, streamr
from tests.support.jobs import EMR_JOBS, FAST, ROOT, ok, run_job, start_job
from tests.support.pool import (
    COUNTS,
    POOL,
    WORD_COUNT,
    WORDS,
    finished,
    lock_object,
    pool_cluster,
    pooled,
    start_pooled,
    started_new,
    verdict,
)
from tests.support.waiting import wait_for, wait_for_line

pytestmark = pytest.mark.slow



@pytest.fixture()
def sim_setup():
    return SimSetup(files={"s3://in-bucket/text/a.txt": WORDS})


# --- joining versus starting -----------------------------------------------------------------


def test_second_job_joins_the_cluster_the_first_started(sim):
    first = pooled()
    assert ok(first) == COUNTS
    [cluster_id] = clusters(sim)
    assert "started cluster %s" % cluster_id in first.stderr.decode()
    second = pooled()
    assert ok(second) == COUNTS
    assert clusters(sim) == [cluster_id]
    log = second.stderr.decode()
    assert "joined cluster %s of pool default" % cluster_id in log
    assert verdict(second, cluster_id).startswith("accepted")
    snapshot = sim.cluster(cluster_id)
    assert snapshot.state == "WAITING"  # kept for the next job
    assert [step[2] for step in snapshot.steps] == ["COMPLETED", "COMPLETED"]
    assert snapshot.auto_termination_policy == {"IdleTimeout": 600}


def test_pooled_cluster_is_tagged_with_pool_hash_and_lock_dir(sim):
    cluster_id = pool_cluster("--pool-name", "nightly")
    tags = {t["Key"]: t["Value"] for t in
            sim.client("emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Tags"]}
    assert tags["streamr:pool"] == "nightly"
    assert re.match(r"[0-9a-f]{64}$", tags["streamr:pool-hash"])
    assert re.match(r"s3://streamr-tmp-[0-9a-f]+/tmp/locks/$", tags["streamr:lock-dir"])
    proc = pooled("--pool-name", "nightly")
    assert ok(proc) == COUNTS
    assert "joined cluster %s of pool nightly" % cluster_id in proc.stderr.decode()


def test_cluster_id_wins_over_pooling_with_a_warning(sim):
    cluster_id = pool_cluster()
    other = pool_cluster("--pool-name", "other")
    proc = pooled("--cluster-id", other)
    assert ok(proc) == COUNTS
    assert ("cluster %s was named with cluster_id, so the job runs there and pool_clusters"
            " is ignored" % other) in proc.stderr.decode()
    assert [s[2] for s in sim.cluster(other).steps] == ["COMPLETED"]
    assert sim.cluster(cluster_id).steps == ()


def pool_hash_tag(sim, *args):
    """The pool hash ``create-cluster`` gives a pooled cluster set up with *args*."""
    created = streamr("create-cluster", "--no-conf", "--pool-clusters", *args)
    assert created.exit_code == 0, created.output
    description = sim.client("emr").describe_cluster(ClusterId=created.stdout.strip())
    return {t["Key"]: t["Value"] for t in description["Cluster"]["Tags"]}["streamr:pool-hash"]


def test_each_set_up_option_enters_the_pool_hash(sim):
    # which hashes the scan lets a job join: tests/test_emr_pool_scan.py
    base = pool_hash_tag(sim)
    assert pool_hash_tag(sim) == base
    differing = [pool_hash_tag(sim, *args) for args in (
        ["--release-label", "emr-7.2.0"],
        ["--application", "Spark"],
        ["--bootstrap", "echo hello"],
        ["--emr-configuration", '{"Classification": "core-site", "Properties": {"a": "b"}}'],
        ["--task-python-bin", "python3.11"],
    )]
    assert base not in differing and len(set(differing)) == len(differing)


def test_pool_hash_covers_the_content_of_bootstrap_files(sim, tmp_path):
    script = tmp_path / "prep.sh"
    script.write_text("echo one\n")
    first = pool_hash_tag(sim, "--bootstrap", "sh %s#" % script)
    assert pool_hash_tag(sim, "--bootstrap", "sh %s#" % script) == first
    script.write_text("echo two\n")
    assert pool_hash_tag(sim, "--bootstrap", "sh %s#" % script) != first


def test_bad_pool_name_is_one_line(sim):
    proc = pooled("--pool-name", "no spaces/please")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().splitlines()[-1] == (
        "mr_word_freq_count.py: error: pool_name 'no spaces/please': use 1 to 128 letters,"
        " digits and _ . : + = @ -")
    assert clusters(sim) == []


# --- fleets ----------------------------------------------------------------------------------

FLEETS = [
    {"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1,
     "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]},
    {"InstanceFleetType": "CORE", "TargetSpotCapacity": 4,
     "InstanceTypeConfigs": [
         {"InstanceType": "m5.xlarge", "WeightedCapacity": 1,
          "BidPriceAsPercentageOfOnDemandPrice": 60},
         {"InstanceType": "m5.2xlarge", "WeightedCapacity": 2,
          "BidPriceAsPercentageOfOnDemandPrice": 60}],
     "LaunchSpecifications": {"SpotSpecification": {
         "TimeoutDurationMinutes": 20, "TimeoutAction": "SWITCH_TO_ON_DEMAND",
         "AllocationStrategy": "capacity-optimized"}}},
]


def fleets_with(core_capacity=4, percent=60):
    fleets = json.loads(json.dumps(FLEETS))
    fleets[1]["TargetSpotCapacity"] = core_capacity
    for config in fleets[1]["InstanceTypeConfigs"]:
        config["BidPriceAsPercentageOfOnDemandPrice"] = percent
    return ["--instance-fleets", json.dumps(fleets)]


def test_fleet_request_reaches_emr_field_by_field(sim):
    cluster_id = pool_cluster(*fleets_with(), "--subnet", "subnet-1")
    [request] = sim.requests("RunJobFlow")
    instances = request["Instances"]
    assert instances["InstanceFleets"] == FLEETS
    assert instances["Ec2SubnetIds"] == ["subnet-1"]
    assert "InstanceGroups" not in instances and "Ec2SubnetId" not in instances
    assert instances["KeepJobFlowAliveWhenNoSteps"] is True
    assert request["AutoTerminationPolicy"] == {"IdleTimeout": 600}
    fleets = sim.client("emr").list_instance_fleets(ClusterId=cluster_id)["InstanceFleets"]
    core = next(f for f in fleets if f["InstanceFleetType"] == "CORE")
    assert core["LaunchSpecifications"]["SpotSpecification"] == {
        "TimeoutDurationMinutes": 20, "TimeoutAction": "SWITCH_TO_ON_DEMAND",
        "AllocationStrategy": "capacity-optimized"}


def test_spot_group_request_reaches_emr_field_by_field(sim):
    pool_cluster("--instance-type", "m5.xlarge", "--num-core-instances", "2",
                 "--core-instance-bid-price", "0.25", "--num-task-instances", "3",
                 "--task-instance-type", "c5.2xlarge", "--task-instance-bid-price", "",
                 "--master-instance-bid-price", "0.5")
    [request] = sim.requests("RunJobFlow")
    assert request["Instances"]["InstanceGroups"] == [
        {"Name": "master", "InstanceRole": "MASTER", "InstanceType": "m5.xlarge",
         "InstanceCount": 1, "Market": "SPOT", "BidPrice": "0.5"},
        {"Name": "core", "InstanceRole": "CORE", "InstanceType": "m5.xlarge",
         "InstanceCount": 2, "Market": "SPOT", "BidPrice": "0.25"},
        {"Name": "task", "InstanceRole": "TASK", "InstanceType": "c5.2xlarge",
         "InstanceCount": 3, "Market": "SPOT"},
    ]
    tags = {t["Key"]: t["Value"] for t in request["Tags"]}
    assert tags["streamr:pool"] == "default"


def test_fleets_and_instance_types_together_is_one_line(sim):
    proc = pooled(*fleets_with(), "--core-instance-type", "m5.xlarge")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().splitlines()[-1].endswith(
        "instance_fleets cannot be combined with core_instance_type: the fleets describe"
        " every instance; drop one or the other")
    assert clusters(sim) == []


# --- the pool's size, waiting, jitter --------------------------------------------------------


def test_full_pool_waits_for_a_cluster_to_free_up(sim, tmp_path):
    cluster_id = pool_cluster()
    done = occupy(sim, cluster_id)
    log = tmp_path / "job.log"
    proc = start_pooled(log, "--max-clusters-in-pool", "1")
    try:
        # the cluster stays busy until the job says it waits for it
        wait_for_line(log, r"pool default is full \(1 of at most 1 clusters,"
                           r" max_clusters_in_pool\); waiting for a cluster to free up", proc=proc)
    finally:
        done.set()
    out, err = finished(proc, log)
    assert out == COUNTS
    assert clusters(sim) == [cluster_id]
    assert "joined cluster %s of pool default (WAITING)" % cluster_id in err


def test_pool_wait_minutes_waits_before_starting_a_cluster(sim, tmp_path):
    cluster_id = pool_cluster()
    done = occupy(sim, cluster_id)
    log = tmp_path / "job.log"
    proc = start_pooled(log, "--pool-wait-minutes", "10")
    try:
        wait_for_line(log, r"no free cluster in pool default; waiting up to 10 more minute\(s\)"
                           r" for one \(pool_wait_minutes\)", proc=proc)
    finally:
        done.set()
    out, _ = finished(proc, log)
    assert out == COUNTS
    assert clusters(sim) == [cluster_id]


def test_pool_wait_minutes_does_not_wait_for_a_pool_with_no_cluster_of_the_set_up(sim):
    other = pool_cluster("--release-label", "emr-7.2.0")
    proc = pooled("--pool-wait-minutes", "5")
    assert ok(proc) == COUNTS
    assert "pool_wait_minutes" not in proc.stderr.decode()
    started_new(sim, proc, [other])


def test_jitter_waits_then_looks_again_before_starting(sim):
    proc = run_job(WORD_COUNT, "-r", "emr", *FAST, "--pool-clusters", "--pool-jitter-seconds",
                   "1", "s3://in-bucket/text/")
    assert ok(proc) == COUNTS
    found = re.search(r"no free cluster in pool default; looking again in (\d\.\d)s before"
                      r" starting one \(pool_jitter_seconds\)", proc.stderr.decode())
    assert found and 0 <= float(found.group(1)) <= 1.0
    assert len(clusters(sim)) == 1


def test_pool_cap_counts_clusters_of_every_set_up(sim, tmp_path):
    other = pool_cluster("--release-label", "emr-7.2.0")
    log = tmp_path / "job.log"
    proc = start_pooled(log, "--max-clusters-in-pool", "1")
    try:
        # a cluster the job cannot join still fills the pool, until it is gone
        wait_for_line(log, r"pool default is full \(1 of at most 1 clusters", proc=proc)
    finally:
        sim.client("emr").terminate_job_flows(JobFlowIds=[other])
    out, err = finished(proc, log)
    assert out == COUNTS
    new = sorted(set(clusters(sim)) - {other})
    assert len(new) == 1 and "started cluster %s" % new[0] in err


# --- locks -----------------------------------------------------------------------------------


def test_conditional_writes_let_exactly_one_writer_win(sim):
    """The property the locks stand on, under contention: of many threads
    creating the same object with If-None-Match: *, one succeeds."""
    sim.s3.create_bucket(Bucket="lock-bucket",
                         CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    barrier = threading.Barrier(12)
    results = []

    def contend(number):
        s3 = sim.client("s3")
        barrier.wait()
        try:
            s3.put_object(Bucket="lock-bucket", Key="the-lock", Body=b"%d" % number,
                          IfNoneMatch="*")
            results.append(("won", number))
        except s3.exceptions.ClientError as exc:
            results.append((exc.response["Error"]["Code"], number))

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [n for outcome, n in results if outcome == "won"]
    assert len(winners) == 1
    assert {outcome for outcome, _ in results} == {"won", "PreconditionFailed"}
    body = sim.s3.get_object(Bucket="lock-bucket", Key="the-lock")["Body"].read()
    assert body == b"%d" % winners[0]


def test_lock_is_released_once_the_step_runs(sim):
    cluster_id = pool_cluster()
    proc = pooled()
    assert ok(proc) == COUNTS
    bucket, key = lock_object(sim, cluster_id)
    assert sim.s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount") == 0
    puts = [r for r in sim.requests("PutObject", "s3") if r.get("Key") == key]
    deletes = [r for r in sim.requests("DeleteObject", "s3") if r.get("Key") == key]
    assert len(puts) == 1 and len(deletes) == 1


def test_ctrl_c_during_the_release_leaves_the_lock_for_the_clean_up_to_delete(sim):
    """A Ctrl-C that lands while the delete request is out must not make the
    lock look released: the interrupted run's clean-up deletes it again."""
    from streamr.aws import AWSConnection
    from streamr.runners.emr.lock import ClusterLock

    sim.s3.create_bucket(Bucket="lock-bucket",
                         CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    connection = AWSConnection({})
    lock = ClusterLock(connection, "s3://lock-bucket/locks/j-1", owner="job", seconds=600)
    assert lock.acquire()
    interrupted = []

    def ctrl_c_once(**_):
        if not interrupted:
            interrupted.append(True)
            raise KeyboardInterrupt

    connection.client("s3").meta.events.register("before-call.s3.DeleteObject", ctrl_c_once)
    with pytest.raises(KeyboardInterrupt):
        lock.release()
    assert lock.held
    assert sim.s3.list_objects_v2(Bucket="lock-bucket", Prefix="locks/")["KeyCount"] == 1
    lock.release()
    assert not lock.held
    assert sim.s3.list_objects_v2(Bucket="lock-bucket", Prefix="locks/")["KeyCount"] == 0


def test_a_live_lock_keeps_other_jobs_off_the_cluster(sim):
    from streamr.aws import AWSConnection
    from streamr.runners.emr.lock import ClusterLock

    cluster_id = pool_cluster()
    bucket, key = lock_object(sim, cluster_id)
    held = ClusterLock(AWSConnection({}), "s3://%s/%s" % (bucket, key), owner="other-job",
                       seconds=600)
    assert held.acquire()
    proc = pooled()
    assert ok(proc) == COUNTS
    assert re.match(r"skipped \(locked by other-job \(joining\) for \d+s more\)",
                    verdict(proc, cluster_id))
    started_new(sim, proc, [cluster_id])
    assert sim.cluster(cluster_id).steps == ()
    held.release()


CRASH = """
import os, signal, sys
from streamr.aws import AWSConnection
from streamr.runners.emr.lock import ClusterLock
lock = ClusterLock(AWSConnection({}), sys.argv[1], owner="crashed-job", seconds=int(sys.argv[2]))
assert lock.acquire()
print("locked", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_lock_of_a_crashed_job_expires_and_is_taken_over(sim):
    cluster_id = pool_cluster()
    bucket, key = lock_object(sim, cluster_id)
    # the lock lives long enough for the job to see it held even on a loaded machine,
    # so the test shows the job waiting it out rather than finding it already expired
    crashed = subprocess.run([sys.executable, "-c", CRASH, "s3://%s/%s" % (bucket, key), "12"],
                             capture_output=True, cwd=str(ROOT), timeout=60)
    assert crashed.returncode == -signal.SIGKILL and crashed.stdout == b"locked\n"
    assert sim.s3.list_objects_v2(Bucket=bucket, Prefix=key)["KeyCount"] == 1  # left behind
    # the pool may not grow, so the job waits out the lock instead of starting a cluster
    proc = pooled("--max-clusters-in-pool", "1")
    assert ok(proc) == COUNTS
    log = proc.stderr.decode()
    assert re.search(r"cluster %s: skipped \(locked by crashed-job \(joining\) "
                     r"for ([0-9]|1[0-2])s more\)" % cluster_id, log)
    assert "took over s3://%s/%s: expired lock of crashed-job (joining)" % (bucket, key) in log
    assert "joined cluster %s of pool default" % cluster_id in log
    assert clusters(sim) == [cluster_id]


def test_eight_jobs_share_two_idle_clusters_one_at_a_time(sim):
    pool = sorted([pool_cluster(), pool_cluster()])
    procs = [subprocess.Popen(
        [sys.executable, str(EMR_JOBS / "mr_slow.py"), "-r", "emr", "--no-conf",
         "--check-cluster-every", "0.1", *POOL, "--max-clusters-in-pool", "2",
         "--sleep", "0.3", "--label", "job%d" % number, "s3://in-bucket/text/"],
        cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for number in range(8)]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    for proc, (_, err) in zip(procs, outputs):
        assert proc.returncode == 0, err.decode()
    assert clusters(sim) == pool  # none started
    ran = 0
    for cluster_id in pool:
        runs = sorted(sim.step_runs(cluster_id), key=lambda run: run[2])
        for before, after in zip(runs, runs[1:]):
            assert after[2] >= before[3] - 1e-6, (before, after)  # never two at once
        assert all(run[4] == "COMPLETED" for run in runs)
        ran += len(runs)
    assert ran == 8
    joined = [err.decode() for _, err in outputs]
    assert all(re.search(r"joined cluster j-\w+ of pool default", log) for log in joined)


# --- a cluster lost under a job --------------------------------------------------------------


def test_cluster_lost_during_the_step_is_retried_on_a_new_cluster(sim):
    cluster_id = pool_cluster()
    sim.terminate_during_step(cluster_id, "SPOT_INSTANCE_TERMINATION", after_seconds=0.0)
    proc = pooled("-o", "s3://out-bucket/counts/")
    assert ok(proc) == b""
    log = proc.stderr.decode()
    assert ("cluster %s was terminated with errors (INSTANCE_FAILURE: The master node was"
            " terminated) before the job's steps finished; removing partial output and trying"
            " once more on another cluster" % cluster_id) in log
    new = started_new(sim, proc, [cluster_id])
    part = sim.s3.get_object(Bucket="out-bucket", Key="counts/part-00000")["Body"].read()
    assert part == COUNTS
    assert sim.cluster(new).state == "WAITING"


def test_partial_output_is_removed_before_the_retry(sim):
    cluster_id = pool_cluster()

    def terminate_in_step_two():
        wait_for(lambda: len(sim.step_runs(cluster_id)) == 2, timeout=60)
        sim.client("emr").terminate_job_flows(JobFlowIds=[cluster_id])

    killer = threading.Thread(target=terminate_in_step_two)
    killer.start()
    proc = pooled("--sleep", "3", script=EMR_JOBS / "mr_two_steps_slow.py")
    killer.join()
    assert ok(proc) == COUNTS
    log = proc.stderr.decode()
    assert re.search(r"cluster %s was terminated \(USER_REQUEST: [^)]*\) before the job's"
                     r" steps finished" % cluster_id, log)
    assert re.search(r"removed partial output s3://\S+/step-output/", log)
    started_new(sim, proc, [cluster_id])


def test_second_loss_is_not_retried(sim):
    sim.terminate_during_step(None, "SPOT_INSTANCE_TERMINATION")
    sim.terminate_during_step(None, "SPOT_INSTANCE_TERMINATION")
    proc = pooled()
    assert proc.returncode == 1
    log = proc.stderr.decode()
    first, second = sorted(clusters(sim), key=lambda c: log.index("started cluster " + c))
    assert "cluster %s was terminated with errors" % first in log
    assert ("cluster %s was terminated with errors (INSTANCE_FAILURE: The master node was"
            " terminated) too; not trying again" % second) in log
    assert "the cluster terminated with errors (INSTANCE_FAILURE" in log


def test_job_failing_on_a_live_pooled_cluster_is_not_retried(sim):
    cluster_id = pool_cluster()
    sim.fail_next_step("Simulated step failure")
    proc = pooled()
    assert proc.returncode == 1
    assert "trying once more" not in proc.stderr.decode()
    assert sim.cluster(cluster_id).state == "WAITING"  # CANCEL_AND_WAIT keeps it for the pool
    assert clusters(sim) == [cluster_id]


# --- clusters that run several steps at once -------------------------------------------------

TWO_STEPS = EMR_JOBS / "mr_two_steps_slow.py"


def step_order(sim, cluster_id):
    runs = sorted(sim.step_runs(cluster_id), key=lambda run: run[2])
    return [(run[1].rsplit(": ", 1)[-1], run[4]) for run in runs], runs


def test_multi_step_job_goes_one_step_at_a_time_on_a_concurrent_cluster(sim):
    proc = run_job(TWO_STEPS, "-r", "emr", *FAST, "--max-concurrent-steps", "2",
                   "s3://in-bucket/text/")
    assert ok(proc) == COUNTS
    [cluster_id] = clusters(sim)
    _, runs = step_order(sim, cluster_id)
    assert [run[4] for run in runs] == ["COMPLETED", "COMPLETED"]
    assert runs[1][2] >= runs[0][3] - 1e-6  # step 2 started after step 1 ended
    assert "Step 2 of 2" in proc.stderr.decode()
    # kept waiting between the steps only: it ends after the last one
    assert sim.wait_for_cluster(cluster_id, "TERMINATED") == "TERMINATED"
    assert sim.cluster(cluster_id).reason_code == "ALL_STEPS_COMPLETED"


def test_multi_step_job_joins_a_busy_concurrent_cluster_step_by_step(sim):
    cluster_id = pool_cluster("--max-concurrent-steps", "2")
    done = occupy(sim, cluster_id)
    proc = pooled("--max-concurrent-steps", "2", script=TWO_STEPS)
    done.set()
    assert ok(proc) == COUNTS
    assert verdict(proc, cluster_id).startswith("accepted (RUNNING")
    runs = [run for run in sorted(sim.step_runs(cluster_id), key=lambda run: run[2])
            if run[1] != "someone else's"]
    assert len(runs) == 2 and runs[1][2] >= runs[0][3] - 1e-6


# --- Ctrl-C and cleanup ----------------------------------------------------------------------


def test_ctrl_c_leaves_the_pooled_cluster_for_the_pool(sim, tmp_path):
    log = tmp_path / "job.log"
    proc = start_job(EMR_JOBS / "mr_slow.py", "-r", "emr", *FAST, *POOL, "--sleep", "600",
                     "s3://in-bucket/text/", log_file=log)
    try:
        # the runner has seen its step run: it is in its wait loop
        wait_for_line(log, r"Step 1 of 1 \(s-\w+\): RUNNING", proc=proc)
        [cluster_id] = clusters(sim)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, log.read_text()
    wait_for(lambda: sim.cluster(cluster_id).state == "WAITING")
    assert [s[2] for s in sim.cluster(cluster_id).steps] == ["CANCELLED"]
    bucket, key = lock_object(sim, cluster_id)
    assert sim.s3.list_objects_v2(Bucket=bucket, Prefix=key)["KeyCount"] == 0
    # the next job can use it
    again = pooled()
    assert ok(again) == COUNTS
    assert "joined cluster %s of pool default" % cluster_id in again.stderr.decode()
