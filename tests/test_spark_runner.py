"""The Spark runner on real pyspark (a ``local[2]`` session shared by the
module): every job gives, part file by part file, the bytes ``-r local``
gives, with the same counters; a failing mapper ends in the job's own
traceback and a line naming the step and the task."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from streamr.errors import StepFailedException, UsageError
from tests.jobs.mr_features import (
    MRCounting,
    MREnvReport,
    MRRaiser,
    MRRawMapper,
    MRSortValues,
    MRTaskCensus,
    MRTwoStepMax,
)
from tests.jobs.mr_local_jobs import (
    MRFiltersAndCmdCombiner,
    MRKeyValues,
    MRWordSum,
)
from tests.support.jobs import EXAMPLES, JOBS
from tests.support.spark import output_files, start_session

pytestmark = pytest.mark.slow

WORDS = ["alpha", "beta", "gamma", "delta", "drop", "eps", "skip", "zeta"]
TEXT = b"".join(b"%s %s %s\n" % (WORDS[i % 8].encode(), WORDS[i * 7 % 5].encode(),
                                  WORDS[i * i % 6].encode()) for i in range(300))
# "word number" lines, numbers running down so that the order values reach
# the reducer in shows in the output
KEYED = b"".join(b"k%d %d\n" % (i % 23, 900 - i) for i in range(900))
MAXSIZE = "mapreduce.input.fileinputformat.split.maxsize"


@pytest.fixture(scope="module")
def spark():
    session = start_session()
    yield session
    session.stop()


def _example(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # runners find the job's script through its module
    spec.loader.exec_module(module)
    return module


def run(job_class, runner: str, out_dir, inputs, args=()) -> list:
    """Run *job_class* in this process under *runner* into *out_dir*; its
    counters. Both runners plan for two cores, so their plans can match."""
    tmp_dir = str(out_dir) + "-tmp" if "://" not in str(out_dir) else None
    argv = ["-r", runner, "--no-conf", "-o", str(out_dir), "--num-cores", "2",
            *(["--local-tmp-dir", tmp_dir] if tmp_dir else []),
            "--cmdenv", "STREAMR_TEST_JOB=" + job_class.__name__, *map(str, args),
            *map(str, inputs)]
    job = job_class(argv).sandbox()
    with job.make_runner() as job_runner:
        job_runner.run()
        return job_runner.counters()


def same_as_local(tmp_path, job_class, inputs, args=()) -> dict:
    """Run *job_class* under both runners; assert the same files in the
    output directory, byte for byte, and the same counters; the files."""
    local_counters = run(job_class, "local", tmp_path / "local", inputs, args)
    spark_counters = run(job_class, "spark", tmp_path / "spark", inputs, args)
    local, spark = output_files(tmp_path / "local"), output_files(tmp_path / "spark")
    assert any(local.values()), "the local run gave no output to compare"
    assert sorted(spark) == sorted(local)
    for name in local:
        assert spark[name] == local[name], name
    assert spark_counters == local_counters
    # the run's temporary files are gone
    assert os.listdir(str(tmp_path / "spark") + "-tmp") == []
    return spark


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_word_count_example(spark, tmp_path):
    module = _example("mr_word_freq_count")
    files = same_as_local(tmp_path, module.MRWordFreqCount,
                          [EXAMPLES / "data" / "river-tales.txt"])
    assert len([name for name in files if name.startswith("part-")]) > 1
    assert "_SUCCESS" in files


def test_combiner_over_many_map_tasks(spark, tmp_path):
    inputs = [write(tmp_path, "a.txt", TEXT), write(tmp_path, "b.txt", TEXT[:2000])]
    same_as_local(tmp_path, MRWordSum, inputs, ["-D", "%s=1500" % MAXSIZE])


def test_values_reach_the_reducer_in_the_local_order(spark, tmp_path):
    # many map tasks, few reducers: values of one key come from every task
    same_as_local(tmp_path, MRKeyValues, [write(tmp_path, "keyed.txt", KEYED)],
                  ["-D", "%s=700" % MAXSIZE, "-D", "mapreduce.job.reduces=3"])


def test_multi_step_job(spark, tmp_path):
    same_as_local(tmp_path, MRTwoStepMax, [write(tmp_path, "t.txt", TEXT)])


def test_init_and_final_run_once_per_task(spark, tmp_path):
    files = same_as_local(tmp_path, MRTaskCensus, [write(tmp_path, "t.txt", TEXT)],
                          ["-D", "%s=2000" % MAXSIZE])
    text = b"".join(files.values())
    assert b'"__map_task__"\t["0", "1", "2"' in text
    assert text.count(b'"__reduce_task__"') > 1


def test_sort_values(spark, tmp_path):
    same_as_local(tmp_path, MRSortValues, [write(tmp_path, "keyed.txt", KEYED)],
                  ["-D", "%s=3000" % MAXSIZE])


def test_jobconf_cmdenv_input_file_and_working_dir(spark, tmp_path):
    shipped_dir = tmp_path / "lookup"
    shipped_dir.mkdir()
    (shipped_dir / "table.txt").write_text("1\n")
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(str(shipped_dir / "table.txt"), arcname="inside.txt")
    files = same_as_local(tmp_path, MREnvReport, [write(tmp_path, "in.txt", b"x\n")],
                          ["-D", "my.conf.value=seen", "--cmdenv", "STREAMR_TEST_VAR=also",
                           "--files", os.path.join(JOBS, "mr_features.py") + "#shipped.py",
                           "--dirs", shipped_dir, "--archives", str(archive) + "#unpacked"])
    text = b"".join(files.values())
    assert b'"lookup"' in text and b'"unpacked"' in text
    assert b'"my_conf"\t"seen"' in text
    assert b'"cmdenv"\t"also"' in text
    assert b'"input_file"\t"in.txt"' in text
    assert b"shipped.py" in text


def test_mapper_raw(spark, tmp_path):
    same_as_local(tmp_path, MRRawMapper, [write(tmp_path, "one.txt", b"a\n" * 10),
                                          write(tmp_path, "two.txt", b"bb\n" * 7)])


def test_counters_are_added_up_over_tasks(spark, tmp_path):
    counters = run(MRCounting, "spark", tmp_path / "spark", [write(tmp_path, "t.txt", TEXT)],
                   ["-D", "%s=2000" % MAXSIZE])
    # every map task counted its lines; the one key was reduced once
    assert counters == [{"lines": {"seen; all": 300}, "keys": {"reduced": 2}}]


def test_shell_commands_and_pre_filters(spark, tmp_path):
    inputs = [write(tmp_path, "t.txt", TEXT)]
    files = same_as_local(tmp_path, MRFiltersAndCmdCombiner, inputs)
    text = b"".join(files.values())
    assert b'"skip"' not in text and b'"drop"' not in text and b'"alpha"' in text


def test_a_failing_mapper_shows_the_jobs_traceback(spark, tmp_path):
    data = write(tmp_path, "t.txt", b"fine\nfine\nboom here\nfine\n")
    with pytest.raises(StepFailedException) as failed:
        run(MRRaiser, "spark", tmp_path / "out", [data])
    error = failed.value
    assert re.match(r"Step 1 of 1 failed: mapper task \d reading \S+t\.txt line 3 failed",
                    str(error)), str(error)
    assert "mr_features.py" in error.details
    assert 'raise ZeroDivisionError("boom line seen")' in error.details
    assert "ZeroDivisionError: boom line seen" in error.details
    assert "py4j" not in error.details.lower()
    assert not (tmp_path / "out" / "_SUCCESS").exists()


def test_streaming_and_spark_steps_in_one_job(spark, tmp_path):
    from tests.jobs.spark.mr_spark_mix import MRSparkMix

    report = tmp_path / "report"
    run(MRSparkMix, "spark", tmp_path / "spark", [write(tmp_path, "in.txt", TEXT)],
        ["--min-count", "2", "--cmdenv", "MIX_REPORT=%s" % report])
    # what the three steps make of TEXT: words counted at least twice, less
    # the stop words, upper-cased, sorted as encoded keys
    stop = (Path(JOBS) / "spark" / "mix_stop_words.txt").read_text().split()
    counts = Counter(TEXT.decode().split())
    expected = b"".join(b'"%s"\t%d\n' % (word.upper().encode(), count)
                        for word, count in sorted(counts.items())
                        if count >= 2 and word not in stop)
    assert b"".join(data for name, data in output_files(tmp_path / "spark").items()
                    if name.startswith("part-")) == expected
    # the Spark step was submitted with its own spark_args
    assert report.read_text() == "parallelism=3\n"


def test_inputs_and_output_on_s3(spark, aws, tmp_path):
    # S3 is read and written as the local runner reads and writes it (Spark's
    # own s3a filesystem needs jars pyspark does not ship)
    aws.bucket("spark-in")
    aws.bucket("spark-out")
    aws.put("s3://spark-in/texts/a.txt", TEXT)
    aws.put("s3://spark-in/texts/b.txt", KEYED)
    local = tmp_path / "local"
    run(MRWordSum, "local", local, [write(tmp_path, "a.txt", TEXT),
                                    write(tmp_path, "b.txt", KEYED)])
    run(MRWordSum, "spark", "s3://spark-out/counts", ["s3://spark-in/texts/"],
        ["--s3-endpoint", aws.endpoint])
    keys = sorted(aws.keys("s3://spark-out/counts/"))
    assert "counts/_SUCCESS" in keys
    got = b"".join(aws.get("s3://spark-out/" + key) for key in keys if "part-" in key)
    assert got == b"".join(data for name, data in output_files(local).items()
                           if name.startswith("part-"))


def test_inputs_and_output_through_sparks_hadoop_filesystem(spark, tmp_path):
    # what hdfs:// and s3a:// paths take on a cluster (Spark's own Hadoop
    # filesystems, TextInputFormat's splits, Hadoop's text output), shown
    # with file:// URIs, which the same Hadoop code serves
    from streamr.runners.spark.harness import run_plan

    write(tmp_path, "t1.txt", TEXT)
    write(tmp_path, "t2.txt", KEYED)
    run(MRWordSum, "local", tmp_path / "local", [tmp_path / "t1.txt", tmp_path / "t2.txt"])
    job = MRWordSum(["-r", "spark", "--no-conf", "--num-cores", "2", "--local-tmp-dir",
                     str(tmp_path / "tmp"), "--cmdenv", "STREAMR_TEST_JOB=MRWordSum",
                     str(tmp_path / "t1.txt")]).sandbox()
    with job.make_runner() as runner:
        runner._plan_working_dir()
        plan = runner._plan(0, 0, [], str(tmp_path / "unused"))
    plan.update(input_uris=["file://%s/t*.txt" % tmp_path],
                output_uri="file://%s/hadoop-out" % tmp_path)
    plan["bundle_path"] = None  # the runner's temporary directory is gone: the job file
    plan["bundle"] = None       # is read where it is
    result = run_plan(plan, spark.sparkContext)
    got = output_files(tmp_path / "hadoop-out")
    assert "_SUCCESS" in got
    parts = [name for name in got if name.startswith("part-")]
    assert len(parts) == len(result["outputs"]) > 1
    # Hadoop's splits are not the local runner's, so key ranges may differ;
    # in key order, the bytes are the same
    assert b"".join(got[name] for name in parts) == b"".join(
        data for name, data in output_files(tmp_path / "local").items()
        if name.startswith("part-"))
    assert result["counters"][0] == {}  # MRWordSum counts nothing; the step ran once
    assert not (tmp_path / "unused").exists()
    # an output that exists is refused in one line, before any work
    plan["input_uris"] = ["file://%s/none-such" % tmp_path]
    with pytest.raises(UsageError, match=r"^output directory file://.*hadoop-out already"
                                         r" exists") as error:
        run_plan(plan, spark.sparkContext)
    assert "\n" not in str(error.value)
    # and an input that matches nothing
    plan["output_uri"] += "-2"
    with pytest.raises(UsageError, match=r"^input path file://\S+/none-such matched no"):
        run_plan(plan, spark.sparkContext)


def test_an_input_spark_cannot_read_is_one_line(spark, tmp_path):
    # pyspark ships no s3a filesystem: Spark says so, in one line
    with pytest.raises(UsageError, match=r'^cannot read input s3a://bucket/in\.txt: .*'
                                         r"S3AFileSystem not found") as error:
        run(MRWordSum, "spark", tmp_path / "out", ["s3a://bucket/in.txt"])
    assert "\n" not in str(error.value)
