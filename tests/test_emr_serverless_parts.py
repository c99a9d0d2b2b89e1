"""The EMR Serverless runner's pure parts, without AWS: the job run
request, the plan's sources, Spark steps as job runs, and the checks made
before any request."""

from __future__ import annotations

import shlex

import pytest

from streamr.errors import UsageError
from streamr.runners.emr_serverless.driver import job_file_sources, resolve_sources
from streamr.runners.emr_serverless.job_run import SparkSubmit
from streamr.runners.emr_serverless.spark_steps import spark_step_submit
from tests.support.jobs import EXAMPLES

ROLE = "arn:aws:iam::123456789012:role/StreamrJobRuns"


def test_job_run_request_is_spark_submit_with_quoted_parameters():
    submit = SparkSubmit(entry_point="s3://b/driver.py", arguments=["s3://b/plan", 3],
                         py_files=["s3://b/streamr.zip"], files=["s3://b/a.txt#a"],
                         archives=["s3://b/d.tar.gz#d"],
                         conf={"spark.executorEnv.GREETING": "hello there"},
                         spark_args=["--conf", "spark.executor.memory=4g"])
    request = submit.request()["sparkSubmit"]
    assert request["entryPoint"] == "s3://b/driver.py"
    assert request["entryPointArguments"] == ["s3://b/plan", "3"]
    assert shlex.split(request["sparkSubmitParameters"]) == [
        "--py-files", "s3://b/streamr.zip", "--files", "s3://b/a.txt#a",
        "--archives", "s3://b/d.tar.gz#d", "--conf", "spark.executorEnv.GREETING=hello there",
        "--conf", "spark.executor.memory=4g"]


def test_job_run_without_parameters_sends_none():
    assert SparkSubmit("s3://b/x.py", []).request() == {
        "sparkSubmit": {"entryPoint": "s3://b/x.py", "entryPointArguments": []}}


def test_job_files_become_local_copies_and_inputs_stay_uris_for_spark():
    plan = {"script": "@0", "working_dir": [["file", "@1", "words.txt"]],
            "inputs": [["@2", "s3://in/a.txt"], ["@3", "<stdin>"]], "other": "@9"}
    sources = ["s3://b/job.py", "s3://b/words.txt", "s3://in/a.txt", "s3://b/stdin-1"]
    assert job_file_sources(plan) == [0, 1]  # only these are copied to the driver
    local = {0: "/w/0/job.py", 1: "/w/1/words.txt"}
    resolved = resolve_sources(plan, local, sources)
    assert resolved["script"] == "/w/0/job.py"
    assert resolved["working_dir"] == [["file", "/w/1/words.txt", "words.txt"]]
    # the executors read the inputs themselves, through Spark's Hadoop input
    assert resolved["input_uris"] == ["s3://in/a.txt", "s3://b/stdin-1"]
    assert resolved["inputs"] == []
    assert resolved["other"] == "@9"  # only the fields that name sources
    assert plan["script"] == "@0"  # the plan itself is left as it was


def test_spark_step_is_the_job_script_with_its_input_and_output():
    desc = {"type": "spark", "jobconf": {"mapreduce.job.reduces": 3, "spark.x": "y"},
            "spark_args": ["--conf", "spark.step=1"]}
    submit = spark_step_submit(
        desc, 1, opts={"cmdenv": {"TZ": "UTC"}}, script_uri="s3://b/job.py", app_uri=None,
        inputs=["s3://in/a", "s3://in/b"], output="s3://out/step-1/", generic_args=["--x"],
        files=["s3://b/f#f"], archives=[], streamr_zip="s3://b/streamr.zip",
        jobconf=desc["jobconf"])
    assert submit.entry_point == "s3://b/job.py"
    assert submit.arguments == ["--step-num=1", "--spark", "--x", "s3://in/a,s3://in/b",
                                "s3://out/step-1/"]
    assert submit.py_files == ["s3://b/streamr.zip"]
    assert submit.files == ["s3://b/f#f"]
    assert submit.conf["spark.hadoop.mapreduce.job.reduces"] == "3"
    assert submit.conf["spark.x"] == "y"
    assert submit.conf["spark.executorEnv.TZ"] == "UTC"
    assert submit.conf["spark.emr-serverless.driverEnv.TZ"] == "UTC"
    assert submit.conf["spark.emr-serverless.driverEnv.PYSPARK_PYTHON"] == "python3"
    assert submit.spark_args == ["--conf", "spark.step=1"]


