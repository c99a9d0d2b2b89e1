"""Run records for the dashboard's tests and its screenshot: a history
seeded with runs of every state, written through the real SQLite store.

:func:`seed_history` writes a fixed set of runs relative to *now*: for each
state at least one run, a failure whose cause is known
(:data:`FAILED_CAUSE`), a lost run whose heartbeat is two days old (read
with :data:`LOST_AFTER`, so the running ones, whose heartbeat is *now*,
stay running however slow the test machine is), and a job name and cause
carrying markup, to show it arrives escaped.

:func:`serving` runs a dashboard of such a history in a thread,
:func:`fetch` asks it for a page over HTTP, and :func:`run_ids` and
:func:`index_row` read the index's tables back."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time

from streamr.history.record import RunRecord, StepRecord
from streamr.history.stores.sqlite import SQLiteStore

#: seconds without a heartbeat after which the tests' readers call a run lost
LOST_AFTER = 86400.0

#: the cause of the seeded failure, as a job prints it
FAILED_CAUSE = ("Step 2 of 2 failed: task attempt_0002_r_000003_0: KeyError: 'session_id'\n"
                "\n"
                "Traceback (most recent call last):\n"
                '  File "mr_sessions.py", line 41, in reducer\n'
                "    start = record['session_id']\n"
                "KeyError: 'session_id'\n")

#: a job name and a cause that would run script if a page did not escape them
HOSTILE_JOB = "<script>alert('job')</script>"
HOSTILE_CAUSE = "<script>document.title='pwned'</script> broke & left"

HOUR = 3600.0
DAY = 24 * HOUR


def make_run(run_id: str, *, job: str, state: str, started: float, seconds: float | None,
             runner: str = "local", user: str = "ana", heartbeat: float | None = None,
             cause: str | None = None, steps: list | None = None, **more) -> RunRecord:
    """A record as a runner would have written it: *seconds* is how long a
    finished run took (``None`` for one that has not ended); the script is
    named after the first part of *run_id*, as a job key's label is."""
    ended = None if seconds is None else started + seconds
    home = "/home/%s" % user
    values = dict(
        run_id=run_id, job=job, script="%s/jobs/%s.py" % (home, run_id.split(".")[0]),
        argv=["-r", runner, "logs/", "-o", "out/"], runner=runner, user=user, host="batch-1",
        cwd=home + "/jobs", conf_paths=[home + "/.streamr.conf"], state=state,
        started=started, ended=ended,
        heartbeat=heartbeat if heartbeat is not None else (ended or started),
        steps=steps if steps is not None else [], counters={}, output="out/",
        input_count=12, input_bytes=48_500_000, cause=cause)
    values.update(more)
    return RunRecord(**values)


def _steps(states: list, started: float, emr: bool = False) -> list:
    steps = []
    for num, state in enumerate(states):
        begun = None if state == "pending" else started + 40 * num
        done = begun + 38 if state in ("succeeded", "failed") else None
        counters = {"streamr": {"records in": 1000 * (num + 1)}} if begun is not None else {}
        emr_step_id = "s-%011dX" % (int(started) + num) if emr else None
        steps.append(StepRecord(num, "streaming", state, begun, done, counters, emr_step_id))
    return steps


