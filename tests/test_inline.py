"""The inline runner: tasks, sorting, partitioning, inputs, outputs, failures."""

import bz2
import gzip
import io
import os
import tarfile

import pytest

from streamr.engine.partition import partition_sorted
from streamr.errors import MalformedRecordError, UsageError
from streamr.job import MRJob
from streamr.protocol import JSONValueProtocol
from streamr.runners.inline import Source
from streamr.runners.inline import map_inputs as plan_splits
from tests.jobs.mr_features import (
    MRCommand,
    MRCounting,
    MREnvReport,
    MRRaiser,
    MRRawMapper,
    MRSortValues,
    MRTaskCensus,
    MRTwoStepMax,
)
from tests.support.jobs import JOBS, run_inline, run_script

FEATURES = os.path.join(JOBS, "mr_features.py")
TEXT = b"".join(b"line %d alpha beta gamma\n" % i for i in range(200))


def test_several_map_and_reduce_tasks():
    # two cores: four map tasks, and at most four reduce tasks, each taking
    # whole keys until it holds a quarter of the bytes (the last takes less)
    pairs, _ = run_inline(MRTaskCensus, ["--num-cores", "2"], stdin=TEXT)
    result = dict((k, v) for k, v in pairs if not k.startswith("__"))
    assert result["alpha"] == 200 and result["line"] == 200
    map_tasks = [v for k, v in pairs if k == "__map_task__"]
    assert map_tasks == [["0", "1", "2", "3"]]
    reduce_tasks = [v for k, v in pairs if k == "__reduce_task__"]
    assert reduce_tasks == ["0", "1", "2"]


def test_output_is_sorted_by_encoded_key_across_parts(tmp_path):
    out = tmp_path / "out"
    job = MRTaskCensus(["--no-conf", "-o", str(out), "-D", "mapreduce.job.reduces=3"])
    job.sandbox(stdin=io.BytesIO(b"b a\nc d e f g\nh a\n"))
    with job.make_runner() as runner:
        runner.run()
    names = sorted(os.listdir(out))
    assert names == ["_SUCCESS", "part-00000", "part-00001", "part-00002"]
    keys = [line.split(b"\t")[0] for name in names[1:]
            for line in (out / name).read_bytes().splitlines()]
    real_keys = [k for k in keys if not k.startswith(b'"__')]
    assert real_keys == sorted(real_keys)


def test_tuples_become_lists_between_steps():
    pairs, _ = run_inline(MRTwoStepMax, stdin=b"a b a\nc a b\n")
    assert pairs == [(None, [3, "a"])]


def test_sort_values_orders_values_within_key():
    pairs, _ = run_inline(MRSortValues, stdin=b"k z\nk a\nj m\nk m\n")
    assert pairs == [("j", ["m"]), ("k", ["a", "m", "z"])]


def test_counters_are_summed_over_tasks():
    _, counters = run_inline(MRCounting, stdin=TEXT)
    assert counters == [{"lines": {"seen; all": 200}, "keys": {"reduced": 2}}]


def test_inputs_files_globs_dirs_and_compression(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "one.txt").write_bytes(b"a\n")
    (tmp_path / "d" / "_SUCCESS").write_bytes(b"ignored\n")
    (tmp_path / "two.gz").write_bytes(gzip.compress(b"b b\n"))
    (tmp_path / "three.bz2").write_bytes(bz2.compress(b"c\n"))
    pairs, _ = run_inline(MRTaskCensus, [str(tmp_path / "d"), str(tmp_path / "*.gz"),
                                         str(tmp_path / "three.bz2")])
    result = {k: v for k, v in pairs if not k.startswith("__")}
    assert result == {"a": 1, "b": 2, "c": 1}


def test_missing_input_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="nope.txt does not exist"):
        run_inline(MRTaskCensus, [str(tmp_path / "nope.txt")])
    result = run_script(FEATURES, [str(tmp_path / "nope.txt")])
    assert result.returncode == 2
    assert result.stderr.decode().strip().endswith("nope.txt does not exist")
    assert len(result.stderr.decode().strip().splitlines()) == 1


def test_jobconf_cmdenv_and_files_reach_tasks(tmp_path):
    extra = tmp_path / "lookup.txt"
    extra.write_text("x")
    data = tmp_path / "in.txt"
    data.write_text("hello\n")

    class Job(MREnvReport):
        FILES = [str(extra) + "#renamed.txt"]

    pairs, _ = run_inline(Job, ["-D", "my.conf.value=42", "--cmdenv", "STREAMR_TEST_VAR=yes",
                                str(data)])
    seen = dict(pairs)
    assert seen["input_file"] == "in.txt"
    assert seen["my_conf"] == "42"
    assert seen["cmdenv"] == "yes"
    assert "renamed.txt" in seen["wd_files"]
    assert "STREAMR_TEST_VAR" not in os.environ


def test_archives_are_unpacked_in_working_dir(tmp_path):
    archive = tmp_path / "bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        member = tmp_path / "inside.txt"
        member.write_text("content")
        tar.add(member, arcname="inside.txt")

    class Job(MRJob):
        ARCHIVES = [str(archive) + "#bundle"]

        def mapper(self, _, line):
            with open(os.path.join("bundle", "inside.txt")) as handle:
                yield line, handle.read()

    pairs, _ = run_inline(Job, stdin=b"k\n")
    assert pairs == [("k", "content")]


