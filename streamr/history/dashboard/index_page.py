"""The dashboard's index: every run, active ones first, with the filter
form, the count of runs in each state, and a chart per job.

:func:`index_page` is the whole page; :func:`index_part` is the part that
refreshes itself (everything under the form), served alone at
``/parts/index`` with the same query.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from streamr.history.dashboard.chart import STATE_COLOURS, job_chart
from streamr.history.dashboard.layout import badge, header, live, page
from streamr.history.dashboard.listing import Filters, Listing, run_seconds
from streamr.history.dashboard.markup import Html, fill, how_long, join, when
from streamr.history.record import ACTIVE_STATES, STATES, RunRecord

__all__ = ["index_page", "index_part", "note"]

_FORM = """<form class="filters" method="get" action="/">
<label>Job <select name="job" id="filter-job">$jobs</select></label>
<label>State <select name="state" id="filter-state">$states</select></label>
<label>Runner <select name="runner" id="filter-runner">$runners</select></label>
<button type="submit">Show</button> <a href="/">clear</a></form>"""

_OPTION = '<option value="$value"$selected>$label</option>'

_COUNT = ('<a class="$classes" href="/$query" data-state="$state">'
          '<span class="swatch" style="background: $colour"></span>$state $count</a>')

_TABLE = """<table class="runs" id="$id"><thead><tr><th>State</th><th>Run</th><th>Job</th>\
<th>Runner</th><th>Who</th><th>Started</th><th>Duration</th><th>$note_heading</th></tr>\
</thead><tbody>$rows</tbody></table>"""

_ROW = """<tr class="run state-$state" data-run="$run_id" data-job="$job"><td>$badge</td>\
<td><a href="$href">$run_id</a></td><td>$job</td><td>$runner</td><td class="who">$who</td>\
<td class="when">$started</td><td class="num">$duration</td><td class="note">$note</td></tr>"""

_FIGURE = """<figure class="job-chart" data-job="$job"><figcaption><a href="/$query">$job</a> \
<span class="longest">$summary</span></figcaption>$chart</figure>"""


def _options(values: list, chosen: str | None, everything: str) -> Html:
    choices = [("", everything)] + [(value, value) for value in values]
    return join(fill(_OPTION, value=value, label=label,
                     selected=Html(" selected") if value == (chosen or "") else "")
                for value, label in choices)


def note(run: RunRecord, now: float) -> str:
    """What the index says about a run beside its times: why a failure
    failed (the cause's first line), when a lost run last gave a sign of
    life, which step an active run is at."""
    cause = run.cause_line()
    if cause:
        return cause
    if run.state == "lost":
        return "no heartbeat since %s (%s ago)" % (when(run.heartbeat),
                                                    how_long(now - run.heartbeat))
    if run.state in ACTIVE_STATES and run.steps:
        current = next((step for step in run.steps if step.state == "running"), None)
        if current is not None:
            return "step %d of %d running" % (current.num + 1, len(run.steps))
    if run.state == "waiting" and run.cluster_id:
        return "waiting for cluster %s" % run.cluster_id
    return ""


def _row(run: RunRecord, now: float) -> Html:
    return fill(_ROW, state=run.state, run_id=run.run_id, job=run.job, badge=badge(run.state),
                href="/runs/" + quote(run.run_id, safe=""), runner=run.runner,
                who="%s@%s" % (run.user, run.host), started=when(run.started),
                duration=how_long(run_seconds(run, now)), note=note(run, now))


def _table(table_id: str, runs: list, now: float, empty: str, note_heading: str) -> Html:
    if not runs:
        return fill('<p class="empty-note" id="$id">$text</p>', id=table_id, text=empty)
    return fill(_TABLE, id=table_id, note_heading=note_heading,
                rows=join(_row(run, now) for run in runs))


def _counts(listing: Listing) -> Html:
    chips = []
    for state in STATES:
        count = listing.counts.get(state, 0)
        chosen = listing.filters.state == state
        classes = "count" + (" chosen" if chosen else "") + ("" if count else " empty")
        chips.append(fill(_COUNT, classes=classes, state=state, count=count,
                          colour=STATE_COLOURS[state],
                          query=listing.filters.query(state=None if chosen else state)))
    return fill('<nav class="counts">$chips</nav>', chips=join(chips))


def _charts(listing: Listing, now: float) -> Html:
    jobs = sorted({run.job for run in listing.runs})
    if not jobs:
        return Html("")
    figures = []
    for job in jobs:
        runs = listing.recent.get(job, [])
        finished = [run for run in runs if run.state not in ACTIVE_STATES]
        failed = sum(run.state == "failed" for run in finished)
        summary = "last %d: %d failed, longest %s" % (
            len(runs), failed, how_long(max((run_seconds(run, now) or 0 for run in runs),
                                            default=0)))
        figures.append(fill(_FIGURE, job=job, query=listing.filters.query(job=job),
                            summary=summary, chart=job_chart(runs, now=now)))
    return fill('<h2>Recent runs of each job</h2><div class="charts">$figures</div>',
                figures=join(figures))


def index_part(listing: Listing, *, now: float | None = None) -> Html:
    """The refreshing part of the index: counts, the active runs, the
    others, the charts."""
    now = time.time() if now is None else now
    more = ""
    if listing.more:
        more = fill('<p class="empty-note">Showing the first $n runs; '
                    '<a href="/$query">show more</a>.</p>', n=len(listing.runs),
                    query=listing.filters.query(limit=listing.filters.limit * 4))
    body = join([
        _counts(listing),
        Html("<h2>Running and waiting</h2>"),
        _table("active-runs", listing.active, now, "Nothing is running or waiting.",
               "Progress"),
        _charts(listing, now),
        Html("<h2>Finished and lost</h2>"),
        _table("other-runs", listing.others, now,
               "No runs match." if listing.filters.is_set() else "No runs recorded yet.",
               "Cause"),
        Html(more),
        fill('<p class="updated">$window. Updated $at.</p>',
             window=listing.window.describe(listing.cut), at=when(now)),
    ])
    return body


def index_page(listing: Listing, *, store: str, every: float,
               now: float | None = None) -> Html:
    """The whole index page for *listing*, refreshing every *every* seconds."""
    filters: Filters = listing.filters
    form = fill(_FORM, jobs=_options(listing.jobs, filters.job, "every job"),
                states=_options(list(STATES), filters.state, "every state"),
                runners=_options(listing.runners, filters.runner, "every runner"))
    title = "streamr runs" + (" of %s" % filters.job if filters.job else "")
    body = join([header(store), form,
                 live("/parts/index" + filters.query(), every,
                      index_part(listing, now=now))])
    return page(title, body)
