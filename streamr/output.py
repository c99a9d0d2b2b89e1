"""Collecting a job's output after the run: the part files of one or more
output directories (local or S3), in name order and decompressed, streamed
to stdout or merged into one file. What ``streamr cat`` does."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from typing import IO

from streamr.errors import UsageError
from streamr.fs import make_filesystem
from streamr.fs.globs import has_glob

__all__ = ["output_files", "part_chunks", "write_output"]

log = logging.getLogger(__name__)


def output_files(fs, uri: str) -> list:
    """``(path, bytes)`` of the non-hidden, non-empty files *uri* (an output
    directory, a file or a glob) stands for, in name order. Warns when an
    output directory has part files but no ``_SUCCESS`` (the job that wrote
    it may not have finished)."""
    found = fs.files_with_sizes(uri)
    if not found:
        if fs.exists(uri):
            return []
        raise UsageError("nothing at %s; check the path" % uri)
    is_dir = len(found) > 1 or found[0][0].rstrip("/") != uri.rstrip("/")
    if is_dir and not has_glob(uri):
        names = {path.rstrip("/").rsplit("/", 1)[-1]
                 for path in fs.files(uri, skip_hidden=False, use_glob=False)}
        if "_SUCCESS" not in names and any(name.startswith("part-") for name in names):
            log.warning("%s has no _SUCCESS file: the job that wrote it may not have"
                        " finished", uri)
    return [(path, size) for path, size in found if size]


def part_chunks(fs, files: list) -> Iterator[bytes]:
    """Byte chunks of each ``(path, bytes)`` of *files* in turn (as
    ``fs.cat_files`` gives them), with a newline after any non-empty file
    that does not end in one: lines of two files never merge."""
    for one in files:
        last = b"\n"
        for chunk in fs.cat_files([one]):
            if chunk:
                last = chunk[-1:]
            yield chunk
        if last != b"\n":
            yield b"\n"


def _copy(fs, files: list, out: IO[bytes]) -> int:
    total = 0
    for chunk in part_chunks(fs, files):
        out.write(chunk)
        total += len(chunk)
    return total


def write_output(uris: list, opts: dict, output: str | None = None, fs=None) -> int:
    """Write the output at each of *uris* to *output* (a local path or an
    S3 URI, written whole or not at all), or to stdout when it is None.
    *opts* holds the AWS options. Returns the number of bytes written."""
    fs = fs or make_filesystem(opts)
    files = []
    for uri in uris:
        files.extend(output_files(fs, uri))
    if output is None:
        out = sys.stdout.buffer
        total = _copy(fs, files, out)
        out.flush()
        return total
    with fs.open_write(output) as out:
        total = _copy(fs, files, out)
    log.info("wrote %d bytes from %d file(s) to %s", total, len(files), output)
    return total
