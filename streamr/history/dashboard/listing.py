"""Which runs the dashboard's index shows, and in which order.

A person opening the dashboard first wants what is happening now, so runs
that are running or waiting come first (running before waiting before
starting), then every other run newest first. The filters are the page's
query parameters (``?job=...&state=...&runner=...``): they narrow the list
and the charts alike, and the same parameters serve the JSON endpoint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlencode

from streamr.history.record import ACTIVE_STATES, STATES, RunRecord

__all__ = ["CHART_RUNS", "DEFAULT_DAYS", "DEFAULT_LIMIT", "READ_LIMIT", "Filters", "Listing",
           "Window", "list_runs", "ordered", "run_seconds"]

#: runs the index lists at most, unless the query asks for another number
DEFAULT_LIMIT = 200

#: runs a page reads from the store at most (newest first): a refresh of a
#: history nobody prunes stays a fraction of a second (docs/performance.md)
READ_LIMIT = 2000

#: the largest ``limit`` a query may ask for: no more than a page reads
MAX_LIMIT = READ_LIMIT

#: how many of a job's latest runs its chart shows
CHART_RUNS = 30

#: days back the index looks unless told otherwise
DEFAULT_DAYS = 30.0

#: order of the active states at the top of the index
_ACTIVE_ORDER = {state: rank for rank, state in enumerate(("running", "waiting", "starting"))}


class Filters(NamedTuple):
    """What the person asked to see: each filter ``None`` when not set."""

    job: str | None = None
    state: str | None = None
    runner: str | None = None
    limit: int = DEFAULT_LIMIT

    @classmethod
    def from_query(cls, query: dict) -> Filters:
        """The filters of a parsed query string (``{name: [values]}``);
        empty values, unknown states and malformed limits are ignored, so
        a hand-edited address shows a page rather than an error."""
        def first(name: str) -> str | None:
            values = [v.strip() for v in query.get(name, []) if v.strip()]
            return values[0] if values else None

        state = first("state")
        limit_text = first("limit")
        limit = DEFAULT_LIMIT
        if limit_text is not None and limit_text.isdigit() and int(limit_text) > 0:
            limit = min(int(limit_text), MAX_LIMIT)
        return cls(job=first("job"), state=state if state in STATES else None,
                   runner=first("runner"), limit=limit)

    def query(self, **changes: object) -> str:
        """These filters (with *changes*) as a query string, ``?`` included
        (empty when nothing is set)."""
        values = self._replace(**changes)._asdict()
        if values["limit"] == DEFAULT_LIMIT:
            del values["limit"]
        pairs = [(name, value) for name, value in values.items() if value is not None]
        return "?" + urlencode(pairs) if pairs else ""

    def is_set(self) -> bool:
        return any(value is not None for value in (self.job, self.state, self.runner))


class Window(NamedTuple):
    """How far back the index looks: runs started in the last *days* days
    (``None``: all of them), at most *most* of them, newest first. Without
    it each refresh of each open page would read the whole history, which
    grows with every run until someone prunes it."""

    days: float | None = DEFAULT_DAYS
    most: int = READ_LIMIT

    def since(self, now: float) -> float | None:
        """The earliest start time the window takes, at *now*."""
        return None if not self.days else now - self.days * 86400

    def describe(self, cut: bool) -> str:
        """The window in words; *cut* when it held more than :attr:`most`."""
        if not self.days:
            text = "Every run recorded"
        elif self.days == 1:
            text = "Runs started in the last day"
        else:
            text = "Runs started in the last %g days" % self.days
        return text + (", the newest %d of them" % self.most if cut else "")


def run_seconds(run: RunRecord, now: float) -> float | None:
    """How long *run* took, or has taken so far at *now*. A lost run is
    measured to its last heartbeat: the hours since it died are not its
    duration, and would dwarf every other bar of its job's chart."""
    if run.state == "lost" and run.ended is None:
        return max(0.0, run.heartbeat - run.started)
    return run.duration(now)


def ordered(runs: list) -> list:
    """*runs* with the active ones first (running, waiting, starting), then
    the others; newest first within each group."""
    def key(run: RunRecord):
        rank = _ACTIVE_ORDER.get(run.state, len(_ACTIVE_ORDER))
        return (rank, -run.started, run.run_id)

    return sorted(runs, key=key)


@dataclass
class Listing:
    """The runs an index page shows, and what its filter form offers."""

    filters: Filters
    runs: list           # ordered, at most filters.limit
    more: bool           # whether runs were left out by the limit
    jobs: list           # every job name in the window, sorted
    runners: list        # every runner name in the window, sorted
    counts: dict         # {state: runs in that state}, under the job and runner filters
    recent: dict         # {job: its last CHART_RUNS runs, newest first}, for the charts
    window: Window       # how far back the runs were read
    cut: bool            # whether the window held more runs than were read

    @property
    def active(self) -> list:
        return [run for run in self.runs if run.state in ACTIVE_STATES]

    @property
    def others(self) -> list:
        return [run for run in self.runs if run.state not in ACTIVE_STATES]


def list_runs(history, filters: Filters, window: Window | None = None,
              now: float | None = None) -> Listing:
    """What the index shows for *filters*, read from *history* (a
    :class:`~streamr.history.reading.History`) within *window*, in one
    pass: a page reads the store once, however many jobs it charts (an S3
    store answers each read with a listing and an object per run)."""
    now = time.time() if now is None else now
    window = window or Window()
    everything = history.list_runs(since=window.since(now), limit=window.most + 1)
    cut = len(everything) > window.most
    del everything[window.most:]
    recent: dict = {}
    for run in everything:  # newest first
        runs = recent.setdefault(run.job, [])
        if len(runs) < CHART_RUNS:
            runs.append(run)
    jobs = sorted({run.job for run in everything})
    runners = sorted({run.runner for run in everything})
    narrowed = [run for run in everything
                if (filters.job is None or run.job == filters.job)
                and (filters.runner is None or run.runner == filters.runner)]
    counts = {state: 0 for state in STATES}
    for run in narrowed:
        counts[run.state] = counts.get(run.state, 0) + 1
    if filters.state is not None:
        narrowed = [run for run in narrowed if run.state == filters.state]
    runs = ordered(narrowed)
    return Listing(filters=filters, runs=runs[:filters.limit], more=len(runs) > filters.limit,
                   jobs=jobs, runners=runners, counts=counts, recent=recent, window=window,
                   cut=cut)
