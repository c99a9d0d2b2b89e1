"""Clusters through the simulated EMR: the RunJobFlow request a fully
configured job sends, running on an existing cluster (--cluster-id), and
the cluster subcommands (create-cluster, list-clusters, terminate-cluster,
diagnose)."""

import json
import re
import signal

import pytest

from tests.support.emr import SimSetup, occupy, put, streamr
from tests.support.jobs import EMR_JOBS, EXAMPLES, FAST, ok, run_job, start_job
from tests.support.waiting import wait_for_line

pytestmark = pytest.mark.slow


@pytest.fixture()
def sim_setup():
    return SimSetup(files={"s3://in-bucket/text/a.txt": b"one two two\n"})


# --- the request -----------------------------------------------------------------------------


def test_fully_configured_request_field_by_field(sim, tmp_path):
    script = tmp_path / "prep.sh"
    script.write_text("true\n")
    put(sim, "s3://in-bucket/ba.sh", b"#!/bin/sh\nexit 0\n")
    # EMR refuses a security configuration that was never created
    sim.client("emr").create_security_configuration(Name="team-security",
                                                    SecurityConfiguration="{}")
    ok(run_job(
        EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST, "s3://in-bucket/text/",
        "--release-label", "emr-7.2.0", "--master-instance-type", "m5.2xlarge",
        "--core-instance-type", "r5.xlarge", "--num-core-instances", "2",
        "--task-instance-type", "c5.xlarge", "--num-task-instances", "3",
        "--core-instance-bid-price", "0.25", "--task-instance-bid-price", "",
        "--ebs-root-volume-gb", "40", "--ec2-key-pair", "team-key", "--subnet", "subnet-123",
        "--application", "Spark", "--emr-configuration",
        '{"Classification": "core-site", "Properties": {"io.file.buffer.size": "65536"}}',
        "--tag", "team=data", "--iam-instance-profile", "EMR_EC2_DefaultRole",
        "--iam-service-role", "EMR_DefaultRole", "--cloud-log-dir", "s3://out-bucket/logs/",
        "--label", "nightly", "--owner", "ana", "--bootstrap", "sh %s# now" % script,
        "--bootstrap-action", "s3://in-bucket/ba.sh one 'two words'",
        "--extra-cluster-param", 'SecurityConfiguration="team-security"',
        "--extra-cluster-param", 'Instances={"EmrManagedMasterSecurityGroup": "sg-1"}',
        "--max-concurrent-steps", "2", "--emr-action-on-failure", "CONTINUE",
        "--cloud-tmp-dir", "s3://out-bucket/tmp/"))
    [request] = sim.requests("RunJobFlow")
    job_key = re.match(r"streamr: nightly by ana \((nightly\.ana\.[\d.]+)\)$",
                       request.pop("Name")).group(1)
    steps = request.pop("Steps")
    bootstrap_uri = request["BootstrapActions"][0]["ScriptBootstrapAction"]["Path"]
    assert re.match(r"s3://out-bucket/tmp/files/[0-9a-f]{32}/streamr-bootstrap\.sh$",
                    bootstrap_uri)
    assert request == {
        "LogUri": "s3://out-bucket/logs/",
        "ReleaseLabel": "emr-7.2.0",
        "Applications": [{"Name": "Hadoop"}, {"Name": "Spark"}],
        "Configurations": [{"Classification": "core-site",
                            "Properties": {"io.file.buffer.size": "65536"}}],
        "Instances": {
            "KeepJobFlowAliveWhenNoSteps": False,
            "TerminationProtected": False,
            "InstanceGroups": [
                {"Name": "master", "InstanceRole": "MASTER", "InstanceType": "m5.2xlarge",
                 "InstanceCount": 1, "Market": "ON_DEMAND"},
                {"Name": "core", "InstanceRole": "CORE", "InstanceType": "r5.xlarge",
                 "InstanceCount": 2, "Market": "SPOT", "BidPrice": "0.25"},
                {"Name": "task", "InstanceRole": "TASK", "InstanceType": "c5.xlarge",
                 "InstanceCount": 3, "Market": "SPOT"},
            ],
            "Ec2KeyName": "team-key",
            "Ec2SubnetId": "subnet-123",
            "EmrManagedMasterSecurityGroup": "sg-1",
        },
        "JobFlowRole": "EMR_EC2_DefaultRole",
        "ServiceRole": "EMR_DefaultRole",
        "VisibleToAllUsers": True,
        "Tags": [{"Key": "streamr:label", "Value": "nightly"},
                 {"Key": "streamr:owner", "Value": "ana"},
                 {"Key": "streamr:version", "Value": __import__("streamr").__version__},
                 {"Key": "team", "Value": "data"}],
        "BootstrapActions": [
            {"Name": "streamr bootstrap",
             "ScriptBootstrapAction": {"Path": bootstrap_uri, "Args": []}},
            {"Name": "action 1: ba.sh",
             "ScriptBootstrapAction": {"Path": "s3://in-bucket/ba.sh",
                                       "Args": ["one", "two words"]}},
        ],
        "StepConcurrencyLevel": 2,
        "EbsRootVolumeSize": 40,
        "SecurityConfiguration": "team-security",
    }
    [step] = steps
    assert step["Name"] == "%s: Step 1 of 1" % job_key
    assert step["ActionOnFailure"] == "CONTINUE"
    assert step["HadoopJarStep"]["Jar"] == "command-runner.jar"
    args = step["HadoopJarStep"]["Args"]
    assert args[args.index("-output") + 1] == "s3://out-bucket/tmp/%s/output/" % job_key
    # the bootstrap script fetches the uploaded file and runs the command on it
    bucket, key = bootstrap_uri[len("s3://"):].split("/", 1)
    text = sim.s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    assert "aws s3 cp s3://out-bucket/tmp/files/" in text and "prep.sh" in text
    assert "/prep.sh now" in text


