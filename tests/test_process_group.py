"""Programs started in a session of their own (task processes, spark-submit,
the hadoop client): a Ctrl-C that arrives while one is being started stops
it instead of leaving it running, and stopping one reaches what it
started. The signal is sent by the starting child itself, before it runs
the program, so it always lands inside the start, with no timing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from streamr.runners.process_group import start_group, stop_group
from tests.test_local import gone, processes_with


@pytest.fixture
def marker():
    name = "streamr-group-test-%d-%d" % (os.getpid(), time.time_ns())
    yield name
    for pid in processes_with(name):  # only when what is tested failed
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def sigint_handler():
    """Set SIGINT's handler for one test, and put the old one back."""
    old = signal.getsignal(signal.SIGINT)
    yield lambda handler: signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGINT, old)


def _sleeper(marker):
    return [sys.executable, "-c", "import time; time.sleep(900)", marker]


def _interrupt_parent():
    os.kill(os.getppid(), signal.SIGINT)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_ctrl_c_while_a_program_starts_stops_it_and_is_raised(marker, sigint_handler,
                                                                  tmp_path):
    pid_file = tmp_path / "pid"

    def note_pid_then_interrupt():
        pid_file.write_text(str(os.getpid()))
        _interrupt_parent()

    sigint_handler(signal.default_int_handler)
    with pytest.raises(KeyboardInterrupt):
        start_group(_sleeper(marker), preexec_fn=note_pid_then_interrupt)
    # stopped and waited for before the interrupt was raised: not even a zombie
    pid = int(pid_file.read_text())
    assert not _alive(pid)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_ctrl_c_whose_handler_does_not_raise_leaves_the_program_running(marker,
                                                                           sigint_handler):
    seen = []
    sigint_handler(lambda signum, frame: seen.append(signum))
    proc = start_group(_sleeper(marker), preexec_fn=_interrupt_parent)
    try:
        assert seen == [signal.SIGINT]  # the handler had the signal, once
        assert proc.poll() is None
    finally:
        stop_group(proc, grace=5)
    assert proc.returncode == -signal.SIGTERM
    assert gone(marker)


def test_an_ignored_ctrl_c_is_left_ignored(marker, sigint_handler):
    sigint_handler(signal.SIG_IGN)
    proc = start_group(_sleeper(marker), preexec_fn=_interrupt_parent)
    try:
        assert proc.poll() is None
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        stop_group(proc, grace=5)


def test_a_program_that_cannot_start_is_an_os_error(sigint_handler, tmp_path):
    sigint_handler(signal.default_int_handler)
    with pytest.raises(OSError):
        start_group([str(tmp_path / "no-such-program")])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_program_leads_a_session_of_its_own(marker):
    proc = start_group(_sleeper(marker))
    try:
        assert os.getsid(proc.pid) == proc.pid != os.getsid(0)
    finally:
        stop_group(proc, grace=5)


def test_stopping_reaches_what_the_program_left_running(marker):
    script = "%s &\n" % " ".join("'%s'" % a for a in _sleeper(marker))
    proc = start_group(["/bin/sh", "-c", script])
    assert proc.wait() == 0  # the leader has ended; its child runs on
    assert processes_with(marker)
    stop_group(proc, grace=5)
    assert gone(marker)


def test_a_program_that_ignores_sigterm_is_killed_after_the_grace(marker):
    proc = start_group([sys.executable, "-c",
                        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
                        " print('ready', flush=True); time.sleep(900)", marker],
                       stdout=subprocess.PIPE)
    assert proc.stdout.readline() == b"ready\n"
    stop_group(proc, grace=0.1)
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert gone(marker)
