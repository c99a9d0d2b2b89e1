"""Telling a full disk from other failures, on the runners that write
local files (inline, local).

The runner itself learns of it from the ``OSError`` it gets (ENOSPC, or
EDQUOT for a full quota). A task learns of it first, and then often cannot
say so: its stderr is on the same full disk. So when a task fails, the
runner reads the task's stderr for the error and, failing that, looks at
how much room is left where the task wrote.
"""

from __future__ import annotations

import errno
import os
import re

from streamr.errors import NoSpaceError

__all__ = ["FULL_BELOW", "mount_point", "no_space_error", "no_space_in_task"]

#: a filesystem with less room than this (bytes) counts as full when a task
#: that wrote there failed without saying why (its writes are buffered, so a
#: failing write leaves up to a buffer's worth behind)
FULL_BELOW = 4 << 20

_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
#: what a Python task prints when a write fails for want of room
_IN_STDERR = re.compile(r"\[Errno (?:%d|%d)\] [^:\n]*(?:: '([^'\n]*)')?"
                        % (errno.ENOSPC, errno.EDQUOT))


def mount_point(path: str) -> str:
    """The mount point of the filesystem holding *path* (or the nearest
    existing directory above it)."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    while not os.path.ismount(path):
        path = os.path.dirname(path)
    return path


def no_space_error(exc: BaseException, fallback: str) -> NoSpaceError | None:
    """A :class:`NoSpaceError` when *exc* (or what it was raised from) is a
    write refused for want of room, naming the file it names (else
    *fallback*); else None."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            path = exc.filename if isinstance(exc.filename, str) else fallback
            return NoSpaceError(mount_point(path), path)
        exc = exc.__cause__ or exc.__context__
    return None


def no_space_in_task(stderr_path: str, wrote_under: str) -> NoSpaceError | None:
    """A :class:`NoSpaceError` when the failed task whose stderr is
    *stderr_path* ran out of room: its stderr says so, or it is empty and
    the filesystem of *wrote_under* (where the task wrote) is full."""
    try:
        with open(stderr_path, "rb") as handle:
            handle.seek(max(0, os.path.getsize(stderr_path) - 65536))
            text = handle.read().decode("utf_8", "replace")
    except OSError:
        text = ""
    found = _IN_STDERR.search(text)
    if found:
        path = found.group(1) or wrote_under
        return NoSpaceError(mount_point(path), path)
    if text.strip():
        return None
    try:
        stats = os.statvfs(wrote_under)
    except OSError:
        return None
    if stats.f_bavail * stats.f_frsize < FULL_BELOW:
        return NoSpaceError(mount_point(wrote_under), wrote_under)
    return None
