"""Fixtures shared by the test modules."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def run_script():
    """Run a Python script the way a user would from a shell, with this
    test run's interpreter: ``run_script("examples/x.py", "in.txt")``.

    Relative script paths and arguments are relative to *cwd* (the repository
    root unless given). Returns the :class:`subprocess.CompletedProcess`,
    with stdout and stderr as bytes."""

    def run(script, *args, cwd=REPO_ROOT):
        return subprocess.run(
            [sys.executable, str(script), *map(str, args)],
            cwd=str(cwd), capture_output=True, timeout=120, check=False)

    return run
