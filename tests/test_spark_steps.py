"""mrjob's Spark job types: ``spark()``, ``SparkStep``, ``SparkJarStep``
and ``SparkScriptStep``, described as mrjob describes them, turned into
``spark-submit`` command lines, run by the inline and local runners with a
local master and by the EMR runner as ``command-runner.jar spark-submit``
steps (the simulator runs those with pyspark), mixed with streaming steps
in one job.

The fast tests need no Spark; the ones that run ``spark-submit`` are
``slow`` (each run starts a JVM: they are few, and each checks several
things), and the EMR ones ``sim``. Each of mrjob's Spark examples runs on
one runner, and each runner runs one of them."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from streamr.engine.sparkstep import SPARK_FAILURE_MARKER
from streamr.errors import UsageError
from streamr.job import MRJob
from streamr.runners.emr.spark_steps import spark_step, with_spark_application
from streamr.runners.emr.steps import StreamingPlan
from streamr.runners.spark.steps import interpolate, spark_step_app, step_spark_args
from streamr.step import (
    GENERIC_ARGS,
    INPUT,
    OUTPUT,
    MRStep,
    SparkJarStep,
    SparkScriptStep,
    SparkStep,
)
from tests.support.emr import keys, put
from tests.support.jobs import FAST, REPO, ROOT, run_job
from tests.support.mrjob_examples import streamr_copy

SPARK_JOBS = REPO / "tests" / "jobs" / "spark"
WORD_RE = re.compile(r"[\w']+")
TEXT = (b"The cat and the dog\nthe cat sat on the mat\nA dog, a cat\nand so on\n"
        b"Don't stop the cat\n")


def word_counts(data: bytes) -> Counter:
    """What mrjob's Spark word counts count, worked out here."""
    return Counter(word.lower() for word in WORD_RE.findall(data.decode()))


def spark_pairs(parts) -> Counter:
    """``('word', 3)`` lines (a Python tuple's str, as pyspark saves
    pairs) from part files, as a Counter."""
    found: Counter = Counter()
    for part in parts:
        for line in part.decode().splitlines():
            word, count = ast.literal_eval(line)
            found[word] += count
    return found


def parts_of(out: Path) -> list:
    return [path.read_bytes() for path in sorted(out.iterdir()) if path.name.startswith("part-")]


# --- the step classes, as mrjob 0.7.4 has them ---------------------------------------------

def _spark(input_path, output_path):
    raise AssertionError("not called")


def test_steps_describe_themselves_as_mrjobs_do():
    assert SparkStep(_spark).description(0) == {
        "type": "spark", "jobconf": {}, "spark_args": []}
    assert SparkStep(_spark, jobconf={"a": "1"}, spark_args=["--x", "y"]).description(1) == {
        "type": "spark", "jobconf": {"a": "1"}, "spark_args": ["--x", "y"]}
    assert SparkJarStep("x.jar", "Main", args=[INPUT, OUTPUT]).description(0) == {
        "type": "spark_jar", "jar": "x.jar", "main_class": "Main", "args": [INPUT, OUTPUT],
        "jobconf": {}, "spark_args": []}
    assert SparkScriptStep("s.py", args=["a"]).description(0) == {
        "type": "spark_script", "script": "s.py", "args": ["a"], "jobconf": {},
        "spark_args": []}
    assert SparkScriptStep("s.py") == SparkScriptStep("s.py", args=[])
    assert SparkScriptStep("s.py") != SparkScriptStep("t.py")
    assert repr(SparkJarStep("x.jar", "Main")) == "SparkJarStep(jar='x.jar', main_class='Main')"


@pytest.mark.mrjob
def test_descriptions_match_mrjobs_own():
    from mrjob import step as mrjob_step

    cases = [("SparkStep", (_spark,), {"spark_args": ["--a"], "jobconf": {"k": "v"}}),
             ("SparkJarStep", ("x.jar", "Main"), {"args": [INPUT, "1", OUTPUT]}),
             ("SparkScriptStep", ("s.py",), {"args": [INPUT, OUTPUT], "spark_args": ["-v"]})]
    for name, args, kwargs in cases:
        ours = getattr(__import__("streamr.step", fromlist=[name]), name)(*args, **kwargs)
        theirs = getattr(mrjob_step, name)(*args, **kwargs)
        assert ours.description(0) == theirs.description(0)
    assert (INPUT, OUTPUT, GENERIC_ARGS) == (
        mrjob_step.INPUT, mrjob_step.OUTPUT, mrjob_step.GENERIC_ARGS)


