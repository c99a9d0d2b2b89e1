"""Runners: what runs a job's steps somewhere. Pick one by name with
:func:`runner_class`. Built-in runners are known by name; others register
under the entry point group ``streamr.runners``."""

from __future__ import annotations

import importlib

from streamr.errors import UsageError

__all__ = ["BUILTIN_RUNNERS", "runner_class", "runner_names"]

BUILTIN_RUNNERS = {
    "inline": "streamr.runners.inline:InlineRunner",
    "local": "streamr.runners.local:LocalRunner",
    "emr": "streamr.runners.emr.runner:EMRJobRunner",
}

ENTRY_POINT_GROUP = "streamr.runners"


def _entry_points() -> dict:
    from importlib.metadata import entry_points

    try:
        found = entry_points(group=ENTRY_POINT_GROUP)
    except TypeError:  # Python 3.9: no selection by group
        found = entry_points().get(ENTRY_POINT_GROUP, [])
    return {ep.name: ep.value for ep in found}


def runner_names() -> list:
    """Every runner name that can be given to ``-r``."""
    return sorted(set(BUILTIN_RUNNERS) | set(_entry_points()))


def runner_class(alias: str) -> type:
    """The runner class registered as *alias*; :class:`UsageError` naming
    the choices when there is none."""
    target = BUILTIN_RUNNERS.get(alias) or _entry_points().get(alias)
    if target is None:
        raise UsageError("unknown runner %r (choose from %s)"
                         % (alias, ", ".join(runner_names())))
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)
