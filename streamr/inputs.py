"""Input paths: expanding date aliases, globs and directories through a
filesystem, checking that they stand for files, and opening files
(decompressing ``.gz``, ``.bz2``, ``.zst`` and ``.xz`` transparently, and
files in those formats whose names lack the suffix, known by their first
bytes).

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
    FORMAT_NAMES,
    corrupt_input_error,
    decompressing_reader,
    is_compressed,
    smart_open_compression,
    sniff,
    sniff_file,
)

__all__ = [
    "COMPRESSED_SUFFIXES",
    "compression_of",
    "corrupt_input_error",
    "expand_input_files",
    "expand_input_paths",
    "is_compressed",
    "local_copy_of",
    "open_input",
]

_READ_BUFFER = 1 << 20

log = logging.getLogger(__name__)


def expand_input_paths(paths: list, fs, check: bool = True, today=None,
                       date_format: str | None = None) -> list:
    """Each path as the list of files it stands for, in order, found through
    the filesystem *fs*: ``-`` (stdin) stays as is, a date alias becomes one
    path per date (see :mod:`streamr.date_aliases`; *today* is the day they
    count from), a glob becomes its sorted matches, a directory every
    non-hidden file under it. With *check*, a path that stands for nothing
    raises :class:`UsageError` naming it (and the dates tried)."""
    return [path for path, _ in expand_input_files(paths, fs, check, today, date_format)]


def expand_input_files(paths: list, fs, check: bool = True, today=None,
                       date_format: str | None = None) -> list:
    """:func:`expand_input_paths` as ``(path, bytes)`` pairs, the sizes as
    the listing gave them (no request per file); ``-`` has ``None``."""
    from streamr.date_aliases import DEFAULT_DATE_FORMAT, expand_date_aliases, parse_as_of

    today = today or parse_as_of(None)
    result = []
    for path in paths:
        if path == "-":
            result.append((path, None))
            continue
        found = []
        missing_dates = []
        dated = expand_date_aliases(path, today, date_format or DEFAULT_DATE_FORMAT)
        for item in dated:
            files = fs.files_with_sizes(item.path)
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
        for file_path, _ in found:
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
    compression suffix or, for a local file, when its first bytes are a
    compression format's magic number."""
    if is_compressed(path) or "://" in path:
        try:
            import smart_open
        except ImportError:
            if "://" in path:
                raise
            # a task on a Python without smart_open (a bare cluster node, or
            # --task-python-bin): the standard library reads the local file
            return decompressing_reader(open(path, "rb", buffering=_READ_BUFFER),
                                        path[path.rfind("."):].lower())
        return smart_open.open(path, "rb", compression=smart_open_compression(path))
    stream = open(path, "rb", buffering=_READ_BUFFER)  # noqa: SIM115 - returned open
    suffix = sniff(stream.peek(16)[:16])
    if suffix is None:
        return stream
    return decompressing_reader(stream, suffix)


def compression_of(path: str, label: str | None = None) -> str | None:
    """The compression suffix of the local input file *path*: the one its
    name ends in, else the one its first bytes show, with a warning (one
    line, naming it as *label*) that it is read decompressed. None for a
    plain file."""
    lower = path.lower()
    for suffix in COMPRESSED_SUFFIXES:
        if lower.endswith(suffix):
            return suffix
    if "://" in path:
        return None
    suffix = sniff_file(path)
    if suffix is not None:
        log.warning("input file %s is %s-compressed though its name does not end in %s;"
                    " reading it decompressed", label or path, FORMAT_NAMES[suffix], suffix)
    return suffix



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
