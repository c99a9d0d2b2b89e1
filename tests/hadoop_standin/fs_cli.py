"""``hadoop fs`` of the stand-in: ``-ls [-d] [-R]``, ``-cat``, ``-put``
(``-copyFromLocal``), ``-get`` (``-copyToLocal``), ``-mkdir [-p]``, ``-rm
[-r] [-f] [-skipTrash]``, ``-test -e|-d|-f|-s|-z`` and ``-du [-s]`` with
Hadoop 3's output formats, messages and exit codes (0, or 1 when any path
failed; -1, shown as 255, for a usage error). Globs are expanded as Hadoop
expands them. A path printed back is qualified (``hdfs://localhost:8020/...``)
when it was given as a URI, and as given otherwise."""

from __future__ import annotations

import os
import shutil
import sys
import time

from tests.hadoop_standin.store import DEFAULT_FS, HdfsStore, user_name

__all__ = ["run_fs"]

_FLAGS = {"-d", "-R", "-r", "-f", "-p", "-skipTrash", "-s", "-h", "-e", "-z", "-ignoreCrc",
          "-crc"}


class _Failed(Exception):
    pass


def run_fs(store: HdfsStore, argv: list) -> int:
    """Run ``hadoop fs ARGV``; the exit status."""
    if not argv:
        print("Usage: hadoop fs [generic options]", file=sys.stderr)
        return 255
    command, rest = argv[0], argv[1:]
    flags = {arg for arg in rest if arg in _FLAGS}
    paths = [arg for arg in rest if arg not in _FLAGS]
    name = command.lstrip("-")
    handler = _COMMANDS.get(command)
    if handler is None:
        print("%s: Unknown command" % command, file=sys.stderr)
        return 255
    return handler(_Fs(store, name), flags, paths)


class _Fs:
    """One command's view of HDFS, with Hadoop's messages."""

    def __init__(self, store: HdfsStore, name: str):
        self.store = store
        self.name = name
        self.status = 0

    def error(self, message: str) -> None:
        print("%s: %s" % (self.name, message), file=sys.stderr)
        self.status = 1

    def missing(self, path: str) -> None:
        self.error("`%s': No such file or directory" % path)

    def expand(self, path: str) -> list:
        """``(shown path, local path)`` of what *path* matches; none (and
        an error printed) when nothing does."""
        store = self.store
        if any(char in path for char in "*?[{"):
            found = [self.shown(path, uri) for uri in store.glob(path)]
            if not found:
                self.missing(path)
            return [(shown, store.local(shown)) for shown in found]
        local = store.local(path)
        if not os.path.lexists(local):
            self.missing(path)
            return []
        return [(self.shown(path, path), local)]

    def shown(self, asked: str, uri_or_path: str) -> str:
        """How Hadoop prints a path it found for the argument *asked*."""
        absolute = self.store.path(uri_or_path)
        if "://" in asked:
            return DEFAULT_FS + absolute
        if asked.startswith("/"):
            return absolute
        home = "/user/%s/" % user_name()
        return absolute[len(home):] if absolute.startswith(home) else absolute


def _ls_line(shown: str, local: str, widths: tuple) -> str:
    stat = os.stat(local)
    is_dir = os.path.isdir(local)
    perms = ("d" if is_dir else "-") + "".join(
        char if stat.st_mode & (1 << (8 - i)) else "-" for i, char in enumerate("rwxrwxrwx"))
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(stat.st_mtime))
    return "%s %*s %-*s %-*s %*d %s %s" % (
        perms, widths[0], "-" if is_dir else "1", widths[1], user_name(), widths[2],
        "supergroup", widths[3], 0 if is_dir else stat.st_size, stamp, shown)


def _print_listing(entries: list) -> None:
    widths = (3, len(user_name()), len("supergroup"),
              max([len(str(os.path.getsize(local))) for _, local in entries] + [1]))
    for shown, local in entries:
        print(_ls_line(shown, local, widths))


def _ls(fs: _Fs, flags: set, paths: list) -> int:
    for path in paths or ["."]:
        for shown, local in fs.expand(path):
            if "-d" in flags or not os.path.isdir(local):
                _print_listing([(shown, local)])
                continue
            entries = []
            for top, dirs, names in os.walk(local):
                dirs.sort()
                for name in sorted(dirs + names):
                    full = os.path.join(top, name)
                    entries.append((shown.rstrip("/") + "/" + os.path.relpath(full, local),
                                    full))
                if "-R" not in flags:
                    break
            entries.sort()
            if "-R" not in flags:
                print("Found %d items" % len(entries))
            _print_listing(entries)
    return fs.status


