"""The simulated EMR (tests/emr_sim) driven with plain boto3 clients: the
life of clusters and steps, Hadoop streaming on the simulated nodes, the
logs left in S3 (read back with streamr.logs, which follows EMR's
formats), the moto additions, and each injectable fault."""

import gzip
import io
import os
import subprocess
import sys
import tarfile
import threading
import time
import zipfile

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from streamr.logs import (
    bootstrap_failure_from_reason,
    find_input_split,
    find_probable_cause,
    find_python_traceback,
    parse_step_log,
)
from tests.emr_sim.driver import IDLE_TIMEOUT_REASON
from tests.support.emr import SimSetup
from tests.support.waiting import DEADLINE, wait_for

BUCKET = "emr-sim-tests"
LOGS = "s3://%s/logs/" % BUCKET

WORD_MAPPER = b"""\
import sys
for line in sys.stdin:
    for word in line.split():
        print("%s\\t1" % word.lower())
        sys.stderr.write("reporter:counter:words,seen,1\\n")
sys.stderr.write("reporter:status:mapped\\n")
"""

SUM_REDUCER = b"""\
import sys
current, total = None, 0
for line in sys.stdin:
    key, value = line.rstrip("\\n").split("\\t", 1)
    if key != current and current is not None:
        print("%s\\t%d" % (current, total))
        total = 0
    current = key
    total += int(value)
if current is not None:
    print("%s\\t%d" % (current, total))
"""

ENV_MAPPER = b"""\
import os, sys
for line in sys.stdin:
    print("%s|%s|%s|%s" % (os.environ["mapreduce_task_partition"],
                           os.environ["mapreduce_map_input_start"],
                           os.environ["mapreduce_map_input_file"], line.rstrip("\\n")))
"""


@pytest.fixture()
def sim_setup():
    return SimSetup(buckets=(BUCKET,))


def put(sim, key, data):
    sim.client("s3").put_object(Bucket=BUCKET, Key=key, Body=data)
    return "s3://%s/%s" % (BUCKET, key)


def get(sim, key):
    return sim.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()


def keys(sim, prefix):
    pages = sim.client("s3").get_paginator("list_objects_v2").paginate(Bucket=BUCKET,
                                                                       Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))


def log_text(sim, key):
    data = get(sim, key)
    assert data[:2] == b"\x1f\x8b", "%s is not gzipped" % key
    return gzip.decompress(data).decode()


def run_cluster(sim, steps=(), bootstrap=(), keep_alive=False, **extra):
    params = {
        "Name": "sim test", "ReleaseLabel": "emr-7.1.0", "LogUri": LOGS,
        "Instances": {"MasterInstanceType": "m5.xlarge", "SlaveInstanceType": "m5.xlarge",
                      "InstanceCount": 2, "KeepJobFlowAliveWhenNoSteps": keep_alive},
        "JobFlowRole": "EMR_EC2_DefaultRole", "ServiceRole": "EMR_DefaultRole",
        "Steps": list(steps),
        "BootstrapActions": [{"Name": "action %d" % i,
                              "ScriptBootstrapAction": {"Path": path, "Args": list(args)}}
                             for i, (path, args) in enumerate(bootstrap, 1)],
    }
    params.update(extra)
    return sim.client("emr").run_job_flow(
        **{name: value for name, value in params.items() if value is not None})["JobFlowId"]


def streaming(name, *args, action="TERMINATE_CLUSTER"):
    return {"Name": name, "ActionOnFailure": action,
            "HadoopJarStep": {"Jar": "command-runner.jar",
                              "Args": ["hadoop-streaming", *args]}}


def jar_step(name, jar, *args, action="TERMINATE_CLUSTER"):
    return {"Name": name, "ActionOnFailure": action,
            "HadoopJarStep": {"Jar": jar, "Args": list(args)}}


def step_ids(sim, cluster_id):
    return [step["Id"] for step in
            reversed(sim.client("emr").list_steps(ClusterId=cluster_id)["Steps"])]


def describe_step(sim, cluster_id, step_id):
    return sim.client("emr").describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]


def word_count_files(sim):
    put(sim, "in/a.txt", b"the cat\nthe dog\n")
    put(sim, "in/b.txt", b"A cat\n")
    put(sim, "in/_SUCCESS", b"not input\n")
    put(sim, "in/.hidden", b"not input either\n")
    return (put(sim, "code/mapper.py", WORD_MAPPER), put(sim, "code/reducer.py", SUM_REDUCER))


def part_lines(sim, prefix):
    return sorted(line for key in keys(sim, prefix) if "/part-" in key
                  for line in get(sim, key).decode().splitlines())


# --- cluster life -----------------------------------------------------------

def test_bootstrap_action_then_waiting(sim):
    script = put(sim, "boot.sh", b"#!/bin/sh\nset -e\necho \"args: $*\"\n"
                 b"sudo -u hadoop yum install -y python3-devel\n"
                 b"aws s3 cp s3://emr-sim-tests/data.txt \"$STREAMR_BOOTSTRAP_DIR/data.txt\"\n"
                 b"cat \"$STREAMR_BOOTSTRAP_DIR/data.txt\"\npwd\n")
    put(sim, "data.txt", b"fetched by aws s3 cp\n")
    cluster_id = run_cluster(sim, bootstrap=[(script, ["one", "two"])], keep_alive=True)
    emr = boto3.client("emr")  # found through the environment the fixture set
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] in (
        "STARTING", "BOOTSTRAPPING")

    assert sim.wait_for_cluster(cluster_id, "WAITING", "TERMINATED_WITH_ERRORS") == "WAITING"
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert sim.cluster(cluster_id).history == ("STARTING", "BOOTSTRAPPING", "WAITING")
    timeline = cluster["Status"]["Timeline"]
    assert timeline["ReadyDateTime"] >= timeline["CreationDateTime"]
    assert "EndDateTime" not in timeline
    assert cluster["LogUri"] == "s3n://emr-sim-tests/logs/"

    runs = sim.bootstrap_runs(cluster_id)
    assert [(run.role, run.action, run.returncode) for run in runs] == [
        ("MASTER", 1, 0), ("CORE", 1, 0)]
    assert "yum install -y python3-devel" in runs[0].calls
    for run in runs:
        folder = "logs/%s/node/%s/bootstrap-actions/1/" % (cluster_id, run.instance_id)
        stdout = log_text(sim, folder + "stdout.gz")
        assert "args: one two" in stdout and "fetched by aws s3 cp" in stdout
        assert run.node_dir in stdout  # cwd is the node's sandbox
        assert "Execution succeeded" in log_text(sim, folder + "controller.gz")


