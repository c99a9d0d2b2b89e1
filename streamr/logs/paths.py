"""Where EMR puts a cluster's logs under its log URI, and which file is
which::

    <log uri>/<cluster>/steps/<step>/{controller,syslog,stderr,stdout}.gz
    <log uri>/<cluster>/containers/<application>/<container>/{stderr,syslog,stdout}.gz
    <log uri>/<cluster>/node/<instance>/bootstrap-actions/<n>/{controller,stderr,stdout}.gz

Paths are strings; nothing here looks at a filesystem."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

from streamr.logs.task import (
    attempt_id_from_path,
    container_id_from_path,
    parse_attempt_id,
    parse_container_id,
)

__all__ = [
    "bootstrap_log_prefix",
    "classify_log_path",
    "container_log_prefix",
    "log_type",
    "rank_task_logs",
    "step_log_prefix",
]

_STEP = re.compile(r"(?:^|/)([^/]+)/steps/([^/]+)/[^/]+$")
_CONTAINER = re.compile(
    r"(?:^|/)([^/]+)/containers/(application_\d+_\d+)/(container_\w+)/[^/]+$")
_BOOTSTRAP = re.compile(r"(?:^|/)([^/]+)/node/([^/]+)/bootstrap-actions/(\d+)/[^/]+$")
_COMPRESSED = (".gz", ".bz2", ".zst", ".lz4", ".snappy")

#: task logs worth reading for a failure, best first
_TASK_LOG_TYPES = ("stderr", "syslog")


def _join(*parts: str) -> str:
    return "/".join(part.strip("/") if i else part.rstrip("/")
                    for i, part in enumerate(parts)) + "/"


def step_log_prefix(log_uri: str, cluster_id: str, step_id: str | None = None) -> str:
    """The folder holding one step's logs, or all steps' when *step_id* is
    not given. Ends with ``/``."""
    if step_id is None:
        return _join(log_uri, cluster_id, "steps")
    return _join(log_uri, cluster_id, "steps", step_id)


def container_log_prefix(log_uri: str, cluster_id: str,
                         application_id: str | None = None) -> str:
    """The folder holding the task containers' logs of one YARN application
    (a step's job), or of every application. Ends with ``/``."""
    if application_id is None:
        return _join(log_uri, cluster_id, "containers")
    return _join(log_uri, cluster_id, "containers", application_id)


def bootstrap_log_prefix(log_uri: str, cluster_id: str, instance_id: str | None = None,
                         action: int | str | None = None) -> str:
    """The folder holding the bootstrap actions' logs: of every node, of
    one node (*instance_id*), or of one action (numbered from 1) on that
    node. Ends with ``/``."""
    if instance_id is None:
        if action is not None:
            raise ValueError("a bootstrap action's logs are per node; give instance_id too")
        return _join(log_uri, cluster_id, "node")
    prefix = _join(log_uri, cluster_id, "node", instance_id, "bootstrap-actions")
    if action is None:
        return prefix
    return _join(prefix, str(action))


def log_type(path: str) -> str:
    """What a log file holds, from its name without a compression
    extension: ``syslog``, ``stderr``, ``stdout``, ``controller``..."""
    name = posixpath.basename(path)
    for ext in _COMPRESSED:
        if name.endswith(ext):
            return name[:-len(ext)]
    return name


def classify_log_path(path: str) -> tuple[str | None, dict[str, str]]:
    """What *path* is: ``("step", ids)``, ``("container", ids)``,
    ``("bootstrap", ids)``, or ``(None, {})`` when it is none of these.

    *ids* always holds ``cluster_id`` and ``log_type``; also ``step_id``
    for steps; ``application_id`` and ``container_id`` for containers (and
    ``attempt_id`` when the path names one); ``instance_id`` and ``action``
    for bootstrap actions."""
    match = _STEP.search(path)
    if match:
        return "step", {"cluster_id": match.group(1), "step_id": match.group(2),
                        "log_type": log_type(path)}
    match = _CONTAINER.search(path)
    if match:
        ids = {"cluster_id": match.group(1), "application_id": match.group(2),
               "container_id": match.group(3), "log_type": log_type(path)}
        attempt_id = attempt_id_from_path(path)
        if attempt_id:
            ids["attempt_id"] = attempt_id
        return "container", ids
    match = _BOOTSTRAP.search(path)
    if match:
        return "bootstrap", {"cluster_id": match.group(1), "instance_id": match.group(2),
                             "action": match.group(3), "log_type": log_type(path)}
    return None, {}


def rank_task_logs(paths: Iterable[str]) -> list[str]:
    """The ``stderr`` and ``syslog`` logs among *paths* that belong to a
    task attempt (named by a ``container_...`` or ``attempt_...`` id),
    ordered so the attempt most likely to have failed the job comes first,
    its ``stderr`` before its ``syslog``. Other paths are left out.

    A job fails when one task runs out of attempts, so later attempts come
    first; between equal attempt numbers, reduce attempts come before map
    attempts (reducers only run once the maps are done). Containers are
    ordered by application attempt, then by container number, since YARN
    numbers containers in the order it hands them out and a retry gets a
    new one."""
    ranked = []
    for path in paths:
        kind = log_type(path)
        if kind not in _TASK_LOG_TYPES:
            continue
        key = _attempt_key(path)
        if key is None:
            continue
        ranked.append((key, _TASK_LOG_TYPES.index(kind), path))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [path for _, _, path in ranked]


def _attempt_key(path: str) -> tuple | None:
    """Sort key for the attempt *path* belongs to: smaller is likelier."""
    attempt_id = attempt_id_from_path(path)
    attempt = parse_attempt_id(attempt_id) if attempt_id else None
    if attempt is not None:
        return (0, -attempt.attempt, attempt.task_type != "r", 0, attempt.id)
    container_id = container_id_from_path(path)
    container = parse_container_id(container_id) if container_id else None
    if container is not None:
        return (1, -container.application_attempt, False, -container.number, container.id)
    return None
