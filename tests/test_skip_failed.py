"""Skipping records whose processing raises (``--skip-failed-records``),
its limits, and what a failing or retried task shows, on every runner.

The fast tests run the inline runner in this process; the ``slow`` ones run
jobs as a user does, in a subprocess, under ``-r inline``, ``-r local`` and
(marked ``sim`` by its fixture) the simulated EMR."""

import os

import pytest

from streamr.errors import StepFailedException, TooManyFailedRecords, UsageError
from streamr.runners.task_stderr import skip_reports, task_end
from tests.jobs.mr_bad_records import MRPicky
from tests.support.emr import put
from tests.support.jobs import EMR_JOBS, FAST, JOBS, ok, run_inline, run_job, run_script

PICKY = os.path.join(JOBS, "mr_bad_records.py")
#: the mapper raises on lines 2 and 5, the combiner on "dud", the reducer on "bomb"
DATA = b"apple pear\nboom apple\nbomb apple\ndud pear\nboom again\npear\n"
SKIP = ["--skip-failed-records"]
MAXSIZE = "mapreduce.input.fileinputformat.split.maxsize"


def failed_counters(counters):
    group = counters[0]["streamr"]
    return group["failed records skipped"], group["records processed"]


def logged(caplog):
    """What streamr logged, one message after the other."""
    return "\n".join(record.getMessage() for record in caplog.records)


# --- inline, in this process ---------------------------------------------------------------


def test_off_by_default_the_jobs_error_fails_it():
    with pytest.raises(ValueError, match="cannot take 'boom apple'"):
        run_inline(MRPicky, [], DATA)


def test_each_failed_record_is_skipped_counted_and_reported(caplog):
    caplog.set_level("WARNING", logger="streamr")
    pairs, counters = run_inline(MRPicky, SKIP, DATA)
    # the skipped calls' output is dropped whole: no "boom" from the mapper
    assert pairs == [("apple", 2), ("pear", 3)]
    skipped, processed = failed_counters(counters)
    assert skipped == 4
    assert processed >= 6 + 4  # six mapper calls, and a combiner and a reducer call per word
    err = logged(caplog)
    assert "skipped <stdin> line 2 (the mapper raised ValueError: cannot take 'boom apple')" in err
    assert "skipped <stdin> line 5 (the mapper raised ValueError: cannot take 'boom again')" in err
    assert "skipped key 'dud' (the combiner raised RuntimeError: combiner refuses dud)" in err
    assert "skipped key 'bomb' (the reducer raised KeyError: 'bomb')" in err
    # with the job's own traceback, none of streamr's frames
    assert 'mr_bad_records.py", line 18, in mapper' in err
    assert "streamr/engine" not in err


def test_only_the_first_few_are_reported_then_a_sum(caplog):
    caplog.set_level("WARNING", logger="streamr")
    data = b"".join(b"boom %d\n" % num for num in range(30)) + b"pear\n"
    pairs, counters = run_inline(MRPicky, [*SKIP, "--num-cores", "1"], data)
    assert pairs == [("pear", 1)]
    assert failed_counters(counters)[0] == 30
    err = logged(caplog)
    # five reports per task (this plan has two map tasks), then how many more
    assert err.count("(the mapper raised ValueError") == 10
    assert err.count("Traceback (most recent call last)") == 10
    assert "more records the mapper raised on (" in err


def test_a_task_past_its_count_fails_the_job():
    with pytest.raises(TooManyFailedRecords) as info:
        run_inline(MRPicky, [*SKIP, "--max-failed-records-per-task", "0"], DATA)
    assert str(info.value).startswith(
        "the mapper skipped more than 0 records whose processing raised, the most one task"
        " may skip (max_failed_records_per_task); the last: ValueError: cannot take")


def test_a_task_past_its_percentage_fails_the_job():
    with pytest.raises(TooManyFailedRecords, match=r"the mapper skipped 1 of \d records"
                       r" \(\d+\.\d\d%\) .*more than the 10% one task may skip"
                       r" \(max_failed_percent_per_task\)"):
        run_inline(MRPicky, [*SKIP, "--max-failed-percent-per-task", "10"], DATA)


def test_the_job_past_its_count_fails():
    run_inline(MRPicky, [*SKIP, "--max-failed-records-per-job", "4"], DATA)  # at the limit
    with pytest.raises(StepFailedException) as info:
        run_inline(MRPicky, [*SKIP, "--max-failed-records-per-job", "3"], DATA)
    assert str(info.value) == (
        "Step 1 of 1 failed: its tasks skipped 4 records whose processing raised, more than"
        " the 3 the job may skip (max_failed_records_per_job)")


def test_the_job_past_its_percentage_fails():
    with pytest.raises(StepFailedException, match=r"its tasks skipped 4 of \d+ records"
                       r" \(\d+\.\d\d%\) because their processing raised, more than the 1%"):
        run_inline(MRPicky, [*SKIP, "--max-failed-percent-per-job", "1"], DATA)


def test_limits_are_checked_where_they_enter():
    with pytest.raises(UsageError, match="max_failed_percent_per_task must be at most"
                       " 100, not 150"):
        run_inline(MRPicky, [*SKIP, "--max-failed-percent-per-task", "150"], DATA)


