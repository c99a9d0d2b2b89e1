"""Runners: what runs a job's steps somewhere. Pick one by name with
:func:`runner_class`. Built-in runners are known by name; others register
under the entry point group ``streamr.runners``."""

from __future__ import annotations

import importlib

from streamr.errors import UsageError
from streamr.plugins import registered_runners

__all__ = ["BUILTIN_RUNNERS", "runner_class", "runner_names"]

BUILTIN_RUNNERS = {
    "inline": "streamr.runners.inline:InlineRunner",
    "local": "streamr.runners.local:LocalRunner",
    "emr": "streamr.runners.emr.runner:EMRJobRunner",
}



def runner_names() -> list:
    """Every runner name that can be given to ``-r``."""
    return sorted(set(BUILTIN_RUNNERS) | set(registered_runners()))


def runner_class(alias: str) -> type:
    """The runner class registered as *alias*; :class:`UsageError` naming
    the choices when there is none."""
    target = BUILTIN_RUNNERS.get(alias) or registered_runners().get(alias)
    if target is None:
        raise UsageError("unknown runner %r (choose from %s)"
                         % (alias, ", ".join(runner_names())))
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)
