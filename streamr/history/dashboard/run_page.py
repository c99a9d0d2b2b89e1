"""A run's own page: everything its record holds.

The fields in a table, the steps with their states and counters, the job's
counter totals, the cause of a failure in full (as the job printed it), and
where an EMR run's cluster and logs are: a cluster id links to the EMR
console and an S3 log location to the S3 console, so the next click after
"why did it fail" is the logs. :func:`run_part` is the part that refreshes
itself, served alone at ``/parts/runs/<id>``.
"""

from __future__ import annotations

import json
import shlex
import time
from urllib.parse import quote

from streamr.history.dashboard.layout import badge, header, live, page, rows
from streamr.history.dashboard.listing import run_seconds
from streamr.history.dashboard.markup import Html, fill, how_long, join, size, when
from streamr.history.record import RunRecord, StepRecord
from streamr.option_type import MASK

__all__ = ["command_line", "counters_table", "missing_page", "run_page", "run_part"]

_EMR_CONSOLE = "https://console.aws.amazon.com/emr/home#/clusterDetails/"
_S3_CONSOLE = "https://s3.console.aws.amazon.com/s3/buckets/"

_STEP = """<tr class="step state-$state" data-step="$num"><td class="num">$number</td>\
<td>$kind</td><td>$badge</td><td>$started</td><td class="num">$duration</td>\
<td>$emr_step_id</td><td>$counters</td></tr>"""

_STEPS = """<table class="steps" id="steps"><thead><tr><th>Step</th><th>Kind</th><th>State</th>\
<th>Started</th><th>Duration</th><th>EMR step</th><th>Counters</th></tr></thead>\
<tbody>$rows</tbody></table>"""

_LINK = '<a href="$href">$text</a>'


def counters_table(counters: dict) -> Html:
    """``{group: {name: amount}}`` as a table, groups and names sorted."""
    if not counters:
        return Html('<span class="empty-note">none</span>')
    body = []
    for group in sorted(counters):
        body.append(fill('<tr><th colspan="2">$group</th></tr>', group=group))
        for name, amount in sorted((counters[group] or {}).items()):
            body.append(fill('<tr><td>$name</td><td class="num">$amount</td></tr>',
                             name=name, amount=amount))
    return fill('<table class="counters">$rows</table>', rows=join(body))


def _step(step: StepRecord, now: float) -> Html:
    return fill(_STEP, state=step.state, num=step.num, number=step.num + 1, kind=step.kind,
                badge=badge(step.state), started=when(step.started),
                duration=how_long(step.duration(now)), emr_step_id=step.emr_step_id or "-",
                counters=counters_table(step.counters))


def _cluster(cluster_id: str | None) -> Html | str:
    if not cluster_id:
        return "-"
    return fill(_LINK, href=_EMR_CONSOLE + quote(cluster_id, safe=""), text=cluster_id)


def _logs(log_uri: str | None) -> Html | str:
    """An S3 log location as a link to the S3 console (with the location
    as its text); anything else as text."""
    if not log_uri:
        return "-"
    if not log_uri.startswith("s3://"):
        return log_uri
    bucket, _, prefix = log_uri[len("s3://"):].partition("/")
    href = _S3_CONSOLE + quote(bucket, safe="") + "?prefix=" + quote(prefix, safe="/")
    return fill(_LINK, href=href, text=log_uri)


def command_line(argv: list) -> str:
    """*argv* as a shell would take it back, each masked value shown as
    the mask itself rather than quoted (it was never recorded)."""
    return " ".join(arg if arg == MASK else shlex.quote(arg) for arg in map(str, argv))


def _inputs(run: RunRecord) -> str:
    if run.input_count is None and run.input_bytes is None:
        return "-"
    count = "-" if run.input_count is None else "%d file%s" % (
        run.input_count, "" if run.input_count == 1 else "s")
    return "%s, %s" % (count, size(run.input_bytes))


def _fields(run: RunRecord, now: float) -> Html:
    pairs = [
        ("Job", run.job), ("Script", run.script), ("Runner", run.runner),
        ("State", badge(run.state)), ("Started", when(run.started)),
        ("Ended", when(run.ended)), ("Duration", how_long(run_seconds(run, now))),
        ("Last heartbeat", "%s (%s ago)" % (when(run.heartbeat),
                                             how_long(max(0.0, now - run.heartbeat)))),
        ("User", run.user), ("Host", run.host), ("Working directory", run.cwd),
        ("Command line", fill("<code>$text</code>", text=command_line(run.argv))),
        ("Config files", join(fill("<div>$p</div>", p=p) for p in run.conf_paths)
         if run.conf_paths else "none"),
        ("Output", run.output or "-"), ("Input", _inputs(run)),
        ("Cluster", _cluster(run.cluster_id)), ("Logs", _logs(run.log_uri)),
    ]
    pairs += [(name, value if isinstance(value, str) else json.dumps(value, sort_keys=True))
              for name, value in sorted(run.extra.items())]
    return fill('<table class="fields" id="fields">$rows</table>', rows=rows(pairs))


def _cause(run: RunRecord) -> Html:
    """The cause in full; for a run that did not succeed and has none,
    a line saying so; nothing for a run that is going or went well."""
    if run.cause:
        return fill('<h2>Cause</h2><pre id="cause">$cause</pre>', cause=run.cause)
    if run.state in ("failed", "interrupted", "lost"):
        return Html('<h2>Cause</h2><p class="empty-note" id="cause">No cause recorded.</p>')
    return Html("")


def run_part(run: RunRecord, *, store: str, now: float | None = None) -> Html:
    """The refreshing part of a run's page, which is all of it but the
    script: its heading (whose state changes too), fields, cause, steps,
    counters."""
    now = time.time() if now is None else now
    # a lost run's steps stopped with its last heartbeat
    step_now = run.heartbeat if run.state == "lost" else now
    steps = (fill(_STEPS, rows=join(_step(step, step_now) for step in run.steps))
             if run.steps else Html('<p class="empty-note">No steps recorded.</p>'))
    return join([
        header(store, trail=run.run_id, state=run.state),
        _fields(run, now),
        # why it failed is the first question about a failed run
        _cause(run),
        Html("<h2>Steps</h2>"), steps,
        Html("<h2>Counters</h2>"), fill('<div id="counters">$t</div>',
                                        t=counters_table(run.counters)),
        fill('<p class="updated">Updated $at.</p>', at=when(now)),
    ])


def run_page(run: RunRecord, *, store: str, every: float, now: float | None = None) -> Html:
    """The whole page of *run*, refreshing every *every* seconds."""
    src = "/parts/runs/" + quote(run.run_id, safe="")
    return page("%s (%s)" % (run.run_id, run.state),
                live(src, every, run_part(run, store=store, now=now)))


def missing_page(what: str, *, store: str) -> Html:
    """The page of an address that names nothing: a run id the history
    does not hold, or a path the dashboard does not serve."""
    body = join([header(store, trail="not found"),
                 fill('<p id="missing">$what</p><p><a href="/">All runs</a></p>', what=what)])
    return page("not found", body)
