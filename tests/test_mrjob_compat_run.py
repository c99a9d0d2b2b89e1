"""Jobs moved from mrjob run without surprises (issue 14, items 1-9):
relative paths, stdin for mapper_raw, pre-filters that match nothing,
shipped files that run, distributed-cache properties, step methods set on
the instance, scripts that build their job with explicit arguments, and
part files without a final newline."""

from __future__ import annotations

import io
import json
import os

import pytest

from streamr.job import MRJob
from tests.jobs.mr_compat_cases import MRWordCount
from tests.support.jobs import JOBS, read_parts, run_inline, run_script

CASES = os.path.join(JOBS, "mr_compat_cases.py")


def _lines(out: bytes) -> list:
    return [tuple(json.loads(part) for part in line.split(b"\t", 1))
            for line in out.splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["inline", "local"])
def test_relative_output_input_and_tmp_dirs(tmp_path, runner):
    (tmp_path / "input.txt").write_bytes(b"a b\nb\n")
    result = run_script(CASES, ["-r", runner, "--no-conf", "-o", "out", "--local-tmp-dir",
                                "tmp", "input.txt"],
                        env={"STREAMR_TEST_JOB": "MRWordCount"}, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr.decode()
    parts = sorted(p for p in os.listdir(tmp_path / "out") if p.startswith("part-"))
    data = b"".join((tmp_path / "out" / p).read_bytes() for p in parts)
    assert _lines(data) == [("a", 1), ("b", 2)]


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["inline", "local"])
def test_mapper_raw_reads_stdin(runner):
    result = run_script(CASES, ["-r", runner, "--no-conf", "-"], stdin=b"x\ny\nz\n",
                        env={"STREAMR_TEST_JOB": "MRRawLineCount"})
    assert result.returncode == 0, result.stderr.decode()
    assert _lines(result.stdout) == [("lines", 3)]


@pytest.mark.slow
def test_a_pre_filter_that_matches_nothing_in_a_split_does_not_fail_the_job(tmp_path):
    data = tmp_path / "in.txt"
    data.write_bytes(b"hay\n" * 50 + b"needle\n")
    result = run_script(CASES, ["-r", "local", "--no-conf", "--num-cores", "2", str(data)],
                        env={"STREAMR_TEST_JOB": "MRGrepPreFilter"})
    assert result.returncode == 0, result.stderr.decode()
    assert _lines(result.stdout) == [("needle", 1)]


@pytest.mark.slow
@pytest.mark.parametrize("form", ["path", "uri"])
def test_shipped_files_can_be_run_and_given_as_file_uris(tmp_path, form):
    script = tmp_path / "shout.sh"
    script.write_text("#!/bin/sh\ntr a-z A-Z\n")
    os.chmod(script, 0o644)
    given = str(script) if form == "path" else "file://" + str(script)
    data = tmp_path / "in.txt"
    data.write_bytes(b"quiet\n")
    result = run_script(CASES, ["-r", "local", "--no-conf", "--files", given, str(data)],
                        env={"STREAMR_TEST_JOB": "MRRunShippedScript"})
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"QUIET\n"


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["inline", "local"])
def test_tasks_see_the_distributed_cache_properties(tmp_path, runner):
    shipped = tmp_path / "notes.txt"
    shipped.write_bytes(b"n\n")
    data = tmp_path / "in.txt"
    data.write_bytes(b"x\n")
    out = tmp_path / "out"
    result = run_script(CASES, ["-r", runner, "--no-conf", "--files", "%s#renamed" % shipped,
                                "-o", str(out), str(data)],
                        env={"STREAMR_TEST_JOB": "MRCacheProperties"})
    assert result.returncode == 0, result.stderr.decode()
    seen = dict(_lines(read_parts(out)))
    wd = seen["mapreduce.job.local.dir"][1]
    assert seen["mapreduce.job.local.dir"][0] == wd
    assert seen["mapreduce.job.cache.files"][0] == "%s#renamed" % shipped
    assert seen["mapreduce.job.cache.local.files"][0] == os.path.join(wd, "renamed")
    assert seen["mapreduce.job.cache.archives"][0] == ""
    assert seen["mapreduce.task.output.dir"][0] == str(out)


def test_step_methods_set_on_the_instance_are_used():
    class MRInstanceReducer(MRJob):
        def mapper(self, _, line):
            yield line.strip(), 1

    class Patched(MRInstanceReducer):
        def __init__(self, args=None):
            super().__init__(args)
            self.reducer = lambda key, values: iter([(key, sum(values))])

    pairs, _ = run_inline(Patched, stdin=b"a\na\nb\n")
    assert sorted(map(tuple, pairs)) == [("a", 2), ("b", 1)]


@pytest.mark.slow
def test_a_script_that_builds_its_job_with_explicit_arguments_runs_once(tmp_path):
    data = tmp_path / "in.txt"
    data.write_bytes(b"a b a\n")
    result = run_script(CASES, [str(data)], env={"STREAMR_TEST_EXPLICIT_ARGS": "1"})
    assert result.returncode == 0, result.stderr.decode()
    assert _lines(result.stdout) == [("a", 2), ("b", 1)]


def test_cat_output_keeps_a_part_without_final_newline_apart(tmp_path):
    out = tmp_path / "out"
    job = MRWordCount(["-r", "inline", "--no-conf", "-o", str(out)]).sandbox(
        stdin=io.BytesIO(b""))
    out.mkdir()
    (out / "part-00000").write_bytes(b"1\tone")
    (out / "part-00001").write_bytes(b"2\ttwo\n")
    with job.make_runner() as runner:
        assert b"".join(runner.cat_output()) == b"1\tone\n2\ttwo\n"