def test_mapper_raw_gets_whole_files(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"12345")
    (tmp_path / "b.txt").write_bytes(b"123")
    pairs, _ = run_inline(MRRawMapper, [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    assert sorted(pairs) == [("a.txt", 5), ("b.txt", 3)]


def test_commands_are_refused_with_a_clear_message():
    with pytest.raises(UsageError, match="runs a shell command.*try -r local"):
        run_inline(MRCommand, stdin=b"x\n")


def test_job_exception_names_step_task_file_and_line(tmp_path):
    data = tmp_path / "data.txt"
    data.write_bytes(b"fine\n" * 3 + b"boom\n")
    result = run_script(FEATURES, [str(data), "--num-cores", "2"],
                        env={"STREAMR_TEST_JOB": "MRRaiser"})
    assert result.returncode == 1
    err = result.stderr.decode()
    # 20 bytes in 4 splits of one 5-byte line each: line 4 is read by split 3
    assert "Step 1 of 1 failed: mapper task 3 failed while reading %s line 4" % data in err
    assert "Traceback" in err and "ZeroDivisionError: boom line seen" in err


def test_job_exception_propagates_for_programmatic_use():
    job = MRRaiser(["--no-conf"]).sandbox(stdin=io.BytesIO(b"boom\n"))
    with job.make_runner() as runner, pytest.raises(ZeroDivisionError):
        runner.run()
    assert runner.failure.kind == "mapper"
    assert "<stdin> line 1" in str(runner.failure)


class MRJsonIn(MRJob):
    INPUT_PROTOCOL = JSONValueProtocol

    def mapper(self, _, event):
        yield event["type"], 1

    def reducer(self, key, values):
        yield key, sum(values)


def test_malformed_input_names_file_and_line(tmp_path):
    data = tmp_path / "events.jsonl"
    data.write_bytes(b'{"type": "a"}\n{"type": \n{"type": "b"}\n')
    with pytest.raises(MalformedRecordError) as info:
        run_inline(MRJsonIn, [str(data)])
    assert str(info.value).startswith("%s line 2: malformed record for JSONValueProtocol" % data)


def test_malformed_input_skipped_and_counted_when_asked(tmp_path):
    data = tmp_path / "events.jsonl"
    data.write_bytes(b'{"type": "a"}\n{"type": \nnot json\n{"type": "a"}\n')
    pairs, counters = run_inline(MRJsonIn, ["--skip-malformed-records", str(data)])
    assert pairs == [("a", 2)]
    assert counters[0]["streamr"] == {"malformed records skipped": 2}


def test_unknown_runner_is_one_line_exit_2():
    result = run_script(FEATURES, ["-r", "hadoopish"], stdin=b"")
    assert result.returncode == 2
    assert result.stderr.decode().strip().splitlines() == [
        "mr_features.py: error: unknown runner 'hadoopish' (choose from %s)"
        % result.stderr.decode().split("choose from ")[1].split(")")[0]]


def test_bad_option_value_is_one_line_exit_2():
    result = run_script(FEATURES, ["--cleanup", "SOMETIMES"], stdin=b"x\n")
    assert result.returncode == 2
    assert "cleanup must be among" in result.stderr.decode()
    assert len(result.stderr.decode().strip().splitlines()) == 1


def test_output_dir_with_old_output_is_refused(tmp_path):
    (tmp_path / "part-00000").write_text("old")
    with pytest.raises(UsageError, match="already holds output"):
        run_inline(MRTaskCensus, ["-o", str(tmp_path)], stdin=b"x\n")
    assert (tmp_path / "part-00000").read_text() == "old"


def test_temp_dir_removed_after_run(tmp_path):
    job = MRTaskCensus(["--no-conf", "--local-tmp-dir", str(tmp_path)]).sandbox(
        stdin=io.BytesIO(b"a\n"))
    with job.make_runner() as runner:
        runner.run()
        assert len(os.listdir(tmp_path)) == 1
        assert list(runner.cat_output())
    assert os.listdir(tmp_path) == []


def test_plan_splits_and_partitioning():
    source = Source("f", "file:///f", [b"%d\n" % i for i in range(100)])
    splits = [task for [task] in plan_splits([source], 4, None)]
    assert 4 <= len(splits) <= 5
    assert b"".join(line for s in splits for line in s.lines) == b"".join(source.lines)
    assert [s.first_line for s in splits][0] == 1
    # a split takes whole lines: the next one starts where its last line ends
    first_size = sum(map(len, splits[0].lines))
    assert splits[1].start == first_size
    small = [task for [task] in plan_splits([source], 4, 20)]
    assert all(s.length <= 23 for s in small)

    records = sorted([b"a\t1", b"a\t2", b"a\t3", b"b\t1", b"c\t1", b"c\t2"])
    parts = partition_sorted(records, 3)
    assert len(parts) == 3 and sum(parts, []) == records
    keys_per_part = [{r.split(b"\t")[0] for r in part} for part in parts]
    for i, keys in enumerate(keys_per_part):
        for other in keys_per_part[i + 1:]:
            assert not keys & other
