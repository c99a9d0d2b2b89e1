"""A tiny filesystem of the test's own, to fill up: a tmpfs mounted on a
directory under the test's tmp_path and unmounted afterwards. Mounting
needs root, which the test machines and CI have."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path


@contextlib.contextmanager
def tiny_filesystem(where: Path, megabytes: int = 3):
    """A tmpfs of *megabytes* mounted on *where* (made here) for the
    duration of the block; unmounted (lazily, should something still hold
    it open) whatever happens in the block."""
    where.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0777" % megabytes, "tmpfs",
                    str(where)], check=True, capture_output=True)
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], check=True, capture_output=True)
