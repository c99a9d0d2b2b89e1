"""Logs in the formats and places EMR leaves them, gzipped under the
cluster's log URI::

    <log uri><cluster>/steps/<step>/{controller,syslog,stderr}.gz
    <log uri><cluster>/containers/<application>/<container>/{stderr,stdout,syslog}.gz
    <log uri><cluster>/node/<instance>/bootstrap-actions/<n>/{controller,stderr,stdout}.gz

Line formats (times are the simulated clock's, see :mod:`tests.emr_sim.clock`):

* step ``syslog`` (log4j as EMR configures the step's Hadoop client):
  ``2026-11-21 10:00:02,991 INFO org.apache.hadoop.mapreduce.Job (main): Running job: job_...``
* step ``stderr`` (the same client's console):
  ``26/11/21 10:00:02 INFO mapreduce.Job: Running job: job_...``
* container ``syslog`` (YARN task attempt):
  ``2026-11-21 10:00:05,001 INFO [main] org.apache.hadoop.mapred.MapTask: Processing split: ...``
* ``controller`` (EMR's step runner and instance controller):
  ``2026-11-21T10:00:00.123Z INFO Step created jobs: job_...``

Lines that carry on a message (stack frames, counters) are written bare,
as Hadoop does."""

from __future__ import annotations

import gzip
import logging
from collections.abc import Mapping

__all__ = ["HadoopLog", "JobClientLog", "counters_lines", "log_uri_join", "write_log_files"]

logger = logging.getLogger(__name__)

STYLES = ("log4j", "console", "container", "controller")


def log_uri_join(log_uri: str, *parts: str) -> str:
    """*log_uri* (with or without a final ``/``; ``s3n://`` and ``s3a://``
    read as ``s3://``) joined with *parts*."""
    for scheme in ("s3n://", "s3a://"):
        if log_uri.startswith(scheme):
            log_uri = "s3://" + log_uri[len(scheme):]
    return "/".join([log_uri.rstrip("/"), *(part.strip("/") for part in parts)])


class HadoopLog:
    """The lines of one log file, in one of :data:`STYLES`."""

    def __init__(self, style: str, clock):
        if style not in STYLES:
            raise ValueError(style)
        self.style = style
        self.clock = clock
        self.lines: list[str] = []

    def line(self, level: str, source: str, message: str, *more: str) -> None:
        """A log line from logger (or class) *source*, then *more* bare lines."""
        moment = self.clock.to_datetime(self.clock.now())
        millis = moment.microsecond // 1000
        if self.style == "log4j":
            head = "%s,%03d %s %s (main): " % (moment.strftime("%Y-%m-%d %H:%M:%S"), millis,
                                               level, source)
        elif self.style == "console":
            short = ".".join(source.split(".")[-2:])
            head = "%s %s %s: " % (moment.strftime("%y/%m/%d %H:%M:%S"), level, short)
        elif self.style == "container":
            head = "%s,%03d %s [main] %s: " % (moment.strftime("%Y-%m-%d %H:%M:%S"), millis,
                                               level, source)
        else:
            head = "%s.%03dZ %s " % (moment.strftime("%Y-%m-%dT%H:%M:%S"), millis, level)
        self.lines.append(head + message)
        self.lines.extend(more)

    def raw(self, *lines: str) -> None:
        self.lines.extend(lines)

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)


class JobClientLog:
    """What a step's Hadoop client logs, kept twice: the step ``syslog``
    (log4j format) and the step ``stderr`` (console format)."""

    def __init__(self, clock):
        self.syslog = HadoopLog("log4j", clock)
        self.stderr = HadoopLog("console", clock)

    def line(self, level: str, source: str, message: str, *more: str) -> None:
        self.syslog.line(level, source, message, *more)
        self.stderr.line(level, source, message, *more)

    def raw(self, *lines: str) -> None:
        self.syslog.raw(*lines)
        self.stderr.raw(*lines)


def counters_lines(counters: Mapping[str, Mapping[str, int]]) -> tuple[str, list[str]]:
    """Hadoop's counters block: the ``Counters: N`` message and the lines
    under it (a tab before each group, two before each counter)."""
    body = []
    total = 0
    for group, values in counters.items():
        body.append("\t" + group)
        for name, value in values.items():
            body.append("\t\t%s=%d" % (name, value))
            total += 1
    return "Counters: %d" % total, body


def write_log_files(s3, prefix_uri: str, files: Mapping[str, str]) -> None:
    """Write each of *files* (name -> text) gzipped as ``<prefix>/<name>.gz``.
    Failures are logged, not raised: EMR loses logs too."""
    for name, text in files.items():
        uri = "%s/%s.gz" % (prefix_uri.rstrip("/"), name)
        try:
            s3.put(uri, gzip.compress(text.encode("utf-8", "replace")))
        except Exception as error:  # a missing log bucket must not stop the cluster
            logger.warning("simulated EMR could not write %s: %s", uri, error)
