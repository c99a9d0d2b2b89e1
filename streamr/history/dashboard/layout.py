"""The frame every dashboard page shares: the document, its style sheet and
the few lines of script that keep a page current.

A page's changing part sits in one element, ``<div id="live">``, whose
``data-src`` names the address of the same part alone; the script fetches
that every few seconds and swaps it in. The part is rendered by the server
like the rest of the page, so escaping happens in one place, and the filter
form outside it is never reset while someone is using it. The same script submits
the filter form as soon as a filter is chosen. A browser without script
still gets a complete page, current when loaded, and a button to filter.
"""

from __future__ import annotations

from streamr.history.dashboard.chart import STATE_COLOURS
from streamr.history.dashboard.markup import Html, fill, join

__all__ = ["SCRIPT", "badge", "header", "live", "page", "rows"]

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5em 2em; color: #222; }
header { display: flex; align-items: baseline; gap: 1em; flex-wrap: wrap;
         border-bottom: 1px solid #ddd; margin-bottom: 1em; }
header h1 { font-size: 1.4em; margin: .6em 0; }
header .store { color: #666; font-size: .9em; }
h2 { font-size: 1.1em; margin: 1.4em 0 .4em; }
a { color: #1f5fb4; text-decoration: none; }
a:hover { text-decoration: underline; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: .25em .7em .25em 0; vertical-align: top; }
th { font-weight: 600; color: #555; border-bottom: 1px solid #ddd; }
tr.run td { border-bottom: 1px solid #f0f0f0; }
td.who, td.when { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.note { color: #444; max-width: 48em; overflow-wrap: anywhere; }
tr.run.state-failed td.note { color: #a32420; }
.badge { display: inline-block; min-width: 6.5em; text-align: center; padding: 0 .4em;
         border-radius: 3px; color: #fff; font-size: .85em; font-weight: 600; }
form.filters { display: flex; gap: .8em; align-items: center; flex-wrap: wrap; }
form.filters label { color: #555; }
.counts { display: flex; gap: .5em; flex-wrap: wrap; margin: 1em 0; }
.counts a { border: 1px solid #ddd; border-radius: 3px; padding: .1em .5em; color: #222; }
.counts a.empty { color: #aaa; }
.counts a.chosen { border-color: #1f5fb4; background: #eef4fc; }
.counts .swatch { display: inline-block; width: .7em; height: .7em; border-radius: 2px;
                  margin-right: .35em; }
.charts { display: flex; flex-wrap: wrap; gap: 1.2em 2.4em; }
.charts figure { margin: 0; }
.charts figcaption { font-size: .9em; margin-bottom: .2em; }
.charts figcaption .longest { color: #777; }
table.fields th { border: none; width: 11em; }
pre { background: #f7f7f7; border: 1px solid #e4e4e4; padding: .7em; overflow-x: auto;
      white-space: pre-wrap; }
.empty-note, .updated { color: #777; }
"""

#: a step not started yet has a state no run has
_STEP_COLOURS = {"pending": "#aaaaaa"}

_BADGE_STYLE = "".join(".state-%s .badge, .badge.state-%s { background: %s; }\n"
                       % (state, state, colour)
                       for state, colour in {**STATE_COLOURS, **_STEP_COLOURS}.items())

SCRIPT = """
(function () {
  // a filter applies as soon as it is chosen (the button is for browsers without script)
  document.querySelectorAll("form.filters select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  var live = document.getElementById("live");
  if (!live || !live.dataset.src || !window.fetch) { return; }
  var every = 1000 * Number(live.dataset.every || 5);
  function refresh() {
    fetch(live.dataset.src, {cache: "no-store"})
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (text) { if (text !== null) { live.innerHTML = text; } })
      .catch(function () {})
      .then(function () { setTimeout(refresh, every); });
  }
  setTimeout(refresh, every);
})();
"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>$title</title><style>$style</style></head>
<body>$body<script>$script</script></body></html>
"""

_HEADER = """<header><h1><a href="/">streamr runs</a>$trail</h1>$badge\
<span class="store">history: $store</span></header>"""

_LIVE = '<div id="live" data-src="$src" data-every="$every">$body</div>'


def page(title: str, body: Html) -> Html:
    """A whole document titled *title* around the markup *body*."""
    return fill(_PAGE, title=title, style=Html(_STYLE + _BADGE_STYLE), body=body,
                script=Html(SCRIPT))


def header(store: str, *, trail: str = "", state: str | None = None) -> Html:
    """A page's heading: the way back to the index, then *trail* (what
    this page is) and the badge of *state*, and which history is shown."""
    return fill(_HEADER, trail=" / " + trail if trail else "", store=store,
                badge=badge(state) if state else "")


def live(src: str, every: float, body: Html) -> Html:
    """The part of a page that refreshes itself from *src* every *every* seconds."""
    return fill(_LIVE, src=src, every="%g" % every, body=body)


def badge(state: str) -> Html:
    """A run's (or step's) state as a coloured label."""
    return fill('<span class="badge state-$state">$state</span>', state=state)


def rows(pairs) -> Html:
    """``(heading, value)`` pairs as the rows of a two-column table."""
    return join(fill("<tr><th>$name</th><td>$value</td></tr>", name=name, value=value)
                for name, value in pairs)
