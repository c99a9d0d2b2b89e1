"""The engine: the one split planner, the one key-range partitioner, the task
context (steps() once a task) and the task's argument parser."""

import io
import json
import os

import pytest

from streamr.engine.context import TaskContext
from streamr.engine.partition import choose_boundaries, partition_sorted
from streamr.engine.records import Position
from streamr.engine.splits import (
    InputFile,
    Split,
    file_line_end,
    line_offsets,
    lines_in_split,
    memory_line_end,
    plan_splits,
    read_split,
)
from streamr.job import MRJob
from streamr.runners.description import FileArg, JobDescription, describe_job
from tests.jobs.mr_features import MRTaskCensus

# --- splits -----------------------------------------------------------------------------


def test_plan_splits_cuts_plain_files_by_size_and_keeps_compressed_whole():
    files = [InputFile("a", "a", 100, False), InputFile("b.gz", "b.gz", 40, True),
             InputFile("empty", "empty", 0, False)]
    splits = plan_splits(files, 5)
    plain = [s for s in splits if s.path == "a"]
    # five wanted, one taken by the compressed file: four of the plain bytes
    assert [(s.start, s.length) for s in plain] == [(0, 25), (25, 25), (50, 25), (75, 25)]
    assert [s for s in splits if s.path == "b.gz"] == [Split("b.gz", 0, 40, True, "b.gz", 1)]
    assert [s for s in splits if s.path == "empty"] == [Split("empty", 0, 0, False, "empty", 2)]


def test_plan_splits_respects_max_split():
    splits = plan_splits([InputFile("a", "a", 100, False)], 1, max_split=30)
    assert [s.length for s in splits] == [30, 30, 30, 10]


def _file_lines(tmp_path, data, split):
    path = tmp_path / "input"
    path.write_bytes(data)
    return list(read_split(split._replace(path=str(path)), Position()))


@pytest.mark.parametrize("size", [1, 3, 5, 7, 11, 64])
def test_memory_and_file_splits_read_the_same_lines_once(tmp_path, size):
    data = b"".join(b"x" * (i % 6) + b"\n" for i in range(20)) + b"tail"
    lines = io.BytesIO(data).readlines()
    offsets = line_offsets(lines)
    splits = plan_splits([InputFile("input", "input", len(data), False)], 1, max_split=size)
    seen = []
    for split in splits:
        _, in_memory = lines_in_split(lines, offsets, split)
        assert in_memory == _file_lines(tmp_path, data, split)
        seen.extend(in_memory)
    assert seen == lines


def test_a_line_belongs_to_the_split_it_starts_in():
    lines = [b"aaaa\n", b"bbbb\n", b"cccc\n"]
    split = Split("f", 0, 5, False, "f")
    assert lines_in_split(lines, line_offsets(lines), split) == (0, lines[:1])
    assert lines_in_split(lines, line_offsets(lines), Split("f", 5, 5, False, "f")) == (
        1, lines[1:2])
    assert lines_in_split(lines, line_offsets(lines), Split("f", 6, 9, False, "f")) == (
        2, lines[2:])


def test_splits_that_see_line_ends_take_whole_lines_up_to_their_share(tmp_path):
    # 807 bytes in 4 tasks: each takes lines until it holds 201 bytes or more
    sizes = [16, 38, 35, 9, 24, 39, 31, 41, 38, 5, 39, 1, 31, 17, 36, 15, 13, 31, 35, 36, 31,
             26, 41, 10, 15, 41, 10, 34, 25, 1]
    data = b"".join(b"x" * (size - 1) + b"\n" for size in sizes)
    path = tmp_path / "v.txt"
    path.write_bytes(data)
    files = [InputFile(str(path), "v", len(data), False), InputFile("in2", "in2", 43, False)]
    splits = plan_splits(files, 4, None, file_line_end([str(path), "in2"]))
    assert [(s.start, s.length) for s in splits if s.source == 0] == [
        (0, 233), (233, 226), (459, 235), (694, 70)]
    assert [len(_file_lines(tmp_path, data, s)) for s in splits if s.source == 0] == [
        8, 10, 8, 4]
    lines = io.BytesIO(data).readlines()
    memory = plan_splits(files[:1] + files[1:], 4, None,
                         memory_line_end(lambda n: line_offsets(lines), [len(data), 43]))
    assert memory == splits


# --- partitioning ------------------------------------------------------------------------


