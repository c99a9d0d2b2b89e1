"""Reading the log a Hadoop streaming step leaves on EMR (the step's
``syslog``, or its ``stderr``): which YARN application and job ran, how far
it got, which task attempts failed, the counters, and why the job failed.

Lines are matched by what they say, not by where they start, so the log4j
prefix (``2026-11-21 10:00:00,123 INFO org.apache.hadoop.mapreduce.Job
(main):``, the shorter ``26/11/21 10:00:00 INFO mapreduce.Job:``, or none at
all) does not matter. Missing parts are left empty."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["StepLogInfo", "parse_step_log"]

_APPLICATION = re.compile(r"Submitted application (application_\d+_\d+)")
_JOB = re.compile(r"Running job: (job_\d+_\d+)")
_PROGRESS = re.compile(r"\bmap\s+(\d+)%\s+reduce\s+(\d+)%")
_FAILED_ATTEMPT = re.compile(r"Task Id : (attempt_\w+), Status : FAILED")
_JOB_FAILED = re.compile(r"(Job job_\d+_\d+ failed with state \w+.*?)\s*$")
_COUNTERS = re.compile(r"\bCounters: \d+\s*$")
_EVENTS = (_APPLICATION, _JOB, _PROGRESS, _FAILED_ATTEMPT, _JOB_FAILED, _COUNTERS)
# a line some logger wrote, as opposed to a continuation of a multi-line message
_LOG_LINE = re.compile(r"^(\d{2,4}[-/]\d\d[-/]\d\d[ T]\d\d:\d\d:\d\d|\[?(INFO|WARN|ERROR|DEBUG)\b)")

#: most lines kept from what follows one failed attempt's ``Task Id`` line
MAX_ATTEMPT_LINES = 20


@dataclass
class StepLogInfo:
    """What a step's log says about its job. ``progress`` holds every
    ``(map %, reduce %)`` report in order; ``counters`` maps group name to
    counter name to value, from the log's last counters block;
    ``attempt_errors`` holds, for each failed attempt, the lines the log
    printed under it (the error and the start of its Java stack);
    ``failure`` is the job's ``Job job_... failed with state ...`` message."""

    application_id: str | None = None
    job_id: str | None = None
    progress: list[tuple[int, int]] = field(default_factory=list)
    failed_attempts: list[str] = field(default_factory=list)
    attempt_errors: dict[str, list[str]] = field(default_factory=dict)
    counters: dict[str, dict[str, int]] = field(default_factory=dict)
    failure: str | None = None

    @property
    def last_progress(self) -> tuple[int, int] | None:
        """The last ``(map %, reduce %)`` reported, if any."""
        return self.progress[-1] if self.progress else None


def parse_step_log(lines: Iterable[str]) -> StepLogInfo:
    """Read a step's log, given as lines (with or without line endings)."""
    info = StepLogInfo()
    counters: dict[str, dict[str, int]] | None = None
    group: dict[str, int] | None = None
    group_indent = 0
    attempt: list[str] | None = None

    for raw in lines:
        line = raw.rstrip("\r\n")

        if counters is not None:
            if line.strip() and line[:1] in " \t":
                indent = _indent(line)
                if group is None or indent <= group_indent:
                    group = counters.setdefault(line.strip(), {})
                    group_indent = indent
                else:
                    _add_counter(group, line)
                continue
            counters = group = None

        if attempt is not None:
            if _continues_message(line):
                if len(attempt) < MAX_ATTEMPT_LINES:
                    attempt.append(line)
                continue
            attempt = None

        if _COUNTERS.search(line):
            counters = info.counters = {}
            continue

        match = _FAILED_ATTEMPT.search(line)
        if match:
            attempt_id = match.group(1)
            if attempt_id not in info.attempt_errors:
                info.failed_attempts.append(attempt_id)
            attempt = info.attempt_errors[attempt_id] = []
            continue

        match = _PROGRESS.search(line)
        if match:
            info.progress.append((int(match.group(1)), int(match.group(2))))
            continue

        match = _APPLICATION.search(line)
        if match:
            info.application_id = match.group(1)
            continue

        match = _JOB.search(line)
        if match:
            info.job_id = match.group(1)
            continue

        match = _JOB_FAILED.search(line)
        if match:
            info.failure = match.group(1)
            info.job_id = info.job_id or match.group(1).split()[1]

    return info


def _continues_message(line: str) -> bool:
    """Whether *line* carries on the message above it rather than being a
    log line of its own (or blank)."""
    if not line.strip() or _LOG_LINE.match(line):
        return False
    return not any(pattern.search(line) for pattern in _EVENTS)


def _indent(line: str) -> int:
    expanded = line.expandtabs(8)
    return len(expanded) - len(expanded.lstrip(" "))


def _add_counter(group: dict[str, int], line: str) -> None:
    # the name may hold '=' or ':' (``S3: Number of bytes read=12``); the value is last
    name, sep, value = line.strip().rpartition("=")
    if not sep or not name:
        return
    try:
        group[name.strip()] = int(value)
    except ValueError:
        pass
