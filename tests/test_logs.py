"""Reading EMR step, container and bootstrap logs (streamr.logs), over log
texts written in the formats EMR 6/7 (Hadoop 3) leaves."""

# the log texts keep the long lines real logs have
# ruff: noqa: E501

import pytest

from streamr.logs import (
    InputSplit,
    ProbableCause,
    attempt_id_from_path,
    bootstrap_cause,
    bootstrap_failure_from_reason,
    bootstrap_log_prefix,
    classify_log_path,
    container_id_from_path,
    container_log_prefix,
    find_input_split,
    find_java_exception,
    find_probable_cause,
    find_python_traceback,
    log_type,
    parse_step_log,
    rank_task_logs,
    step_log_prefix,
)
from streamr.logs.task import parse_attempt_id, parse_container_id

LOG_URI = "s3://streamr-logs/emr/"
CLUSTER = "j-2AXXXXXXGAPLF"
STEP = "s-1K3F6ZD4GAQ9"
APP = "application_1700000000000_0001"
CONTAINERS = "s3://streamr-logs/emr/j-2AXXXXXXGAPLF/containers/application_1700000000000_0001/"


def lines(text):
    return text.strip("\n").splitlines()


def container(number, name):
    return "%scontainer_1700000000000_0001_01_%06d/%s.gz" % (CONTAINERS, number, name)


# --- a failed step: two attempts of one map task fail, then the job ---------

FAILED_STEP = """
2026-11-21 10:00:01,101 INFO org.apache.hadoop.yarn.client.DefaultNoHARMFailoverProxyProvider (main): Connecting to ResourceManager at ip-172-31-5-20.ec2.internal/172.31.5.20:8032
2026-11-21 10:00:02,530 INFO org.apache.hadoop.mapred.FileInputFormat (main): Total input files to process : 2
2026-11-21 10:00:02,611 INFO org.apache.hadoop.mapreduce.JobSubmitter (main): number of splits:4
2026-11-21 10:00:02,702 INFO org.apache.hadoop.mapreduce.JobSubmitter (main): Submitting tokens for job: job_1700000000000_0001
2026-11-21 10:00:02,950 INFO org.apache.hadoop.yarn.client.api.impl.YarnClientImpl (main): Submitted application application_1700000000000_0001
2026-11-21 10:00:02,990 INFO org.apache.hadoop.mapreduce.Job (main): The url to track the job: http://ip-172-31-5-20.ec2.internal:20888/proxy/application_1700000000000_0001/
2026-11-21 10:00:02,991 INFO org.apache.hadoop.mapreduce.Job (main): Running job: job_1700000000000_0001
2026-11-21 10:00:09,120 INFO org.apache.hadoop.mapreduce.Job (main): Job job_1700000000000_0001 running in uber mode : false
2026-11-21 10:00:09,121 INFO org.apache.hadoop.mapreduce.Job (main):  map 0% reduce 0%
2026-11-21 10:00:15,300 INFO org.apache.hadoop.mapreduce.Job (main):  map 50% reduce 0%
2026-11-21 10:00:17,410 INFO org.apache.hadoop.mapreduce.Job (main): Task Id : attempt_1700000000000_0001_m_000001_0, Status : FAILED
Error: java.lang.RuntimeException: PipeMapRed.waitOutputThreads(): subprocess failed with code 1
\tat org.apache.hadoop.streaming.PipeMapRed.waitOutputThreads(PipeMapRed.java:326)
\tat org.apache.hadoop.streaming.PipeMapRed.mapRedFinished(PipeMapRed.java:539)
\tat org.apache.hadoop.streaming.PipeMapper.close(PipeMapper.java:130)
\tat org.apache.hadoop.mapred.MapTask.run(MapTask.java:350)
\tat org.apache.hadoop.mapred.YarnChild.main(YarnChild.java:172)

2026-11-21 10:00:18,500 INFO org.apache.hadoop.mapreduce.Job (main):  map 75% reduce 0%
2026-11-21 10:00:23,020 INFO org.apache.hadoop.mapreduce.Job (main): Task Id : attempt_1700000000000_0001_m_000001_1, Status : FAILED
Error: java.lang.RuntimeException: PipeMapRed.waitOutputThreads(): subprocess failed with code 1
\tat org.apache.hadoop.streaming.PipeMapRed.waitOutputThreads(PipeMapRed.java:326)
\tat org.apache.hadoop.mapred.YarnChild.main(YarnChild.java:172)

2026-11-21 10:00:24,100 INFO org.apache.hadoop.mapreduce.Job (main): Task Id : attempt_1700000000000_0001_m_000003_0, Status : KILLED
2026-11-21 10:00:29,800 INFO org.apache.hadoop.mapreduce.Job (main):  map 100% reduce 100%
2026-11-21 10:00:29,812 INFO org.apache.hadoop.mapreduce.Job (main): Job job_1700000000000_0001 failed with state FAILED due to: Task failed task_1700000000000_0001_m_000001
Job failed as tasks failed. failedMaps:1 failedReduces:0 killedMaps:0 killedReduces: 0

2026-11-21 10:00:29,901 INFO org.apache.hadoop.mapreduce.Job (main): Counters: 9
\tJob Counters\x20
\t\tFailed map tasks=2
\t\tKilled map tasks=1
\t\tLaunched map tasks=5
\t\tOther local map tasks=2
\t\tData-local map tasks=3
\tMap-Reduce Framework
\t\tCPU time spent (ms)=0
\t\tPhysical memory (bytes) snapshot=0
\t\tVirtual memory (bytes) snapshot=0
\t\tTotal committed heap usage (bytes)=0
2026-11-21 10:00:29,902 ERROR org.apache.hadoop.streaming.StreamJob (main): Job not successful!
Streaming Command Failed!
"""

