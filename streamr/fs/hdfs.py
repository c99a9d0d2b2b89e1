"""HDFS (``hdfs://`` URIs) through the cluster's own ``hadoop fs`` command.

Talking to HDFS the way a person at the cluster would, rather than through a
client library, means streamr needs nothing installed but Hadoop itself and
reads exactly what the cluster's configuration (``fs.defaultFS``, Kerberos,
federation) points at. Every call is one ``hadoop fs`` command; listings are
read from ``hadoop fs -ls`` lines, Hadoop 3's format::

    drwxr-xr-x   - alice supergroup          0 2026-11-29 17:00 hdfs://nn:8020/user/alice/in
    -rw-r--r--   3 alice supergroup       1234 2026-11-29 17:00 hdfs://nn:8020/user/alice/in/a

Hadoop answers with fully qualified URIs whatever form was asked for
(``hdfs:///user/...``, ``hdfs://nn/user/...``); paths are given back in the
form the caller used, so they compare equal to what was asked about.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import subprocess
import tempfile
from collections.abc import Iterator
from typing import IO, NamedTuple

from streamr.errors import HadoopError
from streamr.fs.base import Entry, Filesystem, GuardedReader
from streamr.fs.compression import decompressing_reader, is_compressed
from streamr.fs.hadoop_bin import find_hadoop_bin

__all__ = ["HdfsFilesystem", "LsLine", "is_hdfs_uri", "parse_ls_line"]

_SCHEMES = ("hdfs://",)
# a -ls line: permissions, replication (- for a directory), owner, group,
# size, date, time, then the path (which may hold spaces)
_LS_LINE = re.compile(r"^([dl-][rwxstST-]{9}[+@.]?)\s+(-|\d+)\s+(\S+)\s+(\S+)\s+(\d+)\s+"
                      r"(\d{4}-\d\d-\d\d)\s+(\d\d:\d\d)\s+(.+)$")
_MISSING = ("No such file or directory", "does not exist", "matches 0 files")


class LsLine(NamedTuple):
    """One line of ``hadoop fs -ls``: the path as Hadoop printed it."""

    path: str
    is_dir: bool
    size: int


def is_hdfs_uri(path: str) -> bool:
    return path.startswith(_SCHEMES)


def parse_ls_line(line: str) -> LsLine | None:
    """The entry one ``hadoop fs -ls`` line describes; None for other lines
    (``Found 3 items``, warnings)."""
    match = _LS_LINE.match(line.rstrip("\r\n"))
    if match is None:
        return None
    return LsLine(match.group(8), match.group(1).startswith("d"), int(match.group(5)))


def _split(uri: str) -> tuple[str, str]:
    """``(scheme and authority, absolute path)`` of *uri*:
    ``hdfs://nn:8020/a/b`` -> ``("hdfs://nn:8020", "/a/b")``."""
    scheme, _, rest = uri.partition("://")
    authority, slash, path = rest.partition("/")
    return "%s://%s" % (scheme, authority), "/" + path if slash else "/"


class _CatStream:
    """The stdout of ``hadoop fs -cat``, failing on close if the command
    failed (so a cut-off read is never taken for a whole file)."""

    def __init__(self, proc: subprocess.Popen, path: str):
        self._proc = proc
        self._path = path
        self.name = path

    def read(self, size: int = -1) -> bytes:
        return self._proc.stdout.read(size)

    def readline(self, size: int = -1) -> bytes:
        return self._proc.stdout.readline(size)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if self._proc.stdout.closed:
            return
        self._proc.stdout.read()  # let the command finish writing
        self._proc.stdout.close()
        err = self._proc.stderr.read().decode("utf_8", "replace")
        self._proc.stderr.close()
        if self._proc.wait() != 0:
            raise HadoopError("hadoop fs -cat %s failed: %s" % (self._path, _last_line(err)))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


