"""Between map and reduce, as Hadoop streaming does it: splitting task
output lines into key and value, partitioning keys among reducers, sorting,
and writing part files.

* A line's key ends at the N-th separator (``stream.num.map.output.key.fields``,
  default 1; ``stream.map.output.field.separator``, default tab); a line
  with fewer separators is all key, with an empty value. Reducers read
  ``key<TAB>value`` lines, and TextOutputFormat writes them the same way:
  so a line with no tab comes out with one added at its end, as on Hadoop.
* Keys sort as Hadoop's Text does, by unsigned bytes.
* The default HashPartitioner uses Java's ``Text.hashCode``; with
  ``-partitioner org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner``
  only the fields named by ``mapreduce.partition.keypartitioner.options``
  (``-k1,1`` style) are hashed, as that class does."""

from __future__ import annotations

import bz2
import gzip
import re
import zlib
from collections.abc import Callable

__all__ = ["UnknownClass", "compress_output", "make_partitioner", "record_lines",
           "split_key_value"]

_LINE_END = re.compile(rb"\r\n|\r|\n")
_INT_MAX = 0x7FFFFFFF

HASH_PARTITIONERS = (None, "org.apache.hadoop.mapred.lib.HashPartitioner",
                     "org.apache.hadoop.mapreduce.lib.partition.HashPartitioner")
KEY_FIELD_PARTITIONERS = ("org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner",
                          "org.apache.hadoop.mapreduce.lib.partition.KeyFieldBasedPartitioner")


class UnknownClass(Exception):
    """A Java class the simulated cluster does not have."""


def record_lines(data: bytes) -> list[bytes]:
    """A task's output cut into lines (any line end), ends dropped."""
    lines = _LINE_END.split(data)
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def split_key_value(line: bytes, separator: bytes, key_fields: int) -> tuple[bytes, bytes]:
    """Key and value of an output line (see the module docstring)."""
    position = -1
    for _ in range(max(1, key_fields)):
        position = line.find(separator, position + 1)
        if position < 0:
            return line, b""
    return line[:position], line[position + len(separator):]


def _java_int(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - 0x100000000 if value & 0x80000000 else value


def _signed(byte: int) -> int:
    return byte - 256 if byte > 127 else byte


def text_hash(key: bytes) -> int:
    """Java's ``Text.hashCode()`` of *key*."""
    value = 1
    for byte in key:
        value = _java_int(31 * value + _signed(byte))
    return value


def string_hash(text: str) -> int:
    """Java's ``String.hashCode()``."""
    value = 0
    units = text.encode("utf-16-be")
    for i in range(0, len(units), 2):
        value = _java_int(31 * value + (units[i] << 8 | units[i + 1]))
    return value


def make_partitioner(name: str | None, conf: dict[str, str],
                     reducers: int) -> Callable[[bytes], int]:
    """The partition (0 to *reducers* - 1) of each key, for partitioner
    class *name*; raises :class:`UnknownClass` for others."""
    if name in HASH_PARTITIONERS:
        return lambda key: (text_hash(key) & _INT_MAX) % reducers
    if name in KEY_FIELD_PARTITIONERS:
        specs = _key_specs(conf.get("mapreduce.partition.keypartitioner.options", ""))
        separator = conf.get("mapreduce.map.output.key.field.separator", "\t").encode()
        return lambda key: _key_field_partition(key, specs, separator, reducers)
    raise UnknownClass(name)


def _key_specs(options: str) -> list[tuple[int, int, int, int]]:
    """``-kF1[.C1][,F2[.C2]]`` options as ``(F1, C1, F2, C2)``: fields and
    characters from 1, 0 meaning "to the end"."""
    specs = []
    for match in re.finditer(r"-k\s*(\d+)(?:\.(\d+))?[a-z]*(?:,(\d+)(?:\.(\d+))?[a-z]*)?",
                             options):
        first, first_char, last, last_char = match.groups()
        specs.append((int(first), int(first_char or 1), int(last or 0), int(last_char or 0)))
    return specs


def _key_field_partition(key: bytes, specs: list[tuple[int, int, int, int]], separator: bytes,
                         reducers: int) -> int:
    if not specs:
        return (string_hash(key.decode("utf-8", "replace")) & _INT_MAX) % reducers
    if not key:
        return 0
    fields = []
    start = 0
    while True:
        found = key.find(separator, start)
        if found < 0:
            fields.append((start, len(key)))
            break
        fields.append((start, found))
        start = found + len(separator)
    value = 0
    for first, first_char, last, last_char in specs:
        if first > len(fields):
            continue
        begin = fields[first - 1][0] + first_char - 1
        if last == 0 or last > len(fields):
            end = len(key)
        else:
            field_start, field_end = fields[last - 1]
            end = field_end if last_char == 0 else min(field_end, field_start + last_char)
        for byte in key[begin:end]:
            value = _java_int(31 * value + _signed(byte))
    return (value & _INT_MAX) % reducers


_CODECS = {
    "org.apache.hadoop.io.compress.GzipCodec": (".gz", gzip.compress),
    "org.apache.hadoop.io.compress.BZip2Codec": (".bz2", bz2.compress),
    "org.apache.hadoop.io.compress.DefaultCodec": (".deflate", zlib.compress),
}


def compress_output(data: bytes, conf: dict[str, str]) -> tuple[bytes, str]:
    """A part file's bytes and name suffix, compressed when the job asks
    (``mapreduce.output.fileoutputformat.compress``)."""
    if conf.get("mapreduce.output.fileoutputformat.compress", "false").lower() != "true":
        return data, ""
    codec = conf.get("mapreduce.output.fileoutputformat.compress.codec",
                     "org.apache.hadoop.io.compress.DefaultCodec")
    if codec not in _CODECS:
        raise UnknownClass(codec)
    suffix, compress = _CODECS[codec]
    return compress(data), suffix