# --- a successful step, whose log (oddly) prints counters twice -----------

COUNTERS_TWICE = """
26/11/21 11:00:02 INFO impl.YarnClientImpl: Submitted application application_1700000000000_0002
26/11/21 11:00:02 INFO mapreduce.Job: Running job: job_1700000000000_0002
26/11/21 11:00:40 INFO mapreduce.Job:  map 100% reduce 100%
26/11/21 11:00:41 INFO mapreduce.Job: Counters: 4
\tJob Counters
\t\tLaunched map tasks=99
\twords
\t\tunique=1
\t\tstale=7
\tearlier only
\t\tgone=1
26/11/21 11:00:41 INFO mapreduce.Job: Job job_1700000000000_0002 completed successfully
26/11/21 11:00:42 INFO mapreduce.Job: Counters: 21
\tFile System Counters
\t\tFILE: Number of bytes read=1834
\t\tFILE: Number of bytes written=1402110
\t\tHDFS: Number of bytes read=1120
\t\tS3: Number of bytes read=52013
\t\tS3: Number of bytes written=3021
\tJob Counters
\t\tLaunched map tasks=4
\t\tLaunched reduce tasks=3
\t\tTotal time spent by all maps in occupied slots (ms)=1201920
\tMap-Reduce Framework
\t\tMap input records=1000
\t\tMap output records=8812
\t\tTotal committed heap usage (bytes)=3170893824
\tShuffle Errors
\t\tBAD_ID=0
\tFile Input Format Counters\x20
\t\tBytes Read=52013
\tFile Output Format Counters
\t\tBytes Written=3021
\twords
\t\tunique=901
\t\ttotal lines=1000
\tstreamr: errors
\t\tmalformed a=b=3
26/11/21 11:00:42 INFO streaming.StreamJob: Output directory: s3://streamr-output/words/
"""


