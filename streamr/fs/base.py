"""What every filesystem offers, and what is built on top of it the same way
for all of them (finding input files, reading a job's output).

Paths are strings: local paths or URIs (``s3://bucket/key``). A
"directory" is whatever has files under it; on S3 that is a key prefix.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import IO, NamedTuple

from streamr.errors import AWSError, CorruptInputError
from streamr.fs.compression import corrupt_input_error
from streamr.fs.globs import has_glob

__all__ = ["Entry", "Filesystem", "GuardedReader", "is_hidden_name"]

_CHUNK = 1 << 16


class Entry(NamedTuple):
    """One thing a glob matched: a file, or a directory with files under it."""

    path: str
    is_dir: bool


def is_hidden_name(name: str) -> bool:
    """Hadoop skips names starting with ``_`` or ``.`` (``_SUCCESS``,
    ``_logs``, ``.crc`` files) when it reads a directory."""
    return name.startswith(("_", "."))


class GuardedReader:
    """A read stream whose errors become one-line user errors: *translate*
    turns an exception into the one to raise (or None to let it through);
    for a decompressing stream, damaged data becomes
    :class:`~streamr.errors.CorruptInputError` naming *path*."""

    def __init__(self, stream, path: str, translate=None, decompressing: bool = False):
        self._stream = stream
        self._path = path
        self._translate = translate
        self._decompressing = decompressing

    def _call(self, method, *args):
        try:
            return method(*args)
        except (AWSError, CorruptInputError):
            raise
        except Exception as exc:
            better = self._translate(exc) if self._translate else None
            if better is None and self._decompressing:
                better = corrupt_input_error(exc, self._path)
            if better is None:
                raise
            raise better from exc

    def read(self, size: int = -1) -> bytes:
        return self._call(self._stream.read, size)

    def readline(self, size: int = -1) -> bytes:
        return self._call(self._stream.readline, size)

    def readlines(self) -> list:
        return self._call(self._stream.readlines)

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def close(self) -> None:
        self._stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False


class Filesystem:
    """The interface; :class:`~streamr.fs.local.LocalFilesystem` and
    :class:`~streamr.fs.s3.S3Filesystem` implement it and
    :class:`~streamr.fs.composite.CompositeFilesystem` picks between them."""

    def handles(self, path: str) -> bool:
        """True when this filesystem is the one for *path*."""
        raise NotImplementedError

    # --- finding files --------------------------------------------------------------

    def glob(self, pattern: str) -> list:
        """Sorted :class:`Entry` items that *pattern* matches (a plain path
        matches itself when it exists)."""
        raise NotImplementedError

    def _glob_with_sizes(self, pattern: str) -> list:
        """:meth:`glob` as ``(entry, bytes)`` pairs; bytes is None where
        the filesystem does not learn a file's size while globbing."""
        return [(entry, None) for entry in self.glob(pattern)]

    def ls_sizes(self, path: str) -> Iterator[tuple]:
        """``(path, bytes)`` of every file at or under *path* (recursively),
        sorted by path; hidden ones too."""
        raise NotImplementedError

    def ls(self, path: str) -> Iterator[str]:
        """Every file at or under *path* (recursively), sorted; hidden ones too."""
        for found, _ in self.ls_sizes(path):
            yield found

    def exists(self, pattern: str) -> bool:
        """True when *pattern* matches at least one file or directory."""
        return bool(self.glob(pattern))

    def size(self, pattern: str) -> int:
        """Total bytes of the files *pattern* stands for, hidden ones too."""
        return sum(size for _, size in self.files_with_sizes(pattern, skip_hidden=False))

    def files(self, pattern: str, skip_hidden: bool = True, use_glob: bool = True) -> list:
        """The files *pattern* stands for, in order: each match of the glob
        (or the path itself), a directory replaced by the files under it.
        With *skip_hidden*, files under a matched directory whose relative
        path has a part starting with ``_`` or ``.`` are left out, as Hadoop
        does; a file named directly is always kept. Without *use_glob*,
        *pattern* is taken literally."""
        return [path for path, _ in self.files_with_sizes(pattern, skip_hidden, use_glob)]

    def files_with_sizes(self, pattern: str, skip_hidden: bool = True,
                         use_glob: bool = True) -> list:
        """:meth:`files` as ``(path, bytes)`` pairs."""
        found = []
        globbing = use_glob and has_glob(pattern)
        entries = self._glob_with_sizes(pattern) if use_glob else [(Entry(pattern, True), None)]
        for entry, known_size in entries:
            if globbing and skip_hidden and is_hidden_name(posixpath.basename(
                    entry.path.rstrip("/"))):
                continue  # Hadoop leaves hidden names out of glob matches too
            if known_size is not None:  # a file whose size the glob already found
                found.append((entry.path, known_size))
                continue
            root = entry.path.rstrip("/") + "/"
            for path, size in self.ls_sizes(entry.path):
                if entry.is_dir and skip_hidden and path != entry.path:
                    relative = path[len(root):] if path.startswith(root) else (
                        posixpath.basename(path))
                    if any(is_hidden_name(part) for part in relative.split("/")):
                        continue
                found.append((path, size))
        return found

    # --- reading and writing --------------------------------------------------------

    def open_read(self, path: str, decompress: bool = True) -> IO[bytes]:
        """*path* opened for reading bytes; with *decompress*, ``.gz``,
        ``.bz2``, ``.zst`` (and ``.xz``) files are decompressed."""
        raise NotImplementedError

    def open_write(self, path: str, compress: bool = True) -> IO[bytes]:
        """*path* opened for writing bytes, compressed when its name ends in
        a compression suffix and *compress* is true. Nothing appears at
        *path* unless the stream is closed without an error (use ``with``)."""
        raise NotImplementedError

    def put(self, local_path: str, path: str) -> None:
        """Copy the local file *local_path* to *path*."""
        raise NotImplementedError

    def get(self, path: str, local_path: str) -> None:
        """Copy the file at *path* to the local file *local_path* as is."""
        raise NotImplementedError

    def check_can_write(self, path: str) -> None:
        """Raise a one-line error now if writing under *path* is bound to
        fail for a reason known in advance (on S3: a missing bucket)."""

    def mkdir(self, path: str) -> None:
        """Make directory *path* (and its parents) if the filesystem has them."""
        raise NotImplementedError

    def rm(self, path: str) -> None:
        """Remove the file *path*, or everything under the directory *path*."""
        raise NotImplementedError

    def checksum(self, path: str) -> str:
        """MD5 hex digest of the file's bytes as stored."""
        raise NotImplementedError

    def join(self, path: str, *names: str) -> str:
        """*names* appended to the directory *path*."""
        raise NotImplementedError

    # --- built on the above ---------------------------------------------------------

    def cat(self, pattern: str, use_glob: bool = True) -> Iterator[bytes]:
        """Byte chunks of every non-hidden, non-empty file *pattern* stands
        for, in name order, decompressed (how a job's output is read)."""
        return self.cat_files(self.files_with_sizes(pattern, use_glob=use_glob))

    def cat_files(self, files: list) -> Iterator[bytes]:
        """Byte chunks of each ``(path, bytes)`` of *files* in turn,
        decompressed, leaving out empty ones."""
        for path, size in files:
            if not size:  # an empty .bz2 or .zst file would not decompress
                continue
            with self.open_read(path) as stream:
                while True:
                    chunk = stream.read(_CHUNK)
                    if not chunk:
                        break
                    yield chunk