def test_standins_on_a_node(sim):
    put(sim, "data.txt", b"some data\n")
    script = put(sim, "tools.sh", b"""#!/bin/sh
set -e
hadoop fs -put "$0" s3://emr-sim-tests/put/tools.sh
hadoop fs -cat s3://emr-sim-tests/data.txt
hadoop fs -ls s3://emr-sim-tests/
hadoop fs -get s3://emr-sim-tests/data.txt "$STREAMR_BOOTSTRAP_DIR/"
test -f "$STREAMR_BOOTSTRAP_DIR/data.txt"
aws s3 ls s3://emr-sim-tests/
python3 -m pip install --user somepackage
sudo -E pip3 install other
sudo shutdown -h now
python3 -c 'import sys; print("no site:", sys.flags.no_site)'
""")
    cluster_id = run_cluster(sim, bootstrap=[(script, [])], keep_alive=True, Instances={
        "MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
        "KeepJobFlowAliveWhenNoSteps": True})
    assert sim.wait_for_cluster(cluster_id, "WAITING", "TERMINATED_WITH_ERRORS") == "WAITING"
    (run,) = sim.bootstrap_runs(cluster_id)
    stdout = log_text(sim, "logs/%s/node/%s/bootstrap-actions/1/stdout.gz"
                      % (cluster_id, run.instance_id))
    assert "some data" in stdout and "no site: 1" in stdout
    assert "Found 3 items" in stdout  # data.txt, tools.sh, and the put/ directory
    assert "PRE put/" in stdout
    assert get(sim, "put/tools.sh").startswith(b"#!/bin/sh")
    assert "pip install --user somepackage" in run.calls
    assert "pip3 install other" in run.calls and "shutdown -h now" in run.calls


def test_daemon_started_by_bootstrap_neither_blocks_nor_outlives_cluster(sim, tmp_path):
    pidfile = tmp_path / "daemon.pid"
    script = put(sim, "daemon.sh", b"#!/bin/sh\nsleep 300 &\necho $! > %s\necho started\n"
                 % str(pidfile).encode())
    cluster_id = run_cluster(sim, bootstrap=[(script, [])], keep_alive=True, Instances={
        "MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
        "KeepJobFlowAliveWhenNoSteps": True})
    assert sim.wait_for_cluster(cluster_id, "WAITING", timeout=10) == "WAITING"
    pid = int(pidfile.read_text())
    assert not _gone(pid)
    sim.client("emr").terminate_job_flows(JobFlowIds=[cluster_id])
    sim.wait_for_cluster(cluster_id, "TERMINATED")
    # it sleeps for 300 s: gone long before that means the cluster's end killed it
    wait_for(lambda: _gone(pid), what="the daemon to end with its cluster")


