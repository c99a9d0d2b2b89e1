"""The local filesystem: plain paths and ``file://`` URIs."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import IO

from streamr.fs.base import Entry, Filesystem, GuardedReader
from streamr.fs.compression import is_compressed, smart_open_compression
from streamr.fs.globs import expand_braces, has_glob

__all__ = ["LocalFilesystem", "file_md5", "is_local_path", "local_path"]

_BUFFER = 1 << 20


def is_local_path(path: str) -> bool:
    """True for a plain path or a ``file://`` URI."""
    return "://" not in path or path.startswith("file://")


def local_path(path: str) -> str:
    """*path* without a ``file://`` scheme, with ``~`` expanded."""
    if path.startswith("file://"):
        path = path[len("file://"):]
    return os.path.expanduser(path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_md5(path: str) -> str:
    """MD5 hex digest of a local file's bytes."""
    import hashlib  # here: it loads OpenSSL, which most runs never need

    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BUFFER), b""):
            digest.update(block)
    return digest.hexdigest()


class LocalFilesystem(Filesystem):
    def handles(self, path: str) -> bool:
        return is_local_path(path)

    def glob(self, pattern: str) -> list:
        pattern = local_path(pattern)
        if not has_glob(pattern):
            candidates = [pattern] if os.path.exists(pattern) else []
        else:
            candidates = set()
            for alternative in expand_braces(pattern):
                candidates.update(glob.glob(alternative))
        return [Entry(path, os.path.isdir(path)) for path in sorted(candidates)]

    def ls_sizes(self, path: str) -> Iterator[tuple]:
        path = local_path(path)
        if not os.path.isdir(path):
            if os.path.exists(path):
                yield path, os.path.getsize(path)
            return
        found = [os.path.join(root, name)
                 for root, _, names in os.walk(path, followlinks=True) for name in names]
        for file_path in sorted(found):  # by whole path, as S3 lists keys
            yield file_path, os.path.getsize(file_path)

    def open_read(self, path: str, decompress: bool = True) -> IO[bytes]:
        path = local_path(path)
        if decompress and is_compressed(path):
            import smart_open

            stream = smart_open.open(path, "rb", compression=smart_open_compression(path))
            return GuardedReader(stream, path, decompressing=True)
        return open(path, "rb", buffering=_BUFFER)

    @contextlib.contextmanager
    def open_write(self, path: str, compress: bool = True) -> Iterator[IO[bytes]]:
        # written next to the target and renamed into place when complete
        path = local_path(path)
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=directory)
        os.close(fd)
        os.chmod(tmp, 0o666 & ~_umask())  # as open() would make it, not mkstemp's 0600
        try:
            with self._open_tmp(tmp, path, compress) as stream:
                yield stream
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @staticmethod
    def _open_tmp(tmp: str, path: str, compress: bool) -> IO[bytes]:
        if compress and is_compressed(path):
            import smart_open

            return smart_open.open(tmp, "wb", compression=smart_open_compression(path))
        return open(tmp, "wb", buffering=_BUFFER)

    def put(self, local_source: str, path: str) -> None:
        path = local_path(path)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        shutil.copyfile(local_source, path)

    def get(self, path: str, local_target: str) -> None:
        shutil.copyfile(local_path(path), local_target)

    def mkdir(self, path: str) -> None:
        os.makedirs(local_path(path), exist_ok=True)

    def rm(self, path: str) -> None:
        path = local_path(path)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.unlink(path)

    def checksum(self, path: str) -> str:
        return file_md5(local_path(path))

    def join(self, path: str, *names: str) -> str:
        return os.path.join(local_path(path), *names)
