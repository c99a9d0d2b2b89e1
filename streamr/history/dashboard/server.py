"""The dashboard's HTTP server: the standard library's threading server and
one request handler that maps addresses to pages.

Addresses::

    /                       the index (query: job, state, runner, limit)
    /runs/<id>              one run's page (404 for a run the history lacks)
    /parts/index?...        the refreshing part of the index alone
    /parts/runs/<id>        the refreshing part of a run's page alone
    /api/runs?...           the index's runs as JSON, same query
    /api/runs/<id>          one run's record as JSON

Only GET and HEAD are served: the dashboard never changes the history.
Pages carry a content security policy that lets only the dashboard's own
script run, a second guard behind escaping every value. The history is
read afresh for each request, so several people (and the pages' own
refreshes) can look at once while jobs keep writing.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import logging
import socket
import sqlite3
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from streamr.errors import StreamrError
from streamr.history.dashboard.index_page import index_page, index_part
from streamr.history.dashboard.layout import SCRIPT, page
from streamr.history.dashboard.listing import Filters, Window, list_runs
from streamr.history.dashboard.markup import fill
from streamr.history.dashboard.run_page import missing_page, run_page, run_part

__all__ = ["DEFAULT_REFRESH", "DashboardServer", "is_loopback", "serve"]

log = logging.getLogger(__name__)

#: seconds between a page's refreshes
DEFAULT_REFRESH = 5.0

_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()

#: only the page's own script runs; styles are inline; fetches go to this server only
_POLICY = ("default-src 'none'; script-src 'sha256-%s'; style-src 'unsafe-inline'; "
           "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
           "frame-ancestors 'none'" % _SCRIPT_HASH)



def _store_errors() -> tuple:
    """What a broken or unreachable store raises, shown as a one-line 503
    rather than a traceback: SQLite's errors, the file system's, streamr's
    own, and an S3 store's botocore errors (a wrong endpoint, a denied
    bucket)."""
    errors: tuple = (sqlite3.Error, OSError, StreamrError)
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # a history without S3 needs no botocore
        return errors
    return (*errors, BotoCoreError, ClientError)


_STORE_ERRORS = _store_errors()


def is_loopback(host: str) -> bool:
    """Whether *host* (a name or address to bind to) is reachable only
    from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Answer:
    """A response: status, content type and body."""

    def __init__(self, status: HTTPStatus, content_type: str, body: str,
                 location: str | None = None):
        self.status = status
        self.content_type = content_type
        self.body = body.encode("utf-8")
        self.location = location


def _html(body: str, status: HTTPStatus = HTTPStatus.OK) -> _Answer:
    return _Answer(status, "text/html; charset=utf-8", body)


def _json(data: object, status: HTTPStatus = HTTPStatus.OK) -> _Answer:
    return _Answer(status, "application/json", json.dumps(data, sort_keys=True, indent=1))


def _run_json(run) -> dict:
    data = run.to_json()
    data["cause_line"] = run.cause_line()
    return data


