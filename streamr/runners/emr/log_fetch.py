"""Fetching a cluster's log files from its log URI (S3): a step's counters
and progress, and the probable cause of a failed step or bootstrap action.

Parsing the files is :mod:`streamr.logs`; this module only finds and
fetches them, so "logs" in streamr means the parser package alone."""

from __future__ import annotations

import logging
import re

from streamr.logs import (
    ProbableCause,
    StepLogInfo,
    bootstrap_cause,
    bootstrap_failure_from_reason,
    bootstrap_log_prefix,
    classify_log_path,
    container_log_prefix,
    find_probable_cause,
    log_type,
    parse_step_log,
    rank_task_logs,
    step_log_prefix,
)
from streamr.runners.emr.answers import StepStatus

__all__ = ["LogFetcher", "s3_uri", "tidy_traceback"]

log = logging.getLogger(__name__)

#: most task logs fetched when looking for a failure's cause (the best ranked)
MOST_TASK_LOGS = 24
#: most bytes read of one log
MOST_LOG_BYTES = 16 << 20
# a traceback frame in streamr's own code, shipped to tasks as streamr.zip
_STREAMR_FRAME = re.compile(r'^\s*File "[^"]*/streamr\.zip/streamr/')
# a frame in a task's working directory (a YARN container's)
_CONTAINER_FILE = re.compile(r'^(\s*File ")[^"]*/container_[^/"]+/([^"]+")')


def s3_uri(uri: str) -> str:
    """*uri* with EMR's ``s3n://`` (or ``s3a://``) written ``s3://``, ending
    in ``/``: the form log prefixes are built on."""
    return _s3_file_uri(uri).rstrip("/") + "/"


def tidy_traceback(lines: list) -> list:
    """A task's traceback as the job's author wants it: without streamr's
    own frames, and with files in the task's working directory named as
    the job names them (``mr_job.py``, not the container's full path)."""
    kept = []
    skipping = False
    for line in lines:
        if _STREAMR_FRAME.match(line):
            skipping = True
            continue
        if skipping and line.startswith("    ") and not line.lstrip().startswith("File "):
            continue  # the source line of a skipped frame
        skipping = False
        kept.append(_CONTAINER_FILE.sub(r"\1\2", line))
    return kept


def _s3_file_uri(uri: str) -> str:
    """*uri* with EMR's ``s3n://`` (or ``s3a://``) written ``s3://``."""
    for scheme in ("s3n://", "s3a://"):
        if uri.startswith(scheme):
            return "s3://" + uri[len(scheme):]
    return uri


def _step_failure_lines(info: StepLogInfo) -> list:
    """What a step's log says about its failure: the last failed task
    attempt's error, and the job's failure line."""
    lines = []
    for attempt in info.failed_attempts[-1:]:
        lines.extend(info.attempt_errors.get(attempt, []))
    if info.failure:
        lines.append(info.failure)
    return lines


