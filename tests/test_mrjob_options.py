"""Switches and options mrjob jobs and configs use (``--python-bin``,
``--task-python-bin``, ``--hadoop-version``), and where a sandboxed job's
messages go."""

from io import BytesIO

import pytest

from streamr.conf import merge_runner_options
from tests.jobs.mr_mrjob_compat import MRLogsAndFails, MRPropertyNames
from tests.support.jobs import run_inline

LINES = b"".join(b"line %d\n" % i for i in range(20))


def test_switches_parse():
    job = MRPropertyNames(["--python-bin", "python3 -X utf8", "--task-python-bin", "pypy3",
                           "--hadoop-version", "1.2.1"])
    # the switches take text; the runner splits commands when it merges options
    assert job.options.python_bin == "python3 -X utf8"
    assert job.options.task_python_bin == "pypy3"
    assert job.options.hadoop_version == "1.2.1"


def test_python_bin_runs_tasks_unless_task_python_bin_is_set():
    merged = merge_runner_options("local", [], {}, {"python_bin": "python3 -X utf8"})
    assert merged.values["task_python_bin"] == ["python3", "-X", "utf8"]
    assert [str(s) for s in merged.sources("task_python_bin")] == ["command line"]
    merged = merge_runner_options("local", [], {"task_python_bin": "pypy3"},
                                  {"python_bin": "python3"})
    assert merged.values["task_python_bin"] == ["pypy3"]
    assert [str(s) for s in merged.sources("task_python_bin")] == ["job class"]


def test_without_hadoop_version_tasks_see_hadoop_2_names():
    pairs, _ = run_inline(MRPropertyNames, ["-D", "mapred.reduce.tasks=1"], stdin=LINES)
    assert pairs == [("seen", ["mapred.reduce.tasks", "mapreduce.job.id",
                               "mapreduce.task.ismap"])]


@pytest.mark.parametrize("version, expected", [
    ("1.2.1", ["mapred.job.id", "mapred.reduce.tasks", "mapred.task.is.map",
               "mapreduce.job.id", "mapreduce.task.ismap"]),
    ("2.7.3", ["mapred.reduce.tasks", "mapreduce.job.id", "mapreduce.job.reduces",
               "mapreduce.task.ismap"]),
])
def test_hadoop_version_gives_tasks_its_names(version, expected):
    pairs, _ = run_inline(MRPropertyNames, ["--hadoop-version", version,
                                            "-D", "mapred.reduce.tasks=1"], stdin=LINES)
    assert pairs == [("seen", expected)]


def test_sandboxed_job_writes_its_messages_to_its_own_stderr(capfd):
    stderr = BytesIO()
    job = MRLogsAndFails(["-r", "inline", "--no-conf"]).sandbox(stdin=BytesIO(b"a\n"),
                                                               stderr=stderr)
    with pytest.raises(SystemExit) as ended:
        job.run_job()
    assert ended.value.code == 1
    text = stderr.getvalue().decode()
    assert "RuntimeError: reducer gave up on a" in text
    assert "reducer" in text.splitlines()[-1]
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
