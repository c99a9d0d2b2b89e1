"""Filesystems: one interface (:class:`~streamr.fs.base.Filesystem`) for
local paths and S3, and a composite that picks by URI scheme.

The names below load their module on first use: tasks import
:mod:`streamr.fs.compression` (through :mod:`streamr.inputs`) on every
node, and should not pay for the filesystems they never touch.
"""

from __future__ import annotations

import importlib

__all__ = ["CompositeFilesystem", "Entry", "Filesystem", "LocalFilesystem",
           "make_filesystem"]

_HOMES = {
    "CompositeFilesystem": "streamr.fs.composite",
    "Entry": "streamr.fs.base",
    "Filesystem": "streamr.fs.base",
    "LocalFilesystem": "streamr.fs.local",
    "make_filesystem": "streamr.fs.composite",
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    return getattr(importlib.import_module(home), name)


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))