def test_step_log_ids_progress_and_failure():
    info = parse_step_log(lines(FAILED_STEP))
    assert info.application_id == "application_1700000000000_0001"
    assert info.job_id == "job_1700000000000_0001"
    assert info.progress == [(0, 0), (50, 0), (75, 0), (100, 100)]
    assert info.last_progress == (100, 100)
    assert info.failure == ("Job job_1700000000000_0001 failed with state FAILED"
                            " due to: Task failed task_1700000000000_0001_m_000001")


def test_step_log_failed_attempts_in_order_with_their_errors():
    info = parse_step_log(lines(FAILED_STEP))
    assert info.failed_attempts == ["attempt_1700000000000_0001_m_000001_0",
                                    "attempt_1700000000000_0001_m_000001_1"]
    first = info.attempt_errors["attempt_1700000000000_0001_m_000001_0"]
    assert first[0] == ("Error: java.lang.RuntimeException: PipeMapRed.waitOutputThreads():"
                        " subprocess failed with code 1")
    assert len(first) == 6 and first[-1].startswith("\tat org.apache.hadoop.mapred.YarnChild")
    # the progress line after the blank line is not swallowed by the attempt
    assert len(info.attempt_errors["attempt_1700000000000_0001_m_000001_1"]) == 3


def test_step_log_counters_of_failed_job():
    counters = parse_step_log(lines(FAILED_STEP)).counters
    assert counters["Job Counters"] == {
        "Failed map tasks": 2, "Killed map tasks": 1, "Launched map tasks": 5,
        "Other local map tasks": 2, "Data-local map tasks": 3}
    assert counters["Map-Reduce Framework"]["Physical memory (bytes) snapshot"] == 0
    assert set(counters) == {"Job Counters", "Map-Reduce Framework"}


def test_step_log_last_counters_block_wins_and_keeps_user_groups():
    info = parse_step_log(lines(COUNTERS_TWICE))
    counters = info.counters
    assert counters["Job Counters"]["Launched map tasks"] == 4
    assert counters["words"] == {"unique": 901, "total lines": 1000}
    assert counters["streamr: errors"] == {"malformed a=b": 3}
    assert counters["File System Counters"]["S3: Number of bytes read"] == 52013
    assert counters["File Input Format Counters"] == {"Bytes Read": 52013}
    assert counters["Map-Reduce Framework"]["Total committed heap usage (bytes)"] == 3170893824
    assert len(counters) == 8 and "earlier only" not in counters
    assert info.job_id == "job_1700000000000_0002"
    assert info.application_id == "application_1700000000000_0002"
    assert info.failure is None and info.failed_attempts == []


def test_step_log_without_prefixes_or_line_endings_handled():
    text = ["Running job: job_1700000000000_0007\n",
            " map 10% reduce 0%\r\n",
            "Task Id : attempt_1700000000000_0007_r_000002_0, Status : FAILED\n",
            "Error: something\n",
            " map 40% reduce 5%\n"]
    info = parse_step_log(text)
    assert info.job_id == "job_1700000000000_0007"
    assert info.progress == [(10, 0), (40, 5)]
    assert info.attempt_errors == {"attempt_1700000000000_0007_r_000002_0": ["Error: something"]}


def test_step_log_empty_and_job_id_from_failure_line():
    empty = parse_step_log([])
    assert (empty.application_id, empty.job_id, empty.counters, empty.last_progress) == (
        None, None, {}, None)
    info = parse_step_log(["INFO mapreduce.Job: Job job_1700000000000_0009 failed with state"
                           " KILLED due to: Application killed by user."])
    assert info.job_id == "job_1700000000000_0009"
    assert info.failure.endswith("killed by user.")


# --- a map attempt's container logs ---------------------------------------

