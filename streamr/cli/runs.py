"""``streamr runs``: reading the run history from a terminal or a script::

    streamr runs [--state S] [--job J] [--runner R] [--since 2h] [--limit N] [--json]
    streamr runs show RUN_ID [--json]       everything recorded, the cause in full
    streamr runs rerun RUN_ID               the same command line, in the same directory
    streamr runs prune --older-than 30d     forget runs that ended long ago

The history is the one the config files and switches name (``history_db``,
``history_uri``); every command takes the same switches for it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from typing import Any

import click

from streamr.cli.history_store import history_store_switches, open_named_history
from streamr.cli.switches import conf_paths_from, table_option_values
from streamr.errors import UsageError
from streamr.history.record import STATES

__all__ = ["parse_since", "runs"]

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str, what: str = "--since", now: float | None = None) -> float:
    """Unix seconds *text* means: an age (``90m``, ``2h``, ``3d``, ``1w``)
    counted back from *now*, or a date (``2026-11-01``, ``2026-11-01 08:30``,
    local time). :class:`UsageError` naming *what* otherwise."""
    now = time.time() if now is None else now
    match = _AGE.match(text)
    if match:
        return now - float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    try:
        return datetime.fromisoformat(text.strip()).timestamp()
    except ValueError:
        raise UsageError("%s takes an age such as 2h or 3d, or a date such as 2026-11-01,"
                         " not %r" % (what, text)) from None


# --- how values read ------------------------------------------------------------------


def _when(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S")


def format_duration(seconds: float | None) -> str:
    """*seconds* as people read a run's length: ``4.2s``, ``3m05s``, ``1h02m``."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return "%.1fs" % seconds
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return "%dm%02ds" % (minutes, secs)
    return "%dh%02dm" % divmod(minutes, 60)


def _table(rows: list) -> None:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(str(cell).ljust(width)
                             for cell, width in zip(row, widths)).rstrip())


def _as_json(record) -> dict:
    data = record.to_json()
    data["duration"] = record.duration(time.time())
    return data


# --- the commands ----------------------------------------------------------------------


@click.group("runs", invoke_without_command=True)
@click.option("--state", "states", multiple=True, type=click.Choice(STATES),
              help="only runs in this state (repeatable)")
@click.option("--job", help="only runs of this job class")
@click.option("--runner", help="only runs of this runner")
@click.option("--since", metavar="AGE|DATE",
              help="only runs started since then: 2h, 3d, 1w, or a date such as 2026-11-01")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="at most this many runs, newest first")
@click.option("--json", "as_json", is_flag=True, help="one JSON list of records, for scripts")
@history_store_switches
@click.pass_context
def runs(ctx: click.Context, states: tuple, job: str | None, runner: str | None,
         since: str | None, limit: int, as_json: bool, conf_paths: tuple, no_conf: bool,
         **kwargs: Any) -> None:
    """The run history: recent runs of every job and runner, newest first,
    with their state and the first line of a failure's cause. Runs that
    stopped sending their heartbeat show as lost."""
    if ctx.invoked_subcommand is not None:
        # the subcommand reads the history: hand it what was said here
        ctx.obj = {"store": table_option_values(ctx, kwargs),
                   "conf": conf_paths_from(conf_paths, no_conf)}
        return
    history = open_named_history(ctx, kwargs, conf_paths, no_conf)
    found = history.list_runs(state=states or None, job=job, runner=runner,
                              since=parse_since(since) if since else None, limit=limit)
    if as_json:
        click.echo(json.dumps([_as_json(record) for record in found], indent=2,
                              sort_keys=True))
        return
    if not found:
        click.echo("no runs recorded%s" % (" that match" if states or job or runner or since
                                           else ""), err=True)
        return
    now = time.time()
    rows = [("ID", "JOB", "RUNNER", "STATE", "STARTED", "DURATION", "CAUSE")]
    for record in found:
        cause = record.cause_line()
        rows.append((record.run_id, record.job, record.runner, record.state,
                     _when(record.started), format_duration(record.duration(now)),
                     cause if len(cause) <= 80 else cause[:77] + "..."))
    _table(rows)


def _the_run(history, run_id: str):
    record = history.get_run(run_id)
    if record is None:
        raise UsageError("no run %s in the run history (%s); streamr runs lists them"
                         % (run_id, getattr(history.store, "uri", None)
                            or getattr(history.store, "path", history.store)))
    return record


