"""Reading what Hadoop says about a failed job: ``yarn logs
-applicationId`` output split into each container's logs, task logs found
in YARN's ``userlogs`` layout, and the line that says why a ``hadoop jar``
failed."""

from __future__ import annotations

from streamr.logs import find_probable_cause
from streamr.logs.step import parse_step_log
from streamr.runners.hadoop.client import JobRun
from streamr.runners.hadoop.diagnose import logs_from_dirs, parse_yarn_logs

APP = "application_1764400000000_0007"
CONTAINER = "container_1764400000000_0007_01_000002"

YARN_LOGS = """Container: %(c)s on node7.example.com_45454
LogAggregationType: AGGREGATED
====================================================================
LogType:stderr
LogLastModifiedTime:Sat Nov 29 17:00:00 +0000 2026
LogLength:120
LogContents:
Traceback (most recent call last):
  File "mr_job.py", line 9, in mapper
ValueError: bad line
End of LogType:stderr
************************************************************************************

LogType:syslog
LogLastModifiedTime:Sat Nov 29 17:00:00 +0000 2026
LogLength:99
LogContents:
2026-11-29 17:00:00,001 INFO [main] org.apache.hadoop.mapred.MapTask: Processing split: hdfs://nn:8020/in/a.txt:0+42
End of LogType:syslog
************************************************************************************

LogType:prelaunch.out
LogContents:
Setting up env variables
End of LogType:prelaunch.out
""" % {"c": CONTAINER}


def test_yarn_logs_are_split_per_container_and_log():
    logs = parse_yarn_logs(YARN_LOGS, APP)
    prefix = "yarn logs -applicationId %s: %s/" % (APP, CONTAINER)
    assert sorted(logs) == [prefix + "stderr", prefix + "syslog"]
    assert logs[prefix + "stderr"][-1] == "ValueError: bad line"
    cause = find_probable_cause(logs)
    assert cause.kind == "python"
    assert cause.lines[-1] == "ValueError: bad line"
    assert cause.split.uri == "hdfs://nn:8020/in/a.txt"
    assert cause.path == prefix + "stderr"


def test_task_logs_are_found_in_userlogs(tmp_path):
    folder = tmp_path / "userlogs" / APP / CONTAINER
    folder.mkdir(parents=True)
    (folder / "stderr").write_text("Traceback (most recent call last):\nKeyError: 'x'\n")
    (folder / "stdout").write_text("ignored\n")
    other = tmp_path / "userlogs" / "application_1764400000000_0001" / "container_1"
    other.mkdir(parents=True)
    (other / "stderr").write_text("Traceback (most recent call last):\nOSError: other\n")
    logs = logs_from_dirs([str(tmp_path), str(tmp_path / "missing")], APP)
    assert list(logs) == [str(folder / "stderr")]
    assert find_probable_cause(logs).lines[-1] == "KeyError: 'x'"


def test_the_failure_line_is_hadoops_own():
    lines = ["26/11/29 17:00:00 INFO mapreduce.Job: Running job: job_1764400000000_0007",
             "26/11/29 17:00:09 INFO mapreduce.Job: Job job_1764400000000_0007 failed with"
             " state FAILED due to: Task failed task_1764400000000_0007_m_000000",
             "26/11/29 17:00:09 ERROR streaming.StreamJob: Job not successful!",
             "Streaming Command Failed!"]
    run = JobRun(1, lines, parse_step_log(lines))
    assert run.error_line() == ("Job job_1764400000000_0007 failed with state FAILED due to:"
                                " Task failed task_1764400000000_0007_m_000000")
    refused = ["26/11/29 17:00:00 ERROR streaming.StreamJob: Error Launching job : Output"
               " directory hdfs://nn:8020/out already exists", "Streaming Command Failed!"]
    run = JobRun(1, refused, parse_step_log(refused))
    assert run.error_line() == "Error Launching job : Output directory hdfs://nn:8020/out" \
        " already exists"
    assert JobRun(3).error_line() == "hadoop exited with status 3"


def test_a_java_exception_from_hadoop_is_its_one_line_without_the_stack():
    lines = ['Exception in thread "main" java.io.FileNotFoundException: File /no/such.jar'
             " does not exist",
             "\tat org.apache.hadoop.fs.RawLocalFileSystem.getFileStatus(RawLocal.java:779)",
             "\tat org.apache.hadoop.util.RunJar.main(RunJar.java:236)",
             "Caused by: java.io.IOException: no such file",
             "\t... 2 more"]
    run = JobRun(1, lines, parse_step_log(lines))
    assert run.error_line() == ("java.io.FileNotFoundException: File /no/such.jar does not"
                                " exist; caused by java.io.IOException: no such file")
    # no exception: the last line that is not part of a stack
    said = ["Usage: hadoop jar <jar> [mainClass] args...", "\tat nothing.Here(X.java:1)"]
    assert JobRun(1, said, parse_step_log(said)).error_line() == (
        "Usage: hadoop jar <jar> [mainClass] args...")