class LogFetcher:
    """Fetches the logs one cluster left under *log_uri*, through *fs*."""

    def __init__(self, fs, log_uri: str | None, cluster_id: str):
        self.fs = fs
        self.log_uri = log_uri
        self.cluster_id = cluster_id

    def _list(self, prefix: str) -> list:
        try:
            if not self.fs.exists(prefix):
                return []
            return self.fs.files(prefix, skip_hidden=False, use_glob=False)
        except Exception as exc:  # logs are a help; their absence must not hide the failure
            log.warning("could not list logs under %s: %s", prefix, exc)
            return []

    def read_lines(self, path: str) -> list:
        try:
            with self.fs.open_read(path) as stream:
                data = stream.read(MOST_LOG_BYTES)
        except Exception as exc:
            log.warning("could not read log %s: %s", path, exc)
            return []
        return data.decode("utf_8", "replace").splitlines()

    # --- steps -------------------------------------------------------------------------

    def step_info(self, step_id: str) -> StepLogInfo | None:
        """What the step's own logs (``syslog``, and ``stderr``, where the
        Hadoop client may log instead) say; None when there are none yet."""
        if not self.log_uri:
            return None
        paths = self._list(step_log_prefix(self.log_uri, self.cluster_id, step_id))
        lines: list = []
        for kind in ("syslog", "stderr"):
            for path in paths:
                if log_type(path) == kind:
                    lines.extend(self.read_lines(path))
        return parse_step_log(lines) if paths else None

    def task_logs(self, application_id: str | None) -> dict:
        """The best-ranked task logs of *application_id* (all of the
        cluster's when None), path -> lines."""
        if not self.log_uri:
            return {}
        paths = self._list(container_log_prefix(self.log_uri, self.cluster_id,
                                                application_id))
        ranked = rank_task_logs(paths)[:MOST_TASK_LOGS]
        # the syslog next to a chosen stderr says which input it read
        folders = {path.rsplit("/", 1)[0] for path in ranked}
        chosen = [path for path in paths if path.rsplit("/", 1)[0] in folders
                  and log_type(path) in ("stderr", "syslog")]
        return {path: self.read_lines(path) for path in chosen}

    def step_cause(self, step_id: str, step: dict | None = None) -> ProbableCause | None:
        """The probable cause of failed step *step_id* (*step* as EMR
        describes it, for its failure details). When EMR named the log file
        it found the failure in, the cause is looked for from that file
        first, fetched directly; the step's logs are listed and read only
        when that file is not there or leads to no task's error."""
        status = StepStatus.of(step)
        if status.log_file:
            cause = self.cause_from_log_file(status.log_file)
            if cause is not None:
                return cause
        info = self.step_info(step_id)
        application_id = info.application_id if info else None
        cause = self._task_cause(self.task_logs(application_id))
        if cause is not None:
            return cause
        lines = _step_failure_lines(info) if info is not None else []
        if not lines and status.failure_message:
            lines.append(status.failure_message)
        if not lines:
            return None
        path = status.log_file or (
            step_log_prefix(self.log_uri, self.cluster_id, step_id) if self.log_uri else None)
        return ProbableCause("unknown", lines, path)

    def cause_from_log_file(self, log_file: str) -> ProbableCause | None:
        """The cause of a failed step from *log_file*, the log EMR's
        ``FailureDetails`` names, fetched by name: a task's log is read for
        its traceback or exception; a step's own log names the YARN
        application that ran, and only that application's task logs are
        read. None when the file is not on S3 (yet) or leads to no task's
        error."""
        path = _s3_file_uri(log_file)
        lines = self.read_lines(path)
        if not lines:
            return None
        if classify_log_path(path)[0] == "container":
            return self._task_cause({path: lines})
        application_id = parse_step_log(lines).application_id
        if not application_id:
            return None  # the step's other log may name it
        return self._task_cause(self.task_logs(application_id))

    @staticmethod
    def _task_cause(task_logs: dict) -> ProbableCause | None:
        cause = find_probable_cause(task_logs)
        if cause is not None and cause.kind == "python":
            cause.lines = tidy_traceback(cause.lines)
        return cause

    # --- bootstrap ---------------------------------------------------------------------

    def bootstrap_cause(self, reason_message: str) -> ProbableCause | None:
        """The cause of a bootstrap failure the cluster's state-change
        reason (*reason_message*) reports: EMR's words and the failing
        action's stderr."""
        found = bootstrap_failure_from_reason(reason_message or "")
        if found is None:
            return None
        instance_id, action = found
        stderr_path = None
        if self.log_uri:
            prefix = bootstrap_log_prefix(self.log_uri, self.cluster_id)
            for path in self._list(prefix):
                kind, ids = classify_log_path(path)
                if (kind == "bootstrap" and ids["log_type"] == "stderr"
                        and ids["action"] == str(action)
                        and (instance_id is None or ids["instance_id"] == instance_id)):
                    stderr_path = path
                    break
        lines = self.read_lines(stderr_path) if stderr_path else None
        return bootstrap_cause(lines, reason_message, stderr_path)
