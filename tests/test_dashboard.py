"""The dashboard without a browser: escaping, the index's order and
filters, the charts' bars, the run page, 404s and the JSON endpoints, over
real HTTP from a server on 127.0.0.1 reading a real SQLite history."""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import json
import re
import time
from urllib.parse import urlsplit

import pytest

from streamr.history.dashboard import layout
from streamr.history.dashboard.chart import HEIGHT, MIN_BAR, STATE_COLOURS, job_chart
from streamr.history.dashboard.index_page import index_part
from streamr.history.dashboard.listing import Filters, Window, list_runs, ordered
from streamr.history.dashboard.markup import Html, escape, fill, how_long, join, size
from streamr.history.dashboard.server import DashboardServer
from streamr.history.reading import History, open_history
from streamr.history.stores.sqlite import SQLiteStore
from tests.support.run_history import (
    DAY,
    FAILED_CAUSE,
    HOSTILE_CAUSE,
    HOSTILE_JOB,
    LOST_AFTER,
    fetch,
    index_row,
    make_run,
    run_ids,
    seed_history,
    serving,
)

NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """The seeded history, shared by the tests that only read it."""
    path = tmp_path_factory.mktemp("history") / "history.db"
    seed_history(path)
    return path


@pytest.fixture(scope="module")
def server(db):
    with serving(db) as running:
        yield running


@pytest.fixture()
def own_db(tmp_path):
    """A seeded history for a test that adds to it."""
    path = tmp_path / "history.db"
    seed_history(path, hostile=False)
    return path


# --- markup ------------------------------------------------------------------------------


def test_fill_escapes_every_value_but_markup_built_here():
    text = fill("<p title=\"$a\">$b $c</p>", a='"><script>', b="<b>&", c=Html("<i>ok</i>"))
    assert text == '<p title="&quot;&gt;&lt;script&gt;">&lt;b&gt;&amp; <i>ok</i></p>'
    assert escape(None) == ""
    assert join(["<", Html("<br>")]) == "&lt;<br>"


@pytest.mark.parametrize("seconds, text", [(None, "-"), (4.4, "4s"), (59.6, "1m00s"),
                                           (185, "3m05s"), (7620, "2h07m")])
def test_durations_read_as_people_say_them(seconds, text):
    assert how_long(seconds) == text


@pytest.mark.parametrize("count, text", [(None, "-"), (812, "812 B"),
                                         (1536, "1.5 KiB"), (48_500_000, "46.3 MiB")])
def test_sizes_have_binary_units(count, text):
    assert size(count) == text


# --- which runs, in which order ----------------------------------------------------------


def test_active_runs_come_first_then_the_others_newest_first():
    runs = [make_run("old-ok", job="J", state="succeeded", started=NOW - 300, seconds=10),
            make_run("starting", job="J", state="starting", started=NOW - 1, seconds=None),
            make_run("new-failed", job="J", state="failed", started=NOW - 100, seconds=10),
            make_run("waiting", job="J", state="waiting", started=NOW - 50, seconds=None),
            make_run("running-old", job="J", state="running", started=NOW - 900, seconds=None),
            make_run("running-new", job="J", state="running", started=NOW - 20, seconds=None),
            make_run("lost", job="J", state="lost", started=NOW - 200, seconds=None)]
    assert [run.run_id for run in ordered(runs)] == [
        "running-new", "running-old", "waiting", "starting", "new-failed", "lost", "old-ok"]


def test_filters_come_from_the_query_and_ignore_what_they_cannot_use():
    assert Filters.from_query({"job": ["MRSessions"], "state": ["failed"], "runner": [""]}) \
        == Filters(job="MRSessions", state="failed", runner=None)
    assert Filters.from_query({"state": ["exploded"], "limit": ["many"]}) == Filters()
    assert Filters.from_query({"limit": ["10"]}).limit == 10
    assert Filters(job="a b", state="lost").query() == "?job=a+b&state=lost"
    assert Filters(job="x").query(job=None) == ""


