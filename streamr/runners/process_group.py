"""Programs a run starts and must be able to stop whole: task processes of
the local runner, ``spark-submit``, the ``hadoop`` client.

Each is started as the leader of a session of its own, so that stopping
it reaches everything it started (a task's commands, spark-submit's JVM and
driver, a local master's workers) and a Ctrl-C typed at the terminal
reaches streamr alone, which then stops them in order.

Starting one is where an interrupt used to be lost: a Ctrl-C that lands
after the program has started but before its process object exists (on a
busy machine, a long window: the parent waits for the child's ``exec``)
left a program nobody would stop. :func:`start_group` holds the signals
that stop a run until the object exists, then stops the program and
raises as the signal would have.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Sequence

__all__ = ["STOP_SIGNALS", "start_group", "stop_group"]

#: signals that stop a run: SIGINT (Ctrl-C, Python's KeyboardInterrupt),
#: and SIGTERM and SIGHUP, which the command line turns into the same stop
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class _HeldSignals:
    """Between :meth:`hold` and :meth:`release`, in the main thread, the
    stop signals that have a Python handler are noted instead of handled;
    :meth:`deliver` then raises the first one that came. A signal ignored
    or left to the system's default is not touched."""

    def __init__(self) -> None:
        self._old: dict = {}
        self.arrived: list = []

    def _note(self, signum, frame) -> None:
        self.arrived.append(signum)

    def hold(self) -> None:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                if callable(signal.getsignal(signum)):
                    self._old[signum] = signal.signal(signum, self._note)

    def release(self) -> None:
        for signum, old in self._old.items():
            signal.signal(signum, old)
        self._old.clear()

    def deliver(self) -> None:
        """Hand the first signal that arrived to the handler now in place
        (for Ctrl-C, a KeyboardInterrupt raised here); nothing when none
        did, or when that handler does not raise."""
        if self.arrived:
            signal.raise_signal(self.arrived[0])


def start_group(argv: Sequence[str], **popen_args) -> subprocess.Popen:
    """Start *argv* (``subprocess.Popen`` with *popen_args*) as the leader
    of a new session. A stop signal that arrives while it starts is
    handled once the process object exists; when its handler raises (a
    Ctrl-C), the program and its group are stopped first
    (:func:`stop_group`), so no program outlives an interrupt. ``OSError``
    when it cannot be started."""
    held = _HeldSignals()
    held.hold()
    try:
        proc = subprocess.Popen(list(argv), start_new_session=True, **popen_args)
    except BaseException:
        held.release()
        held.deliver()
        raise
    held.release()
    try:
        held.deliver()
    except BaseException:
        stop_group(proc, grace=2)
        raise
    return proc


def stop_group(proc: subprocess.Popen, *, grace: float) -> None:
    """Stop *proc* and every process of its session's group: ``SIGTERM``,
    then ``SIGKILL`` for what is still there once *proc* has ended or
    *grace* seconds have passed. The group is signalled even when *proc*
    itself has already ended: what it started may still be running."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):  # the whole group has ended
            break
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    proc.wait()
