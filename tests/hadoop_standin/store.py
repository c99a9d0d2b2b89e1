"""HDFS kept in a local directory, for the stand-in's ``hadoop fs`` and for
the streaming emulation (which reads and writes through the interface of
:class:`tests.emr_sim.s3.SimS3`).

HDFS paths are absolute (``/user/alice/in``); a relative one is under the
user's home, ``/user/<name>`` (``$HADOOP_USER_NAME``, else the login
name), as Hadoop resolves it. URIs name a path with ``hdfs://<authority>``
before it; the authority is not checked (one name node). Hadoop qualifies
paths with ``fs.defaultFS``: :data:`DEFAULT_FS` here."""

from __future__ import annotations

import getpass
import os
import re
import shutil
from typing import NamedTuple

from tests.emr_sim.s3 import glob_to_regex

__all__ = ["DEFAULT_FS", "HdfsObject", "HdfsStore"]

DEFAULT_FS = "hdfs://localhost:8020"
_GLOB_CHARS = re.compile(r"[*?\[{]")


class HdfsObject(NamedTuple):
    """A file under a listed prefix (``key`` is its path without the leading ``/``)."""

    bucket: str
    key: str
    size: int

    @property
    def uri(self) -> str:
        return "hdfs://%s/%s" % (self.bucket, self.key)


def user_name() -> str:
    return os.environ.get("HADOOP_USER_NAME") or getpass.getuser()


class HdfsStore:
    """The HDFS under the local directory *root*."""

    counter_name = "HDFS"

    def __init__(self, root: str):
        self.root = root

    # --- names ---------------------------------------------------------------

    def path(self, uri: str) -> str:
        """The absolute HDFS path *uri* (a URI or a path) names."""
        if "://" in uri:
            rest = uri.split("://", 1)[1]
            path = "/" + rest.partition("/")[2]
        else:
            path = uri
        if not path.startswith("/"):
            path = "/user/%s/%s" % (user_name(), path)
        path = os.path.normpath(path)
        return "/" if path in ("/", "//") else path

    def local(self, uri: str) -> str:
        return os.path.join(self.root, self.path(uri).lstrip("/"))

    def canonical(self, uri: str) -> str | None:
        if "://" in uri and not uri.startswith("hdfs://"):
            return None
        return DEFAULT_FS + self.path(uri)

    def split(self, uri: str) -> tuple[str, str]:
        return DEFAULT_FS.split("://", 1)[1], self.path(uri).lstrip("/") + (
            "/" if uri.endswith("/") and self.path(uri) != "/" else "")

    def make_uri(self, bucket: str, key: str) -> str:
        return "hdfs://%s/%s" % (bucket, key)

    # --- reading and writing ---------------------------------------------------

    def get(self, uri: str) -> bytes:
        with open(self.local(uri), "rb") as data:
            return data.read()

    def put(self, uri: str, data: bytes) -> None:
        target = self.local(uri)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            out.write(data)

    def download(self, uri: str, path: str) -> None:
        shutil.copyfile(self.local(uri), path)

    def size(self, uri: str) -> int | None:
        local = self.local(uri)
        return os.path.getsize(local) if os.path.isfile(local) else None

    def bucket_exists(self, bucket: str) -> bool:
        return True

    def list(self, uri: str) -> list[HdfsObject]:
        """Every file whose path starts with *uri*'s (as S3 lists keys)."""
        bucket, prefix = self.split(uri)
        folder = os.path.join(self.root, prefix.rsplit("/", 1)[0]) if "/" in prefix else self.root
        found = []
        for top, dirs, names in os.walk(folder):
            dirs.sort()
            for name in sorted(names):
                key = os.path.relpath(os.path.join(top, name), self.root).replace(os.sep, "/")
                if key.startswith(prefix):
                    found.append(HdfsObject(bucket, key, os.path.getsize(os.path.join(top, name))))
        return found

    def glob(self, uri: str) -> list[str]:
        """URIs of the files and directories a glob matches, sorted."""
        bucket, pattern = self.split(uri)
        regex = glob_to_regex(pattern.rstrip("/"))
        literal = _GLOB_CHARS.split(pattern, maxsplit=1)[0]
        base = literal.rsplit("/", 1)[0] if "/" in literal else ""
        matched = set()
        for top, dirs, names in os.walk(os.path.join(self.root, base)):
            for name in dirs + names:
                key = os.path.relpath(os.path.join(top, name), self.root).replace(os.sep, "/")
                if regex.match(key):
                    matched.add(key)
        return [self.make_uri(bucket, key) for key in sorted(matched)]
