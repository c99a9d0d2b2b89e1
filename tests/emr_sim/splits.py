"""Finding a streaming job's input files on S3 and cutting them into the
splits its map tasks read, as Hadoop's FileInputFormat, NLineInputFormat
and LineRecordReader do.

* each ``-input`` is a file, a directory (its files; names starting with
  ``_`` or ``.`` are skipped; a subdirectory is an error unless
  ``mapreduce.input.fileinputformat.input.dir.recursive`` is true) or a glob;
* an uncompressed file is cut every ``max(minsize, min(maxsize, block size))``
  bytes (``mapreduce.input.fileinputformat.split.minsize`` /
  ``.maxsize``, ``fs.s3.block.size``), the last split taking up to 10%
  more rather than leaving a sliver; each line belongs to the split in
  which the byte before it lies, so no line is read twice or lost;
* ``.gz`` and ``.bz2`` files are decompressed and never cut;
* NLineInputFormat: splits of ``mapreduce.input.lineinputformat.linespermap``
  lines (default 1), each line given to the mapper as ``offset<TAB>line``;
* splits are numbered largest first, as the job submitter orders them."""

from __future__ import annotations

import bisect
import bz2
import gzip
import re
from dataclasses import dataclass, field

from tests.emr_sim.s3 import SimS3

__all__ = ["InputError", "InputFile", "Split", "find_input_files", "make_splits"]

SPLIT_SLOP = 1.1
_GLOB_CHARS = re.compile(r"[*?\[{]")
_LINE_END = re.compile(rb"\r\n|\r|\n")

NLINE_FORMATS = ("org.apache.hadoop.mapred.lib.NLineInputFormat",
                 "org.apache.hadoop.mapreduce.lib.input.NLineInputFormat", "NLineInputFormat")
KEY_VALUE_FORMATS = ("org.apache.hadoop.mapred.KeyValueTextInputFormat",
                     "org.apache.hadoop.mapreduce.lib.input.KeyValueTextInputFormat",
                     "KeyValueTextInputFormat")
TEXT_FORMATS = ("org.apache.hadoop.mapred.TextInputFormat",
                "org.apache.hadoop.mapreduce.lib.input.TextInputFormat", "TextInputFormat")


class InputError(Exception):
    """Inputs Hadoop refuses; the message is Hadoop's (one problem a line)."""


@dataclass
class InputFile:
    uri: str
    size: int

    @property
    def compression(self) -> str | None:
        for suffix in ("gz", "bz2"):
            if self.uri.endswith("." + suffix):
                return suffix
        return None


@dataclass
class Split:
    """Part of one file: bytes ``start`` to ``start + length`` as the split
    says, and the records a mapper is given for it (lines with their end)."""

    file: InputFile
    start: int
    length: int
    records: list[bytes] = field(default_factory=list)

    @property
    def uri(self) -> str:
        return self.file.uri


def find_input_files(s3: SimS3, inputs: list[str], conf: dict[str, str]) -> list[InputFile]:
    """The files a job reads, in order; raises :class:`InputError` listing
    every input that does not exist (or matches nothing)."""
    recursive = conf.get("mapreduce.input.fileinputformat.input.dir.recursive") == "true"
    problems: list[str] = []
    found: list[InputFile] = []
    for uri in inputs:
        canonical = s3.canonical(uri)
        if canonical is None:
            problems.append("Input path does not exist: %s" % uri)
            continue
        uri = canonical
        if _GLOB_CHARS.search(s3.split(uri)[1]):
            matches = s3.glob(uri)
            if not matches:
                problems.append("Input Pattern %s matches 0 files" % uri)
            for match in matches:
                found.extend(_files_at(s3, match, recursive, problems, hidden_ok=False))
            continue
        files = _files_at(s3, uri, recursive, problems, hidden_ok=True)
        if files is None:
            problems.append("Input path does not exist: %s" % uri)
        else:
            found.extend(files)
    if problems:
        raise InputError("\n".join(problems))
    return found


