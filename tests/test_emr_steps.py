"""The arguments of the steps the EMR runner sends: streaming steps through
command-runner.jar and jar steps."""

import shlex

import pytest

from streamr.errors import UsageError
from streamr.runners.emr.steps import (
    NLINE_INPUT_FORMAT,
    StreamingPlan,
    jar_step,
    step_name,
    step_request,
    streaming_step,
)
from streamr.step import GENERIC_ARGS, INPUT, OUTPUT, JarStep, MRStep


def _plan(**kwargs):
    plan = StreamingPlan(
        files=[("s3://b/files/1/job.py", "job.py"), ("s3://b/files/2/streamr.zip",
                                                     "streamr.zip")],
        task_command=["python3", "job.py"], cmdenv={"PYTHONPATH": "streamr.zip"})
    for name, value in kwargs.items():
        setattr(plan, name, value)
    return plan


def _values(args, switch):
    return [args[i + 1] for i, arg in enumerate(args) if arg == switch]


def _mr(**parts):
    return MRStep(**parts).description(0)


def _mapper(*_):
    yield None, None


def _reducer(*_):
    yield None, None


def test_word_count_step_in_hadoop_order():
    desc = _mr(mapper=_mapper, combiner=_reducer, reducer=_reducer)
    args = streaming_step(desc, 0, _plan(jobconf={"mapreduce.job.reduces": "3"}),
                          ["s3://in/a", "s3://in/b"], "s3://out/")
    assert args[0] == "hadoop-streaming"
    assert args[1:3] == ["-files", "s3://b/files/1/job.py#job.py,"
                                   "s3://b/files/2/streamr.zip#streamr.zip"]
    # generic options (-files, -D) come before any streaming option
    assert args.index("-D") < args.index("-input")
    assert _values(args, "-D") == ["mapreduce.job.reduces=3"]
    assert _values(args, "-input") == ["s3://in/a", "s3://in/b"]
    assert _values(args, "-output") == ["s3://out/"]
    assert _values(args, "-mapper") == ["python3 job.py --step-num=0 --mapper"]
    assert _values(args, "-combiner") == ["python3 job.py --step-num=0 --combiner"]
    assert _values(args, "-reducer") == ["python3 job.py --step-num=0 --reducer"]
    assert _values(args, "-cmdenv") == ["PYTHONPATH=streamr.zip"]


def test_map_only_step_asks_for_no_reducers():
    args = streaming_step(_mr(mapper=_mapper), 0, _plan(), ["s3://in/"], "s3://out/")
    assert "mapreduce.job.reduces=0" in _values(args, "-D")
    assert "-reducer" not in args


def test_user_reducer_count_wins_on_map_only_step():
    args = streaming_step(_mr(mapper=_mapper), 0, _plan(jobconf={"mapreduce.job.reduces": "2"}),
                          ["s3://in/"], "s3://out/")
    assert _values(args, "-D") == ["mapreduce.job.reduces=2"]


def test_later_step_without_mapper_passes_lines_through():
    desc = MRStep(reducer=_reducer).description(1)
    args = streaming_step(desc, 1, _plan(), ["s3://tmp/step-0/"], "s3://out/")
    assert _values(args, "-mapper") == ["cat"]
    assert _values(args, "-reducer") == ["python3 job.py --step-num=1 --reducer"]


def test_task_args_are_quoted_for_hadoop():
    plan = _plan(task_args=["--word", "two words", "--file", "it's.txt"])
    args = streaming_step(_mr(mapper=_mapper), 0, plan, ["s3://in/"], "s3://out/")
    mapper = _values(args, "-mapper")[0]
    assert shlex.split(mapper) == ["python3", "job.py", "--step-num=0", "--mapper", "--word",
                                   "two words", "--file", "it's.txt"]


def test_pre_filter_runs_through_a_shell():
    desc = _mr(mapper=_mapper, mapper_pre_filter="grep -v '^#'")
    args = streaming_step(desc, 0, _plan(), ["s3://in/"], "s3://out/")
    command = shlex.split(_values(args, "-mapper")[0])
    assert command[:2] == ["/bin/sh", "-c"]
    assert command[2] == "grep -v '^#' | python3 job.py --step-num=0 --mapper"


