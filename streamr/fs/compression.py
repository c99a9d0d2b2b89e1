"""Which files are compressed, and what a damaged one looks like.

A file's name says whether it is compressed (``.gz``, ``.bz2``, ``.zst``,
``.xz``): compressed files are read whole, one split each, and
decompressed on the way. When decompression fails, the error the
decompressor raised becomes a :class:`~streamr.errors.CorruptInputError`
naming the file. Filesystems, input expansion and tasks all ask these
questions, so the answers live here, below all of them.

A file whose name has no compression suffix may still be compressed (a
``.gz`` renamed, a download saved without its suffix): :func:`sniff_file`
reads its first bytes and knows the four formats by their magic numbers,
and :func:`decompressing_reader` reads it decompressed with the standard
library (zstd where a zstd module is installed).

Standard library only: tasks use it.
"""

from __future__ import annotations

import io
import lzma
import zlib
from typing import IO, Optional

from streamr.errors import CorruptInputError

__all__ = ["COMPRESSED_SUFFIXES", "FORMAT_NAMES", "corrupt_input_error", "decompressing_reader",
           "is_compressed", "smart_open_compression", "sniff", "sniff_file"]

COMPRESSED_SUFFIXES = (".gz", ".bz2", ".zst", ".xz")

#: the name of each format, by its suffix, for messages
FORMAT_NAMES = {".gz": "gzip", ".bz2": "bzip2", ".zst": "zstd", ".xz": "xz"}

#: bytes a file must start with to be taken for each format; bzip2's "BZh"
#: plus block size is followed by the magic of a block or of the stream's end,
#: so a text line that happens to start with "BZh" is not taken for one
_GZIP_MAGIC = b"\x1f\x8b\x08"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_XZ_MAGIC = b"\xfd7zXZ\x00"
_BZIP2_BLOCKS = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")
#: bytes :func:`sniff` needs to see
SNIFF_BYTES = 10

# what decompressors raise on damaged data (zstd's error subclasses none of
# these, so it is recognised by name)
_DECOMPRESSION_ERRORS = (EOFError, OSError, ValueError, zlib.error, lzma.LZMAError)


def corrupt_input_error(exc: BaseException, path: str):
    """A :class:`CorruptInputError` for *path* when *exc* is what a
    decompressor raises on damaged data, else None."""
    if isinstance(exc, _DECOMPRESSION_ERRORS) or "zstd" in type(exc).__name__.lower():
        return CorruptInputError(path, str(exc) or type(exc).__name__)
    return None


def is_compressed(path: str) -> bool:
    """True when *path*'s name says it is compressed (one split per file)."""
    return path.lower().endswith(COMPRESSED_SUFFIXES)


def smart_open_compression(path: str) -> str:
    """What to pass as smart_open's ``compression`` for *path*: its suffix in
    lower case when it is compressed, else ``"disable"``. Named, not left to
    smart_open to infer: the releases for Python 3.9 match suffixes case by
    case, and would hand back a ``.GZ`` file's compressed bytes."""
    return path[path.rfind("."):].lower() if is_compressed(path) else "disable"


def sniff(head: bytes) -> Optional[str]:
    """The suffix of the compression format whose magic number *head* (a
    file's first bytes, :data:`SNIFF_BYTES` of them or all there are) starts
    with, or None for anything else."""
    if head.startswith(_GZIP_MAGIC):
        return ".gz"
    if head.startswith(_ZSTD_MAGIC):
        return ".zst"
    if head.startswith(_XZ_MAGIC):
        return ".xz"
    if (len(head) >= 10 and head.startswith(b"BZh") and head[3:4] in b"123456789"
            and head[4:10] in _BZIP2_BLOCKS):
        return ".bz2"
    return None


def sniff_file(path: str) -> Optional[str]:
    """The compression format (as its suffix) of the local file *path* by
    its first bytes, whatever its name; None when it is not compressed or
    cannot be read."""
    try:
        with open(path, "rb") as stream:
            return sniff(stream.read(SNIFF_BYTES))
    except OSError:
        return None


def decompressing_reader(raw: IO[bytes], suffix: str) -> IO[bytes]:
    """*raw* (a binary stream at the start of a compressed file) read
    decompressed, the format being the one *suffix* names."""
    if suffix == ".gz":
        import gzip

        return gzip.GzipFile(fileobj=raw, mode="rb")
    if suffix == ".bz2":
        import bz2

        return bz2.BZ2File(raw, "rb")
    if suffix == ".xz":
        return lzma.LZMAFile(raw, "rb")
    return io.BufferedReader(_zstd_reader(raw), 1 << 20)


def _zstd_reader(raw: IO[bytes]):
    try:  # Python 3.14's standard library, then its backport
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        try:
            from backports import zstd  # type: ignore[import-not-found,no-redef]
        except ImportError:
            zstd = None
    if zstd is not None:
        return zstd.ZstdFile(raw, "rb")
    try:
        import zstandard
    except ImportError:
        raw.close()
        raise CorruptInputError(getattr(raw, "name", "input"), "it is zstd-compressed and no"
                                " zstd module is installed (pip install backports.zstd)"
                                ) from None
    return zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
