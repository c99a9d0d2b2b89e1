"""``streamr dashboard``: the run history as web pages.

::

    streamr dashboard [--port N] [--host H] [--refresh SECONDS] [-r RUNNER] [-c CONF]

It reads the history the runners write: ``history_db`` or ``history_uri``
(and, for an S3 prefix, the AWS options) from a runner's section of the
config files (``-r``, default local) or from the same switches a job
takes. It serves on 127.0.0.1 unless asked otherwise, since the pages show
command lines, paths and user names: binding to another address takes
``--host`` and draws a warning.
"""

from __future__ import annotations

import errno
import logging
import sys
from typing import Any

import click

from streamr.cli.switches import (
    RUNNER_ORDER,
    conf_paths_from,
    conf_switches,
    table_option_values,
    table_options,
)
from streamr.conf import merge_runner_options, read_conf_files, runner_levels
from streamr.errors import UsageError
from streamr.options import ALL_RUNNERS, OPTIONS

__all__ = ["dashboard"]

log = logging.getLogger(__name__)

#: where the history is and how to reach it: the options the command takes
HISTORY_OPTIONS = [opt for opt in OPTIONS
                   if opt.name in ("history_db", "history_uri", "history_lost_after")
                   or (opt.topic == "aws" and "local" in opt.runners)]


def _store_text(values: dict) -> str:
    """Which history the pages show, for their headings."""
    from streamr.history.stores import default_history_db

    return values.get("history_uri") or values.get("history_db") or default_history_db()


@click.command("dashboard")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="port to serve on (0: any free port)")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to serve on; anything but a loopback address lets other"
                   " machines read the history")
@click.option("--refresh", type=click.FloatRange(0.5, 3600), default=5.0, show_default=True,
              metavar="SECONDS", help="seconds between the pages' refreshes")
@click.option("-r", "--runner", default="local", show_default=True, metavar="RUNNER",
              help="take the history options from this runner's section of the config files")
@conf_switches
@table_options(HISTORY_OPTIONS)
@click.pass_context
def dashboard(ctx: click.Context, port: int, host: str, refresh: float, runner: str,
              conf_paths: tuple, no_conf: bool, **kwargs: Any) -> None:
    """Serve web pages of the run history: runs by state (running and
    waiting first), why each failure failed, a chart of each job's recent
    runs, and a page per run. Read-only. The address is printed on stderr;
    Ctrl-C stops it."""
    from streamr.history.dashboard.server import DashboardServer, is_loopback, serve
    from streamr.history.reading import open_history

    if runner not in ALL_RUNNERS:
        raise UsageError("dashboard takes history options from the runners %s, not %r"
                         % (", ".join(RUNNER_ORDER), runner))
    cli_values = table_option_values(ctx, kwargs)
    files = read_conf_files(conf_paths_from(conf_paths, no_conf))
    values = merge_runner_options(runner, runner_levels(files, runner), None, cli_values).values
    history = open_history(history_db=values.get("history_db"),
                           history_uri=values.get("history_uri"),
                           lost_after=values.get("history_lost_after"), aws_options=values)
    try:
        server = DashboardServer(history, host=host, port=port, store_text=_store_text(values),
                                 refresh=refresh)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError("port %d on %s is in use: choose another with --port (0: any"
                             " free port)" % (port, host)) from None
        raise UsageError("cannot serve on %s port %d: %s"
                         % (host, port, exc.strerror or exc)) from None
    if not is_loopback(host):
        log.warning("serving on %s: anyone who can reach this machine can read the run"
                    " history (command lines, paths, user names)", host)
    # the address goes to stderr, like every message; stdout stays empty
    print("streamr dashboard: serving %s (Ctrl-C to stop)" % server.url, file=sys.stderr,
          flush=True)
    serve(server)