class _Handler(BaseHTTPRequestHandler):
    """Answers one request of a :class:`DashboardServer`."""

    server: DashboardServer
    server_version = "streamr-dashboard"

    def do_GET(self) -> None:
        self._send(self._answer(), with_body=True)

    def do_HEAD(self) -> None:
        self._send(self._answer(), with_body=False)

    def _answer(self) -> _Answer:
        address = urlsplit(self.path)
        path = unquote(address.path)
        query = parse_qs(address.query)
        try:
            return self._route(path, query, address.query)
        except _STORE_ERRORS as exc:
            log.warning("could not read the run history: %s", exc)
            message = fill("<p>Could not read the run history: $error</p>", error=str(exc))
            return _html(page("history unreadable", message),
                         HTTPStatus.SERVICE_UNAVAILABLE)
        except Exception:
            # a bug in the dashboard: its traceback in the log, a page in the browser
            log.exception("the dashboard failed to answer %s", self.path)
            return _html(page("dashboard error", fill("<p>The dashboard failed to answer"
                                                      " $path.</p>", path=self.path)),
                         HTTPStatus.INTERNAL_SERVER_ERROR)

    def _route(self, path: str, query: dict, query_text: str) -> _Answer:
        app = self.server
        if path == "/":
            filters = Filters.from_query(query)
            if "?" + query_text != filters.query() and query_text:
                # the filter form sends its empty fields too: show the
                # address of what was chosen, which is the one to bookmark
                return _Answer(HTTPStatus.SEE_OTHER, "text/plain; charset=utf-8", "",
                               location="/" + filters.query())
            listing = list_runs(app.history, filters, app.window)
            return _html(index_page(listing, store=app.store_text,
                                    every=app.refresh))
        if path == "/parts/index":
            listing = list_runs(app.history, Filters.from_query(query), app.window)
            return _html(index_part(listing))
        if path == "/api/runs":
            listing = list_runs(app.history, Filters.from_query(query), app.window)
            return _json({"runs": [_run_json(run) for run in listing.runs],
                          "counts": listing.counts, "more": listing.more})
        for prefix in ("/runs/", "/parts/runs/", "/api/runs/"):
            if path.startswith(prefix) and len(path) > len(prefix):
                return self._run(prefix, path[len(prefix):])
        return _html(missing_page("Nothing is served at %s." % path, store=app.store_text),
                     HTTPStatus.NOT_FOUND)

    def _run(self, prefix: str, run_id: str) -> _Answer:
        app = self.server
        run = app.history.get_run(run_id)
        if run is None:
            if prefix == "/api/runs/":
                return _json({"error": "no run %s in the history" % run_id},
                             HTTPStatus.NOT_FOUND)
            return _html(missing_page("The history holds no run %s." % run_id,
                                      store=app.store_text), HTTPStatus.NOT_FOUND)
        if prefix == "/api/runs/":
            return _json(_run_json(run))
        if prefix == "/parts/runs/":
            return _html(run_part(run, store=app.store_text))
        return _html(run_page(run, store=app.store_text, every=app.refresh))

    def _send(self, answer: _Answer, *, with_body: bool) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", _POLICY)
        if answer.location is not None:
            self.send_header("Location", answer.location)
        self.end_headers()
        if with_body:
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:
        # each request at debug level (-v), not on the terminal by default
        log.debug("%s %s", self.address_string(), format % args)


class DashboardServer(ThreadingHTTPServer):
    """The dashboard of *history* (a :class:`~streamr.history.reading.History`),
    served on *host* and *port* (0: any free port); *store_text* says which
    history it is on every page, whose live parts refresh every *refresh*
    seconds; the index shows the runs in *window*."""

    daemon_threads = True

    def __init__(self, history, *, host: str = "127.0.0.1", port: int = 0,
                 store_text: str = "", refresh: float = DEFAULT_REFRESH,
                 window: Window | None = None):
        self.history = history
        self.window = window or Window()
        self.store_text = store_text
        self.refresh = refresh
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)

    def handle_error(self, request, client_address) -> None:
        """A browser that goes away mid-answer (a closed tab, a refresh
        overtaken by the next) is no error; anything else is logged with
        its traceback instead of printed on the terminal."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            log.debug("%s went away: %s", client_address[0], error)
        else:
            log.exception("the dashboard failed to answer %s", client_address[0])

    @property
    def url(self) -> str:
        """The address of the index, with the port actually bound."""
        host, port = self.server_address[:2]
        if ":" in str(host):
            host = "[%s]" % host
        return "http://%s:%d/" % (host, port)

    def start_in_thread(self) -> threading.Thread:
        """Serve from a daemon thread (for tests and embedding); stop with
        :meth:`shutdown` then :meth:`server_close`."""
        # a short poll, so that shutdown() returns at once
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                  name="streamr-dashboard", daemon=True)
        thread.start()
        return thread


def serve(server: DashboardServer) -> None:
    """Serve until Ctrl-C, which is how a person stops the dashboard: it
    ends quietly."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