TRACEBACK_STDERR = """
SLF4J: Class path contains multiple SLF4J bindings.
SLF4J: Found binding in [jar:file:/usr/lib/hadoop/lib/slf4j-reload4j-1.7.36.jar!/org/slf4j/impl/StaticLoggerBinder.class]
/usr/local/lib/python3.9/site-packages/dateutil/tz/tz.py:37: DeprecationWarning: old zone name
  warnings.warn("old zone name")
streamr: mapper of step 1 failed at s3://streamr-input/logs/part-00001.gz line 17
Traceback (most recent call last):
  File "mr_parse.py", line 40, in <module>
    MRParse.run()
  File "/usr/local/lib/python3.9/site-packages/streamr/job.py", line 433, in run
    self._run_task(self.run_mapper)
  File "mr_parse.py", line 22, in mapper
    yield int(fields[2]), 1
          ^^^^^^^^^^^^^^
ValueError: invalid literal for int() with base 10: 'n/a'
log4j:WARN No appenders could be found for logger (org.apache.hadoop.metrics2.impl.MetricsSystemImpl).
log4j:WARN Please initialize the log4j system properly.
"""

CHAINED_STDERR = """
Traceback (most recent call last):
  File "mr_geo.py", line 12, in mapper_init
    import geoip2
ModuleNotFoundError: No module named 'geoip2'
Traceback (most recent call last):
  File "mr_geo.py", line 30, in mapper
    country = self.lookup[ip]
KeyError: '10.0.0.1'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "mr_geo.py", line 33, in mapper
    raise LookupFailed(ip) from None
mr_geo.LookupFailed: 10.0.0.1

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "mr_geo.py", line 50, in <module>
    MRGeo.run()
RuntimeError: mapper gave up
log4j:WARN Please initialize the log4j system properly.
"""

CUT_OFF_STDERR = """
Traceback (most recent call last):
  File "mr_a.py", line 3, in mapper
    1 / 0
ZeroDivisionError: division by zero
Traceback (most recent call last):
  File "mr_a.py", line 9, in mapper
    boom()
"""

SPLIT_SYSLOG = """
2026-11-21 10:00:12,001 INFO [main] org.apache.hadoop.metrics2.impl.MetricsConfig: Loaded properties from hadoop-metrics2.properties
2026-11-21 10:00:13,500 INFO [main] org.apache.hadoop.mapred.MapTask: Processing split: s3://streamr-input/logs/part-00001.gz:0+48213
2026-11-21 10:00:13,900 INFO [main] org.apache.hadoop.streaming.PipeMapRed: PipeMapRed exec [/usr/bin/python3, mr_parse.py, --step-num=0, --mapper]
2026-11-21 10:00:14,320 INFO [Thread-14] org.apache.hadoop.streaming.PipeMapRed: MRErrorThread done
2026-11-21 10:00:14,330 WARN [main] org.apache.hadoop.mapred.YarnChild: Exception running child : java.lang.RuntimeException: PipeMapRed.waitOutputThreads(): subprocess failed with code 1
\tat org.apache.hadoop.streaming.PipeMapRed.waitOutputThreads(PipeMapRed.java:326)
\tat org.apache.hadoop.streaming.PipeMapRed.mapRedFinished(PipeMapRed.java:539)
\tat org.apache.hadoop.mapred.YarnChild.main(YarnChild.java:172)

2026-11-21 10:00:14,340 INFO [main] org.apache.hadoop.mapred.Task: Running cleanup for the task
"""

S3_DENIED_SYSLOG = """
2026-11-21 10:00:13,100 INFO [main] org.apache.hadoop.mapred.MapTask: Processing split: hdfs://ip-172-31-5-20.ec2.internal:8020/user/hadoop/input/words.txt:134217728+67108864
2026-11-21 10:00:13,200 WARN [main] org.apache.hadoop.fs.s3a.S3AInstrumentation: retrying (java.net.SocketTimeoutException was seen once)
2026-11-21 10:00:14,330 WARN [main] org.apache.hadoop.mapred.YarnChild: Exception running child : java.io.IOException: Could not write part file
\tat org.apache.hadoop.mapred.TextOutputFormat$LineRecordWriter.write(TextOutputFormat.java:91)
\tat org.apache.hadoop.mapred.MapTask.run(MapTask.java:350)
Caused by: java.nio.file.AccessDeniedException: s3://streamr-output/words/part-00000: PUT 0-byte object
\tat org.apache.hadoop.fs.s3a.S3AUtils.translateException(S3AUtils.java:255)
\tat org.apache.hadoop.fs.s3a.Invoker.once(Invoker.java:119)
\t... 9 more
Caused by: software.amazon.awssdk.services.s3.model.S3Exception: Access Denied (Service: S3, Status Code: 403)
\tat software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handleErrorResponse(CombinedResponseHandler.java:125)
\t... 21 more
2026-11-21 10:00:14,340 INFO [main] org.apache.hadoop.mapred.Task: Running cleanup for the task
"""

