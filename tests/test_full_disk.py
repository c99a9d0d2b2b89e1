"""A full disk ends a run in one line naming it, and the failed run's files
are removed so they do not keep it full (issue 19, item 9)."""

from __future__ import annotations

import errno
import os
import random
import subprocess
import sys

import pytest

from streamr.errors import NoSpaceError
from streamr.runners.space import mount_point, no_space_error, no_space_in_task
from tests.support.filesystems import tiny_filesystem
from tests.support.jobs import EXAMPLES, ROOT, run_job

WORD_COUNT = EXAMPLES / "mr_word_freq_count.py"


def test_a_full_write_is_named_with_its_filesystem(tmp_path):
    exc = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "part-00000"))
    error = no_space_error(exc, "/elsewhere")
    assert isinstance(error, NoSpaceError) and error.exit_status == 1
    assert str(error) == ("no space left on %s (writing %s); removed this run's temporary"
                          " files" % (mount_point(str(tmp_path)), tmp_path / "part-00000"))


def test_a_full_write_is_found_behind_what_it_caused(tmp_path):
    try:
        try:
            raise OSError(errno.EDQUOT, "Disk quota exceeded")
        except OSError as inner:
            raise RuntimeError("while writing") from inner
    except RuntimeError as exc:
        error = no_space_error(exc, str(tmp_path))
    assert error is not None and error.path == str(tmp_path)


def test_other_errors_are_not_a_full_disk(tmp_path):
    assert no_space_error(OSError(errno.EACCES, "Permission denied"), str(tmp_path)) is None
    stderr = tmp_path / "stderr"
    stderr.write_text("Traceback (most recent call last):\nValueError: bad\n")
    assert no_space_in_task(str(stderr), str(tmp_path)) is None


def test_a_task_that_said_so_in_its_stderr(tmp_path):
    stderr = tmp_path / "stderr"
    stderr.write_text("Traceback (most recent call last):\n  ...\nOSError: [Errno 28] No space"
                      " left on device: '/out/part-00001'\n")
    error = no_space_in_task(str(stderr), str(tmp_path))
    assert error is not None and error.path == "/out/part-00001" and error.where == "/"


def test_mount_point_of_a_path_not_yet_made(tmp_path):
    assert mount_point(str(tmp_path / "not" / "yet")) == mount_point(str(tmp_path))


# --- whole runs on a tiny filesystem ------------------------------------------------------


def _text(path, megabytes: int) -> None:
    """About *megabytes* of words that are nearly all different, so the
    word count's output is about as large as its input."""
    rng = random.Random(9)
    with open(path, "w") as out:
        for _ in range(megabytes * 16000):
            out.write(" ".join("%012x" % rng.getrandbits(48) for _ in range(5)) + "\n")


@pytest.fixture()
def tiny(tmp_path):
    with tiny_filesystem(tmp_path / "tiny") as where:
        yield where


def _ends_in_one_line(proc, tiny) -> None:
    assert proc.returncode == 1, proc.stderr.decode()
    err = proc.stderr.decode()
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("mr_word_freq_count.py: error: no space left on %s (writing %s"
                           % (tiny, tiny))
    assert last.endswith("; removed this run's temporary files")
    assert os.listdir(tiny) == []  # nothing of the failed run keeps the disk full


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["inline", "local"])
def test_a_temp_dir_on_a_full_disk(tmp_path, tiny, runner):
    data = tmp_path / "in.txt"
    _text(data, 6)
    proc = run_job(WORD_COUNT, "-r", runner, "--no-conf", "--local-tmp-dir", tiny, data)
    _ends_in_one_line(proc, tiny)


@pytest.mark.slow
def test_the_runner_itself_fills_the_disk_spooling_stdin(tmp_path, tiny):
    data = tmp_path / "in.txt"
    _text(data, 6)
    with open(data, "rb") as stdin:
        proc = subprocess.run([sys.executable, str(WORD_COUNT), "-r", "local", "--no-conf",
                               "--local-tmp-dir", str(tiny), "-"], stdin=stdin, cwd=ROOT,
                              capture_output=True, timeout=120)
    _ends_in_one_line(proc, tiny)


@pytest.mark.slow
def test_a_full_disk_is_said_even_with_cleanup_on_failure_none(tmp_path, tiny):
    data = tmp_path / "in.txt"
    _text(data, 6)
    proc = run_job(WORD_COUNT, "-r", "local", "--no-conf", "--cleanup-on-failure", "NONE",
                   "--local-tmp-dir", tiny, data)
    _ends_in_one_line(proc, tiny)