def test_the_listing_filters_and_counts_from_a_real_history(db):
    history = open_history(history_db=str(db), lost_after=LOST_AFTER)
    everything = list_runs(history, Filters())
    assert everything.counts == {"starting": 1, "waiting": 1, "running": 1, "succeeded": 9,
                                 "failed": 3, "interrupted": 1, "lost": 1}
    assert [run.state for run in everything.active] == ["running", "waiting", "starting"]
    assert "MRSessions" in everything.jobs and everything.runners == ["emr", "local"]

    sessions = list_runs(history, Filters(job="MRSessions"))
    assert {run.job for run in sessions.runs} == {"MRSessions"} and len(sessions.runs) == 4
    failed_emr = list_runs(history, Filters(state="failed", runner="emr"))
    assert [run.run_id for run in failed_emr.runs] == ["mr_log_counts.ana.2"]
    # the counts are under the job and runner filters, not the state one
    assert failed_emr.counts["succeeded"] == 5
    limited = list_runs(history, Filters(limit=3))
    assert len(limited.runs) == 3 and limited.more


def test_the_index_looks_back_a_window_of_days_and_says_so(db):
    history = open_history(history_db=str(db), lost_after=LOST_AFTER)
    last_day = list_runs(history, Filters(), Window(days=1))
    assert sorted(run.run_id for run in last_day.runs) == [
        "hostile.0", "mr_log_counts.ana.7", "mr_sessions.ana.3", "mr_word_freq.bo.0",
        "mr_word_freq.bo.1"]
    assert not last_day.cut
    assert "Runs started in the last day." in index_part(last_day)
    every = list_runs(history, Filters(), Window(days=None))
    assert len(every.runs) == 17 and "Every run recorded." in index_part(every)
    newest = list_runs(history, Filters(), Window(days=None, most=4))
    assert newest.cut and len(newest.runs) == 4
    assert "Every run recorded, the newest 4 of them." in index_part(newest)


# --- the chart ---------------------------------------------------------------------------


def test_a_chart_has_a_bar_per_run_oldest_left_height_for_duration_colour_for_state():
    runs = [make_run("r3", job="J", state="running", started=NOW - 30, seconds=None),
            make_run("r2", job="J", state="failed", started=NOW - 200, seconds=50),
            make_run("r1", job="J", state="succeeded", started=NOW - 400, seconds=100),
            make_run("r0", job="J", state="lost", started=NOW - DAY, seconds=None,
                     heartbeat=NOW - DAY + 25)]
    svg = job_chart(runs, now=NOW)
    bars = re.findall(r'<rect class="bar" x="(\d+)" y="(\d+)" width="\d+" height="(\d+)" '
                      r'fill="([^"]+)" data-run="([^"]+)" data-state="(\w+)" '
                      r'data-seconds="([\d.]+)">', svg)
    assert [bar[4] for bar in bars] == ["r0", "r1", "r2", "r3"]
    assert [int(bar[0]) for bar in bars] == sorted(int(bar[0]) for bar in bars)
    heights = {bar[4]: int(bar[2]) for bar in bars}
    # the longest (100 s) fills the height; the others in proportion; a lost
    # run is measured to its last heartbeat, not to now
    assert heights == {"r1": HEIGHT, "r2": HEIGHT // 2, "r3": round(HEIGHT * 0.3),
                       "r0": round(HEIGHT * 0.25)}
    assert all(int(y) + int(h) == HEIGHT for _, y, h, *_ in bars)
    assert {bar[5]: bar[3] for bar in bars} == {
        state: STATE_COLOURS[state] for state in ("lost", "succeeded", "failed", "running")}
    assert '<a href="/runs/r2">' in svg
    assert "<title>r2: failed, 50s</title>" in svg


def test_a_run_too_short_to_see_still_gets_a_bar():
    runs = [make_run("long", job="J", state="succeeded", started=NOW - 9000, seconds=8000),
            make_run("blink", job="J", state="failed", started=NOW - 10, seconds=0.01)]
    assert 'height="%d" fill="%s" data-run="blink"' % (MIN_BAR, STATE_COLOURS["failed"]) \
        in job_chart(runs, now=NOW)


# --- pages over HTTP ---------------------------------------------------------------------


