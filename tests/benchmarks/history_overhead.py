"""What recording a run in the run history costs: the same small inline
word count run many times in one process, with the history on (a fresh
SQLite database) and off, and many processes saving to one database at once.

Run on demand (not part of the test suite)::

    .venv/bin/python tests/benchmarks/history_overhead.py [--runs 200] [--writers 8]
        [--saves 200] [--write]

Prints milliseconds per run with and without the history, and saves per
second with *writers* processes each saving *saves* records to one
database; with ``--write`` puts the table into docs/performance.md, between
its two markers.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
from io import BytesIO

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)
from benchlib.report import write_between  # noqa: E402

PERFORMANCE_MD = os.path.join(ROOT, "docs", "performance.md")
MARKER = "<!-- run history results -->"
END_MARKER = "<!-- end of run history results -->"

# one process saving *saves* records, each saved 5 times (a run's usual saves)
_WRITER = """
import sys, time
from streamr.history.record import RunRecord, StepRecord
from streamr.history.stores.sqlite import SQLiteStore
store = SQLiteStore(sys.argv[1])
for num in range(int(sys.argv[2])):
    now = time.time()
    record = RunRecord("w%s-%d" % (sys.argv[3], num), "MRJob", "/job.py", [], "local", "u",
                       "h", "/", [], "running", now, None, now,
                       [StepRecord(0, "streaming")], {}, None, None, None, None)
    for state in ("starting", "running", "running", "running", "succeeded"):
        record.state = state
        store.save(record)
"""


def per_run(runs: int, history: bool, work: str) -> float:
    """Milliseconds per inline run of the word count."""
    from examples.mr_word_freq_count import MRWordFreqCount

    switches = ["--history-db", os.path.join(work, "h.db")] if history else ["--no-history"]
    started = time.perf_counter()
    for _ in range(runs):
        job = MRWordFreqCount(["-r", "inline", "--no-conf", *switches])
        job.sandbox(stdin=BytesIO(b"one two two\nthree three three\n"))
        with job.make_runner() as runner:
            runner.run()
    return (time.perf_counter() - started) / runs * 1000


def concurrent_saves(writers: int, saves: int, work: str) -> tuple:
    """(seconds, records found) for *writers* processes saving *saves* runs each."""
    from streamr.history.reading import open_history

    db = os.path.join(work, "shared.db")
    env = dict(os.environ, PYTHONPATH=ROOT)
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, db, str(saves), str(num)],
                              env=env) for num in range(writers)]
    if any(proc.wait() != 0 for proc in procs):
        sys.exit("a writer failed")
    seconds = time.perf_counter() - started
    return seconds, len(open_history(history_db=db).list_runs())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        per_run(5, True, work)  # imports and the database's first connection
        off = per_run(args.runs, False, work)
        on = per_run(args.runs, True, work)
        seconds, found = concurrent_saves(args.writers, args.saves, work)
    expected = args.writers * args.saves
    print("inline word count: %.1f ms per run without the history, %.1f ms with it"
          % (off, on))
    print("%d processes x %d runs x 5 saves: %.1f s, %.0f saves/s, %d of %d records found"
          % (args.writers, args.saves, seconds, expected * 5 / seconds, found, expected))
    if found != expected:
        sys.exit("records were lost")
    if args.write:
        write_table(args, off, on, seconds)


def write_table(args, off: float, on: float, seconds: float) -> None:
    saves = args.writers * args.saves * 5
    lines = [MARKER, "", "Measured on %s, %d cores shared with other work, Python %s, with:" % (
        datetime.date.today().isoformat(), os.cpu_count() or 1, platform.python_version()),
        "", "```sh", "python tests/benchmarks/history_overhead.py --runs %d --writers %d"
        " --saves %d --write" % (args.runs, args.writers, args.saves), "```", "",
        "| measure | value |", "|---------|------:|",
        "| inline word count, history off | %.1f ms per run |" % off,
        "| inline word count, history on (SQLite) | %.1f ms per run |" % on,
        "| %d processes saving to one database at once | %.0f saves/s, no record lost |"
        % (args.writers, saves / seconds)]
    write_between(PERFORMANCE_MD, MARKER, END_MARKER, lines, heading="## Run history")


if __name__ == "__main__":
    main()
