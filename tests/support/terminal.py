"""Running a job with its stderr on a pseudo-terminal, as a person at a
terminal runs it, to see what streamr draws there."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from tests.support.jobs import ROOT


def run_on_terminal(script, *args, timeout=120) -> tuple:
    """Run *script* with *args* from the repository root, stdout piped and
    stderr on a pseudo-terminal; ``(exit status, stdout bytes, what the
    terminal received)``. The terminal turns ``\\n`` into ``\\r\\n``."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, str(script), *map(str, args)], cwd=ROOT,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    finally:
        os.close(slave)
    screen = b""
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not chunk:
                break
            screen += chunk
    finally:
        os.close(master)
    out = proc.stdout.read()
    proc.stdout.close()
    return proc.wait(timeout=timeout), out, screen