def test_bad_step_arguments_are_type_errors():
    with pytest.raises(TypeError, match="not callable"):
        SparkStep("not a function")
    with pytest.raises(TypeError, match="unexpected keyword arguments: mapper"):
        SparkStep(_spark, mapper=_spark)
    with pytest.raises(TypeError, match="args"):
        SparkScriptStep("s.py", args="one string")
    with pytest.raises(TypeError):
        SparkJarStep("x.jar")  # the main class is required, as in mrjob


# --- the job: spark(), spark_args(), steps() -----------------------------------------------

class _SparkJob(MRJob):
    def spark(self, input_path, output_path):
        with open(output_path, "w") as out:
            out.write(input_path)

    def spark_args(self):
        return ["--executor-memory", "1g"]


class _MixedUp(_SparkJob):
    def mapper(self, key, value):
        yield key, value


def test_a_job_with_spark_has_one_spark_step():
    job = _SparkJob([])
    (step,) = job.steps()
    assert isinstance(step, SparkStep)
    assert job._steps_desc() == [{"type": "spark", "jobconf": {},
                                  "spark_args": ["--executor-memory", "1g"]}]


def test_spark_and_a_mapper_do_not_mix():
    with pytest.raises(ValueError, match="Can't mix spark\\(\\) and streaming functions"):
        _MixedUp([]).steps()


def test_the_spark_switch_calls_the_steps_function(tmp_path):
    out = tmp_path / "out.txt"
    job = _SparkJob(["--step-num=0", "--spark", "in-path", str(out)])
    assert job.is_task()
    job.execute()
    assert out.read_text() == "in-path"


def test_the_spark_switch_needs_two_paths_and_a_spark_step():
    from streamr.engine.sparkstep import spark_function

    with pytest.raises(UsageError, match="an input and an output path"):
        spark_function(_SparkJob(["--step-num=0", "--spark", "one"]), 0)

    class Streaming(MRJob):
        def mapper(self, key, value):
            yield key, value

    with pytest.raises(UsageError, match="not a Spark step"):
        spark_function(Streaming(["--step-num=0", "--spark", "a", "b"]), 0)


FAILING_JOB = '''
from streamr.job import MRJob


class MRFails(MRJob):
    def spark(self, input_path, output_path):
        raise ValueError("no such table: " + input_path)


if __name__ == "__main__":
    MRFails.run()
'''


