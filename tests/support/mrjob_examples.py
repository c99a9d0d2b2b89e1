"""mrjob 0.7.4's bundled example jobs, run side by side with streamr.

:func:`streamr_copy` copies the examples into a directory with every
``mrjob.`` import turned into ``streamr.`` (the only change a user makes);
:func:`run_example` runs one as a user would and returns what it left in
its output directory. mrjob's own files are read from the installed
package, never kept in this repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from tests.support.jobs import ROOT


def mrjob_examples() -> Path:
    import mrjob.examples

    return Path(mrjob.examples.__file__).parent


def streamr_copy(dest: Path) -> Path:
    """A copy of the examples in *dest*, imports changed to streamr's."""
    source = mrjob_examples()
    for entry in source.iterdir():
        target = dest / entry.name
        if entry.suffix == ".py":
            text = re.sub(r"\bmrjob\.", "streamr.", entry.read_text())
            # one example imports another through the mrjob package
            text = re.sub(r"from streamr\.examples\.(\w+) import", r"from \1 import", text)
            target.write_text(text)
        elif entry.is_dir():
            if entry.name != "__pycache__":
                shutil.copytree(entry, target)
        else:
            shutil.copy(entry, target)
    return dest


#: the lock files mrjob's local tasks make, one per run
_MRJOB_LOCKS = Path("/tmp/wrapper.lock.*")


class Outcome(NamedTuple):
    returncode: int
    #: the part files in name order (``None``: no output directory)
    parts: list | None
    stderr: bytes


def run_example(script: Path, runner: str, args, cwd: Path, out: Path) -> Outcome:
    """Run *script* with ``-r runner`` on two cores, output in *out*."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    locks_before = set(_MRJOB_LOCKS.parent.glob(_MRJOB_LOCKS.name))
    try:
        proc = subprocess.run(
            [sys.executable, str(script), "-r", runner, "--no-conf", "--num-cores", "2",
             "-o", str(out), "--no-output", *map(str, args)],
            cwd=str(cwd), capture_output=True, env=env, timeout=300)
    finally:
        # mrjob's local runner leaves a lock file in /tmp (whatever TMPDIR says)
        for lock in set(_MRJOB_LOCKS.parent.glob(_MRJOB_LOCKS.name)) - locks_before:
            lock.unlink(missing_ok=True)
    parts = None
    if out.is_dir():
        parts = [path.read_bytes() for path in sorted(out.iterdir())
                 if path.name.startswith("part-")]
    return Outcome(proc.returncode, parts, proc.stderr)
