"""Submitting to Spark without starting it: the ``spark-submit`` command
line, finding the program and Java, the packaged streamr, reading a failed
program's output, and the one-line errors a run ends with when pyspark,
Java or the master is missing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import zipfile

import pytest

from streamr.errors import StepFailedException, UsageError
from streamr.runners.spark import submit
from streamr.runners.spark.submit import (
    FAILURE_MARKER,
    check_java,
    failure_from_output,
    find_spark_submit,
    run_spark_submit,
    spark_submit_argv,
    zip_streamr,
)
from tests.support.jobs import EXAMPLES, ROOT

WORD_COUNT = str(EXAMPLES / "mr_word_freq_count.py")
TALES = str(EXAMPLES / "data" / "river-tales.txt")


def test_the_command_line_in_spark_submits_order():
    argv = spark_submit_argv(
        {"spark_submit_bin": "/opt/spark/bin/spark-submit", "spark_master": "yarn",
         "spark_deploy_mode": "cluster", "spark_args": ["--executor-memory", "2g"]},
        app="job.py", app_args=["--step-num=0", 7], py_files=["a.zip", "b.py"],
        files=["data.txt#d"], archives=["env.tar.gz#env"],
        jobconf={"spark.executor.cores": "2", "mapreduce.job.reduces": "5", "gone": None},
        extra_spark_args=["--num-executors", "3"])
    assert argv == [
        "/opt/spark/bin/spark-submit", "--master", "yarn", "--deploy-mode", "cluster",
        "--conf", "spark.executor.cores=2", "--conf", "spark.hadoop.mapreduce.job.reduces=5",
        "--py-files", "a.zip,b.py", "--files", "data.txt#d", "--archives", "env.tar.gz#env",
        "--executor-memory", "2g", "--num-executors", "3", "job.py", "--step-num=0", "7"]


def test_a_jar_gets_its_main_class_and_the_master_defaults_to_local():
    argv = spark_submit_argv({"spark_submit_bin": "spark-submit"}, app="app.jar",
                             app_args=["in", "out"], main_class="org.example.Main")
    assert argv == ["spark-submit", "--master", "local[*]", "--class", "org.example.Main",
                    "app.jar", "in", "out"]


def test_spark_submit_is_the_option_then_pyspark_s_own():
    assert find_spark_submit({"spark_submit_bin": "/x/spark-submit"}) == "/x/spark-submit"
    bundled = find_spark_submit({})
    assert bundled.endswith(os.path.join("pyspark", "bin", "spark-submit"))
    assert os.access(bundled, os.X_OK)


def test_no_spark_at_all_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setattr(submit, "pyspark_home", lambda: None)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UsageError, match=r"pip install 'streamr\[spark\]'") as error:
        find_spark_submit({})
    assert error.value.exit_status == 2 and "\n" not in str(error.value)


def test_java_is_found_or_refused_in_one_line(monkeypatch, tmp_path):
    check_java()  # this machine has one
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UsageError, match="Spark needs Java") as error:
        check_java()
    assert "\n" not in str(error.value)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(UsageError, match=r"JAVA_HOME \(.*\) has no bin/java"):
        check_java()


def test_streamr_is_zipped_once_per_directory(tmp_path):
    path = zip_streamr(str(tmp_path))
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert "streamr/__init__.py" in names
    assert "streamr/runners/spark/harness.py" in names
    assert not any("__pycache__" in name for name in names)
    before = os.stat(path).st_mtime_ns
    assert zip_streamr(str(tmp_path)) == path
    assert os.stat(path).st_mtime_ns == before


WALL = """\
26/01/01 10:00:00 ERROR Executor: Exception in task 0.0 in stage 0.0 (TID 0)
org.apache.spark.api.python.PythonException: Traceback (most recent call last):
  File "/spark/python/pyspark/worker.py", line 1, in main
    process()
  File "/home/me/job.py", line 12, in mapper
    1 / 0
ZeroDivisionError: division by zero
\tat org.apache.spark.api.python.BasePythonRunner.handlePythonException(X.scala:1)
Traceback (most recent call last):
  File "/spark/python/pyspark/sql/utils.py", line 2, in deco
    return f(*a, **kw)
