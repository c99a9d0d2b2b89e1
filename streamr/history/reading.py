"""Reading the run history: the one way the ``streamr runs`` command and
the dashboard see the records, whichever store holds them.

A record says the state its run last wrote. A run killed without warning
(``kill -9``, a machine that lost power) never writes that it ended, so a
reader turns an active record whose heartbeat is older than *lost_after*
seconds into ``lost``; every record :class:`History` hands out already has
that state, so no two readers disagree about it.
"""

from __future__ import annotations

import dataclasses
import time

from streamr.history.record import RunRecord
from streamr.history.stores import open_store

__all__ = ["DEFAULT_LOST_AFTER", "History", "open_history"]

#: seconds without a heartbeat after which an active run is shown as lost
DEFAULT_LOST_AFTER = 120.0


def open_history(*, history_db: str | None = None, history_uri: str | None = None,
                 lost_after: float | None = None, aws_options: dict | None = None) -> History:
    """The history kept in the SQLite database *history_db* (default
    ``~/.streamr/history.db``), or under the S3 prefix *history_uri*
    (``s3://bucket/prefix/``, reached with the AWS options in
    *aws_options*). Active runs silent for more than *lost_after* seconds
    read as ``lost``."""
    store = open_store(history_db=history_db, history_uri=history_uri,
                       aws_options=aws_options)
    return History(store, lost_after=DEFAULT_LOST_AFTER if lost_after is None else lost_after)


class History:
    """The runs one store holds, as readers see them."""

    def __init__(self, store, *, lost_after: float = DEFAULT_LOST_AFTER):
        self.store = store
        self.lost_after = lost_after

    def _as_seen(self, record: RunRecord, now: float) -> RunRecord:
        state = record.effective_state(now, self.lost_after)
        return record if state == record.state else dataclasses.replace(record, state=state)

    def list_runs(self, *, state=None, job: str | None = None, runner: str | None = None,
                  since: float | None = None, limit: int | None = None) -> list[RunRecord]:
        """Runs started at or after *since* (unix seconds), newest first, at
        most *limit* of them; *state* is one state or several."""
        states = {state} if isinstance(state, str) else set(state) if state else None
        now = time.time()
        found = []
        for record in self.store.records(job=job, runner=runner, since=since):
            record = self._as_seen(record, now)
            if states is not None and record.state not in states:
                continue
            found.append(record)
            if limit is not None and len(found) >= limit:
                break
        return found

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run *run_id*, or ``None``."""
        record = self.store.load(run_id)
        return None if record is None else self._as_seen(record, time.time())

    def job_history(self, job: str, limit: int = 30) -> list[RunRecord]:
        """The last *limit* runs of the job class *job*, newest first."""
        return self.list_runs(job=job, limit=limit)

    def prune(self, *, before: float) -> int:
        """Forget runs started before *before* (unix seconds) that are not
        active; how many were removed."""
        now = time.time()
        old = [record.run_id for record in self.store.records()
               if record.started < before
               and self._as_seen(record, now).state not in ("starting", "waiting", "running")]
        return self.store.delete(old)
