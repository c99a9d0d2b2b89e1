"""A job's recent runs as a small bar chart, in inline SVG.

One bar per run, oldest on the left: its height is the run's duration (so
far, for a run still going), its colour the run's state, so a job that
starts taking twice as long, or failing every other night, shows at a
glance. The chart is SVG written into the page: no JavaScript library and
nothing fetched, since the dashboard must work offline. Each bar links to
its run's page and says its run, state and duration when pointed at.
"""

from __future__ import annotations

from urllib.parse import quote

from streamr.history.dashboard.listing import run_seconds
from streamr.history.dashboard.markup import Html, fill, how_long, join

__all__ = ["BAR_GAP", "BAR_WIDTH", "HEIGHT", "STATE_COLOURS", "job_chart"]

#: fill colour of each state's bars (and of the state badges of the pages)
STATE_COLOURS = {
    "starting": "#8fb3d9",
    "waiting": "#d9a52b",
    "running": "#2f6fd0",
    "succeeded": "#2e9b4f",
    "failed": "#d0332f",
    "interrupted": "#8a5fc2",
    "lost": "#6b6b6b",
}

#: pixels: the drawing area's height, a bar's width and the gap between bars
HEIGHT = 48
BAR_WIDTH = 9
BAR_GAP = 3

#: a run too short to see still gets a bar this tall, so it can be pointed at
MIN_BAR = 2

_CHART = """<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="$width" \
height="$height" viewBox="0 0 $width $height" role="img" aria-label="$label">\
<line x1="0" y1="$base" x2="$width" y2="$base" stroke="#bbb" stroke-width="1"/>\
$bars</svg>"""

_BAR = """<a href="$href"><rect class="bar" x="$x" y="$y" width="$bar_width" height="$bar_height" \
fill="$colour" data-run="$run_id" data-state="$state" data-seconds="$seconds">\
<title>$tip</title></rect></a>"""


def job_chart(runs: list, *, now: float) -> Html:
    """The chart of *runs* (one job's, newest first, as
    :meth:`~streamr.history.reading.History.job_history` gives them), with
    durations of unfinished runs measured up to *now* (lost ones up
    to their last heartbeat)."""
    oldest_first = list(reversed(runs))
    durations = [run_seconds(run, now) or 0.0 for run in oldest_first]
    longest = max(durations, default=0.0) or 1.0
    width = max(1, len(oldest_first)) * (BAR_WIDTH + BAR_GAP)
    bars = []
    for index, (run, seconds) in enumerate(zip(oldest_first, durations)):
        tall = max(MIN_BAR, round(HEIGHT * seconds / longest))
        bars.append(fill(
            _BAR, href="/runs/" + quote(run.run_id, safe=""),
            x=index * (BAR_WIDTH + BAR_GAP), y=HEIGHT - tall, bar_width=BAR_WIDTH,
            bar_height=tall, colour=STATE_COLOURS.get(run.state, "#999"), run_id=run.run_id,
            state=run.state, seconds="%.1f" % seconds,
            tip="%s: %s, %s" % (run.run_id, run.state, how_long(seconds))))
    label = "last %d runs, longest %s" % (len(oldest_first), how_long(max(durations, default=0)))
    return fill(_CHART, width=width, height=HEIGHT + 1, base=HEIGHT + 0.5, label=label,
                bars=join(bars))
