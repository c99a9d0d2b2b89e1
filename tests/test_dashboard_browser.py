"""The dashboard end to end in a real browser: Debian's headless chromium,
driven by Playwright, on a dashboard serving a seeded SQLite history.

Runs of every state appear with the right cause, markup in a record stays
text, the job filter narrows the list, a new run appears without a reload,
a run's page opens with its steps and cause, and screenshots of both pages
are written into the test's directory. The whole module is ``slow``: the
fast tier never imports Playwright or starts a browser."""

from __future__ import annotations

import re
import time

import pytest

from streamr.history.record import STATES
from streamr.history.stores.sqlite import SQLiteStore
from tests.support.browser import browser_page
from tests.support.dashboard_screenshot import take_screenshot
from tests.support.run_history import (
    FAILED_CAUSE,
    HOSTILE_CAUSE,
    HOSTILE_JOB,
    make_run,
    seed_history,
    serving,
)

pytestmark = pytest.mark.slow

#: milliseconds Playwright waits for an element; reached only by a stuck test
WAIT_MS = 120_000

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _run_ids(page, selector: str = "tr.run") -> list:
    return page.locator(selector).evaluate_all("rows => rows.map(row => row.dataset.run)")


def _note(page, run_id: str) -> str:
    return page.locator('tr.run[data-run="%s"] td.note' % run_id).inner_text()


def test_the_dashboard_in_headless_chromium(tmp_path):
    from playwright.sync_api import expect

    db = tmp_path / "history.db"
    seed_history(db)
    with serving(db, refresh=0.5) as server, browser_page() as page:
        page.set_default_timeout(WAIT_MS)
        page.goto(server.url)

        # every state's runs, active ones first, failures with their cause
        for state in STATES:
            assert page.locator("tr.run.state-%s" % state).count() >= 1, state
        assert _run_ids(page, "#active-runs tr.run") == [
            "mr_log_counts.ana.7", "mr_word_freq.bo.0", "mr_word_freq.bo.1"]
        assert _note(page, "mr_sessions.ana.3") == FAILED_CAUSE.splitlines()[0]
        assert _note(page, "mr_log_counts.ana.2") == "Step 1 of 1 failed: cluster ran out of disk"
        assert _note(page, "mr_word_freq.bo.lost").startswith("no heartbeat since")
        assert _note(page, "mr_log_counts.ana.4") == "interrupted (Ctrl-C)"

        # markup in a record is shown as text and never runs
        assert page.title() == "streamr runs"
        hostile = page.locator('tr.run[data-run="hostile.0"] td')
        assert hostile.nth(2).inner_text() == HOSTILE_JOB
        assert hostile.nth(7).inner_text() == HOSTILE_CAUSE
        assert page.locator("script").count() == 1

        # a chart per job, a bar per run
        sessions_chart = page.locator('figure.job-chart[data-job="MRSessions"] rect.bar')
        assert sessions_chart.count() == 4
        index_png = tmp_path / "index.png"
        page.screenshot(path=str(index_png), full_page=True)
        assert index_png.read_bytes().startswith(PNG_MAGIC)

        # the job filter narrows the list (and the charts)
        # (choosing a filter applies it: no button to press)
        page.select_option("#filter-job", "MRSessions")
        page.wait_for_url(re.compile(r"/\?job=MRSessions$"))
        assert sorted(_run_ids(page)) == ["mr_sessions.ana.%d" % n for n in range(4)]
        assert page.locator("figure.job-chart").count() == 1

        # the page refreshes by itself: a run that starts now appears, no reload
        store = SQLiteStore(str(db))
        started = time.time()
        store.save(make_run("mr_sessions.ana.4", job="MRSessions", state="running",
                            started=started, seconds=None, heartbeat=started))
        expect(page.locator('#active-runs tr.run[data-run="mr_sessions.ana.4"]')).to_be_visible()
        expect(sessions_chart).to_have_count(5)
        assert page.url.endswith("/?job=MRSessions")

        # a state's count is a filter too, added to the job's
        page.click('.counts a[data-state="failed"]')
        page.wait_for_url(re.compile(r"/\?job=MRSessions&state=failed$"))
        assert _run_ids(page) == ["mr_sessions.ana.3"]
        assert page.locator("#filter-state").input_value() == "failed"

        # a run's page: its steps and the cause in full
        page.click('#other-runs a[href="/runs/mr_sessions.ana.3"]')
        page.wait_for_url(re.compile(r"/runs/mr_sessions\.ana\.3$"))
        assert page.locator("pre#cause").text_content() == FAILED_CAUSE
        steps = page.locator("tr.step")
        assert steps.count() == 2
        assert [steps.nth(n).locator(".badge").inner_text() for n in range(2)] == [
            "succeeded", "failed"]
        run_png = tmp_path / "run.png"
        page.screenshot(path=str(run_png), full_page=True)
        assert run_png.read_bytes().startswith(PNG_MAGIC)

        # an unknown run is a 404 page
        answer = page.goto(server.url + "runs/no-such-run")
        assert answer.status == 404
        assert "The history holds no run no-such-run." in page.locator("#missing").inner_text()

        # a run's page follows its run to the end, heading included
        page.goto(server.url + "runs/mr_sessions.ana.4")
        assert page.locator("header .badge").inner_text() == "running"
        assert page.locator("#cause").count() == 0
        store.save(make_run("mr_sessions.ana.4", job="MRSessions", state="failed",
                            started=started, seconds=2, cause="disk full"))
        expect(page.locator("header .badge")).to_have_text("failed")
        expect(page.locator("pre#cause")).to_have_text("disk full")


def test_the_docs_screenshot_script_photographs_the_dashboard(tmp_path):
    path = take_screenshot(tmp_path / "docs" / "dashboard.png")
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    # PNG's header: width and height, big-endian, after the IHDR tag
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert width == 1200 and height >= 600
