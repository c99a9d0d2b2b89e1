"""One filesystem for every kind of path: each call goes to the filesystem
that handles the path's scheme."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from streamr.errors import UsageError
from streamr.fs.base import Filesystem
from streamr.fs.local import LocalFilesystem

__all__ = ["CompositeFilesystem", "make_filesystem"]


class CompositeFilesystem(Filesystem):
    """Filesystems in order of preference; the first that handles a path
    gets it."""

    def __init__(self, *filesystems: Filesystem):
        self.filesystems = list(filesystems)

    def for_path(self, path: str) -> Filesystem:
        """The filesystem for *path*; :class:`UsageError` if none handles it."""
        for fs in self.filesystems:
            if fs.handles(path):
                return fs
        scheme = path.split("://", 1)[0] if "://" in path else ""
        raise UsageError("no filesystem for %s (%s:// paths are not supported; use local"
                         " paths, s3:// or hdfs://)" % (path, scheme))

    def handles(self, path: str) -> bool:
        return any(fs.handles(path) for fs in self.filesystems)

    def glob(self, pattern: str) -> list:
        return self.for_path(pattern).glob(pattern)

    def ls_sizes(self, path: str) -> Iterator[tuple]:
        return self.for_path(path).ls_sizes(path)

    def exists(self, pattern: str) -> bool:
        return self.for_path(pattern).exists(pattern)

    def size(self, pattern: str) -> int:
        return self.for_path(pattern).size(pattern)

    def files_with_sizes(self, pattern: str, skip_hidden: bool = True,
                         use_glob: bool = True) -> list:
        return self.for_path(pattern).files_with_sizes(pattern, skip_hidden, use_glob)

    def open_read(self, path: str, decompress: bool = True) -> IO[bytes]:
        return self.for_path(path).open_read(path, decompress)

    def open_write(self, path: str, compress: bool = True):
        return self.for_path(path).open_write(path, compress)

    def put(self, local_path: str, path: str) -> None:
        self.for_path(path).put(local_path, path)

    def get(self, path: str, local_path: str) -> None:
        self.for_path(path).get(path, local_path)

    def check_can_write(self, path: str) -> None:
        self.for_path(path).check_can_write(path)

    def mkdir(self, path: str) -> None:
        self.for_path(path).mkdir(path)

    def rm(self, path: str) -> None:
        self.for_path(path).rm(path)

    def checksum(self, path: str) -> str:
        return self.for_path(path).checksum(path)

    def join(self, path: str, *names: str) -> str:
        return self.for_path(path).join(path, *names)


def make_filesystem(opts: dict | None = None, connection=None) -> CompositeFilesystem:
    """Local, S3 and HDFS filesystems; S3 through *connection* or one made
    from *opts* (AWS options), HDFS through the ``hadoop_bin`` option's
    program (or the one found). boto3 is imported only when an S3 path is
    used, and ``hadoop`` looked for only when an ``hdfs://`` one is."""
    from streamr.aws import AWSConnection
    from streamr.fs.hdfs import HdfsFilesystem
    from streamr.fs.s3 import S3Filesystem

    return CompositeFilesystem(LocalFilesystem(),
                               S3Filesystem(connection or AWSConnection(opts or {})),
                               HdfsFilesystem((opts or {}).get("hadoop_bin")))
