"""The local runner: task subprocesses, splits, sorting and partitioning,
working directories, Hadoop's environment, failures, retries, cleanup,
interrupts, counters and progress.

Most tests run a job with ``-r inline`` and ``-r local`` and require the
same output bytes (part files concatenated in name order); shell commands,
which the inline runner refuses, are checked against answers worked out
here in plain Python. Jobs live in tests/jobs/ because every local task
runs the job's file again; ``STREAMR_TEST_JOB`` names the class to run.
"""

import bz2
import collections
import glob
import gzip
import io
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
import zipfile

import pytest

from streamr.errors import UsageError
from streamr.runners.local import LocalRunner
from streamr.step import StepFailedException
from tests.jobs.mr_features import (
    MRCounting,
    MRRaiser,
    MRRawMapper,
    MRSortValues,
    MRTaskCensus,
    MRTwoStepMax,
)
from tests.jobs.mr_local_jobs import (
    MRCmdMapper,
    MRCmdReducer,
    MRCombinerPreFilter,
    MRFailOnce,
    MRFiltersAndCmdCombiner,
    MRKeyValues,
    MRKeyValuesText,
    MRLineCount,
    MRReadFiles,
    MRSleepy,
    MRSplitReport,
    MRWordSum,
)
from tests.support.jobs import JOBS, ROOT, read_parts, run_script
from tests.support.waiting import DEADLINE, wait_for

# the local runner runs every task as a subprocess
pytestmark = pytest.mark.slow

FEATURES = os.path.join(JOBS, "mr_features.py")
LOCAL_JOBS = os.path.join(JOBS, "mr_local_jobs.py")
MAXSIZE = "mapreduce.input.fileinputformat.split.maxsize"

WORDS = ["alpha", "beta", "gamma", "delta", "drop", "eps"]
TEXT = b"".join(b"%s %s %s\n" % (WORDS[i % 6].encode(), WORDS[i * 7 % 5].encode(),
                                  WORDS[i * i % 4].encode()) for i in range(120))
# "word number" lines, numbers running down so that value order matters
KEYED = b"".join(b"k%d %d\n" % (i % 23, 400 - i) for i in range(400))


# --- helpers ------------------------------------------------------------------------------


def run_job(job_class, runner, out_dir, args=(), stdin=b""):
    """Run *job_class* in this process with *runner*, writing to *out_dir*
    (temporary files beside it); return ``(concatenated part files,
    counters)``. Local runs use two cores (so the number of tasks does not
    depend on the machine) unless *args* says otherwise."""
    argv = ["-r", runner, "--no-conf", "-o", str(out_dir),
            "--local-tmp-dir", str(out_dir) + "-tmp",  # kept after failures
            "--cmdenv", "STREAMR_TEST_JOB=" + job_class.__name__]
    if runner == "local":
        argv += ["--num-cores", "2"]
    job = job_class([*argv, *map(str, args)]).sandbox(stdin=io.BytesIO(stdin))
    with job.make_runner() as job_runner:
        job_runner.run()
        counters = job_runner.counters()
    return read_parts(out_dir), counters


def parse(job_class, data):
    return list(job_class(["--no-conf"]).parse_output([data]))


def same_as_inline(tmp_path, job_class, args=(), stdin=b"", local_args=()):
    """Run *job_class* with both runners; assert the same, non-empty, output
    bytes and return them."""
    inline, _ = run_job(job_class, "inline", tmp_path / "inline-out", args, stdin)
    local, _ = run_job(job_class, "local", tmp_path / "local-out", [*args, *local_args], stdin)
    assert inline, "the inline run gave no output to compare"
    assert local == inline
    return local


def run_job_script(script, args, tmp_path, job=None, **kwargs):
    """Run a job script as a user would, keeping its temporary files under
    *tmp_path* (failed runs leave them behind)."""
    env = {"STREAMR_TEST_JOB": job} if job else None
    args = ["--local-tmp-dir", tmp_path / "job-tmp", *args]
    return run_script(script, list(map(str, args)), env=env, **kwargs)