def test_jar_step_runs_its_uploaded_jar_and_main_class_without_streamr():
    desc = {"type": "spark_jar", "jar": "/here/app.jar", "main_class": "org.Main",
            "args": ["<input>", "<output>"], "spark_args": []}
    submit = spark_step_submit(
        desc, 0, opts={}, script_uri="s3://b/job.py", app_uri="s3://b/files/1/app.jar",
        inputs=["s3://in/a"], output="s3://out/", generic_args=[], files=[], archives=[],
        streamr_zip="s3://b/streamr.zip", jobconf={})
    assert submit.entry_point == "s3://b/files/1/app.jar"
    assert submit.py_files == []
    assert submit.spark_args[:2] == ["--class", "org.Main"]


def _runner(*args):
    from streamr.runners.emr_serverless.runner import EMRServerlessRunner

    return EMRServerlessRunner(
        mr_job_script=str(EXAMPLES / "mr_word_freq_count.py"),
        steps=[{"type": "streaming", "mapper": {"type": "script"}}],
        input_paths=["-"], conf_paths=[], **dict(args))


@pytest.mark.parametrize(("opts", "message"), [
    ({}, "needs emr_serverless_role"),
    ({"emr_serverless_role": "JobRole"}, "must be an IAM role ARN"),
    ({"emr_serverless_role": "arn:aws:iam::12345:role/x"}, "must be an IAM role ARN"),
])
def test_role_is_checked_before_any_request(opts, message):
    runner = _runner(*opts.items())
    with pytest.raises(UsageError, match=message):
        runner._check_options()
    assert runner._connection is None  # nothing reached AWS


def test_a_good_role_passes():
    _runner(("emr_serverless_role", ROLE))._check_options()


# --- a failed job run's logs, where EMR Serverless writes them ------------------------------

TRACEBACK = ['Traceback (most recent call last):',
             '  File "/tmp/streamr-1/sources/0/mr_boom.py", line 7, in mapper',
             '    raise ZeroDivisionError("boom")',
             'ZeroDivisionError: boom']


def _write_log(root, where: str, lines: list) -> None:
    import gzip
    import os

    path = os.path.join(str(root), "applications", "app1", "jobs", "run1", where)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(gzip.compress("\n".join(lines).encode() + b"\n"))


def _cause(root, ran: bool = True):
    from streamr.fs import make_filesystem
    from streamr.runners.emr_serverless.logs import JobRunLogs

    return JobRunLogs(make_filesystem({}), str(root), "app1", "run1", 0.01).probable_cause(ran)


def test_driver_output_gives_the_failure_line_and_the_traceback(tmp_path):
    from streamr.runners.spark.submit import FAILURE_MARKER

    _write_log(tmp_path, "SPARK_DRIVER/stdout.gz", TRACEBACK + [
        FAILURE_MARKER + '{"reason": "mapper task 1 failed", "step_num": 0, "num_steps": 1}'])
    _write_log(tmp_path, "SPARK_DRIVER/stderr.gz", ["26/11/29 17:59:14 INFO Spark: stopped"])
    said, traceback = _cause(tmp_path)
    assert said["reason"] == "mapper task 1 failed"
    assert traceback == "\n".join(TRACEBACK)


def test_executor_logs_are_read_when_the_driver_has_no_traceback(tmp_path):
    _write_log(tmp_path, "SPARK_DRIVER/stdout.gz", ["nothing useful"])
    _write_log(tmp_path, "SPARK_DRIVER/stderr.gz", ["26/11/29 ERROR Job aborted"])
    _write_log(tmp_path, "SPARK_EXECUTOR/2/stderr.gz", ["26/11/29 INFO start"] + TRACEBACK)
    said, traceback = _cause(tmp_path)
    assert said == {}
    assert traceback.endswith("ZeroDivisionError: boom")


def test_a_job_run_that_never_ran_has_no_cause_and_is_not_waited_for(tmp_path):
    assert _cause(tmp_path, ran=False) == ({}, None)