def test_partition_never_splits_a_key_and_keeps_order():
    records = sorted([b"a\t1\n", b"a\t2\n", b"a\t3\n", b"b\t1\n", b"c\t1\n", b"c\t2\n"])
    parts = partition_sorted(records, 3)
    assert len(parts) == 3 and sum(parts, []) == records
    keys = [{r.split(b"\t")[0] for r in part} for part in parts]
    assert all(not keys[i] & keys[j] for i in range(3) for j in range(i + 1, 3))


def test_partition_pads_with_empty_parts_only_when_keys_run_out():
    assert partition_sorted([b"a\t1\n", b"a\t2\n"], 3) == [[b"a\t1\n", b"a\t2\n"], [], []]
    assert partition_sorted([], 2) == [[], []]
    # four keys, four tasks asked for: none empty, however the bytes fall
    records = [b"a\t1\n", b"b\t1\n", b"c\t1\n", b"d\t" + b"x" * 500 + b"\n"]
    assert partition_sorted(records, 4) == [[r] for r in records]


def test_boundaries_and_partition_agree():
    records = sorted(b"%s\t%d\n" % (key, n) for n, key in enumerate(
        [b"k%02d" % (i * 7 % 13) for i in range(60)]))
    samples = [(r.split(b"\t")[0], len(r)) for r in records]
    for exact in (True, False):
        bounds = choose_boundaries(samples, 4, exact)
        parts = partition_sorted(records, 4, exact)
        assert [part[0].split(b"\t")[0] for part in parts[1:]] == bounds


def test_a_range_ends_only_where_the_key_changes():
    # the threshold (half of 40 bytes) falls inside key b: b stays in range 0
    samples = [(b"a", 10), (b"b", 10), (b"b", 10), (b"c", 10)]
    assert choose_boundaries(samples, 2) == [b"c"]


def _keys(parts):
    """Each part's distinct keys, joined."""
    return [b"".join(dict.fromkeys(r.split(b"\t")[0] for r in part)) for part in parts]


@pytest.mark.parametrize("records, parts, expected", [
    # 20 equal keys over 4 tasks: five each
    ([b"k%02d\tx\n" % i for i in range(20)], 4,
     [b"k00k01k02k03k04", b"k05k06k07k08k09", b"k10k11k12k13k14", b"k15k16k17k18k19"]),
    # fewer keys than tasks: one task per key, no empty ones
    ([b"a\tx\n", b"b\tx\n", b"c\tx\n"], 4, [b"a", b"b", b"c"]),
    # a big first key fills its task; the small rest share one
    ([b"a\t" + b"x" * 1000 + b"\n"] + [b"k%02d\tx\n" % i for i in range(19)], 4,
     [b"a", b"".join(b"k%02d" % i for i in range(19))]),
    # a big last key: nothing reaches a share before it, so one task
    ([b"k%02d\tx\n" % i for i in range(19)] + [b"z\t" + b"x" * 1000 + b"\n"], 4,
     [b"".join(b"k%02d" % i for i in range(19)) + b"z"]),
    # the share is rounded down: 463 bytes over 4 tasks, a range closes at 115
    ([b'"%s"\t1\n' % w for w in (b"a", b"and", b"blue", b"brown", b"dog") for _ in range(3)]
     + [b'"fox"\t1\n'] * 4 + [b'"hello"\t1\n', b'"here"\t1\n', b'"is"\t1\n']
     + [b'"%s"\t1\n' % w for w in (b"jumps", b"lazy") for _ in range(3)]
     + [b'"match"\t1\n', b'"no"\t1\n'] + [b'"over"\t1\n'] * 3 + [b'"quick"\t1\n'] * 4
     + [b'"sun"\t1\n'] * 3 + [b'"the"\t1\n'] + [b'"the"\t2\n'] * 3
     + [b'"under"\t1\n'] * 3 + [b'"uu"\t1\n'] * 3 + [b'"world"\t1\n'] + [b'"you"\t1\n'] * 3,
     4, [b'"a""and""blue""brown""dog"', b'"fox""hello""here""is""jumps""lazy"',
         b'"match""no""over""quick""sun""the"', b'"under""uu""world""you"']),
])
def test_balanced_ranges_cut_as_mrjob_cuts_them(records, parts, expected):
    """What mrjob 0.7.4's local and inline runners give for these inputs
    (observed with two cores: four reduce tasks at most)."""
    assert _keys(partition_sorted(records, parts, exact=False)) == expected


def test_balanced_ranges_of_nothing_are_one_empty_task():
    assert partition_sorted([], 4, exact=False) == [[]]


# --- the task context --------------------------------------------------------------------


