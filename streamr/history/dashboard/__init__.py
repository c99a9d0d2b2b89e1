"""The dashboard: the run history as web pages, served by ``streamr dashboard``.

People who run many scheduled jobs would rather look than read: one page
shows what is running or waiting, what failed and why, and a small chart
per job of its recent durations and outcomes; a page per run shows
everything recorded about it.

The dashboard only reads, through :func:`~streamr.history.reading.open_history`,
and is served by the standard library's HTTP server: no web framework, no
JavaScript library, nothing fetched from the internet, so it works on a
machine without network access. Every value is HTML-escaped on its way into
a page (:mod:`~streamr.history.dashboard.markup`).

Modules, one idea each:

- :mod:`~streamr.history.dashboard.markup`: escaping and filling templates;
- :mod:`~streamr.history.dashboard.listing`: which runs the index shows, in
  which order (filters, active runs first);
- :mod:`~streamr.history.dashboard.chart`: a job's recent runs as an SVG bar chart;
- :mod:`~streamr.history.dashboard.layout`: the frame every page shares,
  its style and the script that refreshes it;
- :mod:`~streamr.history.dashboard.index_page` and
  :mod:`~streamr.history.dashboard.run_page`: the pages themselves;
- :mod:`~streamr.history.dashboard.server`: the HTTP server and its routes.

The package imports none of them itself: the ``streamr`` command reads a
default from :mod:`~streamr.history.dashboard.listing` when it starts, and
only ``streamr dashboard`` needs the server and what it loads.
"""
