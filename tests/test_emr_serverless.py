"""The EMR Serverless runner against moto's ``emr-serverless`` over HTTP,
with the simulator (:mod:`tests.emr_sim.serverless`) running each job run
on pyspark with a local master and writing its logs where EMR Serverless
writes them. Jobs run as a user runs them, in a subprocess."""

from __future__ import annotations

import ast
import re
import signal
import textwrap

import pytest

from tests.support.jobs import FAST, start_job
from tests.support.mrjob_examples import run_example, streamr_copy
from tests.support.waiting import wait_for, wait_for_line

pytestmark = [pytest.mark.slow, pytest.mark.sim]

ROLE_NAME = "StreamrJobRunRole"
TEXT = b"".join(b"the quick %s fox jumps over the %s dog\n" % (
    b"brown" if i % 3 else b"red", b"lazy" if i % 2 else b"sleepy") for i in range(400))
_TRUST = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal":'
          ' {"Service": "emr-serverless.amazonaws.com"}, "Action": "sts:AssumeRole"}]}')


@pytest.fixture()
def serverless(sim, moto_server):
    """The simulated EMR (buckets, AWS_ENDPOINT_URL for jobs) with EMR
    Serverless running job runs, and the job runs' execution role."""
    from tests.emr_sim.serverless import SimulatedServerless

    role = sim.client("iam").create_role(RoleName=ROLE_NAME,
                                         AssumeRolePolicyDocument=_TRUST)["Role"]["Arn"]
    with SimulatedServerless(moto_server.endpoint) as simulated:
        simulated.role = role
        simulated.client = sim.client("emr-serverless")
        yield simulated


def _args(serverless, *more) -> list:
    return [*FAST, "--emr-serverless-role", serverless.role,
            "--cloud-tmp-dir", "s3://out-bucket/tmp/", *more]


def _applications(serverless) -> dict:
    return {app["name"]: app["state"] for app in
            serverless.client.list_applications()["applications"]}


def _last_run():
    """The newest run in the test run's history (the conftest's database)."""
    from streamr.history.reading import open_history

    return open_history().list_runs(runner="emr-serverless", limit=1)[0]


def _examples(tmp_path):
    (tmp_path / "examples").mkdir()
    return streamr_copy(tmp_path / "examples")


def _script(tmp_path, name: str, body: str):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def test_word_count_gives_local_output_and_removes_its_application(serverless, tmp_path):
    examples = _examples(tmp_path)
    (tmp_path / "input.txt").write_bytes(TEXT)
    script = examples / "mr_word_freq_count.py"
    local = run_example(script, "local", ["input.txt"], tmp_path, tmp_path / "local")
    assert local.returncode == 0, local.stderr.decode()
    remote = run_example(script, "emr-serverless", _args(serverless, "input.txt"), tmp_path,
                         tmp_path / "serverless")
    err = remote.stderr.decode()
    assert remote.returncode == 0, err
    assert remote.parts == local.parts
    assert b"\"quick\"\t400" in b"".join(remote.parts)
    assert "created application" in err
    assert "SUCCESS" in err
    # the run history knows where the job run ran and where its logs are
    record = _last_run()
    assert record.runner == "emr-serverless" and record.state == "succeeded"
    assert record.log_uri == "s3://out-bucket/tmp/logs/"
    assert len(record.extra["emr_serverless_job_runs"]) == 1
    # the application made for the run is stopped and deleted
    states = _applications(serverless)
    assert len(states) == 1 and list(states.values()) == ["TERMINATED"], states


def test_two_steps_with_a_file_argument_give_local_output(serverless, tmp_path):
    examples = _examples(tmp_path)
    (tmp_path / "input.txt").write_bytes(TEXT)
    (tmp_path / "stop.txt").write_text("the\nover\nquick\n")
    script = examples / "mr_most_used_word.py"
    args = ["--stop-words-file", "stop.txt", "input.txt"]
    local = run_example(script, "local", args, tmp_path, tmp_path / "local")
    assert local.returncode == 0, local.stderr.decode()
    remote = run_example(script, "emr-serverless", _args(serverless, *args), tmp_path,
                         tmp_path / "serverless")
    assert remote.returncode == 0, remote.stderr.decode()
    assert remote.parts == local.parts
    assert b"".join(remote.parts) == b'"jumps"\n'  # "the", "over" and "quick" are stopped


def test_failing_mapper_shows_its_traceback_on_a_named_application(serverless, tmp_path):
    made = serverless.client.create_application(name="team-spark", releaseLabel="emr-7.14.0",
                                                type="SPARK")
    script = _script(tmp_path, "mr_boom.py", """\
        from streamr.job import MRJob


        class MRBoom(MRJob):
            def mapper(self, _, line):
                if "boom" in line:
                    raise ZeroDivisionError("boom line seen")
                yield line, 1


        if __name__ == "__main__":
            MRBoom.run()
        """)
    (tmp_path / "input.txt").write_bytes(b"fine\nboom here\nfine\n")
    out = run_example(script, "emr-serverless", _args(
        serverless, "--emr-serverless-application", "team-spark", "input.txt"), tmp_path,
        tmp_path / "out")
    err = out.stderr.decode()
    assert out.returncode == 1, err
    assert "ZeroDivisionError: boom line seen" in err
    assert 'mr_boom.py", line 7, in mapper' in err
    assert "Traceback (most recent call last)" in err
    assert "streamr/runners" not in err  # the job's traceback, not streamr's
    # executors read the input themselves, through Spark's Hadoop input: the line names
    # the copy of input.txt they read and the line in it
    last = err.rstrip().splitlines()[-1]
    assert re.match(r"Step 1 of 1 failed: mapper task \d+ reading \S+/input\.txt line 2 failed",
                    last), last
    # the application was found by name, started, and is left running
    assert "using application %s (team-spark)" % made["applicationId"] in err
    assert _applications(serverless) == {"team-spark": "STARTED"}
    runs = serverless.client.list_job_runs(applicationId=made["applicationId"])["jobRuns"]
    assert [run["state"] for run in runs] == ["FAILED"]


