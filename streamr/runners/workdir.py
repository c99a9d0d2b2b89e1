"""The working directory of a task: which files, directories and archives
appear in it and under which names, and building it on local disk.

Names follow Hadoop's ``path#name`` convention; without ``#name`` an entry
keeps its base name. Two different paths that want the same name get
distinct names (``name-1``, ...), so nothing silently replaces anything.
"""

from __future__ import annotations

import os
import shutil

from streamr.errors import UsageError

__all__ = ["WorkingDir", "source_path", "split_hash_path", "unpack_archive"]

_KINDS = ("file", "dir", "archive")


def split_hash_path(spec: str) -> tuple:
    """``"path#name"`` as ``(path, name)``; name is ``None`` without ``#``."""
    path, sep, name = spec.partition("#")
    if sep and (not name or "/" in name or name in (".", "..")):
        raise UsageError("bad name %r in %r: use path#name with a plain file name" % (name, spec))
    return path, (name if sep else None)


def source_path(path: str) -> str:
    """Where an entry's source is: ``file://`` URIs as plain paths, ``~``
    and variables expanded, and a local path made absolute (relative to
    where the command ran, whatever directory a task runs in)."""
    if path.startswith("file://"):
        path = path[len("file://"):]
    path = os.path.expanduser(os.path.expandvars(path))
    return path if "://" in path else os.path.abspath(path)


class WorkingDir:
    """Entries of a task's working directory: ``(kind, source path, name)``."""

    def __init__(self):
        self._entries: list = []
        self._names: dict = {}

    def add(self, kind: str, spec: str) -> str:
        """Add a file, dir or archive given as ``path`` or ``path#name``;
        return the name it has in the working directory."""
        if kind not in _KINDS:
            raise ValueError(kind)
        path, name = split_hash_path(spec)
        path = source_path(path)
        for entry_kind, entry_path, entry_name in self._entries:
            if entry_kind == kind and entry_path == path and (name is None or name == entry_name):
                return entry_name
        wanted = name or os.path.basename(path.rstrip("/")) or kind
        if wanted in self._names and name is not None:
            raise UsageError("two different paths want the name %r in the working directory:"
                             " %s and %s" % (wanted, self._names[wanted], path))
        chosen = wanted
        counter = 0
        while chosen in self._names:
            counter += 1
            stem, ext = os.path.splitext(wanted)
            chosen = "%s-%d%s" % (stem, counter, ext)
        self._names[chosen] = path
        self._entries.append((kind, path, chosen))
        return chosen

    def entries(self, kind: str | None = None) -> list:
        return [e for e in self._entries if kind is None or e[0] == kind]

    def check_sources(self) -> None:
        """Every local source exists, else :class:`UsageError` naming it."""
        for kind, path, _ in self._entries:
            if "://" in path:
                continue
            ok = os.path.isdir(path) if kind == "dir" else os.path.isfile(path)
            if not ok:
                raise UsageError("%s %s does not exist" % (
                    {"file": "file", "dir": "directory", "archive": "archive"}[kind], path))

    def build(self, dest: str, unpacked_cache: str) -> None:
        """Create *dest* holding every entry: files and dirs as symlinks,
        archives unpacked once into *unpacked_cache* and linked."""
        os.makedirs(dest, exist_ok=True)
        for kind, path, name in self._entries:
            target = os.path.join(dest, name)
            if os.path.lexists(target):
                continue
            if kind == "archive":
                unpacked = os.path.join(unpacked_cache, name)
                if not os.path.isdir(unpacked):
                    unpack_archive(path, unpacked)
                source = unpacked
            else:
                source = os.path.abspath(path)
            if kind == "file" and not os.access(source, os.X_OK):
                # as on Hadoop, a shipped file can be run (``./script.sh``)
                _executable_copy(source, target)
                continue
            try:
                os.symlink(source, target)
            except OSError:
                if os.path.isdir(source):
                    shutil.copytree(source, target)
                else:
                    shutil.copy2(source, target)


def _executable_copy(source: str, target: str) -> None:
    """Copy *source* to *target* with execute bits wherever it has read bits."""
    shutil.copyfile(source, target)
    mode = os.stat(source).st_mode & 0o777
    os.chmod(target, mode | (mode & 0o444) >> 2)


def unpack_archive(path: str, dest: str) -> None:
    """Unpack a tar (any compression), zip or jar at *path* into *dest*,
    refusing members that would land outside it."""
    import tarfile  # here: most runs have no archive to unpack
    import zipfile

    os.makedirs(dest, exist_ok=True)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                _check_member(path, dest, member)
            archive.extractall(dest)
        return
    if tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            for member in archive.getmembers():
                _check_member(path, dest, member.name)
            if hasattr(tarfile, "data_filter"):
                try:
                    archive.extractall(dest, filter="data")
                except tarfile.FilterError as exc:  # a link pointing outside, say
                    raise UsageError("archive %s holds %r, which would unpack outside its"
                                     " directory (%s)" % (path, exc.tarinfo.name, exc)) from None
            else:  # pragma: no cover - Python without extraction filters
                archive.extractall(dest)
        return
    raise UsageError("archive %s is neither a tar nor a zip file" % path)


def _check_member(archive: str, dest: str, member: str) -> None:
    final = os.path.realpath(os.path.join(dest, member))
    if not (final == os.path.realpath(dest) or final.startswith(os.path.realpath(dest) + os.sep)):
        raise UsageError("archive %s holds %r, which would unpack outside its directory"
                         % (archive, member))
