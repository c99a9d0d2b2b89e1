"""The nodes of a simulated cluster: one sandbox directory each, the
environment processes get there, and the node's cache of ``-files`` and
``-archives`` (each fetched from S3 once per node, as YARN's localizer
does).

A node's sandbox::

    <root>/home/hadoop/             HOME
    <root>/bootstrap/               STREAMR_BOOTSTRAP_DIR
    <root>/bootstrap-actions/<n>/   each bootstrap action's script and output
    <root>/yarn/filecache/<n>/      localized -files and -archives
    <root>/yarn/appcache/<application>/<container>/   a task's working directory
    <root>/calls.log                stand-in calls (see tests.emr_sim.standins)"""

from __future__ import annotations

import os
import shutil
import tarfile
import threading
import zipfile
from dataclasses import dataclass, field

from tests.emr_sim.s3 import SimS3

__all__ = ["Node", "unpack_archive"]


@dataclass
class Node:
    """One instance of a cluster."""

    instance_id: str
    role: str
    root: str
    base_env: dict[str, str] = field(default_factory=dict, repr=False)
    _cache: dict[str, str] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        for folder in (self.home, self.bootstrap_dir, self.yarn_dir):
            os.makedirs(folder, exist_ok=True)

    @property
    def home(self) -> str:
        return os.path.join(self.root, "home", "hadoop")

    @property
    def bootstrap_dir(self) -> str:
        return os.path.join(self.root, "bootstrap")

    @property
    def yarn_dir(self) -> str:
        return os.path.join(self.root, "yarn")

    @property
    def call_log(self) -> str:
        return os.path.join(self.root, "calls.log")

    def calls(self) -> list[str]:
        """Every stand-in call made on this node so far."""
        try:
            with open(self.call_log) as log:
                return log.read().splitlines()
        except FileNotFoundError:
            return []

    def environment(self, cwd: str) -> dict[str, str]:
        """The environment of a process started in *cwd* on this node."""
        env = dict(self.base_env)
        tmp = os.path.join(cwd, "tmp")
        os.makedirs(tmp, exist_ok=True)
        env.update({
            "HOME": self.home, "USER": "hadoop", "LOGNAME": "hadoop", "SHELL": "/bin/bash",
            "PWD": cwd, "TMPDIR": tmp, "LANG": "C.UTF-8",
            "STREAMR_BOOTSTRAP_DIR": self.bootstrap_dir,
            "STREAMR_SIM_CALL_LOG": self.call_log,
            "STREAMR_SIM_INSTANCE_ID": self.instance_id,
        })
        return env

    def container_dir(self, application_id: str, container_id: str) -> str:
        path = os.path.join(self.yarn_dir, "appcache", application_id, container_id)
        os.makedirs(path, exist_ok=True)
        return path

    def localize(self, s3: SimS3, uri: str, archive: bool, scope: str = "") -> str:
        """A local copy of *uri* on this node (unpacked, for an archive),
        fetched the first time it is asked for within *scope* (a YARN
        application: a later job sees a re-uploaded file)."""
        key = "%s %s %s" % (scope, "archive" if archive else "file", uri)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            folder = os.path.join(self.yarn_dir, "filecache", str(len(self._cache) + 10))
            os.makedirs(folder)
            name = uri.rstrip("/").rsplit("/", 1)[-1]
            path = os.path.join(folder, name)
            s3.download(uri, path)
            if archive:
                unpacked = path + ".unpacked"
                unpack_archive(path, unpacked)
                os.remove(path)
                os.rename(unpacked, path)
            else:
                os.chmod(path, 0o555)
            self._cache[key] = path
            return path

    def link_into(self, cwd: str, target: str, name: str) -> None:
        """Make *target* appear as *name* in *cwd* (a symlink, as YARN makes)."""
        link = os.path.join(cwd, name)
        if os.path.lexists(link):
            return
        os.makedirs(os.path.dirname(link) or cwd, exist_ok=True)
        os.symlink(target, link)

    def remove(self) -> None:
        """Delete the sandbox (files made read-only included)."""
        _make_writable(self.root)
        shutil.rmtree(self.root, ignore_errors=True)


def unpack_archive(path: str, dest: str) -> None:
    """Unpack a tar (possibly gzipped) or zip (jar) archive into *dest*."""
    os.makedirs(dest, exist_ok=True)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            archive.extractall(dest)
        return
    with tarfile.open(path) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(dest, filter="data")
        else:
            archive.extractall(dest)


def _make_writable(root: str) -> None:
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                try:
                    os.chmod(path, 0o755)
                except OSError:
                    pass