def test_hadoops_task_failure_percentage_is_not_ignored_silently(caplog):
    caplog.set_level("WARNING", logger="streamr")
    run_inline(MRPicky, [*SKIP, "-D", "mapreduce.map.failures.maxpercent=5"], DATA)
    assert any("ignores mapreduce.map.failures.maxpercent" in r.getMessage()
               and "--skip-failed-records" in r.getMessage() for r in caplog.records)


# --- reading a local task's stderr ---------------------------------------------------------


def test_task_end_finds_the_place_and_the_jobs_traceback(tmp_path):
    err = tmp_path / "stderr"
    err.write_text("reporter:counter:g,c,1\nstreamr: skipped a.txt line 2 (the mapper raised"
                   " X)\nTraceback (most recent call last):\nX\nstreamr: mapper of step 1"
                   " failed at a.txt line 9\nTraceback (most recent call last):\n  File"
                   ' "job.py", line 3, in mapper\nValueError: no\n')
    end = task_end(str(err))
    assert end.line_where == "a.txt line 9"
    assert end.details.endswith("ValueError: no")
    assert end.summary() == "ValueError: no, at a.txt line 9"
    assert skip_reports(str(err)) == [
        "skipped a.txt line 2 (the mapper raised X)\nTraceback (most recent call last):\nX"]


def test_task_end_takes_a_one_line_error(tmp_path):
    err = tmp_path / "stderr"
    err.write_text("noise\nstreamr: a.txt line 3: malformed record for JSONProtocol (x)\n")
    end = task_end(str(err))
    assert (end.where, end.details) == (None, None)
    assert end.summary() == "a.txt line 3: malformed record for JSONProtocol (x)"


# --- as a user runs them ---------------------------------------------------------------------


def run_picky(tmp_path, *args, job="MRPicky", data=DATA):
    path = tmp_path / "input.txt"
    path.write_bytes(data)
    proc = run_script(PICKY, ["--no-conf", "--local-tmp-dir", str(tmp_path / "tmp"),
                              *map(str, args), str(path)], env={"STREAMR_TEST_JOB": job})
    return proc, path


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["inline", "local"])
def test_skipping_gives_the_same_output_and_reports_file_lines(tmp_path, runner):
    # small splits: line 5 is read by a split that starts inside the file
    proc, path = run_picky(tmp_path, "-r", runner, *SKIP, "--num-cores", "1",
                           "-D", MAXSIZE + "=20")
    assert ok(proc) == b'"apple"\t2\n"pear"\t3\n'
    err = proc.stderr.decode()
    assert "skipped %s line 5 (the mapper raised ValueError: cannot take 'boom again')" % (
        path) in err
    assert "skipped key 'bomb' (the reducer raised KeyError: 'bomb')" in err
    assert "failed records skipped=4" in err
    assert "streamr/engine" not in err and "in <module>" not in err


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["inline", "local"])
def test_past_a_task_limit_the_run_ends_in_one_line(tmp_path, runner):
    proc, path = run_picky(tmp_path, "-r", runner, *SKIP, "--max-failed-records-per-task", "0")
    assert proc.returncode == 1
    assert proc.stdout == b""
    last = proc.stderr.decode().rstrip().splitlines()[-1]
    assert "the mapper skipped more than 0 records whose processing raised" in last
    assert "(max_failed_records_per_task); the last: ValueError: cannot take 'boom apple'" in last


@pytest.mark.slow
def test_local_malformed_records_name_the_files_line_and_warn_when_skipped(tmp_path):
    data = b'"a"\t1\n"b"\t2\n"c"\t3\n"d"\t4\nnot json\n"e"\t5\n'
    args = ("-r", "local", "--num-cores", "1", "-D", MAXSIZE + "=12")
    proc, path = run_picky(tmp_path, *args, job="MRPairs", data=data)
    assert proc.returncode == 1
    last = proc.stderr.decode().rstrip().splitlines()[-1]
    assert last.startswith("Step 1 of 1 failed: mapper task ")
    assert last.endswith("%s line 5: malformed record for JSONProtocol (no tab between key"
                         " and value)" % path)
    proc, path = run_picky(tmp_path, *args, "--skip-malformed-records", job="MRPairs",
                           data=data)
    assert ok(proc).count(b"\n") == 5
    # the warning inline prints for each skipped line
    assert ("skipped %s line 5: malformed record for JSONProtocol (no tab between key and"
            " value)\n" % path) in proc.stderr.decode()


# --- EMR (the simulated cluster) ---------------------------------------------------------


@pytest.mark.slow
def test_emr_tasks_skip_failed_records_and_retries_are_logged(sim):
    put(sim, "s3://in-bucket/boom/a.txt", b"fine line\nhere BOOM goes\nfine again\n")
    proc = run_job(EMR_JOBS / "mr_boom.py", "-r", "emr", *FAST, *SKIP,
                   "s3://in-bucket/boom/a.txt")
    assert ok(proc) == b'"again"\t1\n"fine"\t2\n"line"\t1\n'
    assert "failed records skipped=1" in proc.stderr.decode()

    put(sim, "s3://in-bucket/flaky/a.txt", b"one two two\n")
    proc = run_job(EMR_JOBS / "mr_flaky.py", "-r", "emr", *FAST,
                   "--jobconf", "mapreduce.map.maxattempts=2", "s3://in-bucket/flaky/a.txt")
    assert ok(proc) == b'"one"\t1\n"two"\t2\n'
    err = proc.stderr.decode()
    assert "step 1: task attempt attempt_" in err
    assert "_m_000000_0 failed (" in err and ") and was tried again" in err