def _one_line_error(out) -> str:
    lines = out.stderr.decode().strip().splitlines()
    assert "Traceback" not in out.stderr.decode(), out.stderr.decode()
    return lines[-1]


def test_unknown_application_is_one_line(serverless, tmp_path):
    (tmp_path / "input.txt").write_bytes(b"a\n")
    script = _examples(tmp_path) / "mr_word_freq_count.py"
    out = run_example(script, "emr-serverless", _args(
        serverless, "--emr-serverless-application", "no-such-app", "input.txt"), tmp_path,
        tmp_path / "out")
    assert out.returncode == 2
    assert "no EMR Serverless application 'no-such-app'" in _one_line_error(out)


def test_role_that_is_not_an_arn_is_one_line_before_any_request(serverless, tmp_path):
    (tmp_path / "input.txt").write_bytes(b"a\n")
    script = _examples(tmp_path) / "mr_word_freq_count.py"
    out = run_example(script, "emr-serverless", [*FAST, "--emr-serverless-role", "JobRole",
                                                 "input.txt"], tmp_path, tmp_path / "out")
    assert out.returncode == 2
    assert "emr_serverless_role must be an IAM role ARN" in _one_line_error(out)
    assert _applications(serverless) == {}


def test_role_job_runs_cannot_use_fails_in_one_line(serverless, tmp_path):
    (tmp_path / "input.txt").write_bytes(b"a\n")
    script = _examples(tmp_path) / "mr_word_freq_count.py"
    missing = serverless.role.replace(ROLE_NAME, "NoSuchRole")
    out = run_example(script, "emr-serverless", [
        *FAST, "--emr-serverless-role", missing, "--cloud-tmp-dir", "s3://out-bucket/tmp/",
        "input.txt"], tmp_path, tmp_path / "out")
    assert out.returncode == 1
    last = _one_line_error(out)
    assert "failed" in last and missing in last
    # the application made for the run is removed all the same
    assert list(_applications(serverless).values()) == ["TERMINATED"]


def test_ctrl_c_cancels_the_job_run(serverless, tmp_path):
    script = _script(tmp_path, "mr_hang.py", """\
        import time

        from streamr.job import MRJob


        class MRHang(MRJob):
            def mapper(self, _, line):
                time.sleep(3600)  # a task that never finishes on its own
                yield line, 1


        if __name__ == "__main__":
            MRHang.run()
        """)
    (tmp_path / "input.txt").write_bytes(b"a\n")
    log_file = tmp_path / "job.log"
    proc = start_job(script, "-r", "emr-serverless", *_args(serverless, "-v"),
                     str(tmp_path / "input.txt"), log_file=log_file)
    try:
        wait_for_line(log_file, r"job run \w+: RUNNING", proc=proc)
        wait_for(lambda: serverless.processes, what="the job run's program to start")
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    log = log_file.read_text()
    assert proc.returncode == 130, log
    assert "cancelled job run" in log
    app_id = next(iter(serverless.client.list_applications()["applications"]))["id"]
    runs = serverless.client.list_job_runs(applicationId=app_id)["jobRuns"]
    assert [run["state"] for run in runs] == ["CANCELLED"]
    assert serverless.processes == {}
    # the application made for the run is removed all the same
    assert list(_applications(serverless).values()) == ["TERMINATED"]


def test_spark_step_reads_and_writes_s3(serverless, sim, tmp_path):
    examples = _examples(tmp_path)
    half = TEXT.index(b"\n", len(TEXT) // 2) + 1
    sim.s3.put_object(Bucket="in-bucket", Key="words/part-1.txt", Body=TEXT[:half])
    sim.s3.put_object(Bucket="in-bucket", Key="words/part-2.txt", Body=TEXT[half:])
    out = run_example(examples / "mr_spark_wordcount.py", "emr-serverless", _args(
        serverless, "s3://in-bucket/words/", "-o", "s3://out-bucket/counts/"), tmp_path,
        tmp_path / "out")
    err = out.stderr.decode()
    assert out.returncode == 0, err
    parts = [obj for obj in serverless.s3.list("s3://out-bucket/counts/")
             if obj.key.rsplit("/", 1)[-1].startswith("part-")]
    assert parts
    lines = [line for obj in parts for line in serverless.s3.get(obj.uri).decode().splitlines()]
    counted = dict(ast.literal_eval(line) for line in lines)
    assert counted == {"the": 800, "quick": 400, "brown": 266, "red": 134, "fox": 400,
                       "jumps": 400, "over": 400, "lazy": 200, "sleepy": 200, "dog": 400}
