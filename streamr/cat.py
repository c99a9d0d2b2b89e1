"""The stream helpers of ``mrjob.cat`` that jobs import, under the same names.

Whether a file is compressed is decided by
:func:`streamr.fs.compression.is_compressed`, the same rule streamr uses
when it reads inputs and output; decompressing goes through smart_open, as
the filesystems do (imported only when a compressed stream is read). So
these helpers know ``.xz`` and ``.zst`` as well as mrjob's ``.gz`` and
``.bz2``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from streamr.fs.compression import is_compressed

__all__ = ["decompress", "is_compressed", "to_chunks"]

_BUFSIZE = 1024


def to_chunks(readable: Any, bufsize: int = _BUFSIZE) -> Iterator[bytes]:
    """Non-empty chunks of bytes from *readable*: read *bufsize* bytes at a
    time from something with ``read()``, or taken as they come from any
    other iterable."""
    if hasattr(readable, "__iter__") and not hasattr(readable, "read"):
        yield from readable
        return
    while True:
        chunk = readable.read(bufsize)
        if not chunk:
            return
        yield chunk


def decompress(readable: Any, path: str, bufsize: int = _BUFSIZE) -> Iterator[bytes]:
    """Chunks of *readable*'s bytes, decompressed when *path*'s name says it
    is compressed. *readable* is a file object or any iterable of byte
    chunks; an uncompressed iterable is returned as it is."""
    if is_compressed(path):
        return _decompressed(readable, path, bufsize)
    if hasattr(readable, "__iter__"):
        return readable
    return to_chunks(readable, bufsize)


def _decompressed(readable: Any, path: str, bufsize: int) -> Iterator[bytes]:
    from smart_open.compression import compression_wrapper

    stream = readable if hasattr(readable, "read") else _ChunkReader(to_chunks(readable))
    ext = path[path.rindex("."):].lower()
    yield from to_chunks(compression_wrapper(stream, "rb", ext), bufsize)


class _ChunkReader:
    """A read()-only file over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[:len(data)] = data
        return len(data)

    def close(self) -> None:
        pass