def seed_runs(now: float) -> list:
    """The seeded runs (newest first within each job), relative to *now*."""
    runs = []
    # a nightly job: durations that creep up, one failure, one interruption
    for night, (seconds, state) in enumerate([(610, "succeeded"), (655, "succeeded"),
                                              (640, "failed"), (700, "succeeded"),
                                              (720, "interrupted"), (760, "succeeded"),
                                              (805, "succeeded")]):
        started = now - (7 - night) * DAY
        runs.append(make_run("mr_log_counts.ana.%d" % night, job="MRLogCounts", state=state,
                             started=started, seconds=seconds, runner="emr",
                             cluster_id="j-2AXXXXXXGAPLF", log_uri="s3://team-logs/emr/",
                             cause="interrupted (Ctrl-C)" if state == "interrupted"
                             else "Step 1 of 1 failed: cluster ran out of disk" if
                             state == "failed" else None,
                             steps=_steps(["succeeded" if state == "succeeded" else state],
                                          started, emr=True),
                             counters={"streamr": {"lines": 52_000 + night}}))
    runs.append(make_run("mr_log_counts.ana.7", job="MRLogCounts", state="running",
                         started=now - 300, seconds=None, heartbeat=now, runner="emr",
                         cluster_id="j-2AXXXXXXGAPLF", log_uri="s3://team-logs/emr/",
                         steps=_steps(["running"], now - 300, emr=True)))
    # the failing job with the known cause, and its earlier good runs
    for day, seconds in enumerate([95, 101, 99]):
        runs.append(make_run("mr_sessions.ana.%d" % day, job="MRSessions", state="succeeded",
                             started=now - (4 - day) * DAY, seconds=seconds,
                             steps=_steps(["succeeded", "succeeded"], now - (4 - day) * DAY)))
    runs.append(make_run("mr_sessions.ana.3", job="MRSessions", state="failed",
                         started=now - 2 * HOUR, seconds=84, cause=FAILED_CAUSE,
                         steps=_steps(["succeeded", "failed"], now - 2 * HOUR)))
    # waiting for a pooled cluster; starting; lost (killed with -9 two days ago)
    runs.append(make_run("mr_word_freq.bo.0", job="MRWordFreq", state="waiting",
                         started=now - 90, seconds=None, heartbeat=now, runner="emr",
                         user="bo", cluster_id="j-3BYYYYYYPOOL1",
                         steps=_steps(["pending"], now - 90)))
    runs.append(make_run("mr_word_freq.bo.1", job="MRWordFreq", state="starting",
                         started=now - 5, seconds=None, heartbeat=now, user="bo"))
    runs.append(make_run("mr_word_freq.bo.lost", job="MRWordFreq", state="running",
                         started=now - 2 * DAY - 600, seconds=None, heartbeat=now - 2 * DAY,
                         user="bo", steps=_steps(["running"], now - 2 * DAY - 600)))
    runs.append(make_run("mr_word_freq.bo.old", job="MRWordFreq", state="succeeded",
                         started=now - 3 * DAY, seconds=42, user="bo"))
    return runs


def hostile_run(now: float) -> RunRecord:
    """A failed run whose job name and cause are markup."""
    return make_run("hostile.0", job=HOSTILE_JOB, state="failed", started=now - 3 * HOUR,
                    seconds=3, cause=HOSTILE_CAUSE)


def as_job_key(run: RunRecord, number: int) -> RunRecord:
    """*run* under an id shaped like a real one, the job key
    ``LABEL.OWNER.YYYYMMDD.HHMMSS.MICROSECONDS`` (for the docs' picture;
    the tests name runs by their short ids)."""
    label = run.run_id.rsplit(".", 2)[0]
    stamp = time.strftime("%Y%m%d.%H%M%S", time.gmtime(run.started))
    return dataclasses.replace(run, run_id="%s.%s.%s.%06d" % (
        label, run.user, stamp, (number * 390_137) % 1_000_000))


def seed_history(path, now: float | None = None, *, hostile: bool = True,
                 job_keys: bool = False) -> list:
    """Write the seeded runs (and, with *hostile*, :func:`hostile_run`)
    into the SQLite database at *path*, under ids shaped like real ones
    with *job_keys*; the records written."""
    now = time.time() if now is None else now
    store = SQLiteStore(str(path))
    runs = seed_runs(now) + ([hostile_run(now)] if hostile else [])
    if job_keys:
        runs = [as_job_key(run, number) for number, run in enumerate(runs)]
    for run in runs:
        store.save(run)
    return runs


@contextlib.contextmanager
def serving(db_path, *, refresh: float = 5.0, lost_after: float = LOST_AFTER):
    """A dashboard of the SQLite history at *db_path*, served from a thread
    on a free port of 127.0.0.1 (stopped on exit)."""
    from streamr.history.dashboard.server import DashboardServer
    from streamr.history.reading import open_history

    history = open_history(history_db=str(db_path), lost_after=lost_after)
    server = DashboardServer(history, port=0, store_text=str(db_path), refresh=refresh)
    server.start_in_thread()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def fetch(server, path: str, method: str = "GET"):
    """``(status, headers, body text)`` of *path* on *server*, errors included."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(server.url.rstrip("/") + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.headers, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read().decode("utf-8")


def run_ids(body: str, table: str) -> list:
    """The run ids of the rows of the table *table* (its id), in order."""
    match = re.search(r'<table class="runs" id="%s">(.*?)</table>' % table, body, re.S)
    assert match, "no table %s in the page" % table
    return re.findall(r'<tr class="run [^"]*" data-run="([^"]*)"', match.group(1))


def index_row(body: str, run_id: str) -> str:
    """The markup of the index's row of run *run_id*."""
    match = re.search(r'<tr class="run [^"]*" data-run="%s".*?</tr>' % re.escape(run_id),
                      body, re.S)
    assert match, "no row of run %s" % run_id
    return match.group(0)