def test_the_index_lists_active_runs_first_and_failures_with_their_cause(server):
    status, headers, body = fetch(server, "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert run_ids(body, "active-runs") == ["mr_log_counts.ana.7", "mr_word_freq.bo.0",
                                            "mr_word_freq.bo.1"]
    others = run_ids(body, "other-runs")
    assert others[:2] == ["mr_sessions.ana.3", "hostile.0"]
    assert "mr_word_freq.bo.lost" in others and len(others) == 14
    row = index_row(body, "mr_sessions.ana.3")
    assert "Step 2 of 2 failed: task attempt_0002_r_000003_0: KeyError: " \
           "&#x27;session_id&#x27;</td>" in row
    assert "Traceback" not in row  # only the first line on the index
    lost = index_row(body, "mr_word_freq.bo.lost")
    assert "badge state-lost" in lost and "no heartbeat since" in lost
    assert len(re.findall(r'<figure class="job-chart"', body)) == 4


def test_every_value_reaches_the_page_escaped(server):
    for path in ("/", "/runs/hostile.0", "/parts/index", "/?job=" + "%3Cscript%3E"):
        status, _, body = fetch(server, path)
        assert status == 200
        assert "<script>alert" not in body and "<script>document" not in body
        # the page's own script is the only one (a refreshing part has none)
        assert body.count("<script") == (0 if path.startswith("/parts/") else 1)
    _, _, run_body = fetch(server, "/runs/hostile.0")
    assert html.escape(HOSTILE_CAUSE, quote=True) in run_body
    assert html.escape(HOSTILE_JOB, quote=True) in run_body


def test_only_the_pages_own_script_may_run(server):
    _, headers, _ = fetch(server, "/")
    digest = base64.b64encode(hashlib.sha256(layout.SCRIPT.encode()).digest()).decode()
    policy = headers["Content-Security-Policy"]
    assert "script-src 'sha256-%s';" % digest in policy
    assert "default-src 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_filters_narrow_the_list_and_keep_the_form_set(server):
    _, _, body = fetch(server, "/?job=MRSessions&state=failed")
    assert run_ids(body, "other-runs") == ["mr_sessions.ana.3"]
    assert "Nothing is running or waiting." in body
    assert '<option value="MRSessions" selected>' in body
    assert '<option value="failed" selected>' in body
    assert 'data-src="/parts/index?job=MRSessions&amp;state=failed"' in body
    _, _, body = fetch(server, "/?runner=emr")
    assert {row for row in run_ids(body, "other-runs")} == {
        "mr_log_counts.ana.%d" % n for n in range(7)}
    _, _, body = fetch(server, "/?job=NoSuchJob")
    assert "No runs match." in body


def test_a_run_page_shows_everything_recorded(server):
    status, _, body = fetch(server, "/runs/mr_sessions.ana.3")
    assert status == 200
    cause = re.search(r'<pre id="cause">(.*?)</pre>', body, re.S).group(1)
    assert html.unescape(cause) == FAILED_CAUSE
    steps = re.findall(r'<tr class="step state-(\w+)" data-step="(\d)">', body)
    assert steps == [("succeeded", "0"), ("failed", "1")]
    assert "records in" in body and "<td class=\"num\">2000</td>" in body
    for text in ("/home/ana/jobs/mr_sessions.py", "-r local logs/ -o out/", "batch-1",
                 "/home/ana/.streamr.conf", "12 files, 46.3 MiB"):
        assert html.escape(text) in body


def test_an_emr_run_links_its_cluster_and_logs(server):
    _, _, body = fetch(server, "/runs/mr_log_counts.ana.7")
    assert re.search(r'<tr class="step state-running" data-step="0">.*?<td>s-\d{11}X</td>',
                     body, re.S)
    assert '<a href="https://console.aws.amazon.com/emr/home#/clusterDetails/j-2AXXXXXXGAPLF">' \
           'j-2AXXXXXXGAPLF</a>' in body
    assert '<a href="https://s3.console.aws.amazon.com/s3/buckets/team-logs?prefix=emr/">' \
           's3://team-logs/emr/</a>' in body


def test_unknown_runs_and_addresses_are_404_pages(server):
    status, _, body = fetch(server, "/runs/no-such-run")
    assert status == 404 and "The history holds no run no-such-run." in body
    status, _, body = fetch(server, "/runs/%3Cb%3E")
    assert status == 404 and "no run &lt;b&gt;" in body
    status, _, body = fetch(server, "/nothing/here")
    assert status == 404 and "Nothing is served at /nothing/here." in body
    status, _, answer = fetch(server, "/api/runs/no-such-run")
    assert status == 404 and json.loads(answer) == {"error": "no run no-such-run in the history"}


