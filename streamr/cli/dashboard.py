"""``streamr dashboard``: the run history as web pages.

::

    streamr dashboard [--port N] [--host H] [--refresh SECONDS] [-c CONF] [--history-db PATH]

It shows the history ``streamr runs`` reads, found the same way
(``history_db`` or ``history_uri`` from the config files or the same
switches a job takes; :mod:`streamr.cli.history_store`). It serves on 127.0.0.1
unless asked otherwise, since the pages show command lines, paths and user
names: binding to another address takes ``--host`` and draws a warning.
"""

from __future__ import annotations

import errno
import logging
import sys
from typing import Any

import click

from streamr.cli.history_store import history_store_switches, open_named_history
from streamr.errors import UsageError
from streamr.history.dashboard.listing import DEFAULT_DAYS

__all__ = ["dashboard"]

log = logging.getLogger(__name__)


def _store_text(history) -> str:
    """Which history the pages show, for their headings."""
    store = history.store
    return getattr(store, "uri", None) or getattr(store, "path", None) or repr(store)


@click.command("dashboard")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="port to serve on (0: any free port)")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to serve on; anything but a loopback address lets other"
                   " machines read the history")
@click.option("--days", type=click.FloatRange(0), default=DEFAULT_DAYS, show_default=True,
              metavar="DAYS",
              help="the index shows runs started in the last DAYS days (0: every run); a"
                   " run's own page shows any run")
@click.option("--refresh", type=click.FloatRange(0.5, 3600), default=5.0, show_default=True,
              metavar="SECONDS", help="seconds between the pages' refreshes")
@history_store_switches
@click.pass_context
def dashboard(ctx: click.Context, port: int, host: str, days: float, refresh: float,
              conf_paths: tuple, no_conf: bool, **kwargs: Any) -> None:
    """Serve web pages of the run history: runs by state (running and
    waiting first), why each failure failed, a chart of each job's recent
    runs, and a page per run. Read-only. The address is printed on stderr;
    Ctrl-C stops it."""
    from streamr.history.dashboard.listing import Window
    from streamr.history.dashboard.server import DashboardServer, is_loopback, serve

    history = open_named_history(ctx, kwargs, conf_paths, no_conf)
    try:
        server = DashboardServer(history, host=host, port=port, store_text=_store_text(history),
                                 refresh=refresh, window=Window(days=days or None))
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