def test_cluster_without_steps_ends_after_bootstrapping(sim):
    # an hour each, passed with advance: no test is fast or slow enough to miss a state
    sim.timings.starting = sim.timings.bootstrapping = 3600  # put back by the fixture's reset
    cluster_id = run_cluster(sim)
    assert sim.client("emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"][
        "StateChangeReason"] == {"Message": "Provisioning Amazon EC2 capacity"}
    sim.advance(3600)
    sim.wait_for_cluster(cluster_id, "BOOTSTRAPPING")
    sim.advance(3600)
    assert sim.wait_for_cluster(cluster_id, "TERMINATED", "TERMINATED_WITH_ERRORS") == "TERMINATED"
    status = sim.client("emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
    assert status["StateChangeReason"] == {"Code": "ALL_STEPS_COMPLETED",
                                           "Message": "Steps completed"}
    assert status["Timeline"]["EndDateTime"] >= status["Timeline"]["ReadyDateTime"]
    snapshot = sim.cluster(cluster_id)
    assert snapshot.ready - snapshot.created >= 7199.999  # starting + bootstrapping
    assert sim.cluster(cluster_id).history == (
        "STARTING", "BOOTSTRAPPING", "WAITING", "TERMINATING", "TERMINATED")


def test_failing_bootstrap_action_fails_cluster_and_leaves_logs(sim):
    good = put(sim, "good.sh", b"#!/bin/sh\necho fine\n")
    bad = put(sim, "bad.sh", b"#!/bin/sh\necho 'cannot install thing' >&2\nexit 3\n")
    never = put(sim, "never.sh", b"#!/bin/sh\necho never\n")
    cluster_id = run_cluster(sim, bootstrap=[(good, []), (bad, []), (never, [])])
    assert sim.wait_for_cluster(cluster_id, "TERMINATED", "TERMINATED_WITH_ERRORS") == \
        "TERMINATED_WITH_ERRORS"
    reason = sim.client("emr").describe_cluster(
        ClusterId=cluster_id)["Cluster"]["Status"]["StateChangeReason"]
    master = sim.cluster(cluster_id).nodes[0][0]
    assert reason == {"Code": "BOOTSTRAP_FAILURE", "Message": (
        "On the master instance (%s), bootstrap action 2 returned a non-zero return code"
        % master)}
    assert bootstrap_failure_from_reason(reason["Message"]) == (master, 2)
    assert {run.action for run in sim.bootstrap_runs(cluster_id)} == {1, 2}
    folder = "logs/%s/node/%s/bootstrap-actions/2/" % (cluster_id, master)
    assert log_text(sim, folder + "stderr.gz") == "cannot install thing\n"
    assert "Execution failed with code '3'" in log_text(sim, folder + "controller.gz")
    assert not keys(sim, "logs/%s/node/%s/bootstrap-actions/3/" % (cluster_id, master))


def test_missing_roles_fail_validation(sim):
    cluster_id = run_cluster(sim, JobFlowRole="NoSuchProfile")
    sim.wait_for_cluster(cluster_id, "TERMINATED_WITH_ERRORS")
    reason = sim.cluster(cluster_id)
    assert (reason.reason_code, reason.reason_message) == (
        "VALIDATION_ERROR", "Invalid InstanceProfile: NoSuchProfile.")


# --- streaming ------------------------------------------------------------

def test_word_count_streaming_step(sim):
    mapper, reducer = word_count_files(sim)
    cluster_id = run_cluster(sim, steps=[streaming(
        "word count", "-files", "%s#mapper.py,%s#reducer.py" % (mapper, reducer),
        "-D", "mapreduce.job.reduces=2", "-input", "s3://%s/in/" % BUCKET,
        "-output", "s3://%s/out/" % BUCKET, "-mapper", "python3 mapper.py",
        "-combiner", "python3 reducer.py", "-reducer", "python3 reducer.py")])
    assert sim.wait_for_cluster(cluster_id, "TERMINATED", "TERMINATED_WITH_ERRORS") == "TERMINATED"

    assert keys(sim, "out/") == ["out/_SUCCESS", "out/part-00000", "out/part-00001"]
    assert part_lines(sim, "out/") == ["a\t1", "cat\t2", "dog\t1", "the\t2"]
    for key in ("out/part-00000", "out/part-00001"):  # each reducer's output is sorted
        lines = get(sim, key).decode().splitlines()
        assert lines == sorted(lines)
    (step_id,) = step_ids(sim, cluster_id)
    step = describe_step(sim, cluster_id, step_id)
    assert step["Status"]["State"] == "COMPLETED" and "FailureDetails" not in step["Status"]
    assert step["Status"]["Timeline"]["EndDateTime"] >= step["Status"]["Timeline"]["StartDateTime"]

    info = parse_step_log(log_text(sim, "logs/%s/steps/%s/syslog.gz"
                                   % (cluster_id, step_id)).splitlines())
    assert info.application_id and info.job_id and info.last_progress == (100, 100)
    assert info.counters["words"] == {"seen": 6}
    assert info.counters["Job Counters"]["Launched map tasks"] == 2
    framework = info.counters["Map-Reduce Framework"]
    assert framework["Reduce output records"] == 4
    assert (framework["Combine input records"], framework["Combine output records"]) == (6, 5)
    assert framework["Reduce input records"] == 5
    assert info.application_id in sim.cluster(cluster_id).application_ids
    stderr = log_text(sim, "logs/%s/steps/%s/stderr.gz" % (cluster_id, step_id))
    assert parse_step_log(stderr.splitlines()).counters == info.counters
    controller = log_text(sim, "logs/%s/steps/%s/controller.gz" % (cluster_id, step_id))
    assert "Step succeeded with exitCode 0" in controller
    containers = keys(sim, "logs/%s/containers/%s/" % (cluster_id, info.application_id))
    assert len([key for key in containers if key.endswith("/syslog.gz")]) == 5  # AM + 4 tasks


def test_map_only_with_nline_input_format(sim):
    put(sim, "lines/x.txt", b"one\ntwo\nthree\n")
    mapper = put(sim, "code/env_mapper.py", ENV_MAPPER)
    cluster_id = run_cluster(sim, steps=[streaming(
        "nline", "-files", mapper, "-D", "mapreduce.job.reduces=0",
        "-D", "mapreduce.input.lineinputformat.linespermap=2",
        "-inputformat", "org.apache.hadoop.mapred.lib.NLineInputFormat",
        "-input", "s3://%s/lines/x.txt" % BUCKET, "-output", "s3://%s/nl" % BUCKET,
        "-mapper", "python3 env_mapper.py")])
    assert sim.wait_for_cluster(cluster_id, "TERMINATED", "TERMINATED_WITH_ERRORS") == "TERMINATED"
    assert keys(sim, "nl/") == ["nl/_SUCCESS", "nl/part-00000", "nl/part-00001"]
    uri = "s3://%s/lines/x.txt" % BUCKET
    # map-only output goes through TextOutputFormat: lines without a tab get one
    assert get(sim, "nl/part-00000").decode().splitlines() == [
        "0|0|%s|0\tone" % uri, "0|0|%s|4\ttwo" % uri]
    assert get(sim, "nl/part-00001").decode().splitlines() == ["1|7|%s|8\tthree" % uri]


def test_large_files_split_at_line_boundaries_and_gzip_never(sim):
    lines = [b"line %04d" % i for i in range(300)]
    put(sim, "big/plain.txt", b"\n".join(lines) + b"\n")
    put(sim, "big/packed.gz", gzip.compress(b"zipped\nlines\n"))
    cluster_id = run_cluster(sim, steps=[streaming(
        "splits", "-D", "mapreduce.job.reduces=0",
        "-D", "mapreduce.input.fileinputformat.split.maxsize=1000",
        "-input", "s3://%s/big/" % BUCKET, "-output", "s3://%s/split-out" % BUCKET,
        "-mapper", "cat")])
    assert sim.wait_for_cluster(cluster_id, "TERMINATED", "TERMINATED_WITH_ERRORS") == "TERMINATED"
    parts = [key for key in keys(sim, "split-out/") if "/part-" in key]
    assert len(parts) == 4  # 3000 bytes in splits of 1000, plus the gzipped file whole
    read = sorted(line for key in parts for line in get(sim, key).splitlines())
    assert read == sorted([line + b"\t" for line in lines] + [b"zipped\t", b"lines\t"])
    splits = {find_input_split(attempt.logs["syslog"].splitlines())
              for attempt in sim.task_attempts(cluster_id)}
    plain = "s3://%s/big/plain.txt" % BUCKET
    assert {(s.uri, s.start, s.length) for s in splits} == {
        (plain, 0, 1000), (plain, 1000, 1000), (plain, 2000, 1000),
        ("s3://%s/big/packed.gz" % BUCKET, 0, get(sim, "big/packed.gz").__len__())}


def test_key_field_partitioner_on_two_key_fields(sim):
    put(sim, "kf/in.txt", b"".join(b"%s\t%d\tv%d\n" % (key, n, n)
                                   for key in (b"apple", b"pear", b"fig", b"lime")
                                   for n in (3, 1, 2)))
    cluster_id = run_cluster(sim, steps=[streaming(
        "secondary sort", "-D", "mapreduce.job.reduces=2",
        "-D", "stream.num.map.output.key.fields=2",
        "-D", "mapreduce.partition.keypartitioner.options=-k1,1",
        "-partitioner", "org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner",
        "-input", "s3://%s/kf/*.t?t" % BUCKET, "-output", "s3://%s/kf-out" % BUCKET,
        "-mapper", "cat", "-reducer", "cat")])
    assert sim.wait_for_cluster(cluster_id, "TERMINATED", "TERMINATED_WITH_ERRORS") == "TERMINATED"
    seen = {}
    for number in (0, 1):
        lines = get(sim, "kf-out/part-%05d" % number).decode().splitlines()
        assert lines == sorted(lines)
        for line in lines:
            seen.setdefault(line.split("\t")[0], set()).add(number)
    assert set(seen) == {"apple", "pear", "fig", "lime"}
    assert all(len(parts) == 1 for parts in seen.values())  # one reducer per first field
    assert len(set().union(*seen.values())) == 2  # and both reducers got some


def _tarball(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_files_and_archives_in_task_dir_and_python_without_site(sim):
    put(sim, "arch/in.txt", b"x\n")
    lib = put(sim, "arch/lib.tar.gz", _tarball({"helper.py": b"WORD = 'from the tarball'\n"}))
    zipped = put(sim, "arch/more.zip", _zip({"inner/data.txt": b"zipped data\n"}))
    data = put(sim, "arch/table.txt", b"a table\n")
    mapper = put(sim, "arch/mapper.py", b"""\
import os, sys
import helper
sys.stdin.read()
try:
    import boto3
    site = "site-packages visible"
except ImportError:
    site = "standard library only"
print(helper.WORD)
print(open("table.txt").read().strip())
print(open("more/inner/data.txt").read().strip())
print(site)
print(os.environ["CUSTOM"])
print(sorted(os.listdir(".")))
""")
    cluster_id = run_cluster(sim, steps=[streaming(
        "cache", "-files", "%s,%s#table.txt" % (mapper, data),
        "-archives", "%s#lib,%s#more" % (lib, zipped), "-D", "mapreduce.job.reduces=0",
        "-input", "s3://%s/arch/in.txt" % BUCKET, "-output", "s3://%s/arch-out" % BUCKET,
        "-mapper", "python3 mapper.py", "-cmdenv", "PYTHONPATH=lib", "-cmdenv", "CUSTOM=yes")])
    assert sim.wait_for_cluster(cluster_id, "TERMINATED", "TERMINATED_WITH_ERRORS") == "TERMINATED"
    lines = [line.rstrip("\t") for line in get(sim, "arch-out/part-00000").decode().splitlines()]
    assert lines[:5] == ["from the tarball", "a table", "zipped data", "standard library only",
                         "yes"]
    listing = eval(lines[5])  # the task's working directory
    assert {"mapper.py", "table.txt", "lib", "more", "tmp"} <= set(listing)


def test_failing_mapper_retries_then_fails_step_with_logs(sim):
    put(sim, "bad/in.txt", b"1\n2\noops\n")
    mapper = put(sim, "bad/mapper.py", b"for line in open(0):\n    print(int(line))\n")
    cluster_id = run_cluster(sim, steps=[streaming(
        "doomed", "-files", mapper, "-D", "mapreduce.map.maxattempts=2",
        "-input", "s3://%s/bad/in.txt" % BUCKET, "-output", "s3://%s/bad-out" % BUCKET,
        "-mapper", "python3 mapper.py")])
    assert sim.wait_for_cluster(cluster_id, "TERMINATED", "TERMINATED_WITH_ERRORS") == \
        "TERMINATED_WITH_ERRORS"
    cluster = sim.client("emr").describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["Status"]["StateChangeReason"] == {"Code": "STEP_FAILURE",
                                                      "Message": "Shut down as step failed"}
    (step_id,) = step_ids(sim, cluster_id)
    status = describe_step(sim, cluster_id, step_id)["Status"]
    assert status["State"] == "FAILED"
    details = status["FailureDetails"]
    assert details["LogFile"] == "s3://%s/logs/%s/steps/%s/stderr.gz" % (
        BUCKET, cluster_id, step_id)
    assert "failed with state FAILED due to: Task failed task_" in details["Message"]
    assert details["Reason"]
    assert not keys(sim, "bad-out/")

    info = parse_step_log(log_text(sim, "logs/%s/steps/%s/syslog.gz"
                                   % (cluster_id, step_id)).splitlines())
    assert len(info.failed_attempts) == 2 and info.failure
    assert "subprocess failed with code 1" in info.attempt_errors[info.failed_attempts[0]][0]
    task_logs = {}
    for key in keys(sim, "logs/%s/containers/" % cluster_id):
        task_logs["s3://%s/%s" % (BUCKET, key)] = log_text(sim, key).splitlines()
    cause = find_probable_cause(task_logs)
    assert cause.kind == "python"
    assert cause.lines[-1].startswith("ValueError: invalid literal for int()")
    assert cause.split.uri == "s3://%s/bad/in.txt" % BUCKET
    assert cause.split.start == 0
    attempts = sim.task_attempts(cluster_id, step_id)
    assert [attempt.ok for attempt in attempts] == [False, False]
    assert find_python_traceback(attempts[0].logs["stderr"].splitlines())


def test_attempt_retried_after_failure_succeeds(sim):
    put(sim, "retry/in.txt", b"hello\n")
    mapper = put(sim, "code/flaky.py", b"""\
import os, sys
if os.environ["mapreduce_task_attempt_id"].endswith("_0"):
    sys.exit("first attempt gives up")
sys.stdout.write(sys.stdin.read())
""")
    cluster_id = run_cluster(sim, steps=[streaming(
        "flaky", "-files", mapper, "-input", "s3://%s/retry/" % BUCKET,
        "-output", "s3://%s/retry-out" % BUCKET, "-mapper", "python3 flaky.py")])
    assert sim.wait_for_cluster(cluster_id, "TERMINATED", "TERMINATED_WITH_ERRORS") == "TERMINATED"
    assert get(sim, "retry-out/part-00000") == b"hello\t\n"
    attempts = [a for a in sim.task_attempts(cluster_id) if a.is_map]
    assert [a.ok for a in attempts] == [False, True]
    numbers = [int(a.container_id.rsplit("_", 1)[1]) for a in attempts]
    assert numbers[1] > numbers[0]  # a retry runs in a newer container
    assert "first attempt gives up" in attempts[0].logs["stderr"]


def test_missing_input_and_existing_output_fail_like_hadoop(sim):
    put(sim, "exists/part-00000", b"old\n")
    put(sim, "present.txt", b"x\n")
    cluster_id = run_cluster(sim, keep_alive=True, steps=[
        streaming("no input", "-input", "s3://%s/absent" % BUCKET, "-output",
                  "s3://%s/o1" % BUCKET, "-mapper", "cat", action="CONTINUE"),
        streaming("output exists", "-input", "s3://%s/present.txt" % BUCKET, "-output",
                  "s3://%s/exists/" % BUCKET, "-mapper", "cat", action="CONTINUE")])
    first, second = step_ids(sim, cluster_id)
    sim.wait_for_step(cluster_id, second, "FAILED", "COMPLETED")
    assert sim.wait_for_cluster(cluster_id, "WAITING") == "WAITING"
    details = describe_step(sim, cluster_id, first)["Status"]["FailureDetails"]
    assert details["Message"] == ("org.apache.hadoop.mapred.InvalidInputException: "
                                  "Input path does not exist: s3://%s/absent" % BUCKET)
    stderr = log_text(sim, "logs/%s/steps/%s/stderr.gz" % (cluster_id, first))
    assert "Input path does not exist: s3://%s/absent" % BUCKET in stderr
    details = describe_step(sim, cluster_id, second)["Status"]["FailureDetails"]
    assert details["Reason"] == "Output directory already exists."
    assert "FileAlreadyExistsException: Output directory s3://%s/exists already exists" \
        % BUCKET in details["Message"]


def test_generic_option_after_streaming_option_is_refused(sim):
    put(sim, "g/in.txt", b"x\n")
    cluster_id = run_cluster(sim, steps=[streaming(
        "misordered", "-input", "s3://%s/g/" % BUCKET, "-output", "s3://%s/g-out" % BUCKET,
        "-D", "mapreduce.job.reduces=0", "-mapper", "cat")])
    sim.wait_for_cluster(cluster_id, "TERMINATED_WITH_ERRORS")
    (step_id,) = step_ids(sim, cluster_id)
    assert "Unrecognized option: -D" in describe_step(
        sim, cluster_id, step_id)["Status"]["FailureDetails"]["Message"]


# --- other jars -----------------------------------------------------------

def test_registered_jar_and_unknown_jars(sim):
    calls = []

    def copier(args, jar):
        calls.append(args)
        jar.write(args[1], jar.read(args[0]).upper())
        jar.log("copied")

    sim.register_jar("s3://emr-sim-tests/jars/copier.jar", copier)
    source = put(sim, "j/in.txt", b"shout\n")
    cluster_id = run_cluster(sim, keep_alive=True, steps=[
        jar_step("copy", "s3://emr-sim-tests/jars/copier.jar", source,
                 "s3://%s/j/out.txt" % BUCKET, action="CONTINUE"),
        jar_step("unknown jar", "/home/hadoop/mystery.jar", action="CONTINUE"),
        jar_step("unknown program", "command-runner.jar", "spark-submit", "x.py",
                 action="CONTINUE")])
    copy, mystery, spark = step_ids(sim, cluster_id)
    sim.wait_for_step(cluster_id, spark, "FAILED", "COMPLETED")
    assert describe_step(sim, cluster_id, copy)["Status"]["State"] == "COMPLETED"
    assert calls == [[source, "s3://%s/j/out.txt" % BUCKET]]
    assert get(sim, "j/out.txt") == b"SHOUT\n"
    stderr = log_text(sim, "logs/%s/steps/%s/stderr.gz" % (cluster_id, mystery))
    assert "java.lang.ClassNotFoundException: mystery" in stderr
    assert describe_step(sim, cluster_id, spark)["Status"]["State"] == "FAILED"
    assert 'Cannot run program "spark-submit"' in log_text(
        sim, "logs/%s/steps/%s/stderr.gz" % (cluster_id, spark))


# --- step scheduling ------------------------------------------------------

def _slow_jar(sim, seconds=0.3):
    sim.register_jar("slow.jar", lambda args, jar: time.sleep(seconds))


def _meeting_jar(sim, steps: int):
    """slow.jar, as a program that ends only once *steps* runs of it are
    running at the same time (a step run alone waits until the deadline,
    then fails): steps that complete ran at once, however busy the machine."""
    meeting = threading.Barrier(steps, timeout=DEADLINE)
    sim.register_jar("slow.jar", lambda args, jar: meeting.wait() and 0)  # exit status 0


def _overlaps(runs):
    return any(a.started < b.ended and b.started < a.ended
               for i, a in enumerate(runs) for b in runs[i + 1:])


@pytest.mark.parametrize("level", [1, 2])
def test_step_concurrency_level(sim, level):
    if level == 1:
        _slow_jar(sim)  # two steps run at once would overlap in time
    else:
        _meeting_jar(sim, 2)
    cluster_id = run_cluster(sim, StepConcurrencyLevel=level,
                             steps=[jar_step("s%d" % i, "slow.jar") for i in range(2)])
    assert sim.wait_for_cluster(cluster_id, "TERMINATED", "TERMINATED_WITH_ERRORS") == "TERMINATED"
    runs = sim.step_runs(cluster_id)
    assert [run.state for run in runs] == ["COMPLETED", "COMPLETED"]
    assert [run.name for run in runs] == ["s0", "s1"]
    assert _overlaps(runs) == (level == 2)


def test_modify_cluster_raises_concurrency(sim):
    _meeting_jar(sim, 3)
    cluster_id = run_cluster(sim, keep_alive=True)
    sim.wait_for_cluster(cluster_id, "WAITING")
    emr = sim.client("emr")
    assert emr.modify_cluster(ClusterId=cluster_id, StepConcurrencyLevel=3)[
        "StepConcurrencyLevel"] == 3
    emr.add_job_flow_steps(JobFlowId=cluster_id,
                           Steps=[jar_step("s%d" % i, "slow.jar") for i in range(3)])
    sim.wait_for_cluster(cluster_id, "RUNNING")
    sim.wait_for_cluster(cluster_id, "WAITING")
    runs = sim.step_runs(cluster_id)
    assert len(runs) == 3 and _overlaps(runs)


def test_action_on_failure_continue_and_cancel_and_wait(sim):
    _slow_jar(sim, 0)
    sim.fail_next_step("Injected failure")
    cluster_id = run_cluster(sim, steps=[jar_step("fails", "slow.jar", action="CONTINUE"),
                                         jar_step("runs", "slow.jar")])
    assert sim.wait_for_cluster(cluster_id, "TERMINATED", "TERMINATED_WITH_ERRORS") == "TERMINATED"
    assert [run.state for run in sim.step_runs(cluster_id)] == ["FAILED", "COMPLETED"]
    assert sim.cluster(cluster_id).reason_message == "Steps completed with errors"
    first = step_ids(sim, cluster_id)[0]
    details = describe_step(sim, cluster_id, first)["Status"]["FailureDetails"]
    assert details["Reason"] == "Injected failure"

    sim.fail_next_step("Injected again")
    cluster_id = run_cluster(sim, keep_alive=True, steps=[
        jar_step("fails", "slow.jar", action="CANCEL_AND_WAIT"), jar_step("cancelled", "slow.jar"),
        jar_step("also cancelled", "slow.jar")])
    sim.wait_for_step(cluster_id, step_ids(sim, cluster_id)[0], "FAILED")
    assert sim.wait_for_cluster(cluster_id, "WAITING") == "WAITING"
    states = [state for _, _, state in sim.cluster(cluster_id).steps]
    assert states == ["FAILED", "CANCELLED", "CANCELLED"]


def test_no_log_uri_no_logs(sim):
    _slow_jar(sim, 0)
    sim.fail_next_step("no logs for this one")
    cluster_id = run_cluster(sim, LogUri=None, steps=[jar_step("fails", "slow.jar")])
    sim.wait_for_cluster(cluster_id, "TERMINATED_WITH_ERRORS")
    (step_id,) = step_ids(sim, cluster_id)
    details = describe_step(sim, cluster_id, step_id)["Status"]["FailureDetails"]
    assert details == {"Reason": "no logs for this one", "Message": "no logs for this one"}
    assert "LogUri" not in sim.client("emr").describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert keys(sim, "") == []


def test_terminate_cluster_on_failure_cancels_remaining_steps(sim):
    _slow_jar(sim, 0)
    sim.fail_next_step()
    cluster_id = run_cluster(sim, steps=[jar_step("fails", "slow.jar"),
                                         jar_step("never", "slow.jar")])
    sim.wait_for_cluster(cluster_id, "TERMINATED_WITH_ERRORS")
    assert [state for _, _, state in sim.cluster(cluster_id).steps] == ["FAILED", "CANCELLED"]
    assert len(sim.step_runs(cluster_id)) == 1


def test_cancel_steps(sim):
    # the running step holds until the pending one is cancelled
    release = threading.Event()
    sim.register_jar("wait.jar", lambda args, jar: release.wait(120) and None)
    cluster_id = run_cluster(sim, keep_alive=True, steps=[
        jar_step("running", "wait.jar", action="CONTINUE"),
        jar_step("pending", "wait.jar", action="CONTINUE")])
    running, pending = step_ids(sim, cluster_id)
    sim.wait_for_step(cluster_id, running, "RUNNING")
    answer = sim.client("emr").cancel_steps(ClusterId=cluster_id,
                                            StepIds=[pending, "s-NOSUCHSTEP"])
    assert [(info["StepId"], info["Status"]) for info in answer["CancelStepsInfoList"]] == [
        (pending, "SUBMITTED"), ("s-NOSUCHSTEP", "FAILED")]
    assert describe_step(sim, cluster_id, pending)["Status"]["State"] == "CANCELLED"
    release.set()
    assert sim.wait_for_step(cluster_id, running, "COMPLETED", "FAILED") == "COMPLETED"
    assert [run.step_id for run in sim.step_runs(cluster_id)] == [running]


SLEEPER = b"""\
import os, time
with open(os.environ["PIDFILE"], "w") as out:
    out.write(str(os.getpid()))
time.sleep(600)
"""


def _sleeping_step(sim, pidfile, action="TERMINATE_CLUSTER"):
    put(sim, "slow/in.txt", b"x\n")
    mapper = put(sim, "code/sleeper.py", SLEEPER)
    return streaming("sleeps", "-files", mapper, "-input", "s3://%s/slow/in.txt" % BUCKET,
                     "-output", "s3://%s/slow-out" % BUCKET, "-mapper", "python3 sleeper.py",
                     "-cmdenv", "PIDFILE=%s" % pidfile, action=action)


def _task_pid(pidfile):
    wait_for(lambda: pidfile.exists() and pidfile.read_text(), what="the mapper to start")
    return int(pidfile.read_text())


def _gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_terminate_job_flows_during_a_step_kills_tasks(sim, tmp_path):
    pidfile = tmp_path / "pid"
    cluster_id = run_cluster(sim, steps=[_sleeping_step(sim, pidfile),
                                         jar_step("after", "slow.jar")])
    pid = _task_pid(pidfile)
    sim.client("emr").terminate_job_flows(JobFlowIds=[cluster_id])
    # the task sleeps for 600 s: a cluster ended before that killed it
    assert sim.wait_for_cluster(cluster_id, "TERMINATED", "TERMINATED_WITH_ERRORS",
                                timeout=120) == "TERMINATED"
    assert _gone(pid)
    assert sim.cluster(cluster_id).reason_code == "USER_REQUEST"
    assert sim.cluster(cluster_id).reason_message == "Terminated by user request"
    assert [state for _, _, state in sim.cluster(cluster_id).steps] == ["CANCELLED", "CANCELLED"]
    with pytest.raises(ClientError, match="may not be modified"):
        sim.client("emr").add_job_flow_steps(JobFlowId=cluster_id,
                                             Steps=[jar_step("late", "slow.jar")])


def test_cancel_running_step_kills_its_tasks_and_cluster_goes_on(sim, tmp_path):
    _slow_jar(sim, 0)
    pidfile = tmp_path / "pid"
    cluster_id = run_cluster(sim, keep_alive=True, steps=[
        _sleeping_step(sim, pidfile), jar_step("next", "slow.jar")])
    running, following = step_ids(sim, cluster_id)
    pid = _task_pid(pidfile)
    answer = sim.client("emr").cancel_steps(ClusterId=cluster_id, StepIds=[running],
                                            StepCancellationOption="TERMINATE_PROCESS")
    assert answer["CancelStepsInfoList"][0]["Status"] == "SUBMITTED"
    assert sim.wait_for_step(cluster_id, running, "CANCELLED", "FAILED") == "CANCELLED"
    assert sim.wait_for_step(cluster_id, following, "COMPLETED") == "COMPLETED"
    assert sim.wait_for_cluster(cluster_id, "WAITING") == "WAITING"
    assert _gone(pid)


# --- idle time ------------------------------------------------------------

def test_auto_termination_after_advancing_the_clock(sim):
    emr = sim.client("emr")
    cluster_id = run_cluster(sim, keep_alive=True, AutoTerminationPolicy={"IdleTimeout": 600})
    sim.wait_for_cluster(cluster_id, "WAITING")
    assert emr.get_auto_termination_policy(ClusterId=cluster_id)["AutoTerminationPolicy"] == {
        "IdleTimeout": 600}
    created = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["Timeline"][
        "CreationDateTime"]
    before = sim.clock
    sim.advance(590)
    assert sim.clock - before >= 590
    assert sim.cluster(cluster_id).state == "WAITING"
    moved = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["Timeline"][
        "CreationDateTime"]
    assert 589 < (created - moved).total_seconds() < 592  # ages seen by clients grew
    sim.advance(20)
    assert sim.cluster(cluster_id).state == "TERMINATED"
    status = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
    assert (status["StateChangeReason"]["Code"],
            status["StateChangeReason"]["Message"]) == IDLE_TIMEOUT_REASON


def test_auto_termination_policy_api(sim):
    emr = sim.client("emr")
    cluster_id = run_cluster(sim, keep_alive=True)
    assert "AutoTerminationPolicy" not in emr.get_auto_termination_policy(ClusterId=cluster_id)
    emr.put_auto_termination_policy(ClusterId=cluster_id,
                                    AutoTerminationPolicy={"IdleTimeout": 3600})
    assert emr.get_auto_termination_policy(ClusterId=cluster_id)["AutoTerminationPolicy"] == {
        "IdleTimeout": 3600}
    with pytest.raises(ClientError, match="IdleTimeout"):
        emr.put_auto_termination_policy(ClusterId=cluster_id,
                                        AutoTerminationPolicy={"IdleTimeout": 10})
    emr.remove_auto_termination_policy(ClusterId=cluster_id)
    sim.wait_for_cluster(cluster_id, "WAITING")
    sim.advance(7200)
    assert sim.cluster(cluster_id).state == "WAITING"


# --- instances and applications --------------------------------------------

def test_instance_groups_fleets_and_simple_form(sim):
    emr = sim.client("emr")
    simple = run_cluster(sim, keep_alive=True, Applications=[{"Name": "Hadoop"},
                                                             {"Name": "Spark"}])
    groups = run_cluster(sim, keep_alive=True, Instances={
        "KeepJobFlowAliveWhenNoSteps": True, "InstanceGroups": [
            {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
            {"InstanceRole": "CORE", "InstanceType": "m5.2xlarge", "InstanceCount": 2},
            {"InstanceRole": "TASK", "InstanceType": "m5.xlarge", "InstanceCount": 1,
             "Market": "SPOT"}]})
    fleets = run_cluster(sim, keep_alive=True, Instances={
        "KeepJobFlowAliveWhenNoSteps": True, "InstanceFleets": [
            {"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1,
             "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]},
            {"InstanceFleetType": "CORE", "TargetSpotCapacity": 2,
             "InstanceTypeConfigs": [{"InstanceType": "r5.xlarge", "WeightedCapacity": 1}]}]})

    apps = emr.describe_cluster(ClusterId=simple)["Cluster"]["Applications"]
    assert [(app["Name"], app["Version"]) for app in apps] == [("Hadoop", "3.3.6"),
                                                               ("Spark", "3.5.0")]
    assert len(emr.list_instances(ClusterId=simple)["Instances"]) == 2
    assert {g["InstanceGroupType"] for g in
            emr.list_instance_groups(ClusterId=simple)["InstanceGroups"]} == {"MASTER", "CORE"}

    listed = emr.list_instances(ClusterId=groups)["Instances"]
    assert len(listed) == 4 and all(i["Ec2InstanceId"].startswith("i-") for i in listed)
    assert len(emr.list_instances(ClusterId=groups, InstanceGroupTypes=["CORE"])["Instances"]) == 2

    cluster = emr.describe_cluster(ClusterId=fleets)["Cluster"]
    assert cluster["InstanceCollectionType"] == "INSTANCE_FLEET"
    listed_fleets = emr.list_instance_fleets(ClusterId=fleets)["InstanceFleets"]
    assert [(f["InstanceFleetType"], f["TargetSpotCapacity"]) for f in listed_fleets] == [
        ("MASTER", 0), ("CORE", 2)]
    core = listed_fleets[1]["Id"]
    assert len(emr.list_instances(ClusterId=fleets, InstanceFleetId=core)["Instances"]) == 2

    for cluster_id, count in ((simple, 2), (groups, 4), (fleets, 3)):
        sim.wait_for_cluster(cluster_id, "WAITING")
        nodes = sim.cluster(cluster_id).nodes
        assert len(nodes) == count and nodes[0][1] == "MASTER"
        assert all(os.path.isdir(root) for _, _, root in nodes)
    states = {i["Status"]["State"] for i in emr.list_instances(ClusterId=groups)["Instances"]}
    assert states == {"RUNNING"}


def test_requests_are_recorded_field_by_field(sim):
    cluster_id = run_cluster(sim, keep_alive=True, Tags=[{"Key": "team", "Value": "data"}])
    (request,) = sim.requests("RunJobFlow")
    assert request["Instances"]["InstanceCount"] == 2
    assert request["Tags"] == [{"Key": "team", "Value": "data"}]
    assert request["LogUri"] == LOGS
    sim.client("emr").describe_cluster(ClusterId=cluster_id)
    assert sim.requests("DescribeCluster") == [{"ClusterId": cluster_id}]
    assert sim.requests("CreateRole", service="iam")[0]["RoleName"] == "EMR_DefaultRole"
    assert sim.requests("CreateBucket")[0]["Bucket"] == BUCKET


# --- faults ---------------------------------------------------------------

def test_throttled_emr_calls(sim):
    cluster_id = run_cluster(sim, keep_alive=True)
    sim.throttle("DescribeCluster", times=1)
    hasty = boto3.client("emr", config=Config(retries={"total_max_attempts": 1,
                                                        "mode": "standard"}))
    retried = boto3.client("emr", config=Config(retries={"max_attempts": 5,
                                                          "mode": "standard"}))
    assert retried.describe_cluster(ClusterId=cluster_id)["Cluster"]["Id"] == cluster_id
    assert len(sim.requests("DescribeCluster")) == 2
    sim.throttle("ListSteps")
    with pytest.raises(ClientError) as raised:
        hasty.list_steps(ClusterId=cluster_id)
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    assert raised.value.response["Error"]["Message"] == "Rate exceeded"
    assert hasty.list_steps(ClusterId=cluster_id)["Steps"] == []


def test_s3_faults(sim):
    s3 = boto3.client("s3", config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    put(sim, "guarded/key.txt", b"data")
    sim.fail_s3("s3://%s/guarded/" % BUCKET, times=1, code="AccessDenied")
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket=BUCKET, Key="guarded/key.txt")
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    assert s3.get_object(Bucket=BUCKET, Key="guarded/key.txt")["Body"].read() == b"data"

    sim.fail_s3("guarded/", times=1, code="InternalError")
    with pytest.raises(ClientError) as raised:
        s3.list_objects_v2(Bucket=BUCKET, Prefix="guarded/")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500

    sim.throttle("PutObject", times=1, service="s3")
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket=BUCKET, Key="other.txt", Body=b"x")
    assert raised.value.response["Error"]["Code"] == "SlowDown"
    s3.put_object(Bucket=BUCKET, Key="other.txt", Body=b"x")  # only once


@pytest.mark.parametrize("code, state, reason, step_state", [
    ("SPOT_INSTANCE_TERMINATION", "TERMINATED_WITH_ERRORS", "INSTANCE_FAILURE", "INTERRUPTED"),
    ("USER_REQUEST", "TERMINATED", "USER_REQUEST", "CANCELLED")])
def test_terminate_during_step(sim, code, state, reason, step_state):
    sim.register_jar("long.jar", lambda args, jar: time.sleep(0.5))
    sim.terminate_during_step(reason_code=code, after_seconds=0.05)
    cluster_id = run_cluster(sim, steps=[jar_step("long", "long.jar")])
    assert sim.wait_for_cluster(cluster_id, "TERMINATED", "TERMINATED_WITH_ERRORS") == state
    snapshot = sim.cluster(cluster_id)
    assert snapshot.reason_code == reason
    assert snapshot.steps[0][2] == step_state


@pytest.mark.sim
@pytest.mark.slow
def test_standalone_server_prints_endpoint():
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.Popen([sys.executable, "-m", "tests.emr_sim", "--no-roles"],
                            stdout=subprocess.PIPE, text=True, env=env,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        first = proc.stdout.readline()
        assert first.startswith("simulated EMR listening at http://127.0.0.1:")
        endpoint = first.split()[-1]
        exports = []
        for line in iter(proc.stdout.readline, ""):
            if line.startswith("Ctrl-C"):
                break
            exports.append(line.strip())
        assert "export AWS_ENDPOINT_URL=%s" % endpoint in exports
        assert "unset AWS_PROFILE" in exports
    finally:
        proc.terminate()
        proc.wait(10)
