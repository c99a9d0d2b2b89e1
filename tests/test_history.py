"""The run history: what a run records as it goes (inline runs in this
process), its SQLite store, the masked command line, notifications, and
``streamr runs`` reading it."""

import json
import os
import stat
import sys
import time
from io import BytesIO

import pytest
from click.testing import CliRunner

from streamr.cli import cli
from streamr.errors import UsageError
from streamr.history.command_line import mask_argv
from streamr.history.reading import open_history
from streamr.history.record import RunRecord, StepRecord
from streamr.history.recorder import notify_states
from streamr.history.stores.sqlite import SQLiteStore
from tests.jobs.mr_history import MRHistoryCount

TEXT = b"a b c\na b\n"


def run_inline(db, *args, stdin=TEXT):
    """Run the history job inline, recorded in *db*; the exception it
    ended with (None if it succeeded) and the run's id."""
    job = MRHistoryCount(["-r", "inline", "--no-conf", "--history-db", str(db), *args])
    job.sandbox(stdin=BytesIO(stdin))
    with job.make_runner() as runner:
        try:
            runner.run()
        except BaseException as exc:  # the test looks at what ended the run
            return exc, runner.get_job_key()
    return None, runner.get_job_key()


def streamr(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def make_record(run_id, *, job="MRJob", runner="local", state="succeeded", started=None,
                cause=None, heartbeat=None, argv=(), extra=None, cwd="/", script="/job.py"):
    started = time.time() if started is None else started
    return RunRecord(
        run_id=run_id, job=job, script=script, argv=list(argv), runner=runner, user="u",
        host="h", cwd=cwd, conf_paths=[], state=state, started=started,
        ended=None if state in ("starting", "waiting", "running") else started + 2,
        heartbeat=started if heartbeat is None else heartbeat,
        steps=[StepRecord(0, "streaming", "succeeded", started, started + 1,
                          {"g": {"n": 3}})],
        counters={"g": {"n": 3}}, output=None, input_count=1, input_bytes=10, cause=cause,
        extra=dict(extra or {}))


# --- the record ----------------------------------------------------------------------------


def test_a_record_survives_its_json_form():
    record = make_record("r1", cause="boom\nmore", extra={"masked": ["--api-key"]})
    again = RunRecord.from_json(json.loads(json.dumps(record.to_json())))
    assert again == record
    assert isinstance(again.steps[0], StepRecord)


def test_a_newer_records_unknown_fields_are_ignored():
    data = make_record("r1").to_json()
    data["from_the_future"] = 1
    data["steps"][0]["also_new"] = 2
    assert RunRecord.from_json(data).run_id == "r1"


def test_the_cause_line_is_the_summary_after_a_traceback():
    assert make_record("r", cause="Step 1 of 2 failed: x\ndetails").cause_line() == (
        "Step 1 of 2 failed: x")
    assert make_record("r", cause="Traceback (most recent call last):\n  File x\nValueError"
                                  "\nStep 1 of 1 failed: mapper task 0").cause_line() == (
        "Step 1 of 1 failed: mapper task 0")
    assert make_record("r").cause_line() == ""


def test_an_active_run_without_heartbeat_is_lost():
    record = make_record("r", state="running", started=1000.0, heartbeat=1000.0)
    assert record.effective_state(1050.0, lost_after=60) == "running"
    assert record.effective_state(1061.0, lost_after=60) == "lost"
    ended = make_record("r", state="failed", started=1000.0)
    assert ended.effective_state(99999.0, lost_after=60) == "failed"


# --- recording inline runs ---------------------------------------------------------------------


def test_a_successful_run_is_recorded_with_steps_counters_and_inputs(tmp_path):
    db = tmp_path / "h.db"
    exc, run_id = run_inline(db)
    assert exc is None
    record = open_history(history_db=str(db)).get_run(run_id)
    assert record.state == "succeeded"
    assert record.job == "MRHistoryCount" and record.runner == "inline"
    assert record.script == os.path.abspath(sys.modules[MRHistoryCount.__module__].__file__)
    assert record.cwd == os.getcwd()
    assert record.argv[:2] == ["-r", "inline"]
    assert [(s.num, s.kind, s.state) for s in record.steps] == [(0, "streaming", "succeeded")]
    assert record.counters == {"words": {"seen": 5}} == record.steps[0].counters
    assert record.input_count == 1 and record.input_bytes == 0  # stdin has no size here
    assert record.ended >= record.started and record.cause is None


def test_a_failed_run_records_the_cause_the_job_printed(tmp_path):
    db = tmp_path / "h.db"
    exc, run_id = run_inline(db, "--fail-on", "a")
    assert exc is not None
    record = open_history(history_db=str(db)).get_run(run_id)
    assert record.state == "failed"
    assert "ValueError: cannot count a" in record.cause
    assert record.cause_line().startswith("Step 1 of 1 failed: reducer task 0")
    assert record.steps[0].state == "failed"


def test_a_usage_error_is_a_failed_run_with_its_line(tmp_path):
    db = tmp_path / "h.db"
    exc, run_id = run_inline(db, "/no/such/input.txt")
    assert isinstance(exc, UsageError)
    record = open_history(history_db=str(db)).get_run(run_id)
    assert record.state == "failed" and record.cause == str(exc)
    assert "/no/such/input.txt" in record.cause


def test_an_interrupted_run_is_recorded_so(tmp_path):
    db = tmp_path / "h.db"
    exc, run_id = run_inline(db, "--interrupt")
    assert isinstance(exc, KeyboardInterrupt)
    record = open_history(history_db=str(db)).get_run(run_id)
    assert record.state == "interrupted" and record.cause == "interrupted (Ctrl-C)"


def test_secrets_on_the_command_line_are_not_recorded(tmp_path):
    db = tmp_path / "h.db"
    run_inline(db, "--api-token", "s3cr3t", "--cmdenv", "DB_PASSWORD=hunter2",
               "--cmdenv", "COLOR=blue")
    text = (tmp_path / "h.db").read_bytes()
    assert b"s3cr3t" not in text and b"hunter2" not in text
    record = open_history(history_db=str(db)).list_runs()[0]
    assert "COLOR=blue" in record.argv and "DB_PASSWORD=********" in record.argv
    assert record.extra["masked"] == ["--api-token", "DB_PASSWORD"]


def test_mask_argv_follows_streamrs_secret_rule():
    argv, names = mask_argv(["-D", "fs.s3a.secret.key=x", "--api-key=y", "--token", "z",
                             "--sort-values", "--label", "keys", "in.txt"])
    assert argv == ["-D", "fs.s3a.secret.key=********", "--api-key=********", "--token",
                    "********", "--sort-values", "--label", "keys", "in.txt"]
    assert names == ["fs.s3a.secret.key", "--api-key", "--token"]


def test_history_false_records_nothing(tmp_path):
    db = tmp_path / "h.db"
    exc, _ = run_inline(db, "--no-history")
    assert exc is None and not db.exists()


def test_a_history_uri_that_is_not_on_s3_is_a_usage_error(tmp_path):
    exc, _ = run_inline(tmp_path / "h.db", "--history-uri", str(tmp_path / "here"))
    assert isinstance(exc, UsageError) and exc.exit_status == 2
    assert "history_uri must be an S3 prefix" in str(exc)


def test_an_unwritable_store_is_one_warning_and_the_job_goes_on(tmp_path, caplog):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.access(str(locked), os.W_OK):  # root writes anywhere: use a path under a file
        locked = tmp_path / "a-file"
        locked.write_text("")
    exc, _ = run_inline(locked / "sub" / "h.db")
    assert exc is None
    warnings = [r for r in caplog.records if "run history" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"
    assert "the job goes on" in warnings[0].getMessage()


# --- notifications ---------------------------------------------------------------------------


def _notify_script(tmp_path):
    out = tmp_path / "notified.json"
    script = tmp_path / "notify.py"
    script.write_text(
        "import json, os, sys\n"
        "keys = ['STREAMR_RUN_ID', 'STREAMR_JOB', 'STREAMR_STATE', 'STREAMR_CAUSE']\n"
        "with open(sys.argv[1], 'a') as f:\n"
        "    f.write(json.dumps({k: os.environ.get(k) for k in keys}) + '\\n')\n")
    return "%s %s %s" % (sys.executable, script, out), out


def test_notify_command_hears_of_a_failure(tmp_path):
    command, out = _notify_script(tmp_path)
    exc, run_id = run_inline(tmp_path / "h.db", "--fail-on", "b", "--notify-command", command)
    assert exc is not None
    [sent] = [json.loads(line) for line in out.read_text().splitlines()]
    assert sent["STREAMR_RUN_ID"] == run_id
    assert sent["STREAMR_JOB"] == "MRHistoryCount" and sent["STREAMR_STATE"] == "failed"
    assert "ValueError: cannot count b" in sent["STREAMR_CAUSE"]


def test_notify_command_is_quiet_on_success_unless_asked(tmp_path):
    command, out = _notify_script(tmp_path)
    assert run_inline(tmp_path / "h.db", "--notify-command", command)[0] is None
    assert not out.exists()
    exc, run_id = run_inline(tmp_path / "h.db", "--notify-command", command,
                             "--notify-on", "failed,succeeded")
    assert exc is None
    [sent] = [json.loads(line) for line in out.read_text().splitlines()]
    assert sent["STREAMR_STATE"] == "succeeded" and sent["STREAMR_CAUSE"] == ""


def test_a_failing_notify_command_is_a_warning(tmp_path, caplog):
    exc, _ = run_inline(tmp_path / "h.db", "--fail-on", "a", "--notify-command", "exit 3")
    assert exc is not None  # the job's own failure, not the notifier's
    assert any("notify_command failed (exit status 3)" in r.getMessage()
               for r in caplog.records)


def test_notify_on_takes_end_states_only():
    assert notify_states(["failed,succeeded", "interrupted"]) == (
        "failed", "succeeded", "interrupted")
    with pytest.raises(UsageError, match="notify_on must name states"):
        notify_states(["running"])


# --- the SQLite store -----------------------------------------------------------------------


def test_the_store_replaces_lists_and_deletes(tmp_path):
    store = SQLiteStore(str(tmp_path / "deep" / "h.db"))
    assert store.load("x") is None and list(store.records()) == []
    store.save(make_record("old", started=1000.0, job="A"))
    store.save(make_record("new", started=2000.0, job="B", state="running"))
    store.save(make_record("new", started=2000.0, job="B", state="failed"))
    assert [r.run_id for r in store.records()] == ["new", "old"]
    assert store.load("new").state == "failed"
    assert [r.run_id for r in store.records(job="A")] == ["old"]
    assert [r.run_id for r in store.records(since=1500.0)] == ["new"]
    assert store.delete(["old", "missing"]) == 1
    assert [r.run_id for r in store.records()] == ["new"]


def test_the_database_is_in_wal_mode(tmp_path):
    import sqlite3

    SQLiteStore(str(tmp_path / "h.db")).save(make_record("r"))
    conn = sqlite3.connect(str(tmp_path / "h.db"))
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


# --- streamr runs -----------------------------------------------------------------------------


@pytest.fixture()
def filled(tmp_path):
    """A history with runs in several states, jobs and runners."""
    db = tmp_path / "h.db"
    store = SQLiteStore(str(db))
    now = time.time()
    store.save(make_record("ok-local", job="MRA", runner="local", started=now - 100))
    store.save(make_record("bad-emr", job="MRB", runner="emr", state="failed",
                           started=now - 50, cause="Step 1 of 1 failed: out of memory\nmore"))
    store.save(make_record("gone", job="MRA", runner="inline", state="running",
                           started=now - 40, heartbeat=now - 1000))
    store.save(make_record("ancient", job="MRA", runner="local", started=now - 40 * 86400))
    return db


def _ids(result):
    return [line.split()[0] for line in result.output.splitlines()[1:]]


def test_runs_lists_newest_first_with_the_cause(filled):
    result = streamr("runs", "--history-db", filled)
    assert result.exit_code == 0
    assert result.output.splitlines()[0].split() == [
        "ID", "JOB", "RUNNER", "STATE", "STARTED", "DURATION", "CAUSE"]
    assert _ids(result) == ["gone", "bad-emr", "ok-local", "ancient"]
    bad = [line for line in result.output.splitlines() if line.startswith("bad-emr")][0]
    assert bad.endswith("Step 1 of 1 failed: out of memory") and "failed" in bad.split()
    gone = [line for line in result.output.splitlines() if line.startswith("gone")][0]
    assert gone.split()[3] == "lost"


def test_runs_filters(filled):
    assert _ids(streamr("runs", "--history-db", filled, "--state", "failed")) == ["bad-emr"]
    assert _ids(streamr("runs", "--history-db", filled, "--state", "lost")) == ["gone"]
    assert _ids(streamr("runs", "--history-db", filled, "--job", "MRA", "--since", "2d")) == [
        "gone", "ok-local"]
    assert _ids(streamr("runs", "--history-db", filled, "--runner", "local")) == [
        "ok-local", "ancient"]
    assert _ids(streamr("runs", "--history-db", filled, "--limit", "2")) == [
        "gone", "bad-emr"]


def test_runs_json_is_for_scripts(filled):
    result = streamr("runs", "--history-db", filled, "--json", "--state", "failed")
    [data] = json.loads(result.output)
    assert data["run_id"] == "bad-emr" and data["cause"].endswith("\nmore")
    assert data["duration"] == 2.0


@pytest.mark.parametrize("args, message", [
    (["--since", "yesterday"], "--since takes an age"),
    (["show", "no-such-run"], "no run no-such-run in the run history"),
    (["prune", "--older-than", "soon"], "--older-than takes an age"),
])
def test_bad_ids_and_filters_are_one_line_and_status_2(filled, args, message):
    result = CliRunner().invoke(cli, ["runs", *args, "--history-db", str(filled)]
                                if args[0] != "--since" else
                                ["runs", "--history-db", str(filled), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_runs_show_gives_everything(filled):
    result = streamr("runs", "show", "bad-emr", "--history-db", filled)
    assert result.exit_code == 0
    assert "job:       MRB" in result.output
    assert "  Step 1 of 1 failed: out of memory\n  more\n" in result.output
    assert "    n=3" in result.output


def test_runs_prune_forgets_old_ended_runs(filled):
    result = streamr("runs", "prune", "--older-than", "30d", "--history-db", filled)
    assert result.exit_code == 0
    assert _ids(streamr("runs", "--history-db", filled)) == ["gone", "bad-emr", "ok-local"]


def test_an_empty_history_says_so(tmp_path):
    result = streamr("runs", "--history-db", tmp_path / "none.db")
    assert result.exit_code == 0 and "no runs recorded" in result.output


def test_rerun_refuses_a_command_line_with_masked_secrets(tmp_path):
    db = tmp_path / "h.db"
    SQLiteStore(str(db)).save(make_record("r", argv=["--api-key", "********"],
                                          extra={"masked": ["--api-key"]}))
    result = streamr("runs", "rerun", "r", "--history-db", db)
    assert result.exit_code == 2
    assert "secret values (--api-key)" in result.output


def test_runs_finds_the_history_the_config_file_names(filled, tmp_path):
    conf = tmp_path / "streamr.conf"
    conf.write_text("runners:\n  emr:\n    history_db: %s\n" % filled)
    assert _ids(streamr("runs", "-c", conf, "--state", "failed")) == ["bad-emr"]
    shown = streamr("runs", "-c", conf, "show", "bad-emr")
    assert shown.exit_code == 0 and "job:       MRB" in shown.output
