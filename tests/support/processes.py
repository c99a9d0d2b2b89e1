"""Processes as the drills see them: whether one is still running, and
the process id a blocked drill task wrote."""

from __future__ import annotations

import os

from tests.support.waiting import wait_for


def running(pid: int) -> bool:
    """Whether process *pid* exists and is not a zombie (a process that has
    ended but not been waited for has done all it will do)."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in (b"Z", b"X")


def blocked_task(drill_dir, kind: str, proc=None) -> int:
    """Wait until the drill job's *kind* task has blocked (see
    tests/jobs/mr_drill.py); its process id. Fails at once if *proc* (the
    run) ends first."""
    marker = os.path.join(str(drill_dir), "%s-blocked" % kind)

    def ready():
        if os.path.exists(marker):
            return True
        if proc is not None and proc.poll() is not None:
            raise AssertionError("the run ended (%s) before its %s blocked"
                                 % (proc.returncode, kind))
        return False

    wait_for(ready, what="the %s task to block" % kind)
    with open(marker) as handle:
        return int(handle.read())


def kill_group(pid: int) -> None:
    """Kill process *pid*'s whole process group, if it is still there."""
    import signal

    try:
        os.killpg(os.getpgid(pid), signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
