"""Ctrl-C on ``-r spark``: Spark's jobs are cancelled, the session the
run started is stopped (and with it every task process and its
children), a ``spark-submit`` is stopped with its whole process group, the
temporary files are removed, and the run ends with status 130 and the
one line the other runners give. The tests wait for the tasks to start
(processes carrying a marker), never for time to pass."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tests.support.jobs import JOBS, ROOT
from tests.support.waiting import DEADLINE, wait_for
from tests.test_local import gone, processes_with

LOCAL_JOBS = os.path.join(JOBS, "mr_local_jobs.py")


def _interrupt_when(proc, ready) -> None:
    try:
        wait_for(ready, what="the tasks to start")
        proc.send_signal(signal.SIGINT)
        # the tasks sleep for 900 s: ending within the deadline means they were stopped
        proc.wait(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_ctrl_c_stops_spark_its_tasks_and_removes_temporary_files(tmp_path):
    work = tmp_path / "work"
    marker = "streamr-spark-interrupt-%d-%d" % (os.getpid(), time.time_ns())
    (tmp_path / "input.txt").write_bytes(b"a b\nc d\n" * 50)
    env = dict(os.environ, STREAMR_TEST_JOB="MRSleepy",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with open(tmp_path / "stderr", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, LOCAL_JOBS, "-r", "spark", "--no-conf", "--num-cores", "2",
             "--local-tmp-dir", str(work), "--sleep", "900", "--marker", marker,
             "-o", str(tmp_path / "out"), str(tmp_path / "input.txt")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env)
    try:
        # a map task's process and the child it started
        _interrupt_when(proc, lambda: len(processes_with(marker)) >= 2)
        assert gone(marker)
    finally:
        for pid in processes_with(marker):  # only if the runner failed to stop them
            os.kill(pid, signal.SIGKILL)
    stderr = (tmp_path / "stderr").read_bytes().decode()
    assert proc.returncode == 130, stderr[-3000:]
    assert stderr.rstrip("\n").splitlines()[-1].endswith(
        "interrupted; temporary files removed"), stderr[-3000:]
    assert "Traceback" not in stderr and "\tat " not in stderr  # no Python or Java stacks
    assert os.listdir(work) == []
    assert not (tmp_path / "out").exists() or "_SUCCESS" not in os.listdir(tmp_path / "out")


def test_ctrl_c_stops_spark_submit_and_its_process_group(tmp_path):
    # a stand-in spark-submit that starts a child and waits, as the real one
    # waits on its driver; no Spark is started
    marker = "streamr-submit-interrupt-%d-%d" % (os.getpid(), time.time_ns())
    fake = tmp_path / "spark-submit"
    fake.write_text("#!/bin/sh\n%s -c 'import time; time.sleep(900)' %s &\nwait\n"
                    % (sys.executable, marker))
    fake.chmod(0o755)
    program = textwrap.dedent("""
        import sys
        from streamr.runners.spark.submit import run_spark_submit
        try:
            run_spark_submit([sys.argv[1]])
        except KeyboardInterrupt:
            sys.exit(130)
    """)
    proc = subprocess.Popen([sys.executable, "-c", program, str(fake)],
                            env=dict(os.environ, PYTHONPATH=ROOT))
    try:
        _interrupt_when(proc, lambda: processes_with(marker))
        assert gone(marker)
    finally:
        for pid in processes_with(marker):
            os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 130


def _raised(make):
    try:
        make()
    except Exception as exc:  # what the runner sees
        return exc
    raise AssertionError("nothing was raised")


def test_an_error_raised_while_a_ctrl_c_unwinds_counts_as_the_ctrl_c():
    from streamr.runners.spark.runner import _while_interrupted

    def clean_up_after_interrupt():
        try:
            raise KeyboardInterrupt
        finally:
            raise ConnectionError("Answer from Java side is empty")

    def two_levels_down():
        try:
            clean_up_after_interrupt()
        except ConnectionError:
            raise RuntimeError("while handling it") from None

    def plain_failure():
        raise ValueError("a job's own error")

    assert _while_interrupted(_raised(clean_up_after_interrupt))
    # "from None" hides the context from tracebacks, not from __context__
    assert _while_interrupted(_raised(two_levels_down))
    assert not _while_interrupted(_raised(plain_failure))
