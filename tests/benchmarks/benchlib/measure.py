"""Measuring one run of one contender: wall time, CPU time of the whole
process tree, and the peak resident memory of the whole process tree.

CPU comes from ``wait4``: the kernel adds to a process's figures those of
every descendant it waited for, so the runner's number includes all its
tasks. A run stopped at its time limit never waits for its tasks, so its
CPU is the sum of the last figures sampled from each process instead (a
lower bound). Memory is sampled from ``/proc`` every 50 ms, summing the resident
memory of the contender and all its live descendants; a peak shorter than
the sampling period can be missed, so the figure is a lower bound.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from typing import NamedTuple

_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICKS = os.sysconf("SC_CLK_TCK")


class Measurement(NamedTuple):
    """What one run cost."""

    wall: float
    #: user + system seconds of the contender and every descendant it waited for
    cpu: float
    #: bytes; 0 where memory was not sampled
    peak_rss: int
    #: True when the run was stopped at its time limit (the figures are lower bounds)
    timed_out: bool = False


class BenchmarkFailed(SystemExit):
    """A contender failed or disagreed: the run stops with one line."""


def tree_sample(root: int) -> tuple:
    """(resident bytes, {(pid, start time): CPU ticks}) of *root* and all
    its live descendants."""
    children: dict = {}
    stats: dict = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as handle:
                # the command name may hold spaces and brackets: split after the last ")"
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(name))
        stats[int(name)] = fields
    rss, ticks, todo = 0, {}, [root]
    while todo:
        pid = todo.pop()
        fields = stats.get(pid)
        if fields is not None:
            rss += int(fields[21]) * _PAGE
            # the process's own user + system ticks (not its children's, counted on their own)
            ticks[(pid, fields[19])] = int(fields[11]) + int(fields[12])
        todo.extend(children.get(pid, []))
    return rss, ticks


def measure(cmd: list, out_path: str, *, env: dict | None = None, stdin_path: str | None = None,
            timeout: float | None = None, sample_memory: bool = True,
            cwd: str | None = None) -> Measurement:
    """Run *cmd* with its stdout in *out_path*; what it cost.

    A non-zero exit raises :class:`BenchmarkFailed` with the command and the
    end of its stderr. Past *timeout* seconds the contender's process group
    is killed and the measurement says so.
    """
    with open(out_path, "wb") as out, tempfile.TemporaryFile() as err, \
            open(stdin_path or os.devnull, "rb") as stdin:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=err, cwd=cwd,
                                env=dict(os.environ, **(env or {})), start_new_session=True)
        peak = [0]
        # the last CPU ticks seen of every process in the tree: what a run stopped at
        # its time limit used, since killed tasks are never waited for by the contender
        seen: dict = {}
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                rss, ticks = tree_sample(proc.pid)
                peak[0] = max(peak[0], rss)
                seen.update(ticks)
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        if sample_memory:
            sampler.start()
        timed_out = False
        if timeout is not None:
            timer = threading.Timer(timeout, _kill_group, (proc.pid,))
            timer.start()
        # wait4, not Popen.wait: it hands back the tree's resource usage
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if timeout is not None:
            timer.cancel()
            timed_out = wall >= timeout
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        if sample_memory:
            sampler.join()
        if proc.returncode != 0 and not timed_out:
            err.seek(0)
            tail = err.read()[-3000:].decode("utf_8", "replace")
            raise BenchmarkFailed("benchmark command failed (exit %d): %s\n%s"
                                  % (proc.returncode, " ".join(cmd), tail))
    cpu = usage.ru_utime + usage.ru_stime
    if timed_out:
        cpu = max(cpu, sum(seen.values()) / _TICKS)
    return Measurement(wall, cpu, peak[0], timed_out)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def task_costs(cmd: list, stdin_path: str, runs: int, *, cwd: str | None = None) -> list:
    """(wall, CPU) seconds of *runs* runs of *cmd* reading *stdin_path*,
    in the order they ran; CPU is user + system from exec to exit."""
    costs = []
    for _ in range(runs):
        with open(stdin_path, "rb") as stdin:
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, cwd=cwd)
            err = proc.stderr.read()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            proc.stderr.close()
            proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise BenchmarkFailed("task failed (exit %d): %s\n%s" % (
                proc.returncode, " ".join(cmd), err[-3000:].decode("utf_8", "replace")))
        costs.append((wall, usage.ru_utime + usage.ru_stime))
    return costs
