"""The helpers of ``mrjob.util`` that jobs import, under the same names.

A job moving from mrjob changes ``from mrjob.util import ...`` to
``from streamr.util import ...`` and nothing else. Each helper here is a
thin face over the part of streamr (or of the standard library) that owns
the idea: :func:`unarchive` is the unpacking the runners use for
``--archives``, :func:`safeeval` is the reader of the repr protocols,
:func:`expand_path` is the one the option table uses. Importing this
module stays cheap: nothing here loads AWS, runner or config code.

One helper deliberately does less than mrjob's: :func:`unarchive` refuses
an archive member that would land outside the target directory (mrjob's
writes it wherever the member's name points).
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import shlex
import shutil
import sys
import tarfile
import zipfile
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any, Callable

from streamr.engine.records import to_lines as _split_lines
from streamr.option_type import expand_path
from streamr.protocol import safe_eval

__all__ = [
    "cmd_line",
    "expand_path",
    "file_ext",
    "log_to_null",
    "log_to_stream",
    "random_identifier",
    "safeeval",
    "shlex_split",
    "strip_microseconds",
    "to_lines",
    "unarchive",
    "unique",
    "which",
    "zip_dir",
]


def cmd_line(args: Iterable[Any]) -> str:
    """*args* (any values, made strings) as one command line a POSIX shell
    splits back into the same arguments."""
    return shlex.join(str(arg) for arg in args)


def shlex_split(text: str) -> list:
    """*text* split into arguments as a POSIX shell would."""
    return shlex.split(text)


def file_ext(filename: str) -> str:
    """Everything from the first dot of *filename* that is not a leading
    dot: ``"foo.tar.gz"`` gives ``".tar.gz"``, ``".bashrc"`` gives ``""``."""
    name = filename.lstrip(".")
    dot = name.find(".")
    return "" if dot == -1 else name[dot:]


def log_to_null(name: str | None = None) -> None:
    """Give logger *name* (the root logger by default) a handler that drops
    every record, so Python does not complain that it has none."""
    logging.getLogger(name).addHandler(logging.NullHandler())


def log_to_stream(name: str | None = None, stream: Any = None, format: str | None = None,
                  level: int | None = None, debug: bool = False) -> None:
    """Send logger *name*'s records (the root logger's by default) to
    *stream* (stderr by default) in *format* (the bare message by
    default), at *level* (DEBUG with *debug*, else INFO)."""
    if level is None:
        level = logging.DEBUG if debug else logging.INFO
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(format or "%(message)s"))
    logger = logging.getLogger(name)
    logger.setLevel(level)
    logger.addHandler(handler)


def random_identifier() -> str:
    """16 random hex digits."""
    return "%016x" % random.getrandbits(64)


def safeeval(expr: str | bytes, globals: dict | None = None, locals: dict | None = None
             ) -> Any:
    """The value written by ``repr()`` in *expr*, with the names in *globals*
    and *locals* (locals win) usable as values. Unlike ``eval``, nothing in
    *expr* can run code: calls other than ``set``, ``frozenset`` and
    ``range``, attribute access and arithmetic raise ``TypeError``; text
    that is not Python raises ``SyntaxError``."""
    names = dict(globals or {})
    names.update(locals or {})
    names.pop("__builtins__", None)
    return safe_eval(expr, names)


def strip_microseconds(delta: timedelta) -> timedelta:
    """*delta* without its microseconds, for printing."""
    return timedelta(delta.days, delta.seconds)


def to_lines(chunks: Any) -> Iterator[bytes]:
    """Bytes from *chunks* one line at a time, each keeping its ``\\n``
    (only ``\\n`` ends a line). An empty chunk ends a file: the line in
    progress is given as it is, not joined to the next chunk. Something
    with ``readline()`` (an open file) is returned unchanged."""
    if hasattr(chunks, "readline"):
        return chunks
    files = itertools.groupby(chunks, key=lambda chunk: chunk == b"")
    return itertools.chain.from_iterable(
        _split_lines(group) for is_end, group in files if not is_end)


def unique(items: Iterable[Any]) -> Iterator[Any]:
    """*items* in order, each only the first time it appears."""
    seen: set = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            yield item


def unarchive(archive_path: str, dest: str) -> None:
    """Unpack the tar (plain, gzip or bzip2) or zip file *archive_path* into
    the directory *dest*, made if needed. A member whose name would put it
    outside *dest* (``../x``, ``/etc/x``, through a link) stops the
    unpacking with :class:`~streamr.errors.UsageError`; a file that is
    neither tar nor zip raises ``OSError``."""
    from streamr.runners.workdir import unpack_archive

    if not (tarfile.is_tarfile(archive_path) or zipfile.is_zipfile(archive_path)):
        raise OSError("Unknown archive type: %s" % (archive_path,))
    unpack_archive(archive_path, dest)


def which(cmd: str, path: str | None = None) -> str | None:
    """The path of the executable *cmd* found on *path* (default: ``$PATH``),
    or ``None``."""
    return shutil.which(cmd, path=path)


def zip_dir(dir: str, out_path: str, filter: Callable[[str], bool] | None = None,
            prefix: str = "") -> None:
    """Write every file under *dir* (following symlinks, storing what they
    point at) into a new zip file *out_path*, under *prefix*. *filter*, if
    given, is called with each path relative to *dir* and keeps the files
    it returns true for."""
    if not os.path.isdir(dir):
        raise OSError("Not a directory: %r" % (dir,))
    with zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, _dirs, names in os.walk(dir, followlinks=True):
            for name in names:
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, dir)
                if filter is None or filter(relative):
                    archive.write(os.path.realpath(path), os.path.join(prefix, relative))
