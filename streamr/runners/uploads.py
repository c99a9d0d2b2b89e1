"""Getting a job's local files to the cluster's filesystem (S3 for EMR and
EMR Serverless, HDFS for Hadoop), where its nodes fetch them.

Files are stored by content: ``<tmp dir>files/<md5>/<name>``. A file
already there (uploaded by an earlier run, or by another job using the
same file) is not uploaded again, and a cluster that keeps a bootstrap
file's URI always finds the same bytes at it. Directories (``DIRS``) go up
as tar.gz archives, and streamr itself as a zip that tasks put on their
``PYTHONPATH``; both are packed byte-for-byte the same each time, so they
are uploaded once per change, not once per run.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tarfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import streamr

__all__ = ["Uploads", "file_md5", "pack_dir", "pack_streamr"]

log = logging.getLogger(__name__)

#: uploads at once
UPLOAD_THREADS = 8
#: name of streamr's own zip in task working directories
STREAMR_ZIP = "streamr.zip"
# timestamp written into packed archives, so packing is repeatable (zip's earliest)
_EPOCH = (1980, 1, 1, 0, 0, 0)


def file_md5(path: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pack_streamr(dest_dir: str) -> str:
    """A zip of the streamr package (Python sources only) in *dest_dir*;
    the same bytes for the same sources."""
    package = os.path.dirname(os.path.abspath(streamr.__file__))
    root = os.path.dirname(package)
    path = os.path.join(dest_dir, STREAMR_ZIP)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, dirs, names in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if not name.endswith(".py"):
                    continue
                full = os.path.join(folder, name)
                info = zipfile.ZipInfo(os.path.relpath(full, root).replace(os.sep, "/"),
                                       _EPOCH)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                with open(full, "rb") as handle:
                    archive.writestr(info, handle.read())
    return path


def pack_dir(source: str, dest: str) -> str:
    """*source* (a directory) packed as the tar.gz *dest*, with members in
    name order and no owners or times, so equal contents give equal bytes."""
    import gzip

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for folder, dirs, names in os.walk(source):
            dirs.sort()
            for name in sorted(dirs) + sorted(names):
                full = os.path.join(folder, name)
                info = archive.gettarinfo(full, os.path.relpath(full, source))
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mtime = 0
                if info.isfile():
                    with open(full, "rb") as handle:
                        archive.addfile(info, handle)
                else:
                    archive.addfile(info)
    with open(dest, "wb") as out, gzip.GzipFile(filename="", fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(buffer.getvalue())
    return dest


@dataclass
class Uploads:
    """Local files this run sends to the cluster's filesystem *fs*, by
    content, under *files_dir* (an ``s3://`` or ``hdfs://`` directory)."""

    fs: object
    files_dir: str
    _pending: dict = field(default_factory=dict)  # uri -> local path

    def uri_for(self, local_path: str) -> str:
        """Where *local_path* goes (and remember to upload it)."""
        local_path = os.path.abspath(local_path)
        name = os.path.basename(local_path)
        uri = "%s/%s/%s" % (self.files_dir.rstrip("/"), file_md5(local_path), name)
        self._pending[uri] = local_path
        return uri

    def take_pending(self) -> list:
        """``(uri, local path)`` of every file not sent yet, in URI order,
        for a caller that sends them its own way (then they count as sent)."""
        pairs = sorted(self._pending.items())
        self._pending.clear()
        return pairs

    def upload(self) -> None:
        """Upload every file not already at its URI, several at once."""
        if not self._pending:
            return
        pairs = sorted(self._pending.items())

        def send(pair: tuple) -> int:
            uri, local = pair
            if self.fs.exists(uri):
                return 0
            self.fs.put(local, uri)
            return os.path.getsize(local) or 1

        started = time.time()
        with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
            sent = [size for size in pool.map(send, pairs) if size]
        log.info("uploaded %d file(s), %.1f MB, in %.1fs (%d already there)", len(sent),
                 sum(sent) / 1e6, time.time() - started, len(pairs) - len(sent))
        self._pending.clear()
