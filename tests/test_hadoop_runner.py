"""The Hadoop runner end to end, against the stand-in Hadoop 3
(:mod:`tests.hadoop_standin`), found through ``$HADOOP_HOME`` as on a real
node: mrjob's examples give ``-r local``'s output byte for byte, with
local and ``hdfs://`` input and output; a failing mapper ends with the
user's traceback and the probable cause; Ctrl-C kills the job on the
cluster and removes the run's HDFS directory; the job's Hadoop settings
reach ``hadoop jar``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tarfile

import pytest

from streamr.history.reading import open_history
from streamr.runners.hadoop.diagnose import probable_cause
from tests.support.hadoop import (
    HADOOP_JOBS,
    hadoop_env,
    make_install,
    run_on_hadoop,
    start_on_hadoop,
)
from tests.support.jobs import ROOT
from tests.support.mrjob_examples import run_example, streamr_copy
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow

TEXT = (b"the quick brown fox\njumps over the lazy dog\nthe dog sleeps\n" * 20
        + b"a fox and a dog\n")


@pytest.fixture(scope="module")
def hadoop(tmp_path_factory):
    return make_install(tmp_path_factory.mktemp("standin"))


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    # only tests marked `mrjob` use this: mrjob 0.7.4 imports on Python 3.11 and older
    copy = streamr_copy(tmp_path_factory.mktemp("examples"))
    data = tmp_path_factory.mktemp("data")
    (data / "in1.txt").write_bytes(TEXT)
    (data / "in2.txt").write_bytes(b"hello world\nthe fox is quick\n")
    return copy, data


def _local_parts(copy, data, tmp_path, name) -> bytes:
    local = run_example(copy / name, "local", ["in1.txt", "in2.txt"], data, tmp_path / "local")
    assert local.returncode == 0, local.stderr.decode()
    return b"".join(local.parts)


def _as_local_writes(parts: bytes) -> bytes:
    """*parts* as streamr's local runner writes them. Hadoop's
    TextOutputFormat writes a line with no tab (a value-only protocol's
    line) as key, tab, empty value: a trailing tab the local runner does
    not add. Every other byte must be the same."""
    return re.sub(rb"\t$", b"", parts, flags=re.MULTILINE)


def _parts(out_dir) -> bytes:
    names = sorted(name for name in os.listdir(out_dir) if name.startswith("part-"))
    return b"".join(open(os.path.join(out_dir, name), "rb").read() for name in names)


def _run_dirs(hadoop) -> set:
    """The runs' directories under the default ``hadoop_tmp_dir`` on HDFS
    (a failed run leaves its own: ``cleanup_on_failure`` is NONE)."""
    tmp = hadoop.hdfs_path("/user/%s/tmp/streamr" % _user())
    return set(os.listdir(tmp)) if os.path.isdir(tmp) else set()


def _user() -> str:
    import getpass

    return os.environ.get("HADOOP_USER_NAME") or getpass.getuser()


@pytest.mark.mrjob
@pytest.mark.parametrize("name", ["mr_word_freq_count.py", "mr_most_used_word.py"])
def test_mrjob_examples_give_local_runners_output(hadoop, examples, tmp_path, name):
    copy, data = examples
    expected = _local_parts(copy, data, tmp_path, name)
    before = _run_dirs(hadoop)
    out = tmp_path / "hadoop-out"
    db = tmp_path / "history.db"
    proc = run_on_hadoop(hadoop, copy / name, "in1.txt", "in2.txt", "-o", out,
                         "--no-output", "--history-db", db, cwd=data)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert _as_local_writes(_parts(out)) == expected
    assert (out / "_SUCCESS").exists()
    # Hadoop's own progress and counters, shown as every runner shows them
    assert re.search(r"step 1 of \d: map 100% reduce 100%", err), err
    assert "tracking URL: http://" in err
    assert re.search(r"Map input records=%d\b" % (TEXT.count(b"\n") + 2), err), err
    assert _run_dirs(hadoop) == before  # its own removed
    # the run history has it, step by step
    (record,) = open_history(history_db=str(db)).list_runs()
    assert record.runner == "hadoop" and record.state == "succeeded"
    assert [step.state for step in record.steps] == ["succeeded"] * len(record.steps)
    assert record.input_count == 2
    assert record.input_bytes == sum(os.path.getsize(data / name) for name in ("in1.txt",
                                                                                "in2.txt"))


@pytest.mark.mrjob
def test_a_multi_step_example_reads_and_writes_hdfs(hadoop, examples, tmp_path):
    copy, data = examples
    name = "mr_most_used_word.py"
    expected = _local_parts(copy, data, tmp_path, name)
    for local_name in ("in1.txt", "in2.txt"):
        target = hadoop.hdfs_path("/data/words/" + local_name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            out.write((data / local_name).read_bytes())
    proc = run_on_hadoop(hadoop, copy / name, "hdfs:///data/words", "-o",
                         "hdfs:///results/most-used", "--cat-output", cwd=data)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    # a second run into the same directory stops before any work, as Hadoop would refuse it
    again = run_on_hadoop(hadoop, copy / name, "hdfs:///data/words", "-o",
                          "hdfs:///results/most-used", cwd=data)
    assert again.returncode == 2, again.stderr.decode()
    assert "hdfs:///results/most-used" in again.stderr.decode().strip().splitlines()[-1]
    written = _parts(hadoop.hdfs_path("/results/most-used"))
    assert _as_local_writes(written) == expected
    assert proc.stdout == written  # the output is read back from HDFS
    assert "Step 2 of 2" in err
    jars = [call for call in hadoop.calls() if call[1:2] == ["jar"]]
    assert any("hdfs:///data/words" in call for call in jars)


def test_a_failing_mapper_shows_the_traceback_and_the_probable_cause(hadoop, tmp_path):
    data = tmp_path / "in.txt"
    data.write_bytes(b"fine\nboom here\nfine\n")
    proc = run_on_hadoop(hadoop, os.path.join(HADOOP_JOBS, "mr_boom_mapper.py"), data)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "Probable cause of failure:" in err
    assert "ValueError: the mapper cannot take 'boom here'" in err
    assert "Traceback (most recent call last):" in err
    # found through yarn logs, the cluster's aggregated task logs
    assert "(from yarn logs -applicationId application_" in err
    assert re.search(r"while reading hdfs://\S+/in\.txt", err), err
    assert err.rstrip().splitlines()[-1].startswith("Step 1 of 1 failed: Job job_")
    assert "streamr/runners" not in err  # no streamr stack trace

    # with hadoop_log_dirs, the same cause is read from the NodeManager's userlogs
    app = re.search(r"yarn logs -applicationId (application_\w+)", err).group(1)
    cause, looked = probable_cause(app, log_dirs=[hadoop.logs], yarn=["false"])
    assert looked == hadoop.logs
    assert cause.lines[-1] == "ValueError: the mapper cannot take 'boom here'"
    assert cause.path.startswith(os.path.join(hadoop.logs, "userlogs", app, "container_"))


def test_ctrl_c_kills_the_job_on_the_cluster_and_removes_its_hdfs_dir(hadoop, tmp_path):
    data = tmp_path / "in.txt"
    data.write_bytes(b"one line\n")
    before = _run_dirs(hadoop)
    proc = start_on_hadoop(hadoop, os.path.join(HADOOP_JOBS, "mr_wait_forever.py"), data,
                           log_file=tmp_path / "stderr")
    try:
        # the stand-in names the job in its state once the job is running
        running = wait_for(lambda: os.listdir(hadoop.jobs_dir()), what="the job to run")
        job_id = running[0]
        assert len(_run_dirs(hadoop) - before) == 1
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = (tmp_path / "stderr").read_text()
    assert proc.returncode == 130, err
    assert hadoop.kills() == [job_id]
    assert ["mapred", "job", "-kill", job_id] in hadoop.calls()
    assert _run_dirs(hadoop) == before
    assert os.listdir(hadoop.jobs_dir()) == []  # the client stopped too
    assert "Traceback" not in err


def test_the_jobs_hadoop_settings_reach_hadoop_jar(hadoop, tmp_path):
    data = tmp_path / "in.txt"
    data.write_bytes(b"b a\na c\n")
    greeting = tmp_path / "greeting.txt"
    greeting.write_text("hi\n")
    archive = tmp_path / "stuff.tar.gz"
    with tarfile.open(archive, "w:gz") as packed:
        packed.add(greeting, "greeting.txt")
    out = tmp_path / "out"
    proc = run_on_hadoop(hadoop, os.path.join(HADOOP_JOBS, "mr_hadoop_settings.py"), data,
                         "--files", greeting, "--archives", "%s#stuff" % archive,
                         "-D", "mapreduce.task.timeout=600001",
                         "--cmdenv", "STREAMR_TEST_ENV=yes",
                         "--hadoop-args=-verbose -lazyOutput", "-o", out, "--no-output")
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    # this job's hadoop jar (the stand-in is shared by the module's tests)
    (call,) = [call for call in hadoop.calls() if call[1:2] == ["jar"]
               and "streamr.test.marker=from-the-job" in call]
    assert call[2] == hadoop.streaming_jar
    args = call[3:]

    def value(option):
        return [args[i + 1] for i, arg in enumerate(args) if arg == option]

    assert re.fullmatch(r"hdfs:///\S+/greeting\.txt#greeting\.txt",
                        [f for f in value("-files")[0].split(",") if "greeting" in f][0])
    assert value("-archives")[0].endswith("/stuff.tar.gz#stuff")
    assert value("-libjars")[0].endswith("/extra-lib.jar")
    assert "mapreduce.task.timeout=600001" in value("-D")
    assert "streamr.test.marker=from-the-job" in value("-D")
    assert "mapreduce.job.reduces=2" in value("-D")
    assert value("-partitioner") == ["org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner"]
    assert "STREAMR_TEST_ENV=yes" in value("-cmdenv")
    # the extra argument goes after Hadoop's generic options, before the streaming ones
    assert args.index("-verbose") > max(i for i, a in enumerate(args) if a == "-D")
    assert args.index("-verbose") < args.index("-input")
    # the switch's text is split like a shell does (mrjob's --hadoop-args)
    assert args[args.index("-verbose") + 1] == "-lazyOutput"
    # the job really ran with them: two reducers, the file in the working directory
    assert sorted(name for name in os.listdir(out) if name.startswith("part-")) == [
        "part-00000", "part-00001"]
    assert sorted(_parts(out).splitlines()) == [
        b'"a"\t["hi", 2]', b'"b"\t["hi", 1]', b'"c"\t["hi", 1]']


def test_a_jar_step_runs_through_hadoop_jar_and_feeds_the_next_step(hadoop, tmp_path):
    import zipfile

    jar = tmp_path / "upper.jar"
    with zipfile.ZipFile(jar, "w") as archive:
        archive.write(os.path.join(HADOOP_JOBS, "upper_jar_main.py"), "__main__.py")
    data = tmp_path / "in.txt"
    data.write_bytes(b"a b\nB c\n")
    proc = run_on_hadoop(hadoop, os.path.join(HADOOP_JOBS, "mr_jar_then_streaming.py"),
                         data, "--jar", jar, "-D", "streamr.test.conf=1")
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert sorted(proc.stdout.splitlines()) == [b'"A"\t1', b'"B"\t2', b'"C"\t1']
    (call,) = [call for call in hadoop.calls() if call[1:3] == ["jar", str(jar)]]
    args = call[3:]
    assert args[:4] == ["-D", "streamr.test.conf=1", "-D", "streamr.test.jar=yes"]
    assert re.fullmatch(r"hdfs:///\S+/files/\w+/in\.txt", args[4]), args
    assert re.fullmatch(r"hdfs:///\S+/step-output/0000/", args[5]), args
    (streaming,) = [c for c in hadoop.calls()
                    if c[1:3] == ["jar", hadoop.streaming_jar] and args[5] in c]
    assert streaming[streaming.index("-input") + 1] == args[5]


def test_stdin_setup_commands_and_a_tmp_dir_of_ones_own(hadoop, tmp_path):
    proc = subprocess.run(
        [sys.executable, os.path.join(HADOOP_JOBS, "mr_hadoop_settings.py"), "-r", "hadoop",
         "--no-conf", "--task-python-bin", sys.executable, "-",
         "--setup", "echo hey > greeting.txt", "--hadoop-tmp-dir", "hdfs:///scratch/runs"],
        input=b"b a\na\n", capture_output=True, env=hadoop_env(hadoop), timeout=300)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    # stdin was the input; the setup command ran in each task's working directory
    assert sorted(proc.stdout.splitlines()) == [b'"a"\t["hey", 2]', b'"b"\t["hey", 1]']
    puts = [call for call in hadoop.calls() if call[1:3] == ["fs", "-put"]]
    assert puts and all(call[-1].startswith("hdfs:///scratch/runs/mr_hadoop_settings.")
                        for call in puts[-3:])
    assert os.listdir(hadoop.hdfs_path("/scratch/runs")) == []  # removed at the end


def _mix_expected(data: bytes, min_count: int, stop=("the", "and")) -> bytes:
    counts: dict = {}
    for word in re.findall(rb"[\w']+", data):
        counts[word.lower()] = counts.get(word.lower(), 0) + 1
    kept = {w.upper(): n for w, n in counts.items() if n >= min_count and w.decode() not in stop}
    return b"".join(b'"%s"\t%d\n' % (w, n) for w, n in sorted(kept.items()))


def test_spark_steps_go_to_yarn_through_the_clusters_spark_submit(hadoop, tmp_path):
    # streaming, then the job's own Spark function, then streaming: each reads the step
    # before's output on HDFS; the Spark step goes through $SPARK_HOME's spark-submit
    (tmp_path / "in.txt").write_bytes(TEXT)
    report = tmp_path / "report.txt"
    out = tmp_path / "out"
    env = hadoop_env(hadoop, SPARK_HOME=hadoop.spark_home)
    before = len(hadoop.calls())
    proc = run_on_hadoop(hadoop, os.path.join(ROOT, "tests", "jobs", "spark", "mr_spark_mix.py"),
                         "--min-count", "2", "--cmdenv", "MIX_REPORT=%s" % report,
                         "-o", out, tmp_path / "in.txt", env=env, timeout=600)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err[-3000:]
    assert _parts(out) == _mix_expected(TEXT, 2)
    assert report.read_text() == "parallelism=3\n"  # the step's spark_args reached Spark
    calls = hadoop.calls()[before:]
    (submit,) = [call for call in calls if call[0] == "spark-submit"]
    assert submit[submit.index("--master") + 1] == "yarn"
    assert submit[submit.index("--deploy-mode") + 1] == "cluster"
    # the job script and streamr itself are read from the run's directory on HDFS
    assert submit[submit.index("--py-files") + 1].startswith("hdfs://")
    assert any(word.startswith("hdfs://") and word.endswith("mr_spark_mix.py")
               for word in submit)
    # the two streaming steps
    assert len([call for call in calls if call[0] == "hadoop" and call[1] == "jar"]) == 2
    assert "Step 2 of 3" in err or "step 2 of 3" in err.lower()


def test_a_spark_step_without_spark_submit_stops_before_any_upload(hadoop, tmp_path):
    (tmp_path / "in.txt").write_bytes(TEXT)
    env = hadoop_env(hadoop, PATH="/usr/bin:/bin")
    env.pop("SPARK_HOME", None)
    before = len(hadoop.calls())
    proc = run_on_hadoop(hadoop, os.path.join(ROOT, "tests", "jobs", "spark", "mr_spark_mix.py"),
                         "--spark-submit-bin", str(tmp_path / "no-such-spark-submit"),
                         tmp_path / "in.txt", env=env)
    assert proc.returncode != 0
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "no-such-spark-submit" in lines[0]
    assert not [call for call in hadoop.calls()[before:] if call[1:2] == ["fs"]
                and "-put" in call]
