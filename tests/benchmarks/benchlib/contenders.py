"""The contenders a benchmark runs side by side (streamr, mrjob 0.7.4 and a
plain script written for the job) and the check that they all wrote the
same output before any number is kept.

mrjob prints its part files in directory order, so its lines are compared
sorted; streamr and the plain scripts write the whole output in key order,
so theirs are compared byte for byte.
"""

from __future__ import annotations

import os
import subprocess
import sys

from .measure import BenchmarkFailed

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORD_COUNT = os.path.join(ROOT, "examples", "mr_word_freq_count.py")

MRJOB_VERSION = "0.7.4"


def bench_file(name: str) -> str:
    """A job or plain script that lives next to ``run_benchmarks.py``."""
    return os.path.join(HERE, name)


def mrjob_python(work: str) -> str:
    """A Python that has mrjob 0.7.4: this one if it does (the test extra
    installs it), else a virtualenv made once in *work*."""
    probe = subprocess.run([sys.executable, "-c", "import mrjob; print(mrjob.__version__)"],
                           capture_output=True, text=True)
    if probe.returncode == 0 and probe.stdout.strip() == MRJOB_VERSION:
        return sys.executable
    venv = os.path.join(work, "mrjob-venv")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "mrjob==" + MRJOB_VERSION],
                       check=True)
    return python


def mrjob_version_of(script: str, work: str) -> str:
    """The same job with its imports changed to mrjob's (the only change a
    job needs to move between the two)."""
    target = os.path.join(work, "mrjob_" + os.path.basename(script))
    with open(script, encoding="utf_8") as src:
        text = src.read().replace("from streamr.", "from mrjob.").replace(
            "import streamr.", "import mrjob.")
    with open(target, "w", encoding="utf_8") as dst:
        dst.write(text)
    return target


def check_same(reference: str, others: dict, *, sorted_names: tuple = ()) -> None:
    """Every output file in *others* (name -> path) holds the bytes of
    *reference*; those named in *sorted_names* the same lines in any order.
    A difference stops the run with one line."""
    with open(reference, "rb") as handle:
        expected = handle.read()
    if not expected:
        raise BenchmarkFailed("benchmark output is empty: %s" % reference)
    expected_lines = None
    for name, path in others.items():
        with open(path, "rb") as handle:
            got = handle.read()
        if name in sorted_names:
            if expected_lines is None:
                expected_lines = sorted(expected.splitlines())
            same = sorted(got.splitlines()) == expected_lines
        else:
            same = got == expected
        if not same:
            raise BenchmarkFailed("output of %s differs from %s's (%s vs %s)" % (
                name, os.path.basename(reference), path, reference))


def part_sizes(directory: str) -> list:
    """Sizes of the ``part-*`` files in an output directory, in name order."""
    return [os.path.getsize(os.path.join(directory, name))
            for name in sorted(os.listdir(directory)) if name.startswith("part-")]
