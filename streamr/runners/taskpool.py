"""Running many task subprocesses, a few at a time, with retries, and
stopping them all at once on failure or Ctrl-C."""

from __future__ import annotations

import os
import select
import subprocess
import time
from typing import Callable

from streamr.runners.process_group import stop_group

__all__ = ["Task", "TaskPool"]

#: longest wait between two progress reports while tasks run
_PROGRESS_SECONDS = 0.1
#: how often exits are looked for where a process cannot be waited on
#: through a file descriptor (no ``os.pidfd_open``: before Linux 5.3, macOS)
_POLL_SECONDS = 0.02
#: seconds a stopped task has to end before its process group is killed
STOP_SECONDS = 2


class Task:
    """One task: the command to run and where; filled in as it runs."""

    def __init__(self, kind: str, num: int, dir: str, args: list, env: dict,
                 where: str | None = None, setup: list | None = None, input_bytes: int = 0,
                 weight: float = 0):
        self.kind = kind
        self.num = num
        self.dir = dir
        self.args = args
        self.env = env
        self.where = where
        self.setup = setup or []
        self.input_bytes = input_bytes
        #: the work it is expected to be: the pool starts heavier tasks first
        self.weight = weight
        self.attempt = 0
        self.returncode: int | None = None
        self.finished = False


class _ExitWatch:
    """Wakes when any running task's process exits: each process is
    watched through a pidfd (readable once it has exited), so the next task
    starts at once instead of at the next poll; where pidfds are missing it
    sleeps a short poll interval instead."""

    def __init__(self) -> None:
        self._fds: dict = {}
        self._poller = select.poll() if hasattr(os, "pidfd_open") else None

    def add(self, proc: subprocess.Popen) -> None:
        if self._poller is None:
            return
        try:
            fd = os.pidfd_open(proc.pid)
        except OSError:  # refused (old kernel, seccomp): fall back to polling
            self._poller = None
            self.close()
            return
        self._fds[proc] = fd
        self._poller.register(fd, select.POLLIN)

    def discard(self, proc: subprocess.Popen) -> None:
        fd = self._fds.pop(proc, None)
        if fd is not None:
            if self._poller is not None:
                self._poller.unregister(fd)
            os.close(fd)

    def wait(self) -> bool:
        """Until a watched process exits (then True), or the progress
        interval passes (False; also False after a polling sleep, which
        cannot tell)."""
        if self._poller is None or not self._fds:
            time.sleep(_POLL_SECONDS)
            return False
        return bool(self._poller.poll(_PROGRESS_SECONDS * 1000))

    def close(self) -> None:
        for proc in list(self._fds):
            self.discard(proc)


class TaskPool:
    """Run *tasks* with at most *width* at once, heaviest first (by
    :attr:`Task.weight`; equal ones in their order), so that a big task
    does not start last and run alone at the end. A task that exits non-zero
    is started again until it has had *max_attempts* (*on_retry* is told
    first, while its stderr is still the failed attempt's); then every running
    task is stopped and :meth:`run` returns the failed task."""

    def __init__(self, tasks: list, launch: Callable[[Task], subprocess.Popen], width: int,
                 max_attempts: int = 1, progress: Callable[[], None] | None = None,
                 on_retry: Callable[[Task], None] | None = None):
        self.tasks = tasks
        self.launch = launch
        self.width = max(1, width)
        self.max_attempts = max(1, max_attempts)
        self.progress = progress or (lambda: None)
        #: told of each failed attempt that will be tried again, before it is
        self.on_retry = on_retry or (lambda task: None)

    def run(self) -> Task | None:
        waiting = sorted(self.tasks, key=lambda task: -task.weight)  # stable
        running: dict = {}
        watch = _ExitWatch()
        try:
            while waiting or running:
                while waiting and len(running) < self.width:
                    task = waiting.pop(0)
                    running[task] = self.launch(task)
                    watch.add(running[task])
                for task, proc in list(running.items()):
                    code = proc.poll()
                    if code is None:
                        continue
                    watch.discard(proc)
                    del running[task]
                    task.returncode = code
                    if code == 0:
                        task.finished = True
                    elif task.attempt + 1 < self.max_attempts:
                        self.on_retry(task)
                        task.attempt += 1
                        waiting.insert(0, task)
                    else:
                        for other in running.values():
                            stop_group(other, grace=STOP_SECONDS)
                        running.clear()
                        return task
                self.progress()
                # a slot a task just left is filled at once; else sleep until an exit
                if running and (len(running) >= self.width or not waiting):
                    watch.wait()
        except BaseException:
            for proc in running.values():
                stop_group(proc, grace=STOP_SECONDS)
            raise
        finally:
            watch.close()
        return None
