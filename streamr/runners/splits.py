"""Cutting input files into map-task splits, as Hadoop does: by size, with
line boundaries settled by the reader (a split skips its first partial line
and reads past its end to finish its last one). Compressed files cannot be
entered in the middle, so each is one split."""

from __future__ import annotations

import os
from typing import NamedTuple

from streamr.inputs import is_compressed

__all__ = ["FileSplit", "plan_file_splits"]

#: largest split when none is configured (Hadoop's block size)
MAX_SPLIT = 128 << 20


class FileSplit(NamedTuple):
    path: str
    start: int
    length: int
    compressed: bool
    label: str


def plan_file_splits(files: list, num_cores: int, max_split: int | None = None) -> list:
    """Splits of ``files`` (``(path, label)`` pairs): about two per core over
    all uncompressed bytes, none above *max_split* (or 128 MiB)."""
    sizes = [(path, label, os.path.getsize(path)) for path, label in files]
    plain = sum(size for path, _, size in sizes if not is_compressed(path))
    target = max(1, 2 * num_cores - sum(1 for path, _, _ in sizes if is_compressed(path)))
    size = max(1, -(-plain // target))
    size = min(size, max_split or MAX_SPLIT)
    splits = []
    for path, label, total in sizes:
        if is_compressed(path) or total == 0:
            splits.append(FileSplit(path, 0, total, is_compressed(path), label))
            continue
        start = 0
        while start < total:
            length = min(size, total - start)
            splits.append(FileSplit(path, start, length, False, label))
            start += length
    return splits
