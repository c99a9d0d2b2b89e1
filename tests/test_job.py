"""The MRJob API: steps, arguments, protocols, counters, task mode."""

import bz2
import gzip
import json
import os
from io import BytesIO

import pytest

from streamr.job import MRJob
from streamr.protocol import JSONProtocol, JSONValueProtocol, RawValueProtocol, ReprProtocol
from streamr.step import MRStep
from tests.jobs.mr_features import MRCounting, MRTaskCensus, MRTwoStepMax
from tests.support.jobs import JOBS, json_lines, run_script

FEATURES = os.path.join(JOBS, "mr_features.py")


class MRMapperOnly(MRJob):
    def mapper(self, key, value):
        yield value, 1


def test_default_steps_use_overridden_methods():
    steps = MRTaskCensus([]).steps()
    assert len(steps) == 1
    desc = steps[0].description(0)
    assert desc == {"type": "streaming", "mapper": {"type": "script"},
                    "reducer": {"type": "script"}}
    assert MRMapperOnly([]).steps()[0].description(0) == {
        "type": "streaming", "mapper": {"type": "script"}}


def test_base_job_has_no_steps():
    with pytest.raises(ValueError, match="no mappers and no reducers"):
        MRJob([]).steps()


def test_cmd_methods_become_commands():
    class Job(MRJob):
        def mapper_cmd(self):
            return "grep x"

        def reducer_pre_filter(self):
            return "sort"

        def reducer(self, key, values):
            yield key, len(list(values))

    desc = Job([]).steps()[0].description(0)
    assert desc["mapper"] == {"type": "command", "command": "grep x"}
    assert desc["reducer"] == {"type": "script", "pre_filter": "sort"}


def test_protocols_across_steps():
    job = MRTwoStepMax([])
    read, write = job.pick_protocols(0, "mapper")
    assert isinstance(read.__self__, RawValueProtocol)
    assert isinstance(write.__self__, JSONProtocol)
    read, write = job.pick_protocols(1, "reducer")
    assert isinstance(read.__self__, JSONProtocol)
    assert isinstance(write.__self__, JSONValueProtocol)
    with pytest.raises(ValueError):
        job.pick_protocols(1, "mapper")


def test_mapper_only_job_writes_output_protocol():
    class Job(MRMapperOnly):
        OUTPUT_PROTOCOL = ReprProtocol

    _, write = Job([]).pick_protocols(0, "mapper")
    assert write("a", (1, 2)) == b"'a'\t(1, 2)"


def test_passthru_args_reach_tasks_and_parse_types():
    job = MRTaskCensus(["--min-count", "3", "input.txt", "-r", "inline"])
    assert job.options.min_count == 3
    assert job.options.args == ["input.txt"]
    assert job.options.runner == "inline"
    assert job.task_args() == ["--min-count=3"]
    assert MRTaskCensus([]).task_args() == []


def test_bad_args_raise_value_error_when_given_programmatically():
    with pytest.raises(ValueError, match="invalid int value"):
        MRTaskCensus(["--min-count", "lots"])


def test_arg_parser_error_is_one_line_exit_2():
    result = run_script(FEATURES, ["--min-count", "lots"])
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert "--min-count" in lines[0] and "invalid int value" in lines[0]


def test_file_args_are_renamed_for_tasks(tmp_path):
    data = tmp_path / "lookup.db"
    data.write_text("x")

    class Job(MRMapperOnly):
        def configure_args(self):
            super().configure_args()
            self.add_file_arg("--db")
            self.add_passthru_arg("-n", "--number", type=int, default=2)
            self.add_passthru_arg("--flag", action="store_true")

    job = Job(["--db", str(data), "-n", "5", "--flag"])
    assert job.file_arg_paths() == [str(data)]
    assert job.task_args(rename_file=os.path.basename) == [
        "--db=lookup.db", "--number=5", "--flag"]


def test_file_arg_refuses_non_string_types():
    class Job(MRMapperOnly):
        def configure_args(self):
            super().configure_args()
            self.add_file_arg("--db", type=int)

    with pytest.raises(TypeError):
        Job([])


def test_pass_arg_through_existing_option():
    class Job(MRMapperOnly):
        def configure_args(self):
            super().configure_args()
            self.pass_arg_through("--runner")

    assert Job(["-r", "inline"]).task_args() == ["--runner=inline"]
    with pytest.raises(ValueError):
        class Bad(MRMapperOnly):
            def configure_args(self):
                super().configure_args()
                self.pass_arg_through("--nope")

        Bad([])


def test_jobconf_and_cmdenv_switches_become_dicts():
    job = MRMapperOnly(["-D", "a.b=1", "--jobconf", "c=x=y", "--cmdenv", "TZ=UTC"])
    assert job.options.jobconf == {"a.b": "1", "c": "x=y"}
    assert job.options.cmdenv == {"TZ": "UTC"}
    with pytest.raises(ValueError, match="NAME=VALUE"):
        MRMapperOnly(["-D", "novalue"])


def test_increment_counter_and_status_lines():
    job = MRCounting([]).sandbox()
    job.increment_counter("group, a", "name,b", 3)
    job.set_status("half done")
    assert job.stderr.getvalue() == (
        b"reporter:counter:group; a,name;b,3\nreporter:status:half done\n")
    with pytest.raises(TypeError):
        job.increment_counter("g", "c", 1.5)


