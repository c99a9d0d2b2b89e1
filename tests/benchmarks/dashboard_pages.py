"""How long the dashboard takes to answer, for a small history and a large
one nobody has pruned: the index, its refreshing part, the JSON list and a
run's page, over HTTP from a server on 127.0.0.1.

Run on demand (not part of the test suite)::

    .venv/bin/python tests/benchmarks/dashboard_pages.py [--runs 1000 20000] [--write]

Each history holds RUNS runs of 40 jobs spread evenly over the last 60
days, saved through the SQLite store. Each address is asked for 9 times;
the median is printed, in milliseconds, with the index's default window
(the last 30 days, at most 2000 runs) and, for comparison, with no window
at all (every run read at each refresh, which the dashboard never does). With
``--write`` the table goes into docs/performance.md, between its markers.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)
from benchlib.report import write_between  # noqa: E402

PERFORMANCE_MD = os.path.join(ROOT, "docs", "performance.md")
MARKER = "<!-- dashboard results -->"
END_MARKER = "<!-- end of dashboard results -->"

ADDRESSES = ("/", "/parts/index", "/api/runs", "/runs/run000007")
TIMES = 9


def seed(db: str, runs: int) -> None:
    """*runs* records of 40 jobs over the last 60 days, newest first."""
    from streamr.history.stores.sqlite import SQLiteStore
    from tests.support.run_history import seed_runs

    models = seed_runs(time.time())
    store = SQLiteStore(db)
    now = time.time()
    for num in range(runs):
        model = models[num % len(models)]
        started = now - num * (60 * 86400 / runs)
        store.save(dataclasses.replace(
            model, run_id="run%06d" % num, job="Job%02d" % (num % 40), started=started,
            ended=None if model.ended is None else started + (model.ended - model.started),
            heartbeat=started + 30))


def medians(db: str, window) -> dict:
    """Median milliseconds per address, the index reading *window*."""
    from streamr.history.dashboard.server import DashboardServer
    from streamr.history.reading import open_history
    from tests.support.run_history import fetch

    server = DashboardServer(open_history(history_db=db), window=window)
    server.start_in_thread()
    try:
        result = {}
        for address in ADDRESSES:
            times = []
            for _ in range(TIMES):
                started = time.perf_counter()
                status, _, _ = fetch(server, address)
                times.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    sys.exit("%s answered %d" % (address, status))
            result[address] = statistics.median(times)
        return result
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1000, 20000])
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    from streamr.history.dashboard.listing import READ_LIMIT, Window

    windows = ((Window(), "last 30 days, at most %d (default)" % READ_LIMIT),
               (Window(days=None, most=10 ** 9), "every run (no window)"))
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for runs in args.runs:
            db = os.path.join(work, "h%d.db" % runs)
            seed(db, runs)
            for window, text in windows:
                found = medians(db, window)
                rows.append((runs, text, found))
                print("%6d runs, %-38s " % (runs, text) + "  ".join(
                    "%s %.0f ms" % (address, ms) for address, ms in found.items()))
    if args.write:
        write_table(args, rows)


def write_table(args, rows: list) -> None:
    lines = [MARKER, "", "Measured on %s, %d cores shared with other work, Python %s, with:" % (
        datetime.date.today().isoformat(), os.cpu_count() or 1, platform.python_version()),
        "", "```sh", "python tests/benchmarks/dashboard_pages.py --runs %s --write"
        % " ".join(map(str, args.runs)), "```", "",
        "| runs recorded | index reads | " + " | ".join("`%s`" % a for a in ADDRESSES) + " |",
        "|---:|---|" + "---:|" * len(ADDRESSES)]
    for runs, window, found in rows:
        lines.append("| %d | %s | " % (runs, window)
                     + " | ".join("%.0f ms" % found[a] for a in ADDRESSES) + " |")
    write_between(PERFORMANCE_MD, MARKER, END_MARKER, lines, heading="## Dashboard")


if __name__ == "__main__":
    main()