class MRCountsSteps(MRJob):
    calls = 0

    def steps(self):
        type(self).calls += 1
        return super().steps()

    def mapper(self, _, line):
        yield line, 1

    def combiner(self, key, values):
        yield key, sum(values)

    def reducer(self, key, values):
        yield key, sum(values)


@pytest.mark.parametrize("kind", ["--mapper", "--combiner", "--reducer"])
def test_steps_is_called_once_per_task(kind):
    MRCountsSteps.calls = 0
    stdin = b"x\n" if kind == "--mapper" else b'"x"\t1\n"x"\t2\n'
    job = MRCountsSteps(["--step-num=0", kind]).sandbox(stdin=io.BytesIO(stdin))
    job.execute()
    assert MRCountsSteps.calls == 1
    assert job.stdout.getvalue()


def test_steps_is_called_once_per_local_task(tmp_path):
    data = tmp_path / "in.txt"
    data.write_bytes(b"a\nb\na\n")
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({
        "kind": "map", "step_num": 0, "run_dir": str(tmp_path),
        "input": {"path": str(data), "start": 0, "length": 6, "compressed": False,
                  "label": "in.txt"},
        "part_path": None}))
    MRCountsSteps.calls = 0
    MRCountsSteps(["--step-num=0", "--mapper", "--local-task", str(spec)]).execute()
    assert MRCountsSteps.calls == 1
    assert os.path.exists(tmp_path / "runs.json")


def test_context_holds_step_protocols_and_malformed_policy(monkeypatch):
    MRCountsSteps.calls = 0
    ctx = TaskContext(MRCountsSteps([]), 0)
    assert MRCountsSteps.calls == 1
    assert ctx.step["mapper"] is not None and ctx.description["type"] == "streaming"
    assert ctx.protocols("mapper") is ctx.protocols("mapper")
    assert ctx.on_malformed() is None
    monkeypatch.setenv("streamr_skip_malformed_records", "true")
    assert TaskContext(MRCountsSteps([]), 0).on_malformed() is not None


def test_task_parser_has_no_runner_options():
    task = MRTaskCensus(["--step-num=0", "--mapper", "--min-count=2"])
    full = MRTaskCensus(["--min-count=2"])
    task_switches = {s for a in task.arg_parser._actions for s in a.option_strings}
    full_switches = {s for a in full.arg_parser._actions for s in a.option_strings}
    assert "--min-count" in task_switches and "--jobconf" not in task_switches
    assert "--ec2-instance-type" not in task_switches and "--jobconf" in full_switches
    assert len(task_switches) < len(full_switches) // 3
    # a runner option still reads as unset in a task, as in an ordinary job
    assert task.options.min_count == 2 and task.options.jobconf is None
    with pytest.raises(AttributeError):
        task.options.no_such_option  # noqa: B018


def test_a_task_may_pass_runner_switches_through():
    class Job(MRJob):
        def configure_args(self):
            super().configure_args()
            self.pass_arg_through("--runner")
            self.pass_arg_through("--cmdenv")

        def mapper(self, _, line):
            yield line, 1

    job = Job(["--step-num=0", "--mapper", "-r", "local", "--cmdenv", "A=1"])
    assert job.options.runner == "local" and job.options.cmdenv == {"A": "1"}


# --- the job description -----------------------------------------------------------------


def test_description_carries_the_job_as_values(tmp_path):
    data = tmp_path / "words.txt"
    data.write_text("x")

    class Job(MRTaskCensus):
        def configure_args(self):
            super().configure_args()
            self.add_file_arg("--words")

    job = Job(["--min-count", "3", "--words", str(data), "-o", "out", "in.txt"])
    desc = describe_job(job, {"jobconf": {"a": "1"}})
    assert desc.job_class is Job and desc.input_paths == ["in.txt"]
    assert desc.output_dir == "out" and desc.cli_options == {"jobconf": {"a": "1"}}
    assert desc.steps == job._steps_desc()
    assert desc.task_args == ["--min-count=3", FileArg("--words=", str(data))]
    assert desc.task_args_for(os.path.basename) == job.task_args(rename_file=os.path.basename)
    assert desc.file_arg_paths == [str(data)]


def test_keyword_constructor_makes_a_description():
    desc = JobDescription.from_keywords(job_class=MRTaskCensus, steps=[{"type": "streaming"}],
                                        extra_args=["--x=1"], jobconf={"a": "b"})
    assert desc.script_path == MRTaskCensus.mr_job_script()
    assert desc.input_paths == ["-"] and desc.task_args_for() == ["--x=1"]
    assert desc.cli_options == {"jobconf": {"a": "b"}}
