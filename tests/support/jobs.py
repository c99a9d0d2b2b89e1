"""Running jobs in tests the way a user runs them: in this process with the
inline runner, or as ``python job.py ...`` in a subprocess, plus readers
for what the jobs write.

Paths: ``ROOT`` and ``JOBS`` are strings (the repository root and
tests/jobs) for modules that build paths with :mod:`os.path`; ``REPO``,
``EXAMPLES`` and ``EMR_JOBS`` are :class:`~pathlib.Path` objects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
ROOT = str(REPO)
JOBS = os.path.join(ROOT, "tests", "jobs")
EXAMPLES = REPO / "examples"
#: jobs written for the EMR runner's tests
EMR_JOBS = REPO / "tests" / "jobs" / "emr"
#: switches every EMR run takes: no config file, quick polling
FAST = ["--no-conf", "--check-cluster-every", "0.05"]


def run_inline(job_class, args=(), stdin=b""):
    """Run *job_class* with the inline runner; return (pairs, runner counters)."""
    job = job_class(["-r", "inline", "--no-conf", *args]).sandbox(stdin=BytesIO(stdin))
    with job.make_runner() as runner:
        runner.run()
        pairs = list(job.parse_output(runner.cat_output()))
        counters = runner.counters()
    return pairs, counters


def run_script(script, args=(), stdin=b"", env=None, cwd=ROOT):
    """Run a job script in a subprocess the way a user would."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = ROOT + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    return subprocess.run([sys.executable, script, *args], input=stdin, capture_output=True,
                          env=full_env, cwd=cwd, timeout=120)


def run_job(script, *args, timeout=120, env=None):
    """Run *script* with *args* from the repository root; the finished process."""
    return subprocess.run([sys.executable, str(script), *map(str, args)], cwd=ROOT,
                          capture_output=True, timeout=timeout, env=env)


def start_job(script, *args, log_file):
    """Start *script* with *args* from the repository root, its stderr going
    to *log_file* (so a test can wait for a line with
    :func:`tests.support.waiting.wait_for_line`); the running process, with
    stdout piped."""
    with open(log_file, "wb") as err:
        return subprocess.Popen([sys.executable, str(script), *map(str, args)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=err)


def ok(proc):
    """*proc*'s stdout, after asserting it succeeded (showing its stderr if not)."""
    assert proc.returncode == 0, proc.stderr.decode("utf_8", "replace")
    return proc.stdout


def json_lines(data: bytes):
    return [tuple(json.loads(part) for part in line.split(b"\t", 1))
            for line in data.splitlines()]


def read_parts(out_dir) -> bytes:
    """The part files of output directory *out_dir*, concatenated in name order."""
    names = sorted(name for name in os.listdir(out_dir) if name.startswith("part-"))
    data = b""
    for name in names:
        with open(os.path.join(out_dir, name), "rb") as handle:
            data += handle.read()
    return data
