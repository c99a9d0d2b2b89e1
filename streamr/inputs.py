"""Input paths: expanding date aliases, globs and directories through a
filesystem, checking that they stand for files, and opening files
(decompressing ``.gz``, ``.bz2`` and ``.zst`` transparently).

``open_input`` and ``local_copy_of`` also run inside tasks; they import
smart_open only for compressed files, so plain text needs the standard
library alone. A task on a Python without smart_open (a cluster node's, or
one picked with ``--task-python-bin``) still reads local ``.gz``, ``.bz2``
and ``.xz`` files, with the standard library's decompressors.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import IO

from streamr.errors import UsageError

# the compression helpers live with the filesystems (which need them too);
# they stay importable from here, where runners and tasks have always found them
from streamr.fs.compression import (
    COMPRESSED_SUFFIXES,
    corrupt_input_error,
    is_compressed,
    smart_open_compression,
)

__all__ = [
    "COMPRESSED_SUFFIXES",
    "corrupt_input_error",
    "expand_input_paths",
    "is_compressed",
    "local_copy_of",
    "open_input",
]

_READ_BUFFER = 1 << 20

# the standard library module that reads each suffix (not .zst: Python 3.9 has none)
_STDLIB_DECOMPRESSORS = {".gz": "gzip", ".bz2": "bz2", ".xz": "lzma"}

log = logging.getLogger(__name__)


def expand_input_paths(paths: list, fs, check: bool = True, today=None,
                       date_format: str | None = None) -> list:
    """Each path as the list of files it stands for, in order, found through
    the filesystem *fs*: ``-`` (stdin) stays as is, a date alias becomes one
    path per date (see :mod:`streamr.date_aliases`; *today* is the day they
    count from), a glob becomes its sorted matches, a directory every
    non-hidden file under it. With *check*, a path that stands for nothing
    raises :class:`UsageError` naming it (and the dates tried)."""
    from streamr.date_aliases import DEFAULT_DATE_FORMAT, expand_date_aliases, parse_as_of

    today = today or parse_as_of(None)
    result = []
    for path in paths:
        if path == "-":
            result.append(path)
            continue
        found = []
        missing_dates = []
        dated = expand_date_aliases(path, today, date_format or DEFAULT_DATE_FORMAT)
        for item in dated:
            files = fs.files(item.path)
            if not files and item.dates:
                missing_dates.append(item)
            found.extend(files)
        if not found:
            if check:
                raise UsageError(_nothing_found(path, dated, fs, today))
            log.warning("input path %s stands for no files; skipping it", path)
            continue
        for item in missing_dates:
            log.warning("no input for %s (%s) of %s", item.path,
                        ", ".join(str(d) for d in item.dates), path)
        for file_path in found:
            if "://" not in file_path and not os.access(file_path, os.R_OK):
                raise UsageError("input file %s is not readable" % file_path)
        result.extend(found)
    return result


def _nothing_found(path: str, dated: list, fs, today) -> str:
    if len(dated) == 1 and not dated[0].dates:
        if fs.exists(path):
            return "input directory %s holds no files" % path
        return "input path %s does not exist" % path
    dates = sorted({date for item in dated for date in item.dates})
    tried = ", ".join(date.isoformat() for date in dates[:10])
    if len(dates) > 10:
        tried += ", ... %s (%d dates)" % (dates[-1].isoformat(), len(dates))
    return ("input path %s matched nothing on any of the dates tried: %s (e.g. %s); today"
            " was taken as %s (--as-of changes it)"
            % (path, tried, dated[-1].path, today.isoformat()))


def open_input(path: str) -> IO[bytes]:
    """*path* opened for reading bytes, decompressed when its name ends in a
    compression suffix."""
    if is_compressed(path) or "://" in path:
        try:
            import smart_open
        except ImportError:
            stream = _open_with_stdlib(path)
            if stream is None:
                raise
            return stream
        return smart_open.open(path, "rb", compression=smart_open_compression(path))
    return open(path, "rb", buffering=_READ_BUFFER)


def _open_with_stdlib(path: str):
    """Local compressed file *path* opened with the standard library's
    decompressor, or None when it has none for *path*."""
    suffix = os.path.splitext(path)[1].lower()
    if "://" in path or suffix not in _STDLIB_DECOMPRESSORS:
        return None
    import importlib

    return importlib.import_module(_STDLIB_DECOMPRESSORS[suffix]).open(path, "rb")


@contextlib.contextmanager
def local_copy_of(uri: str) -> Iterator[str]:
    """A local path holding the file at *uri* (the path itself when local)."""
    if "://" not in uri or uri.startswith("file://"):
        yield uri[len("file://"):] if uri.startswith("file://") else uri
        return
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        local = os.path.join(tmp, os.path.basename(uri.rstrip("/")) or "input")
        try:
            import smart_open
        except ImportError:
            # on a cluster node, where tasks have only the standard library:
            # Hadoop's own client reads every store the cluster can
            import subprocess

            subprocess.run(["hadoop", "fs", "-get", uri, local], check=True,
                           stdout=subprocess.DEVNULL)
        else:
            with smart_open.open(uri, "rb", compression="disable") as src, \
                    open(local, "wb") as dst:
                shutil.copyfileobj(src, dst, _READ_BUFFER)
        yield local
