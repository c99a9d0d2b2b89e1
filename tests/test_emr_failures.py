"""The EMR runner when things go wrong, through the simulated EMR: Ctrl-C,
throttling, missing credentials, roles and buckets, clusters lost under a
step, failed steps and S3 errors. Each ends in a readable message and a
non-zero exit, and leaves no cluster running that the job started."""

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.test_emr_runner import EXAMPLES, FAST, JOBS, ROOT, keys, ok, put, run_job, the_cluster


@pytest.fixture()
def sim(emr_sim):
    s3 = emr_sim.client("s3")
    for bucket in ("in-bucket", "out-bucket"):
        s3.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    emr_sim.s3 = s3
    put(emr_sim, "s3://in-bucket/text/a.txt", b"one two two\n")
    return emr_sim


@pytest.fixture()
def roles(sim):
    sim.create_default_roles()
    return sim


def last_line(proc):
    return proc.stderr.decode().rstrip("\n").splitlines()[-1]


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError("gave up waiting")


def test_ctrl_c_terminates_the_cluster_and_removes_temporary_files(roles):
    sim = roles
    proc = subprocess.Popen(
        [sys.executable, str(JOBS / "mr_slow.py"), "-r", "emr", *FAST, "--sleep", "60",
         "s3://in-bucket/text/"], cwd=str(ROOT), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    try:
        emr = sim.client("emr")
        cluster_id = wait_for(lambda: [c["Id"] for c in emr.list_clusters()["Clusters"]])[0]
        step_id = wait_for(lambda: [s["Id"] for s in emr.list_steps(
            ClusterId=cluster_id)["Steps"]])[0]
        sim.wait_for_step(cluster_id, step_id, "RUNNING")
        time.sleep(0.3)  # the runner is now in its wait loop
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err.decode()
    assert err.decode().rstrip().splitlines()[-1].endswith(
        "interrupted; temporary files removed")
    assert "Traceback" not in err.decode()
    assert sim.wait_for_cluster(cluster_id, "TERMINATED") == "TERMINATED"
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"][
        "StateChangeReason"]["Code"] == "USER_REQUEST"
    # the run's directory is gone; only content-addressed files and logs stay
    bucket = [b["Name"] for b in sim.s3.list_buckets()["Buckets"]
              if b["Name"].startswith("streamr-tmp-")][0]
    tops = {key.split("/")[1] for key in keys(sim, "s3://%s/tmp/" % bucket)}
    assert tops <= {"files", "logs"}, tops


def test_throttled_calls_are_retried(roles):
    roles.throttle("DescribeCluster", times=3)
    roles.throttle("ListSteps", times=2)
    out = ok(run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                     "s3://in-bucket/text/"))
    assert out == b'"one"\t1\n"two"\t2\n'
    assert len(roles.requests("DescribeCluster")) >= 4  # three refused, then answered


def test_throttling_beyond_retries_is_one_line(roles):
    roles.throttle("RunJobFlow", times=20)
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "--aws-max-attempts", "3", "s3://in-bucket/text/")
    assert proc.returncode == 1
    assert "throttling" in last_line(proc)
    assert "Traceback" not in proc.stderr.decode()
    assert len(roles.requests("RunJobFlow")) == 3
    assert roles.client("emr").list_clusters()["Clusters"] == []


def test_missing_credentials(roles):
    env = {k: v for k, v in os.environ.items()
           if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "s3://in-bucket/text/", env=env)
    assert proc.returncode == 1
    assert "no AWS credentials found" in last_line(proc)
    assert "Traceback" not in proc.stderr.decode()


def test_missing_default_roles_say_how_to_make_them(sim):
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "s3://in-bucket/text/")
    assert proc.returncode == 2
    line = last_line(proc)
    assert "IAM role EMR_DefaultRole does not exist" in line
    assert "aws emr create-default-roles" in line
    assert sim.client("emr").list_clusters()["Clusters"] == []


def test_missing_named_role(roles):
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "--iam-instance-profile", "NoSuchProfile", "s3://in-bucket/text/")
    assert proc.returncode == 2
    assert "IAM instance profile NoSuchProfile does not exist" in last_line(proc)
    assert "iam_instance_profile" in last_line(proc)


def test_missing_output_bucket(roles):
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "s3://in-bucket/text/", "-o", "s3://no-such-bucket/out/")
    assert proc.returncode != 0
    assert "no-such-bucket" in last_line(proc)
    assert "Traceback" not in proc.stderr.decode()
    assert roles.client("emr").list_clusters()["Clusters"] == []


def test_missing_input(roles):
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "s3://in-bucket/nothing-here/")
    assert proc.returncode == 2
    assert "s3://in-bucket/nothing-here/" in last_line(proc)


def test_cluster_lost_under_a_step(roles):
    roles.terminate_during_step(reason_code="SPOT_INSTANCE_TERMINATION", after_seconds=0.01)
    proc = run_job(JOBS / "mr_slow.py", "-r", "emr", *FAST, "--sleep", "5",
                   "s3://in-bucket/text/")
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "Step 1 of 1 failed" in err
    assert "INTERRUPTED" in err
    assert "INSTANCE_FAILURE" in err and "The master node was terminated" in err


def test_failed_step_reports_emrs_reason(roles):
    roles.fail_next_step("Simulated step failure")
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "s3://in-bucket/text/")
    assert proc.returncode == 1
    assert "Simulated step failure" in proc.stderr.decode()
    cluster_id = the_cluster(roles)
    assert roles.wait_for_cluster(cluster_id, "TERMINATED_WITH_ERRORS") == (
        "TERMINATED_WITH_ERRORS")


def test_passing_s3_errors_are_retried(roles):
    roles.fail_s3("s3://in-bucket/text/", times=2, code="InternalError")
    out = ok(run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                     "s3://in-bucket/text/"))
    assert out == b'"one"\t1\n"two"\t2\n'


def test_denied_output_is_one_line(roles):
    roles.fail_s3("s3://out-bucket/", times=100, code="AccessDenied")
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "s3://in-bucket/text/", "-o", "s3://out-bucket/out/")
    assert proc.returncode == 1
    assert "access denied" in last_line(proc)
    assert "Traceback" not in proc.stderr.decode()


def test_missing_bootstrap_action_script_stops_before_any_cluster(roles):
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "--bootstrap-action", "s3://in-bucket/missing.sh arg",
                   "s3://in-bucket/text/")
    assert proc.returncode == 2
    assert "bootstrap action script s3://in-bucket/missing.sh does not exist" in last_line(proc)
    assert roles.requests("RunJobFlow") == []