def test_minimal_request_uses_emrs_defaults(sim):
    ok(run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
               "--no-bootstrap-python", "s3://in-bucket/text/"))
    [request] = sim.requests("RunJobFlow")
    assert request["ReleaseLabel"] == "emr-7.14.0"
    assert request["Instances"]["InstanceGroups"] == [
        {"Name": "master", "InstanceRole": "MASTER", "InstanceType": "m5.xlarge",
         "InstanceCount": 1, "Market": "ON_DEMAND"}]
    assert request["JobFlowRole"] == "EMR_EC2_DefaultRole"
    assert request["ServiceRole"] == "EMR_DefaultRole"
    assert "BootstrapActions" not in request or request["BootstrapActions"] == []
    assert "AutoTerminationPolicy" not in request  # the job's cluster ends with its steps
    assert request["LogUri"].startswith("s3://streamr-tmp-")


def test_contradicting_options_stop_before_any_cluster(sim):
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "--instance-fleets", '[{"InstanceFleetType": "MASTER"}]',
                   "--num-core-instances", "2", "s3://in-bucket/text/")
    assert proc.returncode == 2
    assert "instance_fleets" in proc.stderr.decode().splitlines()[-1]
    assert sim.requests("RunJobFlow") == []


# --- existing clusters -----------------------------------------------------------------------


def test_create_run_on_list_diagnose_terminate(sim):
    created = streamr("create-cluster", "--no-conf", "--check-cluster-every", "0.05",
                      "--wait", "--label", "shared")
    assert created.exit_code == 0, created.output
    cluster_id = created.stdout.strip()
    assert re.match(r"j-[A-Z0-9]+$", cluster_id)
    assert sim.cluster(cluster_id).state == "WAITING"
    assert sim.cluster(cluster_id).auto_termination_policy == {"IdleTimeout": 600}

    # a job on it: steps CANCEL_AND_WAIT, and the cluster stays up afterwards
    out = ok(run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                     "--cluster-id", cluster_id, "s3://in-bucket/text/"))
    assert out == b'"one"\t1\n"two"\t2\n'
    [added] = sim.requests("AddJobFlowSteps")
    assert added["JobFlowId"] == cluster_id
    assert added["Steps"][0]["ActionOnFailure"] == "CANCEL_AND_WAIT"
    assert sim.wait_for_cluster(cluster_id, "WAITING") == "WAITING"

    listed = streamr("list-clusters", "--no-conf")
    assert listed.exit_code == 0, listed.output
    header, row = listed.stdout.strip().splitlines()
    assert header.split()[:4] == ["ID", "STATE", "NAME", "POOL"]
    assert row.startswith(cluster_id) and "WAITING" in row
    assert "1 completed" in row and "1 x m5.xlarge master" in row

    # a failing job on it: the cluster waits on; diagnose explains later
    put(sim, "s3://in-bucket/boom/a.txt", b"BOOM\n")
    proc = run_job(EMR_JOBS / "mr_boom.py", "-r", "emr", *FAST, "--cluster-id", cluster_id,
                   "--jobconf", "mapreduce.map.maxattempts=1", "s3://in-bucket/boom/")
    assert proc.returncode == 1
    assert sim.wait_for_cluster(cluster_id, "WAITING") == "WAITING"
    diagnosis = streamr("diagnose", "--no-conf", cluster_id)
    assert diagnosis.exit_code == 0, diagnosis.output
    assert "Probable cause of failure:" in diagnosis.stdout
    assert "ValueError: cannot count a line with BOOM in it" in diagnosis.stdout
    assert "while reading s3://in-bucket/boom/a.txt" in diagnosis.stdout

    ended = streamr("terminate-cluster", "--no-conf", cluster_id)
    assert ended.exit_code == 0
    assert sim.wait_for_cluster(cluster_id, "TERMINATED") == "TERMINATED"
    assert len(streamr("list-clusters", "--no-conf").stdout.strip().splitlines()) == 1