NOISE_STDERR = """
SLF4J: Class path contains multiple SLF4J bindings.
SLF4J: See http://www.slf4j.org/codes.html#multiple_bindings for an explanation.
log4j:WARN Please initialize the log4j system properly.
"""


def test_traceback_found_amid_noise():
    found = find_python_traceback(lines(TRACEBACK_STDERR))
    assert found[0] == "Traceback (most recent call last):"
    assert found[-1] == "ValueError: invalid literal for int() with base 10: 'n/a'"
    assert "          ^^^^^^^^^^^^^^" in found
    assert len(found) == 9
    assert not any(line.startswith(("SLF4J", "log4j", "streamr:")) for line in found)


def test_traceback_keeps_chained_sections_and_only_the_last_block():
    found = find_python_traceback(lines(CHAINED_STDERR))
    assert found[0] == "Traceback (most recent call last):"
    assert found[1] == '  File "mr_geo.py", line 30, in mapper'
    assert "During handling of the above exception, another exception occurred:" in found
    assert "The above exception was the direct cause of the following exception:" in found
    assert "mr_geo.LookupFailed: 10.0.0.1" in found
    assert found[-1] == "RuntimeError: mapper gave up"
    assert not any("geoip2" in line for line in found)


def test_traceback_cut_off_does_not_count():
    found = find_python_traceback(lines(CUT_OFF_STDERR) + ["\n"])
    assert found[-1] == "ZeroDivisionError: division by zero"
    assert len(found) == 4


def test_no_traceback_is_none():
    assert find_python_traceback(lines(NOISE_STDERR)) is None
    assert find_python_traceback([]) is None
    assert find_python_traceback(lines(CUT_OFF_STDERR)[4:]) is None


def test_java_exception_with_caused_by_sections():
    found = find_java_exception(lines(S3_DENIED_SYSLOG))
    assert found[0].endswith("Exception running child : java.io.IOException: Could not"
                             " write part file")
    assert found[-1] == "\t... 21 more"
    assert [line.split(":")[0] for line in found if line.startswith("Caused by")] == [
        "Caused by", "Caused by"]
    assert "Access Denied" in found[-3]
    assert len(found) == 10


def test_java_exception_is_the_last_one_and_none_without_frames():
    found = find_java_exception(lines(FAILED_STEP))
    assert found[0].startswith("Error: java.lang.RuntimeException")
    assert len(found) == 3  # the second attempt's shorter stack
    assert find_java_exception(lines(NOISE_STDERR)) is None
    # 'at' frames with no exception line above them are not an exception
    assert find_java_exception(["INFO starting", "\tat somewhere(X.java:1)"]) is None


def test_long_java_stack_is_cut_keeping_every_section():
    stack = ["java.lang.IllegalStateException: outer"]
    stack += ["\tat a.B.m%d(B.java:%d)" % (i, i) for i in range(30)]
    for name in ("middle", "root"):
        stack.append("Caused by: java.lang.RuntimeException: %s" % name)
        stack += ["\tat c.D.n%d(D.java:%d)" % (i, i) for i in range(30)]
    found = find_java_exception(stack)
    assert len(found) <= 40
    assert found[0] == stack[0]
    assert "Caused by: java.lang.RuntimeException: root" in found
    assert "\t... 19 lines left out" in found
    assert len(find_java_exception(stack, max_lines=400)) == len(stack)


