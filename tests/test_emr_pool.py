"""Cluster pooling end to end, against the simulated EMR: joining versus
starting, each matching rule, bid prices, fleets, the pool cap and
waiting, locks (contention and expiry), recovery from a cluster lost
under a job, and idle shutdown."""

import json
import re
import signal
import subprocess
import sys
import threading

import pytest

from tests.test_emr_clusters import streamr
from tests.test_emr_failures import wait_for
from tests.test_emr_runner import EXAMPLES, FAST, JOBS, ROOT, ok, put, run_job

WORD_COUNT = EXAMPLES / "mr_word_freq_count.py"
COUNTS = b'"one"\t1\n"three"\t3\n"two"\t2\n'
#: every pooled run here: no jitter, debug log
POOL = ["--pool-clusters", "--pool-jitter-seconds", "0", "-v"]


@pytest.fixture()
def sim(emr_sim):
    emr_sim.create_default_roles()
    s3 = emr_sim.client("s3")
    for bucket in ("in-bucket", "out-bucket"):
        s3.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    emr_sim.s3 = s3
    put(emr_sim, "s3://in-bucket/text/a.txt", b"one two two\nthree three three\n")
    return emr_sim


def pooled(*args, script=WORD_COUNT, timeout=120):
    """Run the word count (or *script*) on the pool; the finished process."""
    return run_job(script, "-r", "emr", *FAST, *POOL, *args, "s3://in-bucket/text/",
                   timeout=timeout)


def pool_cluster(*args):
    """Start a cluster in the pool with ``create-cluster`` and wait for it."""
    created = streamr("create-cluster", "--no-conf", "--check-cluster-every", "0.05",
                      "--pool-clusters", "--wait", *args)
    assert created.exit_code == 0, created.output
    cluster_id = created.stdout.strip()
    assert re.match(r"j-[A-Z0-9]+$", cluster_id)
    return cluster_id