def _files_at(s3: SimS3, uri: str, recursive: bool, problems: list[str],
              hidden_ok: bool) -> list[InputFile] | None:
    """The files at *uri*: itself, or a directory's files. None when
    nothing is there."""
    bucket, key = s3.split(uri)
    name = key.rstrip("/").rsplit("/", 1)[-1]
    if not hidden_ok and _hidden(name):
        return []
    if key and not key.endswith("/"):
        size = s3.size(uri)
        if size is not None:
            return [InputFile(uri, size)]
    base = key.rstrip("/") + "/" if key.strip("/") else ""
    under = [obj for obj in s3.list(s3.make_uri(bucket, base))]
    if not under:
        return None
    files, subdirs = [], []
    for obj in sorted(under, key=lambda item: item.key):
        rest = obj.key[len(base):]
        parts = rest.split("/")
        if any(_hidden(part) for part in parts if part) or not rest:
            continue
        if len(parts) == 1:
            if not rest.endswith("_$folder$"):
                files.append(InputFile(obj.uri, obj.size))
        elif recursive:
            if parts[-1]:
                files.append(InputFile(obj.uri, obj.size))
        else:
            sub = s3.make_uri(bucket, base + parts[0])
            if sub not in subdirs:
                subdirs.append(sub)
    for sub in subdirs:
        problems.append("Not a file: %s" % sub)
    return files


def _hidden(name: str) -> bool:
    return name.startswith(("_", "."))


def make_splits(s3: SimS3, files: list[InputFile], conf: dict[str, str],
                inputformat: str | None) -> list[Split]:
    """The job's splits, largest first, with their records read."""
    nline = inputformat in NLINE_FORMATS
    splits: list[Split] = []
    for file in files:
        data = _read(s3, file)
        if nline:
            per_map = max(1, int(conf.get("mapreduce.input.lineinputformat.linespermap", "1")))
            splits.extend(_nline_splits(file, data, per_map))
        else:
            splits.extend(_byte_splits(file, data, conf, inputformat))
    splits.sort(key=lambda split: split.length, reverse=True)
    return splits


def _read(s3: SimS3, file: InputFile) -> bytes:
    data = s3.get(file.uri)
    if file.compression == "gz":
        return gzip.decompress(data)
    if file.compression == "bz2":
        return bz2.decompress(data)
    return data


def _lines(data: bytes) -> list[tuple[int, bytes]]:
    """``(offset, line without its end)`` for every line of *data*."""
    lines = []
    start = 0
    for match in _LINE_END.finditer(data):
        lines.append((start, data[start:match.start()]))
        start = match.end()
    if start < len(data):
        lines.append((start, data[start:]))
    return lines


def _byte_splits(file: InputFile, data: bytes, conf: dict[str, str],
                 inputformat: str | None) -> list[Split]:
    lines = _lines(data)
    key_value = inputformat in KEY_VALUE_FORMATS
    if file.compression:
        bounds = [(0, file.size)]
    else:
        bounds = _bounds(file.size, _split_size(conf))
    offsets = [offset for offset, _ in lines]
    splits = []
    for start, length in bounds:
        split = Split(file, start, length)
        if file.compression:
            first, last = 0, len(lines)
        else:
            # a line is read by the split holding the byte before it
            first = 0 if start == 0 else bisect.bisect_right(offsets, start)
            last = bisect.bisect_right(offsets, start + length)
        for _, line in lines[first:last]:
            if key_value and b"\t" not in line:
                line += b"\t"
            split.records.append(line + b"\n")
        splits.append(split)
    return splits


def _split_size(conf: dict[str, str]) -> int:
    block = int(conf.get("fs.s3.block.size", 64 * 1024 * 1024))
    maximum = int(conf.get("mapreduce.input.fileinputformat.split.maxsize", 2 ** 63 - 1))
    minimum = int(conf.get("mapreduce.input.fileinputformat.split.minsize", "0") or 0)
    return max(1, max(minimum, min(maximum, block)))


def _bounds(size: int, split_size: int) -> list[tuple[int, int]]:
    if size == 0:
        return [(0, 0)]
    bounds = []
    start, left = 0, size
    while left / split_size > SPLIT_SLOP:
        bounds.append((start, split_size))
        start += split_size
        left -= split_size
    if left:
        bounds.append((start, left))
    return bounds


def _nline_splits(file: InputFile, data: bytes, per_map: int) -> list[Split]:
    lines = _lines(data)
    splits = []
    for first in range(0, len(lines), per_map):
        chunk = lines[first:first + per_map]
        begin = chunk[0][0]
        end = lines[first + per_map][0] if first + per_map < len(lines) else len(data)
        length = end - begin
        # NLineInputFormat's own off-by-one, kept so the logs say what Hadoop says
        start, length = (0, length - 1) if begin == 0 else (begin - 1, length)
        split = Split(file, start, length)
        split.records = [b"%d\t%s\n" % (offset, line) for offset, line in chunk]
        splits.append(split)
    return splits