@pytest.mark.parametrize("text, expected", [
    (SPLIT_SYSLOG, InputSplit("s3://streamr-input/logs/part-00001.gz", 0, 48213)),
    (S3_DENIED_SYSLOG, InputSplit(
        "hdfs://ip-172-31-5-20.ec2.internal:8020/user/hadoop/input/words.txt",
        134217728, 67108864)),
])
def test_input_split(text, expected):
    split = find_input_split(lines(text))
    assert split == expected
    assert split.end == expected.start + expected.length


def test_no_input_split_for_reducers():
    assert find_input_split(lines(NOISE_STDERR)) is None
    assert find_input_split(["... Processing split: Paths:/a:0+1,/b:0+2 Locations:x"]) is None


# --- paths -----------------------------------------------------------------

def test_prefixes():
    assert step_log_prefix(LOG_URI, CLUSTER, STEP) == (
        "s3://streamr-logs/emr/j-2AXXXXXXGAPLF/steps/s-1K3F6ZD4GAQ9/")
    assert step_log_prefix("s3://b/logs", CLUSTER) == "s3://b/logs/j-2AXXXXXXGAPLF/steps/"
    assert container_log_prefix(LOG_URI, CLUSTER, APP) == CONTAINERS
    assert container_log_prefix(LOG_URI, CLUSTER) == (
        "s3://streamr-logs/emr/j-2AXXXXXXGAPLF/containers/")
    assert bootstrap_log_prefix(LOG_URI, CLUSTER, "i-0abc", 2) == (
        "s3://streamr-logs/emr/j-2AXXXXXXGAPLF/node/i-0abc/bootstrap-actions/2/")
    assert bootstrap_log_prefix(LOG_URI, CLUSTER) == "s3://streamr-logs/emr/j-2AXXXXXXGAPLF/node/"
    with pytest.raises(ValueError):
        bootstrap_log_prefix(LOG_URI, CLUSTER, action=1)


def test_classify_log_paths():
    step = step_log_prefix(LOG_URI, CLUSTER, STEP) + "syslog.gz"
    assert classify_log_path(step) == ("step", {
        "cluster_id": CLUSTER, "step_id": STEP, "log_type": "syslog"})
    kind, ids = classify_log_path(container(6, "stderr"))
    assert kind == "container"
    assert ids == {"cluster_id": CLUSTER, "application_id": APP,
                   "container_id": "container_1700000000000_0001_01_000006",
                   "log_type": "stderr"}
    boot = bootstrap_log_prefix(LOG_URI, CLUSTER, "i-0abc1234def567890", 2) + "stderr"
    assert classify_log_path(boot) == ("bootstrap", {
        "cluster_id": CLUSTER, "instance_id": "i-0abc1234def567890", "action": "2",
        "log_type": "stderr"})
    assert classify_log_path("s3://streamr-logs/emr/j-2AXXXXXXGAPLF/daemons/x.log") == (None, {})
    assert log_type("controller.gz") == "controller"


def test_ids_from_paths():
    path = "/mnt/userlogs/application_1700000000000_0001/attempt_1700000000000_0001_r_000002_3/stderr"
    assert attempt_id_from_path(path) == "attempt_1700000000000_0001_r_000002_3"
    attempt = parse_attempt_id(attempt_id_from_path(path))
    assert (attempt.task_type, attempt.task, attempt.attempt) == ("r", 2, 3)
    assert container_id_from_path(path) is None
    with_epoch = CONTAINERS + "container_e07_1700000000000_0001_02_000011/syslog"
    assert container_id_from_path(with_epoch) == "container_e07_1700000000000_0001_02_000011"
    parts = parse_container_id("container_e07_1700000000000_0001_02_000011")
    assert (parts.epoch, parts.application_attempt, parts.number) == (7, 2, 11)
    assert parse_attempt_id("task_1700000000000_0001_m_000000") is None