def test_create_cluster_wait_explains_a_failed_bootstrap(sim):
    created = streamr("create-cluster", "--no-conf", "--check-cluster-every", "0.05",
                      "--wait", "--bootstrap", "echo nope >&2; false")
    assert created.exit_code == 1
    assert re.match(r"j-[A-Z0-9]+\n", created.stdout)
    assert "bootstrap action 1" in created.stderr
    assert "Probable cause of failure:" in created.stderr and "nope" in created.stderr


def test_terminated_cluster_id_is_refused(sim):
    created = streamr("create-cluster", "--no-conf", "--no-bootstrap-python")
    cluster_id = created.stdout.strip()
    streamr("terminate-cluster", "--no-conf", cluster_id)
    sim.wait_for_cluster(cluster_id, "TERMINATED")
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "--cluster-id", cluster_id, "s3://in-bucket/text/")
    assert proc.returncode == 2
    assert "is TERMINATED" in proc.stderr.decode().splitlines()[-1]


def test_ctrl_c_on_a_shared_cluster_cancels_only_this_jobs_steps(sim, tmp_path):
    created = streamr("create-cluster", "--no-conf", "--no-bootstrap-python",
                      "--check-cluster-every", "0.05", "--wait")
    cluster_id = created.stdout.strip()
    # another user's step keeps the cluster busy until released, so the
    # job's step waits behind it for as long as the test needs
    done = occupy(sim, cluster_id, name="mr_other: Step 1 of 1")
    emr = sim.client("emr")
    log = tmp_path / "job.log"
    job = start_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                    "--cluster-id", cluster_id, "s3://in-bucket/text/", log_file=log)
    try:
        wait_for_line(log, r"Step 1 of 1 \(s-\w+\): PENDING", proc=job)
        job.send_signal(signal.SIGINT)
        job.communicate(timeout=120)
        assert job.returncode == 130, log.read_text()
        steps = {s["Name"].rsplit(":", 1)[0].split(".")[0]: s["Status"]["State"]
                 for s in emr.list_steps(ClusterId=cluster_id)["Steps"]}
        assert steps["mr_word_freq_count"] == "CANCELLED"
        assert steps["mr_other"] == "RUNNING"
        done.set()
        sim.wait_for_cluster(cluster_id, "WAITING")
        steps = {s["Name"].rsplit(":", 1)[0].split(".")[0]: s["Status"]["State"]
                 for s in emr.list_steps(ClusterId=cluster_id)["Steps"]}
        assert steps["mr_other"] == "COMPLETED"
    finally:
        done.set()
        if job.poll() is None:
            job.kill()


def test_diagnose_refuses_a_bad_id(sim):
    result = streamr("diagnose", "--no-conf", "cluster-1")
    assert result.exit_code == 2
    assert "j-" in result.output


def test_list_clusters_json_free_of_tracebacks_with_no_clusters(sim):
    result = streamr("list-clusters", "--no-conf")
    assert result.exit_code == 0
    assert result.stdout.strip().split() == ["ID", "STATE", "NAME", "POOL", "AGE", "IDLE",
                                             "LOCK", "STEPS", "INSTANCES"]
    assert json.dumps(result.stdout)  # plain text, nothing else on stdout
