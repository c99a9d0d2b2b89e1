"""Runner names that installed packages register, read from package
metadata without importing any runner.

Runners register under the entry point group ``streamr.runners`` (the
built-in ones too). Config checking wants only their names, to tell a
plug-in runner's section from a misspelt one; importing the runner
classes for that would pull AWS and subprocess code into config loading,
so this module reads the names alone. (:mod:`streamr.runners` loads the
classes when a job picks one.)
"""

from __future__ import annotations

__all__ = ["RUNNER_ENTRY_POINT_GROUP", "registered_runner_names", "registered_runners"]

RUNNER_ENTRY_POINT_GROUP = "streamr.runners"


def registered_runners() -> dict:
    """``{name: "module:attribute"}`` for every runner registered under
    :data:`RUNNER_ENTRY_POINT_GROUP`; nothing is imported."""
    from importlib.metadata import entry_points  # only when asked: it scans site-packages

    try:
        found = entry_points(group=RUNNER_ENTRY_POINT_GROUP)
    except TypeError:  # Python 3.9: no selection by group
        found = entry_points().get(RUNNER_ENTRY_POINT_GROUP, [])
    return {ep.name: ep.value for ep in found}


def registered_runner_names() -> set:
    """Names registered under :data:`RUNNER_ENTRY_POINT_GROUP`."""
    return set(registered_runners())