def test_rank_attempt_paths_later_attempts_and_reducers_first():
    base = "s3://logs/userlogs/attempt_1700000000000_0001_%s/%s"
    paths = [base % ("m_000000_0", "stderr"), base % ("m_000000_1", "syslog"),
             base % ("m_000000_1", "stderr"), base % ("r_000000_1", "stderr"),
             base % ("m_000000_1", "stdout")]
    assert rank_task_logs(paths) == [base % ("r_000000_1", "stderr"),
                                     base % ("m_000000_1", "stderr"),
                                     base % ("m_000000_1", "syslog"),
                                     base % ("m_000000_0", "stderr")]


def test_rank_container_paths_latest_container_first_stderr_before_syslog():
    paths = [container(2, "syslog"), container(2, "stderr"), container(1, "syslog"),
             container(6, "syslog"), container(6, "stdout"), container(6, "stderr"),
             CONTAINERS + "container_1700000000000_0001_02_000003/stderr.gz",
             step_log_prefix(LOG_URI, CLUSTER, STEP) + "stderr.gz"]
    assert rank_task_logs(paths) == [
        CONTAINERS + "container_1700000000000_0001_02_000003/stderr.gz",
        container(6, "stderr"), container(6, "syslog"),
        container(2, "stderr"), container(2, "syslog"),
        container(1, "syslog")]


# --- probable cause --------------------------------------------------------

EARLIER_TRACEBACK = """
Traceback (most recent call last):
  File "mr_parse.py", line 22, in mapper
    yield int(fields[2]), 1
ValueError: invalid literal for int() with base 10: 'n/a'
"""

EARLIER_SYSLOG = """
2026-11-21 10:00:10,500 INFO [main] org.apache.hadoop.mapred.MapTask: Processing split: s3://streamr-input/logs/part-00000.gz:0+51000
"""

AM_SYSLOG = """
2026-11-21 10:00:29,700 ERROR [Thread-60] org.apache.hadoop.mapreduce.v2.app.rm.RMCommunicator: Exception while unregistering
java.lang.InterruptedException: sleep interrupted
\tat java.lang.Thread.sleep(Native Method)
"""


def test_probable_cause_is_the_latest_attempts_traceback_with_its_split():
    logs = {
        container(1, "syslog"): lines(AM_SYSLOG),
        container(2, "stderr"): lines(EARLIER_TRACEBACK),
        container(2, "syslog"): lines(EARLIER_SYSLOG),
        container(6, "stdout"): [],
        container(6, "syslog"): lines(SPLIT_SYSLOG),
        container(6, "stderr"): lines(TRACEBACK_STDERR),
    }
    cause = find_probable_cause(logs)
    assert cause.kind == "python"
    assert cause.path == container(6, "stderr")
    assert cause.lines == find_python_traceback(lines(TRACEBACK_STDERR))
    assert cause.split == InputSplit("s3://streamr-input/logs/part-00001.gz", 0, 48213)


def test_probable_cause_prefers_python_in_an_older_container_to_java():
    logs = {container(2, "stderr"): lines(EARLIER_TRACEBACK),
            container(2, "syslog"): lines(EARLIER_SYSLOG),
            container(6, "stderr"): lines(NOISE_STDERR),
            container(6, "syslog"): lines(SPLIT_SYSLOG)}
    cause = find_probable_cause(logs)
    assert (cause.kind, cause.path) == ("python", container(2, "stderr"))
    assert cause.split.uri.endswith("part-00000.gz")


def test_probable_cause_falls_back_to_java():
    logs = {container(3, "stderr"): lines(NOISE_STDERR),
            container(3, "syslog"): lines(S3_DENIED_SYSLOG),
            container(1, "syslog"): lines(AM_SYSLOG)}
    cause = find_probable_cause(logs)
    assert cause.kind == "java"
    assert cause.path == container(3, "syslog")
    assert cause.lines[-1] == "\t... 21 more"
    assert cause.split.start == 134217728