def test_the_dashboard_only_reads(server, db):
    status, _, _ = fetch(server, "/", method="POST")
    assert status == 501
    status, _, _ = fetch(server, "/runs/mr_sessions.ana.3", method="DELETE")
    assert status == 501
    status, headers, body = fetch(server, "/", method="HEAD")
    assert status == 200 and body == "" and int(headers["Content-Length"]) > 1000
    assert open_history(history_db=str(db)).get_run("mr_sessions.ana.3") is not None


def test_the_json_endpoint_serves_the_same_runs(server):
    status, headers, text = fetch(server, "/api/runs?state=failed")
    assert status == 200 and headers["Content-Type"] == "application/json"
    answer = json.loads(text)
    assert [run["run_id"] for run in answer["runs"]] == [
        "mr_sessions.ana.3", "hostile.0", "mr_log_counts.ana.2"]
    assert answer["runs"][0]["cause"] == FAILED_CAUSE
    assert answer["runs"][0]["cause_line"] == FAILED_CAUSE.splitlines()[0]
    assert answer["counts"]["failed"] == 3 and answer["more"] is False
    _, _, text = fetch(server, "/api/runs/mr_word_freq.bo.lost")
    assert json.loads(text)["state"] == "lost"


def test_the_refreshing_parts_follow_the_history(own_db):
    with serving(own_db) as server:
        _check_parts_follow(server, own_db)


def _check_parts_follow(server, db):
    _, _, before = fetch(server, "/parts/index?job=MRWordFreq")
    assert "mr_word_freq.bo.2" not in before and "<html" not in before
    SQLiteStore(str(db)).save(make_run("mr_word_freq.bo.2", job="MRWordFreq",
                                       state="failed", started=NOW, seconds=3,
                                       cause="disk full\nmore"))
    _, _, after = fetch(server, "/parts/index?job=MRWordFreq")
    assert run_ids(after, "other-runs")[0] == "mr_word_freq.bo.2" and "disk full" in after
    status, _, part = fetch(server, "/parts/runs/mr_word_freq.bo.2")
    assert status == 200 and '<pre id="cause">disk full\nmore</pre>' in part


def test_an_empty_history_says_so(tmp_path):
    with serving(tmp_path / "none-yet.db") as empty:
        status, _, body = fetch(empty, "/")
    assert status == 200 and "No runs recorded yet." in body
    assert not (tmp_path / "none-yet.db").exists()


def test_the_form_s_empty_fields_lead_to_the_address_of_what_was_chosen(server):
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        connection.request("GET", "/?job=MRSessions&state=&runner=&extra=1")
        answer = connection.getresponse()
        answer.read()
    finally:
        connection.close()
    assert answer.status == 303 and answer.headers["Location"] == "/?job=MRSessions"
    status, _, body = fetch(server, "/?job=MRSessions")
    assert status == 200 and run_ids(body, "other-runs")[0] == "mr_sessions.ana.3"


def test_a_page_reads_the_store_once_however_many_jobs_it_charts(db):
    class CountingStore(SQLiteStore):
        reads = 0

        def records(self, **filters):
            CountingStore.reads += 1
            return super().records(**filters)

    server = DashboardServer(History(CountingStore(str(db)), lost_after=LOST_AFTER), port=0)
    server.start_in_thread()
    try:
        status, _, body = fetch(server, "/")
    finally:
        server.shutdown()
        server.server_close()
    assert status == 200 and body.count('<figure class="job-chart"') == 4
    assert CountingStore.reads == 1


def test_a_run_s_page_follows_its_run_to_the_end(own_db):
    store = SQLiteStore(str(own_db))
    store.save(make_run("going", job="J", state="running", started=NOW, seconds=None,
                        heartbeat=time.time()))
    with serving(own_db) as server:
        _, _, before = fetch(server, "/parts/runs/going")
        store.save(make_run("going", job="J", state="failed", started=NOW, seconds=9,
                            cause="out of memory\nin task 3"))
        _, _, after = fetch(server, "/parts/runs/going")
    assert "badge state-running" in before and 'id="cause"' not in before
    assert '<span class="badge state-failed">failed</span><span class="store">' in after
    assert '<pre id="cause">out of memory\nin task 3</pre>' in after