def test_a_failing_spark_function_shows_its_traceback_and_the_failure_line(tmp_path):
    script = tmp_path / "mr_fails.py"
    script.write_text(FAILING_JOB)
    proc = subprocess.run([sys.executable, str(script), "--step-num=0", "--spark", "in", "out"],
                          capture_output=True, env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert 'mr_fails.py", line 7, in spark' in err
    assert "ValueError: no such table: in" in err
    last = err.splitlines()[-1]
    assert last.startswith(SPARK_FAILURE_MARKER)
    said = json.loads(last[len(SPARK_FAILURE_MARKER):])
    details = said.pop("details")
    assert said == {"reason": "the Spark code of step 1 raised ValueError: no such table: in",
                    "step_num": 0, "num_steps": 1}
    assert details.startswith("Traceback (most recent call last):")
    assert details.endswith("ValueError: no such table: in")


def test_a_python_workers_traceback_is_found_in_sparks_error():
    from streamr.engine.sparkstep import _worker_traceback

    message = ("An error occurred while calling o42.sum.\n"
               ": org.apache.spark.api.python.PythonException: [PYTHON_EXCEPTION] An exception"
               " was thrown from the Python worker: Traceback (most recent call last):\n"
               '  File "/x/site-packages/pyspark/python/lib/pyspark.zip/pyspark/worker.py",'
               " line 4327, in invoke_udf\n"
               "    run_process()\n"
               '  File "/home/me/mr_job.py", line 13, in parse\n'
               "    return int(line)\n"
               "           ^^^^^^^^^\n"
               "ValueError: invalid literal for int() with base 10: 'x'\n"
               " SQLSTATE: 38000\n"
               "\tat org.apache.spark.api.python.BasePythonRunner$ReaderIterator\n")
    assert _worker_traceback(message) == (
        ['  File "/home/me/mr_job.py", line 13, in parse\n', "    return int(line)\n"],
        "ValueError: invalid literal for int() with base 10: 'x'")
    assert _worker_traceback("Py4JError: no Python here") is None
    # a job in a directory whose name merely starts like Spark's keeps its frames
    own = message.replace("/home/me/mr_job.py", "/home/me/pyspark_jobs/mr_job.py")
    assert _worker_traceback(own)[0][0] == (
        '  File "/home/me/pyspark_jobs/mr_job.py", line 13, in parse\n')


def test_the_failure_marker_is_the_one_spark_submit_output_is_read_for():
    from streamr.runners.spark.submit import FAILURE_MARKER

    assert SPARK_FAILURE_MARKER == FAILURE_MARKER


# --- what spark-submit runs ----------------------------------------------------------------

def test_the_program_and_arguments_of_each_step_type():
    fill = dict(script="/jobs/mr_x.py", input_uris=["/in/a", "/in/b"], output_uri="/out",
                generic_args=["--min-count", "2"])
    assert spark_step_app({"type": "spark"}, 1, **fill) == (
        "/jobs/mr_x.py", None,
        ["--step-num=1", "--spark", "--min-count", "2", "/in/a,/in/b", "/out"])
    jar = {"type": "spark_jar", "jar": "x.jar", "main_class": "Main",
           "args": ["-v", INPUT, OUTPUT, GENERIC_ARGS, 3]}
    assert spark_step_app(jar, 0, **fill) == (
        "x.jar", "Main", ["-v", "/in/a,/in/b", "/out", "--min-count", "2", "3"])
    script = {"type": "spark_script", "script": "s.py", "args": [OUTPUT, INPUT]}
    assert spark_step_app(script, 0, **fill) == ("s.py", None, ["/out", "/in/a,/in/b"])
    with pytest.raises(ValueError):
        spark_step_app({"type": "streaming"}, 0, **fill)
    assert interpolate(["x"], input_uris=[], output_uri="o", generic_args=[]) == ["x"]


def test_files_are_shipped_only_to_executors_elsewhere(tmp_path, caplog):
    from streamr.runners.spark.steps import shipped_files

    (tmp_path / "stop_words.txt").write_text("the\n")
    (tmp_path / "lookup").mkdir()
    assert shipped_files(str(tmp_path), "local[*]") == []
    assert shipped_files(str(tmp_path), None) == []
    assert shipped_files(str(tmp_path), "spark://10.0.0.1:7077") == [
        str(tmp_path / "stop_words.txt")]
    assert "lookup is a directory" in caplog.text


def test_step_spark_args_must_be_strings():
    assert step_spark_args({"spark_args": ["--a", "b"]}) == ["--a", "b"]
    assert step_spark_args({}) == []
    with pytest.raises(UsageError, match="list of strings"):
        step_spark_args({"spark_args": "--a b"})


def test_an_emr_spark_step_is_command_runner_spark_submit_on_yarn():
    plan = StreamingPlan(files=[("s3://b/files/mr_x.py", "mr_x.py"),
                                ("s3://b/files/streamr.zip", "streamr.zip"),
                                ("s3://b/files/stop.txt", "stop.txt")],
                         archives=[("s3://b/files/data.tar.gz", "data")],
                         task_args=["--min-count", "2"])
    step = spark_step({"type": "spark", "jobconf": {}, "spark_args": ["--num-executors", "3"]},
                      0, plan, opts={"cmdenv": {"TZ": "UTC", "API_SECRET": "x"},
                                     "spark_args": ["--driver-memory 2g"]},
                      script_uri="s3://b/files/mr_x.py", app_uri=None,
                      inputs=["s3://in/a", "s3://in/b"], output="s3://out/",
                      jobconf={"mapreduce.job.reduces": "2"})
    assert step["Jar"] == "command-runner.jar"
    args = step["Args"]
    assert args[:5] == ["spark-submit", "--master", "yarn", "--deploy-mode", "cluster"]
    assert args[args.index("--py-files") + 1] == "s3://b/files/streamr.zip"
    assert args[args.index("--files") + 1] == ("s3://b/files/mr_x.py#mr_x.py,"
                                              "s3://b/files/stop.txt#stop.txt")
    assert args[args.index("--archives") + 1] == "s3://b/files/data.tar.gz#data"
    confs = [args[i + 1] for i, arg in enumerate(args) if arg == "--conf"]
    assert "spark.executorEnv.TZ=UTC" in confs
    assert "spark.yarn.appMasterEnv.TZ=UTC" in confs
    assert "spark.yarn.appMasterEnv.PYSPARK_PYTHON=python3" in confs
    assert "spark.hadoop.mapreduce.job.reduces=2" in confs
    assert not [conf for conf in confs if "SECRET" in conf]
    # the option's spark_args, then the step's, then the program and its arguments
    tail = args[args.index("--driver-memory"):]
    assert tail == ["--driver-memory", "2g", "--num-executors", "3", "s3://b/files/mr_x.py",
                    "--step-num=0", "--spark", "--min-count", "2", "s3://in/a,s3://in/b",
                    "s3://out/"]


def test_spark_is_added_to_the_applications_of_a_job_with_spark_steps():
    assert with_spark_application(None) == ["Spark"]
    assert with_spark_application(["Hive"]) == ["Hive", "Spark"]
    assert with_spark_application(["spark"]) == ["spark"]


def test_no_java_is_one_line_before_anything_runs(tmp_path):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = dict(os.environ, PATH=str(empty_bin), PYTHONPATH=ROOT)
    env.pop("JAVA_HOME", None)
    (tmp_path / "in.txt").write_bytes(TEXT)
    proc = subprocess.run(
        [sys.executable, str(SPARK_JOBS / "mr_spark_mix.py"), "-r", "local", "--no-conf",
         "-o", str(tmp_path / "out"), str(tmp_path / "in.txt")],
        capture_output=True, env=env, cwd=str(tmp_path), timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "Spark needs Java" in lines[0], lines
    assert not (tmp_path / "out").exists()


NO_PYSPARK = '''
import sys


class _NoPyspark:
    """pyspark is not installed, as far as this process can tell."""

    def find_spec(self, name, path=None, target=None):
        if name == "pyspark" or name.startswith("pyspark."):
            raise ModuleNotFoundError("No module named %r" % name)
        return None


sys.meta_path.insert(0, _NoPyspark())
'''


def test_no_pyspark_is_one_line_naming_the_extra_before_anything_runs(tmp_path):
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(NO_PYSPARK)
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    (tmp_path / "in.txt").write_bytes(TEXT)
    env = dict(os.environ, PATH=str(empty_bin), PYTHONPATH=os.pathsep.join([str(hide), ROOT]))
    proc = subprocess.run(
        [sys.executable, str(SPARK_JOBS / "mr_spark_mix.py"), "-r", "inline", "--no-conf",
         "-o", str(tmp_path / "out"), str(tmp_path / "in.txt")],
        capture_output=True, env=env, cwd=str(tmp_path), timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "pip install 'streamr[spark]'" in lines[0], lines
    assert not (tmp_path / "out").exists()


def test_a_runner_that_runs_no_spark_steps_refuses_them_in_one_line():
    from streamr.runners.base import MRJobRunner

    class StreamingOnly(MRJobRunner):
        alias = "inline"  # its options; it runs streaming steps only

        def _check_options(self):
            self._check_step_types()

        def _run(self):
            raise AssertionError("never reached")

    runner = StreamingOnly(steps=[{"type": "streaming", "mapper": {"type": "script"}},
                                  SparkStep(_spark).description(1)], conf_paths=[])
    with pytest.raises(UsageError) as caught:
        runner.run()
    assert str(caught.value) == ("step 2 is a spark step; the inline runner runs only"
                                 " streaming steps (try -r emr)")


# --- running them: inline and local, with a local master ------------------------------------

@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    """mrjob's examples with imports changed, and an input file."""
    copy = streamr_copy(tmp_path_factory.mktemp("examples"))
    (copy / "input.txt").write_bytes(TEXT)
    return copy


def _run_example(examples, script, runner, out, *args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run(
        [sys.executable, str(examples / script), "-r", runner, "--no-conf", "-o", str(out),
         *map(str, args), "input.txt"],
        cwd=str(examples), capture_output=True, env=env, timeout=600)


@pytest.mark.slow
@pytest.mark.mrjob
def test_mrjobs_spark_word_count_runs_inline(examples, tmp_path):
    proc = _run_example(examples, "mr_spark_wordcount.py", "inline", tmp_path / "out",
                        "--spark-master", "local[1]")
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    assert spark_pairs(parts_of(tmp_path / "out")) == word_counts(TEXT)
    assert (tmp_path / "out" / "_SUCCESS").exists()
    assert "running step 1 of 1 on Spark (local[1])" in proc.stderr.decode()


@pytest.mark.slow
@pytest.mark.mrjob
def test_mrjobs_spark_most_used_word_runs_local_with_its_files(examples, tmp_path):
    # stop_words.txt (the job's FILES) is read by the executors from the
    # working directory; the file option's copy replaces it
    stop = tmp_path / "my_stop_words.txt"
    stop.write_text("the\ncat\n")
    proc = _run_example(examples, "mr_spark_most_used_word.py", "local", tmp_path / "out",
                        "--stop-words-file", stop)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    counts = word_counts(TEXT)
    for word in ("the", "cat"):
        del counts[word]
    best = max(counts.values())
    (word,) = [json.loads(line) for part in parts_of(tmp_path / "out")
               for line in part.decode().splitlines()]
    assert counts[word] == best and word in {"a", "and", "dog", "on"}


def _mix_expected(data: bytes, min_count: int, stop=("the", "and")) -> bytes:
    counts = word_counts(data)
    kept = {w.upper(): n for w, n in counts.items() if n >= min_count and w not in stop}
    return b"".join(b'"%s"\t%d\n' % (w.encode(), n) for w, n in sorted(kept.items()))


@pytest.mark.slow
def test_streaming_and_spark_steps_mix_on_the_local_runner(tmp_path):
    (tmp_path / "in.txt").write_bytes(TEXT)
    report = tmp_path / "report.txt"
    out = tmp_path / "out"
    proc = run_job(SPARK_JOBS / "mr_spark_mix.py", "-r", "local", "--no-conf",
                   "--min-count", "2", "--cmdenv", "MIX_REPORT=%s" % report,
                   "-o", out, tmp_path / "in.txt", timeout=600)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    assert b"".join(parts_of(out)) == _mix_expected(TEXT, 2)
    # the step's spark_args reached spark-submit
    assert report.read_text() == "parallelism=3\n"
    assert "running step 2 of 3 on Spark" in proc.stderr.decode()


FAILING_IN_EXECUTORS = '''
from streamr.job import MRJob


class MRParsesNumbers(MRJob):
    def spark(self, input_path, output_path):
        from pyspark import SparkContext

        sc = SparkContext(appName="numbers")
        total = sc.textFile(input_path).map(self.parse).sum()
        sc.stop()

    def parse(self, line):
        return int(line)


if __name__ == "__main__":
    MRParsesNumbers.run()
'''


@pytest.mark.slow
def test_a_spark_jar_step_runs_its_main_class_on_the_local_runner(tmp_path):
    (tmp_path / "in.txt").write_bytes(TEXT)
    out = tmp_path / "out"
    proc = run_job(SPARK_JOBS / "mr_spark_jar.py", "-r", "local", "--no-conf", "-o", out,
                   tmp_path / "in.txt", timeout=600)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    assert sorted(b"".join(parts_of(out)).splitlines()) == sorted(TEXT.upper().splitlines())


@pytest.mark.slow
def test_a_spark_step_failing_in_executors_shows_the_users_traceback_and_exits_1(tmp_path):
    script = tmp_path / "mr_parses_numbers.py"
    script.write_text(FAILING_IN_EXECUTORS)
    (tmp_path / "in.txt").write_bytes(b"1\n2\nthree\n")
    proc = subprocess.run(
        [sys.executable, str(script), "-r", "inline", "--no-conf", "-q",
         "-o", str(tmp_path / "out"), str(tmp_path / "in.txt")],
        capture_output=True, env=dict(os.environ, PYTHONPATH=ROOT), timeout=600)
    assert proc.returncode == 1
    lines = proc.stderr.decode().splitlines()
    # the job's frames, in the driver and then in the executor, and nothing of Spark's
    assert lines == [
        "Traceback (most recent call last):",
        '  File "%s", line 10, in spark' % script,
        "    total = sc.textFile(input_path).map(self.parse).sum()",
        '  File "%s", line 14, in parse' % script,
        "    return int(line)",
        "ValueError: invalid literal for int() with base 10: 'three'",
        "Step 1 of 1 failed: the Spark code of step 1 raised ValueError: invalid literal for"
        " int() with base 10: 'three'"], lines
    assert not (tmp_path / "out").exists()


# --- running them on EMR (the simulator runs spark-submit with pyspark) ----------------------

@pytest.mark.slow
@pytest.mark.sim
def test_streaming_and_spark_steps_mix_on_emr(sim, tmp_path):
    put(sim, "s3://in-bucket/mix/in.txt", TEXT)
    report = tmp_path / "report.txt"
    proc = run_job(SPARK_JOBS / "mr_spark_mix.py", "-r", "emr", *FAST, "--min-count", "2",
                   "--cmdenv", "MIX_REPORT=%s" % report, "-o", "s3://out-bucket/mix/",
                   "s3://in-bucket/mix/", timeout=600)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    parts = sorted(k for k in keys(sim, "s3://out-bucket/mix/") if "/part-" in k)
    data = b"".join(sim.s3.get_object(Bucket="out-bucket", Key=k)["Body"].read()
                    for k in parts)
    assert data == _mix_expected(TEXT, 2)
    assert report.read_text() == "parallelism=3\n"
    (cluster,) = sim.client("emr").list_clusters()["Clusters"]
    described = sim.client("emr").describe_cluster(ClusterId=cluster["Id"])["Cluster"]
    assert "Spark" in [app.get("Name") for app in described["Applications"]]
    steps = sim.client("emr").list_steps(ClusterId=cluster["Id"])["Steps"]
    spark_args = [s["Config"]["Args"] for s in reversed(steps)][1]
    assert len(steps) == 3
    assert spark_args[:5] == ["spark-submit", "--master", "yarn", "--deploy-mode", "cluster"]


@pytest.mark.slow
@pytest.mark.sim
@pytest.mark.mrjob
def test_mrjobs_spark_script_word_count_runs_on_emr(sim, examples):
    put(sim, "s3://in-bucket/wc/input.txt", TEXT)
    proc = run_job(examples / "mr_spark_wordcount_script.py", "-r", "emr", *FAST,
                   "-o", "s3://out-bucket/wc/", "s3://in-bucket/wc/input.txt", timeout=600)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    parts = [sim.s3.get_object(Bucket="out-bucket", Key=k)["Body"].read()
             for k in sorted(keys(sim, "s3://out-bucket/wc/")) if "/part-" in k]
    assert spark_pairs(parts) == word_counts(TEXT)


def test_mrstep_is_still_streaming():
    assert MRStep(mapper=_spark).description(0)["type"] == "streaming"


@pytest.mark.slow
@pytest.mark.sim
def test_a_spark_step_failing_on_emr_shows_the_users_traceback_from_the_drivers_log(
        sim, tmp_path):
    script = tmp_path / "mr_parses_numbers.py"
    script.write_text(FAILING_IN_EXECUTORS)
    put(sim, "s3://in-bucket/n/in.txt", b"1\n2\nthree\n")
    proc = run_job(script, "-r", "emr", *FAST, "-o", "s3://out-bucket/n/",
                   "s3://in-bucket/n/in.txt", timeout=600,
                   env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode == 1
    err = proc.stderr.decode()
    cause = err[err.index("Probable cause of failure:"):].splitlines()
    assert cause[1:7] == [
        "    Traceback (most recent call last):",
        '      File "mr_parses_numbers.py", line 10, in spark',
        "        total = sc.textFile(input_path).map(self.parse).sum()",
        '      File "mr_parses_numbers.py", line 14, in parse',
        "        return int(line)",
        "    ValueError: invalid literal for int() with base 10: 'three'"], cause
    assert "/containers/application_" in cause[7]
    assert not [k for k in keys(sim, "s3://out-bucket/n/") if "part-" in k]


def test_the_local_runners_refuse_a_jar_step_naming_what_they_run(tmp_path):
    from streamr.runners.local import LocalRunner

    runner = LocalRunner(mr_job_script=str(SPARK_JOBS / "mr_spark_mix.py"), conf_paths=[],
                         steps=[{"type": "jar", "jar": "x.jar", "args": []}])
    with pytest.raises(UsageError) as caught:
        runner.run()
    assert str(caught.value) == ("step 1 is a jar step; the local runner runs only streaming,"
                                 " spark, spark_jar and spark_script steps (try -r emr)")


@pytest.mark.slow
@pytest.mark.sim
def test_a_named_cluster_without_spark_is_refused_in_one_line(sim, tmp_path):
    from tests.support.emr import streamr

    created = streamr("create-cluster", "--no-conf", "--no-bootstrap-python")
    assert created.exit_code == 0, created.output
    cluster_id = created.stdout.strip()
    put(sim, "s3://in-bucket/mix/in.txt", TEXT)
    proc = run_job(SPARK_JOBS / "mr_spark_mix.py", "-r", "emr", *FAST, "-q",
                   "--cluster-id", cluster_id, "s3://in-bucket/mix/")
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == [
        "mr_spark_mix.py: error: cluster %s has no Spark (its applications: Hadoop), and the"
        " job has Spark steps; start a cluster with --application Spark, or leave out"
        " --cluster-id" % cluster_id]
    assert sim.client("emr").list_steps(ClusterId=cluster_id)["Steps"] == []