class HdfsFilesystem(Filesystem):
    """``hdfs://`` paths through ``hadoop fs``. *hadoop_bin* is the command
    that runs ``hadoop`` (the ``hadoop_bin`` option); when not given it is
    found on first use (:func:`~streamr.fs.hadoop_bin.find_hadoop_bin`)."""

    def __init__(self, hadoop_bin: list | None = None):
        self._hadoop_bin = list(hadoop_bin) if hadoop_bin else None

    @property
    def hadoop_bin(self) -> list:
        if self._hadoop_bin is None:
            self._hadoop_bin = find_hadoop_bin()
        return self._hadoop_bin

    def handles(self, path: str) -> bool:
        return is_hdfs_uri(path)

    # --- running hadoop fs -------------------------------------------------------------

    def _run(self, *args: str, ok_missing: bool = False) -> str | None:
        """Run ``hadoop fs ARGS``; its stdout. A missing path is None with
        *ok_missing*, else every failure is a :class:`HadoopError`."""
        command = self.hadoop_bin + ["fs", *args]
        try:
            proc = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True)
        except OSError as exc:
            raise HadoopError("could not run %s: %s" % (command[0], exc)) from None
        err = proc.stderr.decode("utf_8", "replace")
        if proc.returncode != 0:
            if ok_missing and any(text in err for text in _MISSING):
                return None
            raise HadoopError("hadoop fs %s failed: %s" % (" ".join(args), _last_line(err)))
        return proc.stdout.decode("utf_8", "replace")

    def _entries(self, flags: list, path: str) -> list:
        """``-ls`` lines for *path* as :class:`LsLine` items, paths in the
        caller's form (see the module docstring)."""
        out = self._run("-ls", *flags, path, ok_missing=True)
        if out is None:
            return []
        prefix, _ = _split(path)
        found = []
        for line in out.splitlines():
            entry = parse_ls_line(line)
            if entry is None:
                continue
            printed = entry.path
            own = _split(printed)[1] if "://" in printed else printed
            found.append(entry._replace(path=prefix + own))
        return found

    # --- finding files -------------------------------------------------------------------

    def glob(self, pattern: str) -> list:
        return [entry for entry, _ in self._glob_with_sizes(pattern)]

    def _glob_with_sizes(self, pattern: str) -> list:
        # -d lists a matched directory itself, not what is in it
        found = sorted(self._entries(["-d"], pattern))
        return [(Entry(line.path, line.is_dir), None if line.is_dir else line.size)
                for line in found]

    def ls_sizes(self, path: str) -> Iterator[tuple]:
        entries = self._entries(["-R"], path)
        yield from sorted((line.path, line.size) for line in entries if not line.is_dir)

    def exists(self, pattern: str) -> bool:
        return bool(self._entries(["-d"], pattern))

    # --- reading and writing -------------------------------------------------------------

    def open_read(self, path: str, decompress: bool = True) -> IO[bytes]:
        command = self.hadoop_bin + ["fs", "-cat", path]
        try:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
        except OSError as exc:
            raise HadoopError("could not run %s: %s" % (command[0], exc)) from None
        stream = _CatStream(proc, path)
        if decompress and is_compressed(path):
            suffix = "." + path.rsplit(".", 1)[-1]
            return GuardedReader(decompressing_reader(stream, suffix), path, decompressing=True)
        return stream

    @contextlib.contextmanager
    def open_write(self, path: str, compress: bool = True) -> Iterator[IO[bytes]]:
        # written locally, then put in one piece: nothing appears on HDFS
        # unless the whole file was written
        fd, tmp = tempfile.mkstemp(prefix="streamr-hdfs-",
                                   suffix=posixpath.basename(path) if compress else "")
        os.close(fd)
        try:
            from streamr.fs.local import LocalFilesystem

            with LocalFilesystem().open_write(tmp, compress) as stream:
                yield stream
            self._run("-put", "-f", tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def put(self, local_path: str, path: str) -> None:
        parent = path.rstrip("/").rsplit("/", 1)[0]
        self._run("-mkdir", "-p", parent)
        self._run("-put", "-f", local_path, path)

    def put_files(self, pairs: list) -> None:
        """Copy each ``(local path, path)`` of *pairs*: their directories
        made in one ``hadoop fs -mkdir``, then one ``-put`` a file (each
        ``hadoop`` command starts a JVM on a real cluster: seconds, not
        milliseconds)."""
        if not pairs:
            return
        parents = sorted({path.rstrip("/").rsplit("/", 1)[0] for _, path in pairs})
        self._run("-mkdir", "-p", *parents)
        for local_path, path in pairs:
            self._run("-put", "-f", local_path, path)

    def get(self, path: str, local_path: str) -> None:
        if os.path.exists(local_path):
            os.unlink(local_path)  # -get refuses to overwrite
        self._run("-get", path, local_path)

    def mkdir(self, path: str) -> None:
        self._run("-mkdir", "-p", path)

    def rm(self, path: str) -> None:
        self._run("-rm", "-r", "-f", "-skipTrash", path)

    def checksum(self, path: str) -> str:
        import hashlib  # here: it loads OpenSSL, which most runs never need

        digest = hashlib.md5(usedforsecurity=False)
        with self.open_read(path, decompress=False) as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    def join(self, path: str, *names: str) -> str:
        return "/".join([path.rstrip("/"), *(name.strip("/") for name in names)])