def line_offsets(data):
    """``[(offset, line), ...]`` of *data*, each line with its ending."""
    result, offset = [], 0
    for line in data.splitlines(True):
        result.append((offset, line))
        offset += len(line)
    return result


def processes_with(marker):
    """PIDs of live processes whose command line mentions *marker*."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as handle:
                cmdline = handle.read()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(name))
    return found


def gone(marker):
    """Whether every process with *marker* has ended (waiting for it, with
    a deadline only a stuck test reaches)."""
    return wait_for(lambda: not processes_with(marker), what="tasks with %s to end" % marker)


@pytest.fixture
def varied_file(tmp_path):
    """Lines of many lengths (some empty, some ending in CRLF), the last
    one without a newline."""
    lines = []
    for i in range(34):
        ending = b"\r\n" if i % 5 == 2 else b"\n"
        body = b"" if i % 11 == 7 else b"%02d:" % i + b"x" * (i * 13 % 71)
        lines.append(body + ending)
    lines.append(b"34:last line, no newline")
    path = tmp_path / "varied.txt"
    path.write_bytes(b"".join(lines))
    return path


# --- same output as the inline runner -----------------------------------------------------


EXAMPLES = [
    ("mr_word_freq_count.py", ["examples/data/river-tales.txt"]),
    ("mr_most_used_word.py", ["examples/data/river-tales.txt"]),
    ("mr_most_used_word.py", ["--extra-stop-words", "EXTRA", "examples/data/river-tales.txt"]),
    ("mr_url_access_count.py", ["examples/data/access.log"]),
    ("mr_event_count.py", ["examples/data/events.jsonl.gz"]),
    ("mr_event_count.py", ["--per-day", "examples/data/events.jsonl.gz"]),
]


@pytest.mark.parametrize("script, args", EXAMPLES)
def test_examples_same_as_inline(tmp_path, script, args):
    extra = tmp_path / "extra_stop_words.txt"
    extra.write_text("river\nwater\nthe\n")
    args = [str(extra) if arg == "EXTRA" else arg for arg in args]
    outputs = {}
    for runner in ("inline", "local"):
        out = tmp_path / runner
        proc = run_job_script(os.path.join(ROOT, "examples", script),
                              ["-r", runner, "--no-conf", "-o", out, *args], tmp_path)
        assert proc.returncode == 0, proc.stderr.decode()
        assert proc.stdout == b""
        outputs[runner] = read_parts(out)
        if script == "mr_url_access_count.py":
            # counters of every task are summed and printed
            assert re.search(r"access log\n\s+malformed lines=5\n", proc.stderr.decode())
    assert outputs["inline"]
    assert outputs["local"] == outputs["inline"]


@pytest.mark.parametrize("job_class", [MRWordSum, MRTwoStepMax, MRSortValues, MRKeyValues,
                                       MRKeyValuesText])
def test_combiner_multi_step_and_sort_values_same_as_inline(tmp_path, job_class):
    data = KEYED if job_class in (MRSortValues, MRKeyValues, MRKeyValuesText) else TEXT
    path = tmp_path / "input.txt"
    path.write_bytes(data)
    same_as_inline(tmp_path, job_class, [path])


def test_sort_values_sorts_values_within_each_key(tmp_path):
    path = tmp_path / "input.txt"
    path.write_bytes(KEYED)
    data, _ = run_job(MRSortValues, "local", tmp_path / "out", [path])
    pairs = parse(MRSortValues, data)
    assert len(pairs) == 23
    for _, values in pairs:
        assert values == sorted(values)


def test_several_reducers_get_disjoint_sorted_key_ranges(tmp_path):
    path = tmp_path / "input.txt"
    path.write_bytes(KEYED * 20)
    out = tmp_path / "local-out"
    same_as_inline(tmp_path, MRKeyValues, ["-D", "mapreduce.job.reduces=3", path])
    assert sorted(os.listdir(out)) == ["_SUCCESS", "part-00000", "part-00001", "part-00002"]
    key_sets = []
    for name in ("part-00000", "part-00001", "part-00002"):
        keys = [line.split(b"\t")[0] for line in (out / name).read_bytes().splitlines()]
        assert keys, "reducer %s got no keys" % name
        key_sets.append(set(keys))
    assert sum(map(len, key_sets)) == len(set().union(*key_sets)) == 23
    all_keys = [line.split(b"\t")[0] for line in read_parts(out).splitlines()]
    assert all_keys == sorted(all_keys)


def test_reduce_task_state_same_as_inline_and_mrjob(tmp_path):
    # reducer_final output depends on which keys each reduce task gets: the
    # local runner plans them as the inline runner and mrjob 0.7.4 do (two
    # per core, whole keys), however little map output there is
    path = tmp_path / "input.txt"
    path.write_bytes(KEYED * 20)
    data = same_as_inline(tmp_path, MRTaskCensus, [path])
    reduce_tasks = [value for key, value in parse(MRTaskCensus, data)
                    if key == "__reduce_task__"]
    assert reduce_tasks == ["0", "1", "2", "3"]


def test_num_cores_1(tmp_path):
    path = tmp_path / "input.txt"
    path.write_bytes(TEXT)
    same_as_inline(tmp_path, MRWordSum, [path], local_args=["--num-cores", "1"])


def test_mapper_raw_same_as_inline(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"12345\n" * 7)
    (tmp_path / "b.txt").write_bytes(b"123")
    data = same_as_inline(tmp_path, MRRawMapper, [tmp_path / "a.txt", tmp_path / "b.txt"])
    assert sorted(parse(MRRawMapper, data)) == [("a.txt", 42), ("b.txt", 3)]


# --- inputs and splits ----------------------------------------------------------------------


def test_small_splits_lose_and_repeat_no_line(tmp_path, varied_file):
    data = same_as_inline(tmp_path, MRLineCount, ["-D", MAXSIZE + "=37", varied_file])
    counts = dict(parse(MRLineCount, data))
    lines = [line.rstrip(b"\r\n").decode() for line in varied_file.read_bytes().splitlines()]
    assert counts == collections.Counter(lines)


def test_map_tasks_see_hadoop_environment_and_their_split(tmp_path, varied_file):
    data, _ = run_job(MRSplitReport, "local", tmp_path / "out", [
        "-D", MAXSIZE + "=37", "-D", "mapreduce.job.reduces=3", "-D", "my.conf.value=42",
        "--cmdenv", "STREAMR_CHECK_VAR=yes", varied_file])
    reports = dict((tuple(key), facts) for key, facts in parse(MRSplitReport, data))
    maps = [reports[key] for key in sorted(reports) if key[0] == "map"]
    reduces = [reports[key] for key in sorted(reports) if key[0] == "reduce"]
    size = varied_file.stat().st_size
    assert len(maps) == -(-size // 37) and len(maps) > 20

    job_id = maps[0]["job"]
    assert re.fullmatch(r"job_local\w+_\d{4}", job_id)
    bare = job_id[len("job_"):]
    everything = line_offsets(varied_file.read_bytes())
    start = 0
    for num, facts in enumerate(maps):
        assert facts["input_file"] == "file://" + str(varied_file)
        assert int(facts["start"]) == start
        assert 0 < int(facts["length"]) <= 37
        end = start + int(facts["length"])
        assert facts["partition"] == str(num)
        assert facts["task"] == "task_%s_m_%06d" % (bare, num)
        assert facts["attempt"] == "attempt_%s_m_%06d_0" % (bare, num)
        assert facts["ismap"] == "true"
        assert facts["job"] == job_id
        assert facts["my_conf"] == "42" and facts["cmdenv"] == "yes"
        # a split reads the lines that start inside it
        expected = [line.rstrip(b"\r\n").decode() for offset, line in everything
                    if start <= offset < end]
        assert facts["lines"] == expected, "split %d (bytes %d-%d)" % (num, start, end)
        start = end
    assert start == size
    seen = [line for facts in maps for line in facts["lines"]]
    assert seen == [line.rstrip(b"\r\n").decode() for _, line in everything]

    assert [facts["partition"] for facts in reduces] == ["0", "1", "2"]
    for num, facts in enumerate(reduces):
        assert facts["attempt"] == "attempt_%s_r_%06d_0" % (bare, num)
        assert facts["ismap"] == "false"
        assert facts["task"] == "task_%s_r_%06d" % (bare, num)
        assert facts["job"] == job_id
        assert facts["input_file"] is None
        assert facts["my_conf"] == "42" and facts["cmdenv"] == "yes"


def test_map_only_part_files_are_numbered_by_map_task(tmp_path, varied_file):
    out = tmp_path / "out"
    run_job(MRSplitReport, "local", out, ["-D", MAXSIZE + "=200",
                                          "-D", "mapreduce.job.reduces=0", varied_file])
    names = sorted(name for name in os.listdir(out) if name.startswith("part-"))
    count = -(-varied_file.stat().st_size // 200)
    assert names == ["part-%05d" % num for num in range(count)]
    for num, name in enumerate(names):
        pairs = parse(MRSplitReport, (out / name).read_bytes())
        assert [key for key, _ in pairs] == [["map", num]]


def test_compressed_inputs_are_one_split_each(tmp_path):
    plain = b"".join(b"line %d of many\n" % i for i in range(30))
    (tmp_path / "in.gz").write_bytes(gzip.compress(plain))
    (tmp_path / "in.bz2").write_bytes(bz2.compress(plain.replace(b"many", b"some")))
    (tmp_path / "in.txt").write_bytes(b"plain one\nplain two\n")
    inputs = [tmp_path / "in.gz", tmp_path / "in.bz2", tmp_path / "in.txt"]
    data, _ = run_job(MRSplitReport, "local", tmp_path / "out",
                      ["-D", MAXSIZE + "=37", *inputs])
    maps = [facts for key, facts in parse(MRSplitReport, data) if key[0] == "map"]
    by_file = collections.defaultdict(list)
    for facts in maps:
        by_file[os.path.basename(facts["input_file"])].append(facts)
    assert len(by_file["in.gz"]) == len(by_file["in.bz2"]) == 1
    for name, text in (("in.gz", plain), ("in.bz2", plain.replace(b"many", b"some"))):
        (facts,) = by_file[name]
        assert facts["start"] == "0"
        assert facts["length"] == str((tmp_path / name).stat().st_size)
        assert facts["lines"] == text.decode().splitlines()
    same_as_inline(tmp_path, MRLineCount, ["-D", MAXSIZE + "=37", *inputs])


def test_stdin_input(tmp_path):
    first = same_as_inline(tmp_path, MRWordSum, stdin=TEXT)
    second = same_as_inline(tmp_path / "dash", MRWordSum, ["-"], stdin=TEXT)
    assert first == second
    # a second "-" reads what the first left: nothing
    third = same_as_inline(tmp_path / "twice", MRWordSum, ["-", "-"], stdin=TEXT)
    assert third == first
    counts = dict(parse(MRWordSum, first))
    assert counts == collections.Counter(TEXT.decode().split())


def test_empty_input_file(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    (tmp_path / "some.txt").write_bytes(b"a\nb\na\n")
    data = same_as_inline(tmp_path, MRLineCount, [empty, tmp_path / "some.txt"])
    assert parse(MRLineCount, data) == [("a", 2), ("b", 1)]
    out = tmp_path / "only-empty"
    data, _ = run_job(MRLineCount, "local", out, [empty])
    assert data == b""
    assert "_SUCCESS" in os.listdir(out)


# --- shell commands -------------------------------------------------------------------------


def expected_counts(text, skip=None, drop=()):
    counts = collections.Counter()
    for line in text.decode().splitlines():
        if skip and skip in line:
            continue
        counts.update(word for word in line.split() if word not in drop)
    return counts


@pytest.mark.parametrize("job_class, skip, drop", [
    (MRCmdMapper, None, ()),
    (MRCmdReducer, None, ()),
    (MRFiltersAndCmdCombiner, "skip", {"drop"}),
    (MRCombinerPreFilter, None, {"eps"}),
])
def test_shell_commands(tmp_path, job_class, skip, drop):
    text = TEXT + b"skip alpha alpha beta\n" * 5
    path = tmp_path / "input.txt"
    path.write_bytes(text)
    data, _ = run_job(job_class, "local", tmp_path / "out",
                      ["-D", "mapreduce.job.reduces=3", path])
    pairs = parse(job_class, data)
    expected = expected_counts(text, skip, drop)
    assert dict(pairs) == expected
    assert len(pairs) == len(expected)
    keys = [key for key, _ in pairs]
    assert keys == sorted(keys)


def test_inline_refuses_what_local_runs(tmp_path):
    with pytest.raises(UsageError, match="try -r local"):
        run_job(MRCmdMapper, "inline", tmp_path / "out", stdin=b"a\n")


# --- working directory ----------------------------------------------------------------------


def test_files_dirs_archives_and_setup_commands(tmp_path):
    (tmp_path / "lookup.txt").write_text("looked up\n")
    (tmp_path / "plain.txt").write_text("plain\n")
    (tmp_path / "somedir").mkdir()
    (tmp_path / "somedir" / "inner.txt").write_text("in a dir\n")
    members = tmp_path / "members"
    (members / "sub").mkdir(parents=True)
    (members / "inside.txt").write_text("in the tarball\n")
    (members / "sub" / "deep.txt").write_text("deeper\n")
    with tarfile.open(tmp_path / "bundle.tar.gz", "w:gz") as tar:
        tar.add(members / "inside.txt", arcname="inside.txt")
        tar.add(members / "sub", arcname="sub")
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as archive:
        archive.writestr("z.txt", "zipped\n")
    with open(os.path.join(JOBS, "mr_features.py")) as handle:
        features_first_line = handle.readline().rstrip("\n")

    expected = {
        "renamed.txt": "looked up",
        "plain.txt": "plain",
        "dd/inner.txt": "in a dir",
        "ls:dd": ["inner.txt"],
        "tarred/inside.txt": "in the tarball",
        "tarred/sub/deep.txt": "deeper",
        "bundle.zip/z.txt": "zipped",
        "features_copy.py": features_first_line,
        "made.txt": "made by setup",
        "env:SETUP_VAR": "from setup",
        "env:STREAMR_CHECK_VAR": "yes",
        "missing.txt": None,
    }
    working_dir_args = [
        "--files", str(tmp_path / "lookup.txt") + "#renamed.txt",
        "--files", tmp_path / "plain.txt",
        "--dirs", str(tmp_path / "somedir") + "#dd",
        "--archives", str(tmp_path / "bundle.tar.gz") + "#tarred",
        "--archives", tmp_path / "bundle.zip",
        "--cmdenv", "STREAMR_CHECK_VAR=yes",
        "-D", MAXSIZE + "=40"]
    queries = tmp_path / "queries.txt"
    queries.write_text("".join(name + "\n" for name in expected))
    data, _ = run_job(MRReadFiles, "local", tmp_path / "out", [
        *working_dir_args,
        "--setup", "echo made by setup > made.txt",
        "--setup", "export SETUP_VAR='from setup'",
        queries])
    pairs = parse(MRReadFiles, data)
    assert [key for key, _ in pairs] == list(expected)
    assert dict(pairs) == expected

    # the inline runner builds the same working directory (it runs no setup)
    no_setup = tmp_path / "no-setup.txt"
    no_setup.write_text("".join(name + "\n" for name in expected
                                if name not in ("made.txt", "env:SETUP_VAR")))
    same_as_inline(tmp_path, MRReadFiles, [*working_dir_args, no_setup])


# --- memory: spills and merges ----------------------------------------------------------------


@pytest.mark.parametrize("job_class, extra", [
    (MRWordSum, []),
    (MRWordSum, ["-D", "mapreduce.task.io.sort.factor=3"]),
    (MRKeyValues, []),
    (MRKeyValuesText, []),
    (MRSortValues, ["-D", "mapreduce.task.io.sort.factor=2"]),
])
def test_tiny_spill_budget_gives_many_runs_and_same_output(tmp_path, job_class, extra):
    if job_class is MRWordSum:
        data = b"".join(b"w%04d v%03d\n" % (i * 37 % 1500, i % 400) for i in range(1500))
    else:
        data = KEYED * 3
    path = tmp_path / "input.txt"
    path.write_bytes(data)
    work = tmp_path / "work"
    same_as_inline(tmp_path, job_class, [path], local_args=[
        "-D", "streamr.local.spill.bytes=3000", "--cleanup", "NONE",
        "--local-tmp-dir", work, *extra])
    map_dirs = glob.glob(str(work / "*" / "step-0" / "map-*"))
    assert len(map_dirs) == 4
    for map_dir in map_dirs:
        runs = [name for name in os.listdir(map_dir) if re.fullmatch(r"run-\d+", name)]
        assert len(runs) >= 3, map_dir
    if extra:
        merged = glob.glob(str(work / "*" / "step-0" / "reduce-*" / "merged-*"))
        assert merged, "no multi-pass merge happened"


def test_run_index_thinning_keeps_total_size():
    from streamr.runners.local import _thin

    entries = [(offset * 100, b"k%05d" % offset) for offset in range(1000)] + [(100000, b"")]
    thin = _thin(entries, 50)
    assert len(thin) <= 52
    assert thin[0] == entries[0] and thin[-1] == entries[-1]
    assert thin == sorted(thin)
    assert _thin(entries[:10], 50) == entries[:10]


# --- failures, retries, cleanup, interrupts -------------------------------------------------


def test_failing_mapper_names_task_input_range_and_traceback(tmp_path):
    data = tmp_path / "data.txt"
    data.write_bytes(b"fine\n" * 20 + b"boom\n" + b"fine\n" * 20)
    proc = run_job_script(FEATURES, ["-r", "local", "--no-conf", "--num-cores", "1",
                                     "-D", MAXSIZE + "=50", data], tmp_path, job="MRRaiser")
    assert proc.returncode == 1
    assert proc.stdout == b""
    err = proc.stderr.decode()
    # the boom line starts at byte 100, the first line of split 2 (bytes 100-150):
    # the failure names the file's own line number, 21
    assert err.rstrip().endswith("Step 1 of 1 failed: mapper task 2 reading %s line 21"
                                 " failed after 1 attempt (exit status 1)" % data)
    assert "Traceback (most recent call last):" in err
    assert 'in mapper\n    raise ZeroDivisionError("boom line seen")' in err
    assert "ZeroDivisionError: boom line seen\nStep 1 of 1 failed" in err
    # only the job's frames, as under inline
    assert "streamr/" not in err.split("Traceback", 1)[1]
    assert "in <module>" not in err


def test_failed_attempts_are_retried_when_allowed(tmp_path, caplog):
    path = tmp_path / "input.txt"
    path.write_bytes(TEXT)
    markers = tmp_path / "markers"
    markers.mkdir()
    marker_env = ["--cmdenv", "STREAMR_MARKER_DIR=%s" % markers]
    with pytest.raises(StepFailedException) as info:
        run_job(MRFailOnce, "local", tmp_path / "out1", [*marker_env, path])
    assert "mapper task" in str(info.value)
    assert "failed after 1 attempt (exit status 1)" in str(info.value)
    # the job's traceback is shown above the one line
    assert "RuntimeError: first attempt of this task fails on purpose" in info.value.details
    assert info.value.message("job").endswith("\n" + str(info.value))

    for marker in markers.iterdir():
        marker.unlink()
    caplog.set_level("WARNING", logger="streamr")
    data, _ = run_job(MRFailOnce, "local", tmp_path / "out2",
                      [*marker_env, "-D", "mapreduce.map.maxattempts=2", path])
    # each retry is said: which task, which attempt, why
    retried = [r.getMessage() for r in caplog.records if "trying it again" in r.getMessage()]
    assert len(retried) == 4
    assert ("mapper task 0 of step 1 failed on attempt 1 of 2 (RuntimeError: first attempt"
            " of this task fails on purpose); trying it again") in retried
    pairs = dict(parse(MRFailOnce, data))
    assert {k: v for k, v in pairs.items() if not k.startswith("__")} == expected_counts(TEXT)
    assert len(pairs["__attempt__"]) == 4
    assert all(attempt.endswith("_1") for attempt in pairs["__attempt__"])
    assert len(os.listdir(markers)) == 4

    reducer_args = [*marker_env, "--fail-in", "reducer", path]
    with pytest.raises(StepFailedException, match=r"reducer task \d failed after 1 attempt"):
        run_job(MRFailOnce, "local", tmp_path / "out3", reducer_args)
    for marker in markers.iterdir():
        marker.unlink()
    data, _ = run_job(MRFailOnce, "local", tmp_path / "out4",
                      ["-D", "mapreduce.reduce.maxattempts=2", "-D", "mapreduce.job.reduces=2",
                       *reducer_args])
    attempts = [value for key, value in parse(MRFailOnce, data) if key == "__reduce_attempt__"]
    assert len(attempts) == 2 and all(a.endswith("_r_%06d_1" % n) for n, a in enumerate(attempts))


def test_failure_stops_after_max_attempts(tmp_path):
    path = tmp_path / "input.txt"
    path.write_bytes(b"boom\n")
    with pytest.raises(StepFailedException, match="failed after 3 attempts"):
        run_job(MRRaiser, "local", tmp_path / "out", ["-D", "mapreduce.map.maxattempts=3", path])
    assert not os.path.exists(tmp_path / "out" / "_temporary")


def test_a_failed_task_stops_the_others(tmp_path):
    marker = "streamr-stop-test-%d-%d" % (os.getpid(), time.time_ns())
    started = time.monotonic()
    try:
        with pytest.raises(StepFailedException, match="mapper task 1 reading"):
            run_job(MRSleepy, "local", tmp_path / "out", [
                "--sleep", "900", "--marker", marker, "--fail-partition", "1",
                "--local-tmp-dir", tmp_path / "work", "--cleanup-on-failure", "ALL"],
                stdin=TEXT)
        # the other tasks sleep for 900 s: ending well before means they were stopped
        assert time.monotonic() - started < 450
        assert gone(marker)
    finally:
        for pid in processes_with(marker):  # only if the runner failed to stop them
            os.kill(pid, signal.SIGKILL)
    assert os.listdir(tmp_path / "work") == []


def test_temporary_files_removed_after_success(tmp_path):
    work = tmp_path / "work"
    run_job(MRWordSum, "local", tmp_path / "out", ["--local-tmp-dir", work], stdin=TEXT)
    assert os.listdir(work) == []


def test_temporary_files_after_failure(tmp_path):
    work = tmp_path / "work"
    failing = ["--local-tmp-dir", work]
    with pytest.raises(StepFailedException):
        run_job(MRRaiser, "local", tmp_path / "out1",
                [*failing, "--cleanup-on-failure", "ALL"], stdin=b"boom\n")
    assert os.listdir(work) == []
    # by default they stay after a failure, for debugging
    with pytest.raises(StepFailedException):
        run_job(MRRaiser, "local", tmp_path / "out2", failing, stdin=b"boom\n")
    (kept,) = os.listdir(work)
    assert glob.glob(str(work / kept / "step-0" / "map-*" / "stderr"))


def test_temporary_files_kept_with_cleanup_none(tmp_path):
    work = tmp_path / "work"
    run_job(MRWordSum, "local", tmp_path / "out", ["--local-tmp-dir", work, "--cleanup", "NONE"],
            stdin=TEXT)
    (kept,) = os.listdir(work)
    assert os.path.isdir(work / kept / "step-0" / "reduce-00000")


def test_interrupt_stops_every_task_and_removes_temporary_files(tmp_path):
    work = tmp_path / "work"
    marker = "streamr-interrupt-test-%d-%d" % (os.getpid(), time.time_ns())
    (tmp_path / "input.txt").write_bytes(TEXT)
    env = dict(os.environ, STREAMR_TEST_JOB="MRSleepy",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with open(tmp_path / "stdout", "wb") as out, open(tmp_path / "stderr", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, LOCAL_JOBS, "-r", "local", "--no-conf", "--num-cores", "2",
             "--local-tmp-dir", str(work), "--sleep", "900", "--marker", marker,
             str(tmp_path / "input.txt")],
            stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
    try:
        # two map tasks, each with a child of its own
        wait_for(lambda: len(processes_with(marker)) >= 4, what="four task processes")
        proc.send_signal(signal.SIGINT)
        # the tasks sleep for 900 s: ending within the deadline means they were stopped
        proc.wait(timeout=DEADLINE)
        assert gone(marker)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in processes_with(marker):  # only if the runner failed to stop them
            os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert (tmp_path / "stdout").read_bytes() == b""
    assert b"interrupted; temporary files removed" in (tmp_path / "stderr").read_bytes()
    assert os.listdir(work) == []


# --- counters, progress, output directory ---------------------------------------------------


def test_counters_are_summed_over_tasks(tmp_path):
    data = b"".join(b"line %d\n" % i for i in range(40))
    _, counters = run_job(MRCounting, "local", tmp_path / "out", ["-D", MAXSIZE + "=50"],
                          stdin=data)
    assert counters == [{"lines": {"seen; all": 40}, "keys": {"reduced": 2}}]


def test_progress_on_stderr_moves_to_the_end(tmp_path):
    # how often a line may be shown is a unit test of StepProgress with its
    # own clock (tests/test_progress.py); here: a real run's lines move, are
    # never repeated, and end at 100%
    args = ["-r", "local", "--no-conf", "--num-cores", "1", "-D", MAXSIZE + "=9",
            "--sleep", "1.2", "-"]
    proc = run_job_script(LOCAL_JOBS, args, tmp_path, job="MRSleepy",
                          stdin=b"one line\nanother\n")
    assert proc.returncode == 0, proc.stderr.decode()
    progress = [line for line in proc.stderr.decode().splitlines()
                if re.search(r"map +\d+% reduce +\d+%", line)]
    assert len(progress) >= 2
    assert len(set(progress)) == len(progress)
    # the numbers move while the step runs
    assert any(re.search(r"map +[1-9]\d*%", line) for line in progress)
    assert re.search(r"map 100% reduce 100%", progress[-1])


def test_quiet_prints_nothing_but_errors(tmp_path):
    args = ["-r", "local", "--no-conf", "--num-cores", "1"]
    loud = run_job_script(FEATURES, [*args, "-o", tmp_path / "out"], tmp_path,
                          job="MRCounting", stdin=b"a\nb\n")
    assert loud.returncode == 0
    assert b"map" in loud.stderr and b"Counters" in loud.stderr
    quiet = run_job_script(FEATURES, [*args, "-q", "-o", tmp_path / "out2"], tmp_path,
                           job="MRCounting", stdin=b"a\nb\n")
    assert quiet.returncode == 0
    assert quiet.stderr == b""
    assert read_parts(tmp_path / "out2") == read_parts(tmp_path / "out")
    failing = run_job_script(FEATURES, ["-r", "local", "--no-conf", "-q"], tmp_path,
                             job="MRRaiser", stdin=b"boom\n")
    assert failing.returncode == 1
    assert b"ZeroDivisionError: boom line seen" in failing.stderr


def test_output_dir_holding_part_files_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-00000").write_text("old")
    with pytest.raises(UsageError, match="already holds output"):
        run_job(MRWordSum, "local", out, stdin=TEXT)
    assert os.listdir(out) == ["part-00000"]
    assert (out / "part-00000").read_text() == "old"


def test_runner_is_registered_as_local():
    from streamr.runners import runner_class

    assert runner_class("local") is LocalRunner