def test_no_probable_cause():
    assert find_probable_cause({container(3, "stderr"): lines(NOISE_STDERR)}) is None
    assert find_probable_cause({}) is None


def test_format_exact():
    logs = {container(6, "stderr"): lines(CHAINED_STDERR)[4:15],
            container(6, "syslog"): lines(SPLIT_SYSLOG)}
    assert find_probable_cause(logs).format() == (
        "Probable cause of failure:\n"
        "    Traceback (most recent call last):\n"
        '      File "mr_geo.py", line 30, in mapper\n'
        "        country = self.lookup[ip]\n"
        "    KeyError: '10.0.0.1'\n"
        "\n"
        "    During handling of the above exception, another exception occurred:\n"
        "\n"
        "    Traceback (most recent call last):\n"
        '      File "mr_geo.py", line 33, in mapper\n'
        "        raise LookupFailed(ip) from None\n"
        "    mr_geo.LookupFailed: 10.0.0.1\n"
        "while reading s3://streamr-input/logs/part-00001.gz (bytes 0-48213)\n"
        "(from %s)" % container(6, "stderr"))


def test_format_java_expands_tabs_and_leaves_out_what_is_unknown():
    cause = ProbableCause("java", ["java.lang.OutOfMemoryError: Java heap space",
                                   "\tat java.util.Arrays.copyOf(Arrays.java:3236)"])
    assert cause.format() == ("Probable cause of failure:\n"
                              "    java.lang.OutOfMemoryError: Java heap space\n"
                              "        at java.util.Arrays.copyOf(Arrays.java:3236)")


# --- bootstrap actions ------------------------------------------------------

REASON = ("On the master instance (i-0abc1234def567890), bootstrap action 2 returned a"
          " non-zero return code")

BOOTSTRAP_STDERR = """
+ sudo python3 -m pip install streamr-extras==9.9
ERROR: Could not find a version that satisfies the requirement streamr-extras==9.9 (from versions: none)
ERROR: No matching distribution found for streamr-extras==9.9

"""


def test_bootstrap_failure_from_reason():
    assert bootstrap_failure_from_reason(REASON) == ("i-0abc1234def567890", 2)
    several = ("On 2 slave instances (including i-0aaa1111bbbb2222c and i-0ddd3333eeee4444f),"
               " bootstrap action 1 returned a non-zero return code")
    assert bootstrap_failure_from_reason(several) == ("i-0aaa1111bbbb2222c", 1)
    assert bootstrap_failure_from_reason("Steps completed with errors") is None


def test_bootstrap_cause_format():
    path = bootstrap_log_prefix(LOG_URI, CLUSTER, "i-0abc1234def567890", 2) + "stderr.gz"
    cause = bootstrap_cause(lines(BOOTSTRAP_STDERR) + [""], REASON, path)
    assert cause.kind == "bootstrap"
    assert cause.format() == (
        "Probable cause of failure:\n"
        "    " + REASON + "\n"
        "    + sudo python3 -m pip install streamr-extras==9.9\n"
        "    ERROR: Could not find a version that satisfies the requirement"
        " streamr-extras==9.9 (from versions: none)\n"
        "    ERROR: No matching distribution found for streamr-extras==9.9\n"
        "(from s3://streamr-logs/emr/j-2AXXXXXXGAPLF/node/i-0abc1234def567890/"
        "bootstrap-actions/2/stderr.gz)")


def test_bootstrap_cause_shows_a_traceback_or_the_tail():
    cause = bootstrap_cause(["noise"] + lines(EARLIER_TRACEBACK) + ["more noise"])
    assert cause.lines == lines(EARLIER_TRACEBACK)
    long = ["line %d" % i for i in range(100)]
    assert bootstrap_cause(long, REASON).lines == [REASON] + long[-20:]
    assert bootstrap_cause(None, REASON).lines == [REASON]
