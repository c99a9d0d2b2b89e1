"""Small helpers shared by tests: running a job in-process or as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import BytesIO

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JOBS = os.path.join(ROOT, "tests", "jobs")


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
