"""Which files are compressed, and what a damaged one looks like.

A file's name says whether it is compressed (``.gz``, ``.bz2``, ``.zst``,
``.xz``): compressed files are read whole, one split each, and
decompressed on the way. When decompression fails, the error the
decompressor raised becomes a :class:`~streamr.errors.CorruptInputError`
naming the file. Filesystems, input expansion and tasks all ask these
questions, so the answers live here, below all of them.

Standard library only: tasks use it.
"""

from __future__ import annotations

import lzma
import zlib

from streamr.errors import CorruptInputError

__all__ = ["COMPRESSED_SUFFIXES", "corrupt_input_error", "is_compressed", "smart_open_compression"]

COMPRESSED_SUFFIXES = (".gz", ".bz2", ".zst", ".xz")

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
