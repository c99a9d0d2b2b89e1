"""Input paths: expanding globs and directories, opening files (decompressing
``.gz``, ``.bz2`` and ``.zst`` transparently) and checking that they exist.

``open_input`` and ``local_copy_of`` also run inside tasks; they import
smart_open only for compressed files, so plain text needs the standard
library alone.
"""

from __future__ import annotations

import contextlib
import glob
import os
from collections.abc import Iterator
from typing import IO

from streamr.errors import UsageError

__all__ = [
    "COMPRESSED_SUFFIXES",
    "expand_input_paths",
    "is_compressed",
    "local_copy_of",
    "open_input",
]

COMPRESSED_SUFFIXES = (".gz", ".bz2", ".zst", ".xz")
_GLOB_CHARS = set("*?[")
_READ_BUFFER = 1 << 20


def is_compressed(path: str) -> bool:
    """True when *path*'s name says it is compressed (one split per file)."""
    return path.lower().endswith(COMPRESSED_SUFFIXES)


def _is_hidden(name: str) -> bool:
    # Hadoop skips files whose names start with _ or . (_SUCCESS, .crc files)
    return name.startswith(("_", "."))


def _files_under(directory: str) -> list:
    found = []
    for root, dirs, files in os.walk(directory, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
        found.extend(os.path.join(root, f) for f in sorted(files) if not _is_hidden(f))
    return found


def expand_input_paths(paths: list, check: bool = True) -> list:
    """Each path as the list of files it stands for, in order: ``-`` (stdin)
    stays as is, a glob becomes its sorted matches, a directory every
    non-hidden file under it. With *check*, a path that stands for nothing
    raises :class:`UsageError` naming it."""
    result = []
    for path in paths:
        if path == "-":
            result.append(path)
            continue
        if "://" in path and not path.startswith("file://"):
            result.append(path)
            continue
        local = path[len("file://"):] if path.startswith("file://") else path
        local = os.path.expanduser(local)
        if _GLOB_CHARS & set(local):
            matches = sorted(glob.glob(local))
            files = []
            for match in matches:
                files.extend(_files_under(match) if os.path.isdir(match) else [match])
        elif os.path.isdir(local):
            files = _files_under(local)
            if not files and check:
                raise UsageError("input directory %s holds no files" % path)
            result.extend(files)
            continue
        elif os.path.exists(local):
            files = [local]
        else:
            files = []
        if not files:
            if check:
                raise UsageError("input path %s does not exist" % path)
            continue
        for file_path in files:
            if not os.access(file_path, os.R_OK):
                raise UsageError("input file %s is not readable" % file_path)
        result.extend(files)
    return result


def open_input(path: str) -> IO[bytes]:
    """*path* opened for reading bytes, decompressed when its name ends in a
    compression suffix."""
    if is_compressed(path) or "://" in path:
        import smart_open

        return smart_open.open(path, "rb")
    return open(path, "rb", buffering=_READ_BUFFER)


@contextlib.contextmanager
def local_copy_of(uri: str) -> Iterator[str]:
    """A local path holding the file at *uri* (the path itself when local)."""
    if "://" not in uri or uri.startswith("file://"):
        yield uri[len("file://"):] if uri.startswith("file://") else uri
        return
    import shutil
    import tempfile

    import smart_open

    with tempfile.TemporaryDirectory() as tmp:
        local = os.path.join(tmp, os.path.basename(uri.rstrip("/")) or "input")
        with smart_open.open(uri, "rb", compression="disable") as src, open(local, "wb") as dst:
            shutil.copyfileobj(src, dst, _READ_BUFFER)
        yield local