py4j.protocol.Py4JJavaError: An error occurred while calling o1.collect.
"""


def test_the_users_traceback_is_found_inside_sparks_wall():
    said, found = failure_from_output(WALL.splitlines())
    assert said == {}
    assert found.splitlines()[0] == "Traceback (most recent call last):"
    assert 'File "/home/me/job.py", line 12, in mapper' in found
    assert found.splitlines()[-1] == "ZeroDivisionError: division by zero"
    assert "pyspark" not in found


def _program(tmp_path, body: str) -> list:
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(body))
    return [sys.executable, str(script)]


def test_a_failed_program_raises_with_its_cause(tmp_path):
    argv = _program(tmp_path, """\
        import json, sys
        print("INFO starting", file=sys.stderr)
        print("Traceback (most recent call last):\\n  File \\"job.py\\", line 3, in m\\n"
              "ValueError: bad", file=sys.stderr)
        print(%r + json.dumps({"reason": "mapper task 2 failed", "step_num": 1,
              "num_steps": 3}), file=sys.stderr)
        sys.exit(1)
        """ % FAILURE_MARKER)
    with pytest.raises(StepFailedException) as failed:
        run_spark_submit(argv)
    assert str(failed.value) == "Step 2 of 3 failed: mapper task 2 failed"
    assert failed.value.details.endswith("ValueError: bad")


def test_a_program_that_says_nothing_is_named_by_its_status(tmp_path):
    argv = _program(tmp_path, "import sys; print('no master at x', file=sys.stderr);"
                    " sys.exit(3)\n")
    with pytest.raises(StepFailedException, match=r"exited with status 3 \(no master at x\)"):
        run_spark_submit(argv, step_num=0, num_steps=1)
    run_spark_submit(_program(tmp_path, "print('fine')\n"))  # no error


def test_a_java_exception_is_named_without_its_stack(tmp_path):
    argv = _program(tmp_path, """\
        import sys
        sys.stderr.write(
            "26/11/29 10:00:00 WARN Utils: Set SPARK_LOCAL_IP if you need to\\n"
            'Exception in thread "main" org.apache.spark.SparkException: Master must either'
            " be yarn or start with spark, k8s, or local\\n"
            "\\tat org.apache.spark.deploy.SparkSubmit.error(SparkSubmit.scala:1068)\\n"
            "\\tat org.apache.spark.deploy.SparkSubmit.main(SparkSubmit.scala)\\n"
            "Caused by: java.io.IOException: gone\\n"
            "\\t... 7 more\\n"
            "26/11/29 10:00:01 INFO ShutdownHookManager: Shutdown hook called\\n")
        sys.exit(1)
        """)
    with pytest.raises(StepFailedException) as failed:
        run_spark_submit(argv, step_num=0, num_steps=1)
    assert str(failed.value) == (
        "Step 1 of 1 failed: spark-submit exited with status 1 (org.apache.spark."
        "SparkException: Master must either be yarn or start with spark, k8s, or local;"
        " caused by java.io.IOException: gone)")


def _run_word_count(*args, env=None):
    return subprocess.run([sys.executable, WORD_COUNT, "--no-conf", "-r", "spark", *args,
                           TALES], capture_output=True, cwd=ROOT, env=env, timeout=120)


@pytest.mark.slow
def test_an_unreachable_master_is_one_line_at_once():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = _run_word_count("--spark-master", "spark://127.0.0.1:%d" % port)
    assert proc.returncode == 2
    lines = proc.stderr.decode().strip().splitlines()
    assert lines[-1].startswith("mr_word_freq_count.py: error: cannot reach the Spark"
                                " master spark://127.0.0.1:%d" % port)
    assert "Traceback" not in proc.stderr.decode()


@pytest.mark.slow
def test_no_java_is_one_line(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))
    env.pop("JAVA_HOME", None)
    proc = _run_word_count(env=env)
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().splitlines()[-1].startswith(
        "mr_word_freq_count.py: error: Spark needs Java")


@pytest.mark.slow
def test_no_pyspark_names_the_extra(tmp_path):
    # the job runs with an import system that cannot find pyspark, as on a
    # machine where it is not installed
    (tmp_path / "sitecustomize.py").write_text(textwrap.dedent("""\
        import sys
        class NoPyspark:
            def find_spec(self, name, path=None, target=None):
                if name == "pyspark" or name.startswith("pyspark."):
                    raise ModuleNotFoundError("No module named %r" % name)
        sys.meta_path.insert(0, NoPyspark())
        """))
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    proc = _run_word_count(env=env)
    assert proc.returncode == 2
    last = proc.stderr.decode().strip().splitlines()[-1]
    assert "pyspark" in last and "pip install 'streamr[spark]'" in last


def test_a_local_master_tries_tasks_as_often_as_hadoop_would():
    # in local mode Spark takes the number of attempts from the master alone
    from streamr.runners.spark.runner import _with_retries

    assert _with_retries("local[*]", 3) == "local[*,3]"
    assert _with_retries("local", 2) == "local[1,2]"
    assert _with_retries("local[4]", 1) == "local[4]"
    assert _with_retries("spark://h:7077", 4) == "spark://h:7077"


@pytest.mark.slow
def test_streaming_steps_refuse_cluster_deploy_mode():
    proc = _run_word_count("--spark-master", "yarn", "--spark-deploy-mode", "cluster")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().splitlines()[-1].endswith(
        "spark_deploy_mode cluster runs only Spark steps; a job with streaming steps needs"
        " client (the default)")


def test_which_paths_spark_reads_and_writes_itself(tmp_path):
    # hdfs:// and s3a:// always; s3:// only on a cluster (EMR's own s3://):
    # with a local master this machine reads S3 as -r local does
    from tests.jobs.mr_local_jobs import MRWordSum

    def runner_for(master, *inputs):
        return MRWordSum(["-r", "spark", "--no-conf", "--spark-master", master,
                          *inputs]).make_runner()

    with runner_for("local[2]", "s3://b/in") as local:
        assert [local._through_spark(uri) for uri in
                ("s3://b/k", "s3a://b/k", "hdfs://nn/x", "/x", "file:///x")] == [
            False, True, True, False, False]
        assert local._spark_input_uris() is None
    with runner_for("spark://127.0.0.1:7077", "hdfs://nn/in", "s3://b/k", "x.txt") as cluster:
        assert cluster._through_spark("s3://b/k")
        # once one input is Spark's, all are, local ones as file:// URIs
        assert cluster._spark_input_uris() == [
            "hdfs://nn/in", "s3://b/k", "file://" + os.path.abspath("x.txt")]
    with runner_for("local[2]", "hdfs://nn/in", "-") as both, pytest.raises(
            UsageError, match="standard input cannot be read together"):
        both._spark_input_uris()