def test_run_mapper_and_reducer_in_sandbox():
    job = MRTaskCensus(["--mapper", "--step-num=0"]).sandbox(stdin=BytesIO(b"a b\nb\n"))
    job.run_mapper(0)
    assert json_lines(job.stdout.getvalue()) == [
        ("a", 1), ("b", 1), ("b", 1), ("__map_task__", None)]
    reducer = MRTaskCensus(["--reducer"]).sandbox(
        stdin=BytesIO(b'"a"\t1\n"b"\t1\n"b"\t1\n'))
    reducer.run_reducer(0)
    assert json_lines(reducer.stdout.getvalue()) == [
        ("a", 1), ("b", 2), ("__reduce_task__", None)]


def test_map_and_reduce_pairs_directly():
    job = MRTaskCensus([])
    assert list(job.map_pairs([(None, "x y x")])) == [
        ("x", 1), ("y", 1), ("x", 1), ("__map_task__", None)]
    assert list(job.reduce_pairs([("x", 1), ("x", 1), ("y", 1)])) == [
        ("x", 2), ("y", 1), ("__reduce_task__", None)]


def test_task_mode_as_hadoop_streaming_calls_it():
    mapped = run_script(FEATURES, ["--step-num=0", "--mapper"], stdin=b"to be or\nnot to be\n",
                        env={"mapreduce_task_partition": "7"})
    assert mapped.returncode == 0, mapped.stderr
    pairs = json_lines(mapped.stdout)
    assert ("to", 1) in pairs and pairs[-1] == ("__map_task__", "7")
    ordered = b"".join(sorted(mapped.stdout.splitlines(True)))
    reduced = run_script(FEATURES, ["--step-num=0", "--reducer", "--min-count=2"], stdin=ordered)
    assert reduced.returncode == 0, reduced.stderr
    result = dict(json_lines(reduced.stdout))
    assert result["be"] == 2 and result["to"] == 2 and "or" not in result


def test_task_mode_reads_input_files_and_compression(tmp_path):
    gz = tmp_path / "a.gz"
    gz.write_bytes(gzip.compress(b"x y\n"))
    bz = tmp_path / "b.bz2"
    bz.write_bytes(bz2.compress(b"y\n"))
    job = MRTaskCensus(["--mapper", str(gz), str(bz)]).sandbox()
    job.run_mapper(0)
    assert json_lines(job.stdout.getvalue())[:3] == [("x", 1), ("y", 1), ("y", 1)]


def test_task_mode_malformed_record_names_line():
    result = run_script(FEATURES, ["--step-num=0", "--reducer"], stdin=b'"a"\t1\n"b"\t{bad\n',
                        env={"mapreduce_map_input_file": "part-00003"})
    assert result.returncode == 1
    assert b"part-00003 line 2: malformed record for JSONProtocol" in result.stderr
    assert b"Traceback" not in result.stderr


def test_task_mode_exception_keeps_traceback_and_position():
    result = run_script(FEATURES, ["--step-num=0", "--mapper"], stdin=b"ok\nboom\n",
                        env={"STREAMR_TEST_JOB": "MRRaiser"})
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "mapper of step 1 failed at <stdin> line 2" in err
    assert "Traceback" in err and "ZeroDivisionError: boom line seen" in err


def test_parse_output_decodes_chunks_split_anywhere():
    job = MRTaskCensus([])
    chunks = [b'"a"\t', b'1\n"b', b'"\t2\n']
    assert list(job.parse_output(chunks)) == [("a", 1), ("b", 2)]


def test_mr_job_script_and_relative_files():
    class Job(MRMapperOnly):
        FILES = ["data.txt", "/abs/other.txt#o.txt"]

    here = os.path.dirname(os.path.abspath(__file__))
    assert Job.mr_job_script() == os.path.abspath(__file__)
    assert Job([]).files() == [os.path.join(here, "data.txt"), "/abs/other.txt#o.txt"]

    class Bad(MRMapperOnly):
        DIRS = "not-a-list"

    with pytest.raises(TypeError):
        Bad([]).dirs()


def test_sort_values_sets_partitioner_and_jobconf():
    class Job(MRMapperOnly):
        SORT_VALUES = True
        JOBCONF = {"x": "1"}

    opts = Job([]).job_runner_options()
    assert opts["sort_values"] is True
    assert opts["jobconf"]["x"] == "1"
    assert opts["jobconf"]["stream.num.map.output.key.fields"] == "2"
    assert opts["partitioner"].endswith("KeyFieldBasedPartitioner")


def test_make_runner_refused_in_task_mode():
    from streamr.errors import UsageError

    with pytest.raises(UsageError):
        MRTaskCensus(["--mapper"]).make_runner()


def test_steps_can_mix_methods_and_json():
    class Job(MRJob):
        def steps(self):
            return [MRStep(mapper=self.m), MRStep(reducer=self.r)]

        def m(self, _, line):
            yield line, 1

        def r(self, key, values):
            yield key, sum(values)

    desc = Job([])._steps_desc()
    assert json.loads(json.dumps(desc)) == desc
    assert len(desc) == 2