def test_shell_commands_need_a_shell_only_when_they_use_one():
    plain = streaming_step(_mr(mapper_cmd="cat", reducer_cmd="wc -l"), 0, _plan(),
                           ["s3://in/"], "s3://out/")
    assert _values(plain, "-mapper") == ["cat"]
    assert _values(plain, "-reducer") == ["wc -l"]
    piped = streaming_step(_mr(mapper_cmd="cut -f1 | sort"), 0, _plan(), ["s3://in/"],
                           "s3://out/")
    assert shlex.split(_values(piped, "-mapper")[0]) == ["/bin/sh", "-c", "cut -f1 | sort"]


def test_setup_wrapper_runs_before_the_task():
    plan = _plan(setup_wrapper="streamr-setup.sh")
    args = streaming_step(_mr(mapper=_mapper, reducer_cmd="sort -u"), 0, plan, ["s3://in/"],
                          "s3://out/")
    assert shlex.split(_values(args, "-mapper")[0])[:3] == ["/bin/sh", "streamr-setup.sh",
                                                            "python3"]
    assert shlex.split(_values(args, "-reducer")[0]) == [
        "/bin/sh", "streamr-setup.sh", "/bin/sh", "-c", "sort -u"]


def test_archives_libjars_partitioner_and_formats():
    plan = _plan(archives=[("s3://b/files/3/data.tar.gz", "data")], libjars=["s3://b/x.jar"],
                 partitioner="org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner",
                 input_format="org.example.In", output_format="org.example.Out")
    first = streaming_step(_mr(mapper=_mapper), 0, plan, ["s3://in/"], "s3://t/", last=False)
    assert _values(first, "-archives") == ["s3://b/files/3/data.tar.gz#data"]
    assert _values(first, "-libjars") == ["s3://b/x.jar"]
    assert _values(first, "-partitioner") == [plan.partitioner]
    assert _values(first, "-inputformat") == ["org.example.In"]
    assert "-outputformat" not in first  # only the last step writes the job's output
    last = streaming_step(_mr(mapper=_mapper), 1, plan, ["s3://t/"], "s3://out/")
    assert "-inputformat" not in last  # only the first step reads the job's input
    assert _values(last, "-outputformat") == ["org.example.Out"]


def test_raw_mapper_reads_a_manifest_one_line_per_task():
    desc = _mr(mapper_raw=_mapper)
    args = streaming_step(desc, 0, _plan(), ["s3://tmp/manifest.txt"], "s3://out/")
    assert _values(args, "-inputformat") == [NLINE_INPUT_FORMAT]
    assert "mapreduce.input.lineinputformat.linespermap=1" in _values(args, "-D")


def test_step_jobconf_overrides_the_jobs():
    desc = _mr(mapper=_mapper, reducer=_reducer, jobconf={"x.y": 2})
    args = streaming_step(desc, 0, _plan(jobconf={"x.y": "1", "a.b": "c"}), ["s3://in/"],
                          "s3://out/")
    assert _values(args, "-D") == ["a.b=c", "x.y=2"]


def test_step_without_input_is_refused():
    with pytest.raises(UsageError):
        streaming_step(_mr(mapper=_mapper), 0, _plan(), [], "s3://out/")


def test_jar_step_fills_placeholders():
    desc = JarStep("s3://b/wc.jar", args=["-v", GENERIC_ARGS, INPUT, OUTPUT],
                   main_class="org.example.WordCount", jobconf={"k": "v"}).description(0)
    step = jar_step(desc, 0, "s3://b/wc.jar", ["s3://in/a", "s3://in/b"], "s3://out/",
                    {"j": "1"}, ["s3://b/lib.jar"])
    assert step == {
        "Jar": "s3://b/wc.jar",
        "MainClass": "org.example.WordCount",
        "Args": ["-v", "-libjars", "s3://b/lib.jar", "-D", "j=1", "-D", "k=v",
                 "s3://in/a,s3://in/b", "s3://out/"],
    }


def test_step_request_and_name():
    name = step_name("job.me.20260101.000000.000000", 1, 3)
    assert name == "job.me.20260101.000000.000000: Step 2 of 3"
    request = step_request(name, "CANCEL_AND_WAIT", {"Jar": "command-runner.jar", "Args": []})
    assert request == {"Name": name, "ActionOnFailure": "CANCEL_AND_WAIT",
                       "HadoopJarStep": {"Jar": "command-runner.jar", "Args": []}}
