"""Serving the dashboard: the ``streamr dashboard`` command as a user
starts it, a history kept in S3 (the moto server), runs recorded by a real
job, and what a user sees when something goes wrong: an unreadable
history, a port in use, a bug, a browser that goes away."""

from __future__ import annotations

import html
import logging
import re
import signal
import socket
import subprocess
import sys
import time
from io import BytesIO

import pytest
from click.testing import CliRunner

from streamr.cli import cli
from streamr.history.dashboard.server import DashboardServer
from streamr.history.reading import open_history
from streamr.history.stores.s3 import S3Store
from tests.jobs.mr_history import MRHistoryCount
from tests.support.run_history import (
    FAILED_CAUSE,
    LOST_AFTER,
    fetch,
    index_row,
    run_ids,
    seed_history,
    seed_runs,
    serving,
)
from tests.support.waiting import wait_for_line


@pytest.fixture()
def own_db(tmp_path):
    """A seeded history of this test's own."""
    path = tmp_path / "history.db"
    seed_history(path, hostile=False)
    return path


def test_an_unreadable_history_is_one_line_not_a_traceback(tmp_path, caplog):
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database, just text" * 100)
    with serving(broken) as server:
        status, _, body = fetch(server, "/")
    assert status == 503
    assert "Could not read the run history: file is not a database" in body
    assert "Traceback" not in body
    assert any("could not read the run history" in r.getMessage() for r in caplog.records)


# --- the command -------------------------------------------------------------------------


def _dashboard_process(tmp_path, *args):
    """``streamr dashboard`` as a user starts it, with its stderr in a
    file; the process and the address it serves on."""
    stderr = tmp_path / "stderr.txt"
    with open(stderr, "wb") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "streamr.cli", "dashboard", "--port", "0",
                                 *map(str, args)], cwd=str(tmp_path), stdout=subprocess.PIPE,
                                stderr=handle)
    try:
        match = wait_for_line(stderr, r"^streamr dashboard: serving (http://\S+) ", proc=proc)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc, match.group(1), stderr


def _stop(proc) -> tuple:
    """Ctrl-C, as a person stops it: its exit status and stdout."""
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=120)
    return proc.returncode, stdout


class _At:
    """What :func:`fetch` needs of a server: its address."""

    def __init__(self, url: str):
        self.url = url


@pytest.mark.slow
def test_the_command_serves_the_history_its_config_file_names(tmp_path, own_db):
    conf = tmp_path / "streamr.conf"
    conf.write_text("runners:\n  local:\n    history_db: %s\n    history_lost_after: %d\n"
                    % (own_db, LOST_AFTER))
    proc, url, stderr = _dashboard_process(tmp_path, "-c", conf)
    try:
        assert url.startswith("http://127.0.0.1:")
        status, _, body = fetch(_At(url), "/")
        assert status == 200 and "mr_sessions.ana.3" in body and str(own_db) in body
        assert run_ids(body, "active-runs")[0] == "mr_log_counts.ana.7"
    finally:
        returncode, stdout = _stop(proc)
    assert returncode == 0 and stdout == b""
    assert "anyone who can reach" not in stderr.read_text()
    assert "Traceback" not in stderr.read_text()


@pytest.mark.slow
def test_serving_beyond_this_machine_takes_host_and_warns(tmp_path, own_db):
    proc, url, stderr = _dashboard_process(tmp_path, "--host", "0.0.0.0", "--history-db",
                                           own_db)
    try:
        assert url.startswith("http://0.0.0.0:")
        warning = stderr.read_text()
        assert "serving on 0.0.0.0: anyone who can reach this machine can read the run" \
               " history" in warning
        status, _, _ = fetch(_At(url.replace("0.0.0.0", "127.0.0.1")), "/")
        assert status == 200
    finally:
        returncode, _ = _stop(proc)
    assert returncode == 0


def test_a_port_in_use_is_one_line_and_status_2(tmp_path):
    taken = socket.socket()
    try:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        try:
            runner = CliRunner(mix_stderr=False)
        except TypeError:  # click 8.2 keeps stderr apart by itself
            runner = CliRunner()
        result = runner.invoke(cli, ["dashboard", "--port", str(port), "--history-db",
                                     str(tmp_path / "none.db"), "--no-conf"])
    finally:
        taken.close()
    assert result.exit_code == 2
    assert result.stderr == ("streamr: error: port %d on 127.0.0.1 is in use: choose another"
                             " with --port (0: any free port)\n" % port)