def occupy(sim, cluster_id):
    """Give *cluster_id* someone else's step, which runs until the returned
    event is set."""
    done = threading.Event()
    sim.register_jar("hold", lambda args, jar: done.wait(60))
    sim.client("emr").add_job_flow_steps(JobFlowId=cluster_id, Steps=[{
        "Name": "someone else's", "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["hold"]}}])
    sim.wait_for_cluster(cluster_id, "RUNNING")
    return done


def clusters(sim):
    return sorted(c["Id"] for c in sim.client("emr").list_clusters()["Clusters"])


def verdict(proc, cluster_id):
    """What the job's debug log said last about *cluster_id*."""
    found = re.findall(r"cluster %s: (accepted|rejected|skipped)( \(.*\))?$" % cluster_id,
                       proc.stderr.decode(), re.M)
    assert found, proc.stderr.decode()
    return found[-1][0] + found[-1][1]


def started_new(sim, proc, before):
    """The cluster *proc* started (asserting it started exactly one)."""
    new = sorted(set(clusters(sim)) - set(before))
    assert len(new) == 1, (new, proc.stderr.decode())
    assert "started cluster %s" % new[0] in proc.stderr.decode()
    return new[0]


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


def test_bad_pool_name_is_one_line(sim):
    proc = pooled("--pool-name", "no spaces/please")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().splitlines()[-1] == (
        "mr_word_freq_count.py: error: pool_name 'no spaces/please': use 1 to 128 letters,"
        " digits and _ . : + = @ -")
    assert clusters(sim) == []


# --- one test per matching rule --------------------------------------------------------------


def test_rule_pool_name(sim):
    cluster_id = pool_cluster("--pool-name", "reports")
    proc = pooled("--pool-name", "adhoc")
    assert ok(proc) == COUNTS
    assert verdict(proc, cluster_id) == "rejected (not in pool adhoc)"
    started_new(sim, proc, [cluster_id])


@pytest.mark.parametrize("differs", [
    ["--release-label", "emr-7.2.0"],
    ["--application", "Spark"],
    ["--bootstrap", "echo hello"],
    ["--emr-configuration", '{"Classification": "core-site", "Properties": {"a": "b"}}'],
    ["--task-python-bin", "python3.11"],
], ids=["release", "applications", "bootstrap", "configurations", "task-python"])
def test_rule_pool_hash(sim, differs):
    cluster_id = pool_cluster()
    proc = pooled(*differs)
    assert ok(proc)
    assert verdict(proc, cluster_id).startswith("rejected (set up differently")
    started_new(sim, proc, [cluster_id])


def test_rule_pool_hash_covers_the_content_of_bootstrap_files(sim, tmp_path):
    script = tmp_path / "prep.sh"
    script.write_text("echo one\n")
    cluster_id = pool_cluster("--bootstrap", "sh %s#" % script)
    same = pooled("--bootstrap", "sh %s#" % script)
    assert ok(same) == COUNTS
    assert verdict(same, cluster_id).startswith("accepted")
    script.write_text("echo two\n")
    changed = pooled("--bootstrap", "sh %s#" % script)
    assert ok(changed) == COUNTS
    assert verdict(changed, cluster_id).startswith("rejected (set up differently")


def test_rule_busy_cluster_is_not_joined(sim):
    cluster_id = pool_cluster()
    done = occupy(sim, cluster_id)
    proc = pooled()
    done.set()
    assert ok(proc) == COUNTS
    assert verdict(proc, cluster_id) == (
        "rejected (RUNNING a step and runs one step at a time)")
    started_new(sim, proc, [cluster_id])


def test_rule_running_cluster_with_a_free_step_slot_is_joined(sim):
    cluster_id = pool_cluster("--max-concurrent-steps", "2")
    done = occupy(sim, cluster_id)
    proc = pooled("--max-concurrent-steps", "2")
    done.set()
    assert ok(proc) == COUNTS
    assert verdict(proc, cluster_id).startswith("accepted (RUNNING")
    assert clusters(sim) == [cluster_id]


def test_rule_memory_per_role(sim):
    # c5.2xlarge: 8 vCPUs, 16 GiB; r5.xlarge: 4 vCPUs, 32 GiB
    cluster_id = pool_cluster("--instance-type", "m5.xlarge", "--core-instance-type",
                              "c5.2xlarge", "--num-core-instances", "1")
    proc = pooled("--instance-type", "m5.xlarge", "--core-instance-type", "r5.xlarge",
                  "--num-core-instances", "1")
    assert ok(proc) == COUNTS
    assert verdict(proc, cluster_id) == "rejected (core memory 16 GiB < 32 GiB asked)"
    started_new(sim, proc, [cluster_id])


def test_rule_cpu_per_role(sim):
    cluster_id = pool_cluster("--instance-type", "m5.xlarge", "--core-instance-type",
                              "r5.xlarge", "--num-core-instances", "2")
    proc = pooled("--instance-type", "m5.xlarge", "--core-instance-type", "c5.2xlarge",
                  "--num-core-instances", "2")
    assert ok(proc) == COUNTS
    assert verdict(proc, cluster_id) == "rejected (core vCPUs 8 < 16 asked)"
    started_new(sim, proc, [cluster_id])


def test_rule_master_memory(sim):
    cluster_id = pool_cluster("--instance-type", "m5.xlarge")
    proc = pooled("--instance-type", "m5.xlarge", "--master-instance-type", "m5.4xlarge")
    assert ok(proc) == COUNTS
    assert verdict(proc, cluster_id) == "rejected (master memory 16 GiB < 64 GiB asked)"


def test_rule_more_capacity_than_asked_is_joined(sim):
    cluster_id = pool_cluster("--instance-type", "m5.xlarge", "--core-instance-type",
                              "m5.4xlarge", "--num-core-instances", "3")
    proc = pooled("--instance-type", "m5.xlarge", "--core-instance-type", "m5.xlarge",
                  "--num-core-instances", "2")
    assert ok(proc) == COUNTS
    assert verdict(proc, cluster_id).startswith("accepted (WAITING; core+task 192 GiB, 48")


def test_rule_unknown_instance_type_is_compared_by_name(sim):
    cluster_id = pool_cluster("--instance-type", "m5.xlarge", "--core-instance-type",
                              "x99.mega", "--num-core-instances", "1")
    proc = pooled("--instance-type", "m5.xlarge", "--core-instance-type", "x99.mega",
                  "--num-core-instances", "2")
    assert ok(proc) == COUNTS
    assert verdict(proc, cluster_id) == (
        "rejected (core: 2 x x99.mega asked (a type streamr has no figures for, so compared"
        " by name), cluster has 1)")
    again = pooled("--instance-type", "m5.xlarge", "--core-instance-type", "x99.mega",
                   "--num-core-instances", "1")
    assert ok(again) == COUNTS
    assert verdict(again, cluster_id).startswith("accepted")


def test_rule_cluster_about_to_shut_down_for_idleness_is_not_joined(sim):
    cluster_id = pool_cluster("--max-mins-idle", "2")
    sim.advance(95)  # 25 s of its 120 s left, less than the margin (a quarter: 30 s)
    proc = pooled("--max-mins-idle", "2")
    assert ok(proc) == COUNTS
    assert re.match(r"rejected \(about to shut down for idleness \(\d+s of idle time left\)\)",
                    verdict(proc, cluster_id))
    started_new(sim, proc, [cluster_id])


# --- spot prices -----------------------------------------------------------------------------

SPOT = ["--instance-type", "m5.xlarge", "--num-core-instances", "1"]


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
def test_rule_spot_bid_price(sim, cluster_bid, job_bid, joins):
    cluster_args = SPOT + ([] if cluster_bid is None else
                           ["--core-instance-bid-price", cluster_bid])
    job_args = SPOT + ([] if job_bid is None else ["--core-instance-bid-price", job_bid])
    cluster_id = pool_cluster(*cluster_args)
    proc = pooled(*job_args)
    assert ok(proc) == COUNTS
    if joins:
        assert verdict(proc, cluster_id).startswith("accepted")
        assert clusters(sim) == [cluster_id]
    else:
        assert verdict(proc, cluster_id).startswith("rejected (core price")
        started_new(sim, proc, [cluster_id])


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


def test_fleets_join_a_cluster_with_the_same_fleets(sim):
    cluster_id = pool_cluster(*fleets_with())
    proc = pooled(*fleets_with())
    assert ok(proc) == COUNTS
    # the simulator starts 4 x m5.xlarge for 4 units: 64 GiB, 16 vCPUs
    assert verdict(proc, cluster_id).startswith("accepted (WAITING; core+task 64 GiB, 16")


def test_fleets_rule_capacity(sim):
    cluster_id = pool_cluster(*fleets_with(core_capacity=4))
    proc = pooled(*fleets_with(core_capacity=8))
    assert ok(proc) == COUNTS
    assert verdict(proc, cluster_id) == "rejected (core memory 64 GiB < 128 GiB asked)"
    started_new(sim, proc, [cluster_id])


def test_fleets_rule_bid_percentage(sim):
    cluster_id = pool_cluster(*fleets_with(percent=80))
    proc = pooled(*fleets_with(percent=60))
    assert ok(proc) == COUNTS
    assert verdict(proc, cluster_id) == (
        "rejected (core price (spot bid 80% of on-demand) is not known to be at most the"
        " job's (spot bid 60% of on-demand))")


def test_fleets_and_instance_types_together_is_one_line(sim):
    proc = pooled(*fleets_with(), "--core-instance-type", "m5.xlarge")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().splitlines()[-1].endswith(
        "instance_fleets cannot be combined with core_instance_type: the fleets describe"
        " every instance; drop one or the other")
    assert clusters(sim) == []


# --- the pool's size, waiting, jitter --------------------------------------------------------


def test_full_pool_waits_for_a_cluster_to_free_up(sim):
    cluster_id = pool_cluster()
    done = occupy(sim, cluster_id)
    threading.Timer(2.0, done.set).start()
    proc = pooled("--max-clusters-in-pool", "1")
    assert ok(proc) == COUNTS
    assert clusters(sim) == [cluster_id]
    log = proc.stderr.decode()
    assert ("pool default is full (1 of at most 1 clusters, max_clusters_in_pool); waiting for"
            " a cluster to free up") in log
    assert "joined cluster %s of pool default (WAITING)" % cluster_id in log


def test_pool_wait_minutes_waits_before_starting_a_cluster(sim):
    cluster_id = pool_cluster()
    done = occupy(sim, cluster_id)
    threading.Timer(2.0, done.set).start()
    proc = pooled("--pool-wait-minutes", "1")
    assert ok(proc) == COUNTS
    assert clusters(sim) == [cluster_id]
    assert ("no free cluster in pool default; waiting up to 1 more minute(s) for one"
            " (pool_wait_minutes)") in proc.stderr.decode()


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


def test_pool_cap_counts_clusters_of_every_set_up(sim):
    other = pool_cluster("--release-label", "emr-7.2.0")
    done = threading.Event()
    threading.Timer(2.0, lambda: (sim.client("emr").terminate_job_flows(JobFlowIds=[other]),
                                  done.set())).start()
    proc = pooled("--max-clusters-in-pool", "1")
    assert ok(proc) == COUNTS
    assert done.is_set()
    assert "pool default is full (1 of at most 1 clusters" in proc.stderr.decode()
    started_new(sim, proc, [other])


# --- locks -----------------------------------------------------------------------------------


def lock_object(sim, cluster_id):
    """(bucket, key) of *cluster_id*'s lock, from its lock-dir tag."""
    tags = {t["Key"]: t["Value"] for t in
            sim.client("emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Tags"]}
    bucket, prefix = tags["streamr:lock-dir"][len("s3://"):].split("/", 1)
    return bucket, prefix + cluster_id


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
lock = ClusterLock(AWSConnection({}), sys.argv[1], owner="crashed-job", seconds=3)
assert lock.acquire()
print("locked", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_lock_of_a_crashed_job_expires_and_is_taken_over(sim):
    cluster_id = pool_cluster()
    bucket, key = lock_object(sim, cluster_id)
    crashed = subprocess.run([sys.executable, "-c", CRASH, "s3://%s/%s" % (bucket, key)],
                             capture_output=True, cwd=str(ROOT), timeout=60)
    assert crashed.returncode == -signal.SIGKILL and crashed.stdout == b"locked\n"
    assert sim.s3.list_objects_v2(Bucket=bucket, Prefix=key)["KeyCount"] == 1  # left behind
    # the pool may not grow, so the job waits out the lock instead of starting a cluster
    proc = pooled("--max-clusters-in-pool", "1")
    assert ok(proc) == COUNTS
    log = proc.stderr.decode()
    assert re.search(r"cluster %s: skipped \(locked by crashed-job \(joining\) for [0-3]s more\)"
                     % cluster_id, log)
    assert "took over s3://%s/%s: expired lock of crashed-job (joining)" % (bucket, key) in log
    assert "joined cluster %s of pool default" % cluster_id in log
    assert clusters(sim) == [cluster_id]


def test_eight_jobs_share_two_idle_clusters_one_at_a_time(sim):
    pool = sorted([pool_cluster(), pool_cluster()])
    procs = [subprocess.Popen(
        [sys.executable, str(JOBS / "mr_slow.py"), "-r", "emr", "--no-conf",
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
    proc = pooled("--sleep", "3", script=JOBS / "mr_two_steps_slow.py")
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


# --- idle clusters ---------------------------------------------------------------------------


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


# --- which match is tried first --------------------------------------------------------------


def test_most_capacity_is_preferred(sim):
    small = pool_cluster("--instance-type", "m5.xlarge", "--num-core-instances", "1")
    big = pool_cluster("--instance-type", "m5.xlarge", "--num-core-instances", "3")
    proc = pooled("--instance-type", "m5.xlarge", "--num-core-instances", "1")
    assert ok(proc) == COUNTS
    assert verdict(proc, small).startswith("accepted")
    assert "joined cluster %s of pool default" % big in proc.stderr.decode()
    assert [s[2] for s in sim.cluster(big).steps] == ["COMPLETED"]
    assert sim.cluster(small).steps == ()


def test_most_recently_idle_is_preferred_among_equals(sim):
    older = pool_cluster()
    sim.advance(120)
    newer = pool_cluster()
    proc = pooled()
    assert ok(proc) == COUNTS
    assert verdict(proc, older).startswith("accepted")
    assert "joined cluster %s of pool default" % newer in proc.stderr.decode()
    again = pooled()  # the newer one is still the more recently idle
    assert "joined cluster %s of pool default" % newer in again.stderr.decode()


# --- clusters that run several steps at once -------------------------------------------------

TWO_STEPS = JOBS / "mr_two_steps_slow.py"


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


def test_ctrl_c_leaves_the_pooled_cluster_for_the_pool(sim):
    proc = subprocess.Popen(
        [sys.executable, str(JOBS / "mr_slow.py"), "-r", "emr", *FAST, *POOL, "--sleep", "30",
         "s3://in-bucket/text/"], cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: clusters(sim) and sim.step_runs(clusters(sim)[0]))
        [cluster_id] = clusters(sim)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err.decode()
    wait_for(lambda: sim.cluster(cluster_id).state == "WAITING")
    assert [s[2] for s in sim.cluster(cluster_id).steps] == ["CANCELLED"]
    bucket, key = lock_object(sim, cluster_id)
    assert sim.s3.list_objects_v2(Bucket=bucket, Prefix=key)["KeyCount"] == 0
    # the next job can use it
    again = pooled()
    assert ok(again) == COUNTS
    assert "joined cluster %s of pool default" % cluster_id in again.stderr.decode()
