"""Running many task subprocesses, a few at a time, with retries, and
stopping them all at once on failure or Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Callable

__all__ = ["Task", "TaskPool"]

_POLL_SECONDS = 0.02


class Task:
    """One task: the command to run and where; filled in as it runs."""

    def __init__(self, kind: str, num: int, dir: str, args: list, env: dict,
                 where: str | None = None, setup: list | None = None, input_bytes: int = 0):
        self.kind = kind
        self.num = num
        self.dir = dir
        self.args = args
        self.env = env
        self.where = where
        self.setup = setup or []
        self.input_bytes = input_bytes
        self.attempt = 0
        self.returncode: int | None = None
        self.finished = False


def _stop(proc: subprocess.Popen) -> None:
    """Stop *proc* and everything it started (it leads its own session)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=2)
            return
        except subprocess.TimeoutExpired:
            continue


class TaskPool:
    """Run *tasks* with at most *width* at once. A task that exits non-zero
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
        waiting = list(self.tasks)
        running: dict = {}
        try:
            while waiting or running:
                while waiting and len(running) < self.width:
                    task = waiting.pop(0)
                    running[task] = self.launch(task)
                for task, proc in list(running.items()):
                    code = proc.poll()
                    if code is None:
                        continue
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
                            _stop(other)
                        running.clear()
                        return task
                self.progress()
                if running:
                    time.sleep(_POLL_SECONDS)
        except BaseException:
            for proc in running.values():
                _stop(proc)
            raise
        return None