def _cat(fs: _Fs, flags: set, paths: list) -> int:
    for path in paths:
        for _shown, local in fs.expand(path):
            if os.path.isdir(local):
                fs.error("`%s': Is a directory" % path)
                continue
            with open(local, "rb") as data:
                shutil.copyfileobj(data, sys.stdout.buffer)
    sys.stdout.flush()
    return fs.status


def _put(fs: _Fs, flags: set, paths: list) -> int:
    if len(paths) < 2:
        fs.error("Not enough arguments: expected 1 but got 0")
        return 255
    sources, dest = paths[:-1], paths[-1]
    target = fs.store.local(dest)
    for source in sources:
        if not os.path.exists(source):
            fs.missing(source)
            continue
        into = os.path.join(target, os.path.basename(source)) if os.path.isdir(target) else target
        if not os.path.isdir(os.path.dirname(into)):
            fs.error("`%s': No such file or directory: `%s%s'"
                     % (dest, DEFAULT_FS, fs.store.path(dest)))
            continue
        if os.path.exists(into) and "-f" not in flags:
            fs.error("`%s': File exists" % dest)
            continue
        if os.path.isdir(source):
            shutil.copytree(source, into, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, into + "._COPYING_")
            os.replace(into + "._COPYING_", into)
    return fs.status


def _get(fs: _Fs, flags: set, paths: list) -> int:
    if len(paths) < 2:
        fs.error("Not enough arguments: expected 1 but got 0")
        return 255
    sources, dest = paths[:-1], paths[-1]
    for source in sources:
        for _shown, local in fs.expand(source):
            into = os.path.join(dest, os.path.basename(local)) if os.path.isdir(dest) else dest
            if os.path.exists(into) and "-f" not in flags:
                fs.error("`%s': File exists" % into)
                continue
            if os.path.isdir(local):
                shutil.copytree(local, into)
            else:
                shutil.copyfile(local, into)
    return fs.status


def _mkdir(fs: _Fs, flags: set, paths: list) -> int:
    for path in paths:
        local = fs.store.local(path)
        if os.path.isdir(local):
            if "-p" not in flags:
                fs.error("`%s': File exists" % path)
            continue
        if "-p" not in flags and not os.path.isdir(os.path.dirname(local)):
            fs.missing(path)
            continue
        os.makedirs(local, exist_ok=True)
    return fs.status


def _rm(fs: _Fs, flags: set, paths: list) -> int:
    for path in paths:
        if "-f" in flags and not os.path.lexists(fs.store.local(path)) and not any(
                char in path for char in "*?[{"):
            continue
        for shown, local in fs.expand(path):
            if os.path.isdir(local) and not ({"-r", "-R"} & flags):
                fs.error("`%s': Is a directory" % shown)
                continue
            if os.path.isdir(local):
                shutil.rmtree(local)
            else:
                os.unlink(local)
            print("Deleted %s" % shown)
    if "-f" in flags:
        return 0
    return fs.status


def _test(fs: _Fs, flags: set, paths: list) -> int:
    if len(paths) != 1 or len(flags) != 1:
        fs.error("Illegal option")
        return 255
    local = fs.store.local(paths[0])
    flag = next(iter(flags))
    checks = {
        "-e": os.path.exists(local),
        "-d": os.path.isdir(local),
        "-f": os.path.isfile(local),
        "-s": os.path.isfile(local) and os.path.getsize(local) > 0,
        "-z": os.path.isfile(local) and os.path.getsize(local) == 0,
    }
    return 0 if checks.get(flag) else 1


def _du(fs: _Fs, flags: set, paths: list) -> int:
    for path in paths or ["."]:
        for shown, local in fs.expand(path):
            if os.path.isfile(local):
                items = [(shown, os.path.getsize(local))]
            elif "-s" in flags:
                items = [(shown, _tree_size(local))]
            else:
                items = [(shown.rstrip("/") + "/" + name,
                          _tree_size(os.path.join(local, name)))
                         for name in sorted(os.listdir(local))]
            for item, size in items:
                print("%-11d %-11d %s" % (size, size, item))
    return fs.status


def _tree_size(local: str) -> int:
    if os.path.isfile(local):
        return os.path.getsize(local)
    return sum(os.path.getsize(os.path.join(top, name))
               for top, _dirs, names in os.walk(local) for name in names)


_COMMANDS = {
    "-ls": _ls, "-cat": _cat, "-put": _put, "-copyFromLocal": _put, "-get": _get,
    "-copyToLocal": _get, "-mkdir": _mkdir, "-rm": _rm, "-test": _test, "-du": _du,
}
