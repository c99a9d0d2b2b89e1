"""Run records in an embedded SQLite database (the default store).

Many runs of many jobs end at the same moment (cron starts them together),
each process writing its own record, so the database is opened in WAL mode
(readers never block the writer) with a generous busy timeout (a writer
waits its turn instead of failing). A process keeps one connection per
database, shared by its threads (a run saves from its main thread and its
heartbeat thread) under a lock: closing the last connection to a database
makes SQLite checkpoint its log, a disk sync, which once per save would
cost more than the save.

The record is kept whole as JSON; the columns beside it exist only to
filter and sort without reading every record.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from streamr.history.record import RunRecord

__all__ = ["BUSY_TIMEOUT", "SQLiteStore"]

#: seconds a writer waits for another one to finish before giving up
BUSY_TIMEOUT = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    job TEXT NOT NULL,
    runner TEXT NOT NULL,
    state TEXT NOT NULL,
    started REAL NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started);
"""


#: this process's open connections, by database path, each with its lock
_OPEN: dict = {}
_OPENING = threading.Lock()


class SQLiteStore:
    """Run records in the SQLite database at *path* (made, with its
    directory, on the first write)."""

    def __init__(self, path: str):
        self.path = os.path.abspath(os.path.expanduser(path))

    def __repr__(self) -> str:
        return "SQLiteStore(%r)" % self.path

    @contextmanager
    def _connection(self, *, create: bool) -> Iterator[sqlite3.Connection | None]:
        """The process's connection to the database, held for this thread;
        ``None`` when there is no database and *create* is false."""
        with _OPENING:
            entry = _OPEN.get(self.path)
            if entry is None:
                if not create and not os.path.exists(self.path):
                    entry = (None, threading.Lock())  # nothing recorded yet: make nothing
                else:
                    entry = (_open(self.path), threading.Lock())
                    _OPEN[self.path] = entry
        conn, lock = entry
        with lock:
            yield conn

    def save(self, record: RunRecord) -> None:
        """Insert *record*, or replace the one with its run id."""
        row = (record.run_id, record.job, record.runner, record.state, record.started,
               json.dumps(record.to_json(), sort_keys=True))
        with self._connection(create=True) as conn:
            conn.execute("INSERT OR REPLACE INTO runs (run_id, job, runner, state, started,"
                         " record) VALUES (?, ?, ?, ?, ?, ?)", row)

    def load(self, run_id: str) -> RunRecord | None:
        """The record of run *run_id*, or ``None``."""
        with self._connection(create=False) as conn:
            row = conn and conn.execute("SELECT record FROM runs WHERE run_id = ?",
                                        (run_id,)).fetchone()
        return RunRecord.from_json(json.loads(row[0])) if row else None

    def records(self, *, job: str | None = None, runner: str | None = None,
                since: float | None = None) -> Iterator[RunRecord]:
        """Records of runs started at or after *since*, of *job* and
        *runner* when given, newest first."""
        where, params = [], []
        for column, value in (("job", job), ("runner", runner)):
            if value is not None:
                where.append("%s = ?" % column)
                params.append(value)
        if since is not None:
            where.append("started >= ?")
            params.append(since)
        query = "SELECT record FROM runs%s ORDER BY started DESC, run_id DESC" % (
            " WHERE " + " AND ".join(where) if where else "")
        with self._connection(create=False) as conn:
            rows = conn.execute(query, params).fetchall() if conn else []
        for (text,) in rows:
            yield RunRecord.from_json(json.loads(text))

    def delete(self, run_ids: Iterable[str]) -> int:
        """Remove the records of *run_ids*; how many there were."""
        ids = list(run_ids)
        removed = 0
        with self._connection(create=False) as conn:
            if conn is None:
                return 0
            for start in range(0, len(ids), 500):  # SQLite caps a query's parameters
                batch = ids[start:start + 500]
                cursor = conn.execute("DELETE FROM runs WHERE run_id IN (%s)"
                                      % ",".join("?" * len(batch)), batch)
                removed += cursor.rowcount
        return removed


def _open(path: str) -> sqlite3.Connection:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None,
                           check_same_thread=False)  # shared under a lock
    try:
        # WAL is a property of the database file: set once, kept by SQLite.
        # With it, NORMAL syncs at checkpoints only and still never corrupts
        # the database; a power cut may lose the last saves.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
    except BaseException:
        conn.close()
        raise
    return conn