# --- a history shared through S3 (the moto server) ---------------------------------------


def _s3_dashboard(aws, uri: str):
    history = open_history(history_uri=uri, aws_options={"s3_endpoint": aws.endpoint},
                           lost_after=LOST_AFTER)
    server = DashboardServer(history, port=0, store_text=uri)
    server.start_in_thread()
    return server


def test_a_history_kept_in_s3_is_shown_like_a_local_one(aws):
    aws.bucket("team-history")
    uri = "s3://team-history/streamr/"
    store = S3Store(uri, {"s3_endpoint": aws.endpoint})
    for run in seed_runs(time.time()):
        store.save(run)
    server = _s3_dashboard(aws, uri)
    try:
        _, _, body = fetch(server, "/")
        status, _, page = fetch(server, "/runs/mr_sessions.ana.3")
    finally:
        server.shutdown()
        server.server_close()
    assert run_ids(body, "active-runs") == ["mr_log_counts.ana.7", "mr_word_freq.bo.0",
                                            "mr_word_freq.bo.1"]
    assert "history: s3://team-history/streamr/" in body
    assert status == 200 and html.escape(FAILED_CAUSE.splitlines()[0]) in page


def test_an_s3_history_that_cannot_be_read_is_a_one_line_503(aws):
    server = _s3_dashboard(aws, "s3://no-such-bucket/streamr/")
    try:
        status, _, body = fetch(server, "/")
    finally:
        server.shutdown()
        server.server_close()
    assert status == 503
    assert re.search(r"<p>Could not read the run history: [^<\n]+</p>", body)
    assert "Traceback" not in body


# --- runs recorded by a real job ---------------------------------------------------------


def _run_inline(db, *args) -> str:
    """Run the history tests' word count inline, recorded in *db*; its run id."""
    job = MRHistoryCount(["-r", "inline", "--no-conf", "--history-db", str(db), *args])
    job.sandbox(stdin=BytesIO(b"a b c\na b\n"))
    with job.make_runner() as runner:
        try:
            runner.run()
        except Exception:  # the failing run: the test reads its record
            pass
        return runner.get_job_key()


def test_runs_a_job_recorded_are_on_the_dashboard(tmp_path):
    db = tmp_path / "history.db"
    good = _run_inline(db, "--api-token", "s3cr3t-value")
    bad = _run_inline(db, "--fail-on", "b")
    with serving(db) as server:
        _, _, index = fetch(server, "/?job=MRHistoryCount")
        _, _, good_page = fetch(server, "/runs/" + good)
        _, _, bad_page = fetch(server, "/runs/" + bad)
    assert run_ids(index, "other-runs") == [bad, good]
    assert "badge state-failed" in index_row(index, bad)
    assert "ValueError: cannot count b" in bad_page
    assert "badge state-succeeded" in index_row(index, good)
    # the job's counters, and its secret never recorded, so never shown
    assert "<th colspan=\"2\">words</th></tr><tr><td>seen</td><td class=\"num\">5</td>" \
        in good_page
    assert "s3cr3t-value" not in good_page
    assert "--api-token ********</code>" in good_page


class _BrokenHistory:
    """A history whose reader has a bug."""

    store = None

    def list_runs(self, **_):
        raise TypeError("a bug in reading")


def test_a_bug_is_a_500_page_and_a_logged_traceback(caplog):
    server = DashboardServer(_BrokenHistory(), port=0)
    server.start_in_thread()
    try:
        with caplog.at_level(logging.ERROR, logger="streamr"):
            status, _, body = fetch(server, "/?job=x")
    finally:
        server.shutdown()
        server.server_close()
    assert status == 500 and "The dashboard failed to answer /?job=x." in body
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info[0] is TypeError


def test_a_browser_that_goes_away_is_no_error(caplog, capsys):
    server = DashboardServer(_BrokenHistory(), port=0)
    try:
        with caplog.at_level(logging.DEBUG, logger="streamr"):
            try:
                raise BrokenPipeError(32, "Broken pipe")
            except BrokenPipeError:
                server.handle_error(None, ("127.0.0.1", 50000))
    finally:
        server.server_close()
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]
    assert capsys.readouterr().err == ""
