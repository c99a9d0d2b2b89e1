"""Run records in an embedded SQLite database (the default store).

Many runs of many jobs end at the same moment (cron starts them together),
each process writing its own record, so the database is opened in WAL mode
(readers never block the writer) with a generous busy timeout (a writer
waits its turn instead of failing). Each call opens its own connection:
records are written from the run's main thread and its heartbeat thread,
and a connection kept open would have to be shared between them.

The record is kept whole as JSON; the columns beside it exist only to
filter and sort without reading every record.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing

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


class SQLiteStore:
    """Run records in the SQLite database at *path* (made, with its
    directory, on the first write)."""

    def __init__(self, path: str):
        self.path = os.path.abspath(os.path.expanduser(path))
        self._ready = False

    def __repr__(self) -> str:
        return "SQLiteStore(%r)" % self.path

    def _connect(self, *, create: bool) -> sqlite3.Connection | None:
        if not create and not os.path.exists(self.path):
            return None  # nothing recorded yet: reading makes no database
        if create:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        if not self._ready:
            # WAL is a property of the database file: set once, kept by SQLite
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            self._ready = True
        return conn

    def save(self, record: RunRecord) -> None:
        """Insert *record*, or replace the one with its run id."""
        row = (record.run_id, record.job, record.runner, record.state, record.started,
               json.dumps(record.to_json(), sort_keys=True))
        with closing(self._connect(create=True)) as conn:
            conn.execute("INSERT OR REPLACE INTO runs (run_id, job, runner, state, started,"
                         " record) VALUES (?, ?, ?, ?, ?, ?)", row)

    def load(self, run_id: str) -> RunRecord | None:
        """The record of run *run_id*, or ``None``."""
        conn = self._connect(create=False)
        if conn is None:
            return None
        with closing(conn):
            row = conn.execute("SELECT record FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return RunRecord.from_json(json.loads(row[0])) if row else None

    def records(self, *, job: str | None = None, runner: str | None = None,
                since: float | None = None) -> Iterator[RunRecord]:
        """Records of runs started at or after *since*, of *job* and
        *runner* when given, newest first."""
        conn = self._connect(create=False)
        if conn is None:
            return
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
        with closing(conn):
            rows = conn.execute(query, params).fetchall()
        for (text,) in rows:
            yield RunRecord.from_json(json.loads(text))

    def delete(self, run_ids: Iterable[str]) -> int:
        """Remove the records of *run_ids*; how many there were."""
        ids = list(run_ids)
        conn = self._connect(create=False)
        if conn is None or not ids:
            return 0
        with closing(conn):
            removed = 0
            for start in range(0, len(ids), 500):  # SQLite caps a query's parameters
                batch = ids[start:start + 500]
                cursor = conn.execute("DELETE FROM runs WHERE run_id IN (%s)"
                                      % ",".join("?" * len(batch)), batch)
                removed += cursor.rowcount
        return removed
