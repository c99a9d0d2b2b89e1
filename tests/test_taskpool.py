"""The task pool's wait for task processes: it wakes when one exits (through
a pidfd where the system has them), and still runs every task where it
must poll instead."""

import os
import subprocess
import sys

import pytest

import streamr.runners.taskpool as taskpool
from streamr.runners.taskpool import Task, TaskPool

# a process that lives until its stdin is closed
READER = [sys.executable, "-c", "import sys; sys.stdin.read()"]


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs pidfds (Linux 5.3+)")
def test_watch_wakes_when_a_process_exits():
    proc = subprocess.Popen(READER, stdin=subprocess.PIPE)
    watch = taskpool._ExitWatch()
    try:
        watch.add(proc)
        # it cannot exit while its stdin is open: the wait ends at the progress interval
        assert watch.wait() is False
        assert proc.poll() is None
        proc.stdin.close()
        while not watch.wait():
            pass
        assert proc.poll() == 0
    finally:
        watch.close()
        proc.kill()
        proc.wait()
    assert watch._fds == {}


def _pool_of(count, width, tmp_path, started, weights=None):
    weights = weights or [0] * count
    tasks = [Task("mapper", num, str(tmp_path), [], {}, weight=weight)
             for num, weight in zip(range(count), weights)]

    def launch(task):
        running = sum(1 for t in tasks if t.num in started and not t.finished)
        assert running < width, "more than %d tasks at once" % width
        started.append(task.num)
        return subprocess.Popen([sys.executable, "-c", "pass"])

    return tasks, TaskPool(tasks, launch, width)


@pytest.mark.parametrize("pidfds", [True, False])
def test_pool_runs_every_task_at_most_width_at_once(tmp_path, monkeypatch, pidfds):
    if not pidfds:
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    elif not hasattr(os, "pidfd_open"):
        pytest.skip("needs pidfds (Linux 5.3+)")
    started = []
    tasks, pool = _pool_of(7, 2, tmp_path, started)
    assert pool.run() is None
    assert started == list(range(7))
    assert all(task.finished and task.returncode == 0 for task in tasks)


def test_refused_pidfd_falls_back_to_polling(tmp_path, monkeypatch):
    def refuse(pid, flags=0):
        raise PermissionError("pidfd_open refused")

    monkeypatch.setattr(os, "pidfd_open", refuse, raising=False)
    started = []
    tasks, pool = _pool_of(3, 2, tmp_path, started)
    assert pool.run() is None
    assert all(task.finished for task in tasks)


def test_heavier_tasks_start_first_and_equal_ones_keep_their_order(tmp_path):
    started = []
    tasks, pool = _pool_of(5, 1, tmp_path, started, weights=[1, 5, 3, 5, 1])
    assert pool.run() is None
    assert started == [1, 3, 2, 0, 4]
    assert [task.num for task in pool.tasks] == [0, 1, 2, 3, 4]  # the list itself is kept