@runs.command("show")
@click.argument("run_id", metavar="RUN_ID")
@click.option("--json", "as_json", is_flag=True, help="the record as JSON")
@history_store_switches
@click.pass_context
def show(ctx: click.Context, run_id: str, as_json: bool, conf_paths: tuple, no_conf: bool,
         **kwargs: Any) -> None:
    """Everything recorded about run RUN_ID, the cause of a failure in full."""
    record = _the_run(open_named_history(ctx, kwargs, conf_paths, no_conf), run_id)
    if as_json:
        click.echo(json.dumps(_as_json(record), indent=2, sort_keys=True))
        return
    now = time.time()
    lines = [
        ("run", record.run_id), ("job", record.job), ("script", record.script),
        ("state", record.state), ("runner", record.runner),
        ("started", _when(record.started)), ("ended", _when(record.ended)),
        ("duration", format_duration(record.duration(now))),
        ("heartbeat", _when(record.heartbeat)),
        ("user", "%s@%s" % (record.user, record.host)), ("directory", record.cwd),
        ("command", " ".join([os.path.basename(record.script), *record.argv])),
        ("config", ", ".join(record.conf_paths) or "-"),
        ("input", "-" if record.input_count is None else "%d file(s), %s bytes" % (
            record.input_count, "?" if record.input_bytes is None else record.input_bytes)),
        ("output", record.output or "-"),
    ]
    if record.cluster_id:
        lines.append(("cluster", record.cluster_id))
    if record.log_uri:
        lines.append(("logs", record.log_uri))
    for name, value in lines:
        click.echo("%-10s %s" % (name + ":", value))
    if record.steps:
        click.echo("steps:")
        for step in record.steps:
            click.echo("  %d. %s %s %s%s" % (
                step.num + 1, step.kind, step.state, format_duration(step.duration(now)),
                " (%s)" % step.emr_step_id if step.emr_step_id else ""))
    if record.counters:
        click.echo("counters:")
        for group in sorted(record.counters):
            click.echo("  %s" % group)
            for name in sorted(record.counters[group]):
                click.echo("    %s=%d" % (name, record.counters[group][name]))
    if record.cause:
        click.echo("cause:")
        for line in record.cause.rstrip("\n").splitlines():
            click.echo("  " + line)


@runs.command("rerun")
@click.argument("run_id", metavar="RUN_ID")
@history_store_switches
@click.pass_context
def rerun(ctx: click.Context, run_id: str, conf_paths: tuple, no_conf: bool,
          **kwargs: Any) -> None:
    """Run RUN_ID's job again, as a new run: the same script and command
    line, from the same directory (so relative paths and config files are
    the same), with its output and exit status. A command line that had
    secret values cannot be repeated: they were never recorded."""
    record = _the_run(open_named_history(ctx, kwargs, conf_paths, no_conf), run_id)
    masked = list(record.extra.get("masked") or [])
    if masked:
        raise UsageError("run %s was given secret values (%s), which the history does not"
                         " keep; run its command again yourself with them"
                         % (run_id, ", ".join(masked)))
    if not os.path.isfile(record.script):
        raise UsageError("run %s's job script %s is not there any more"
                         % (run_id, record.script))
    if not os.path.isdir(record.cwd):
        raise UsageError("run %s's working directory %s is not there any more"
                         % (run_id, record.cwd))
    python = record.extra.get("python")
    if not python or not os.path.exists(python):
        python = sys.executable
    command = [python, record.script, *record.argv]
    click.echo("rerunning %s in %s" % (run_id, record.cwd), err=True)
    from streamr.history.recorder import RERUN_OF_ENV

    done = subprocess.run(command, cwd=record.cwd, env=dict(os.environ, **{RERUN_OF_ENV: run_id}))
    ctx.exit(done.returncode)


@runs.command("prune")
@click.option("--older-than", "older_than", required=True, metavar="AGE|DATE",
              help="forget runs started before then: 30d, 12h, or a date")
@history_store_switches
@click.pass_context
def prune(ctx: click.Context, older_than: str, conf_paths: tuple, no_conf: bool,
          **kwargs: Any) -> None:
    """Forget runs started before --older-than that are no longer active."""
    before = parse_since(older_than, "--older-than")
    removed = open_named_history(ctx, kwargs, conf_paths, no_conf).prune(before=before)
    click.echo("removed %d run(s) started before %s" % (removed, _when(before)), err=True)
