"""The EMR runner when things go wrong, through the simulated EMR: Ctrl-C,
throttling, missing credentials, roles and buckets, clusters lost under a
step, failed steps and S3 errors. Each ends in a readable message and a
non-zero exit, and leaves no cluster running that the job started."""

import os
import re
import signal

import pytest

from tests.support.emr import SimSetup, keys, the_cluster
from tests.support.jobs import EMR_JOBS, EXAMPLES, FAST, ok, run_job, start_job
from tests.support.waiting import wait_for_line

pytestmark = pytest.mark.slow


@pytest.fixture()
def sim_setup():
    # no IAM roles: tests that want them take the ``roles`` fixture
    return SimSetup(roles=False, files={"s3://in-bucket/text/a.txt": b"one two two\n"})


@pytest.fixture()
def roles(sim):
    sim.create_default_roles()
    return sim


def last_line(proc):
    return proc.stderr.decode().rstrip("\n").splitlines()[-1]


def test_ctrl_c_terminates_the_cluster_and_removes_temporary_files(roles, tmp_path):
    sim = roles
    log = tmp_path / "job.log"
    proc = start_job(EMR_JOBS / "mr_slow.py", "-r", "emr", *FAST, "--sleep", "60",
                     "s3://in-bucket/text/", log_file=log)
    try:
        # the runner has seen its step run: it is in its wait loop
        wait_for_line(log, r"Step 1 of 1 \(s-\w+\): RUNNING", proc=proc)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = log.read_text()
    assert proc.returncode == 130, err
    assert err.rstrip().splitlines()[-1].endswith("interrupted; temporary files removed")
    assert "Traceback" not in err
    emr = sim.client("emr")
    cluster_id = the_cluster(sim)
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


def test_a_second_cluster_started_by_a_retried_start_is_terminated(roles):
    # EMR starts the cluster but its answer is lost; boto3 sends RunJobFlow
    # again, which takes no idempotency token, and EMR starts another
    roles.lose_answer("RunJobFlow")
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "s3://in-bucket/text/")
    assert ok(proc) == b'"one"\t1\n"two"\t2\n'
    assert len(roles.requests("RunJobFlow")) == 2
    emr = roles.client("emr")
    clusters = {c["Id"] for c in emr.list_clusters()["Clusters"]}
    kept = re.search(r"started cluster (j-\w+)", proc.stderr.decode()).group(1)
    lost = sorted(clusters - {kept})
    assert len(clusters) == 2 and len(lost) == 1
    assert "cluster %s was started by an attempt whose answer was lost; terminating it" % (
        lost[0]) in proc.stderr.decode()
    assert roles.wait_for_cluster(lost[0], "TERMINATED") == "TERMINATED"
    assert emr.describe_cluster(ClusterId=lost[0])["Cluster"]["Status"][
        "StateChangeReason"]["Code"] == "USER_REQUEST"


def test_starts_whose_answers_are_all_lost_leave_no_cluster_running(roles):
    roles.lose_answer("RunJobFlow", times=3)
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "--aws-max-attempts", "3", "s3://in-bucket/text/")
    assert proc.returncode == 1
    assert last_line(proc).endswith(
        "error: AWS failed starting a cluster with a server error even after retries"
        " (InternalServerError: Internal server error): retry later")
    assert "Traceback" not in proc.stderr.decode()
    emr = roles.client("emr")
    started = [c["Id"] for c in emr.list_clusters()["Clusters"]]
    assert len(started) == 3  # one per attempt
    for cluster_id in started:
        assert roles.wait_for_cluster(cluster_id, "TERMINATED") == "TERMINATED"


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
    assert proc.returncode == 2  # a set-up problem, found before any work
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
    proc = run_job(EMR_JOBS / "mr_slow.py", "-r", "emr", *FAST, "--sleep", "5",
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
