"""Map and reduce tasks as the local runner runs them.

The local runner starts each task as ``python job.py --step-num=N --mapper
--local-task SPEC`` (or ``--reducer``): the job file in task mode, with
Hadoop streaming's environment, in its own working directory. SPEC is a
JSON file naming the task's input (a byte range of one file, or sorted runs
and a key range), where its output goes, and the step's shell commands.

A map task reads its split itself (no extra copy through a pipe), runs the
mapper, keeps its output grouped by encoded key in memory, and when the
buffer is full runs the combiner and spills a sorted run to disk; memory
stays bounded whatever the input size. A reduce task merges its key range
from every run and runs the reducer. Shell commands (``*_cmd``,
``*_pre_filter``) run as child processes fed through pipes.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator

from streamr.inputs import corrupt_input_error, is_compressed, open_input
from streamr.mapside import MapSide
from streamr.records import Position, decode_lines
from streamr.sortedruns import RunWriter, merge_range

__all__ = ["run_local_task"]

_PROGRESS_EVERY = 4 << 20


def run_local_task(job, spec_path: str) -> None:
    """Run the task described in *spec_path* for *job* (a job instance in
    task mode)."""
    with open(spec_path, encoding="utf_8") as handle:
        spec = json.load(handle)
    if spec["kind"] == "map":
        _MapTask(job, spec).run()
    else:
        _run_reduce_task(job, spec)


# --- reading input -----------------------------------------------------------


def _split_lines(spec: dict, position: Position, progress: _Progress) -> Iterator[bytes]:
    """Lines of a file split, by Hadoop's rule: a split that does not start
    at 0 skips its first (partial) line, and reads every line that starts at
    or before its end."""
    path, start, length = spec["path"], spec["start"], spec["length"]
    position.source = spec.get("label") or path
    if spec.get("compressed") or is_compressed(path):
        with open_input(path) as stream:
            try:
                for line in stream:
                    progress.add(len(line))
                    yield line
            except Exception as exc:  # only reading errors: the consumer's stay outside
                better = corrupt_input_error(exc, position.source)
                if better is None:
                    raise
                raise better from exc
        return
    end = start + length
    with open(path, "rb", buffering=1 << 20) as stream:
        pos = 0
        if start:
            stream.seek(start)
            pos = start + len(stream.readline())
            # line numbers count from here, not from the top of the file
            position.source = "%s (lines counted from byte %d)" % (position.source, pos)
        for line in stream:
            if pos > end:
                break
            pos += len(line)
            progress.add(len(line))
            yield line


class _Progress:
    """Tells the runner how many input bytes a map task has read, through a
    small file it polls."""

    def __init__(self, path: str | None):
        self.path = path
        self.done = 0
        self._next = _PROGRESS_EVERY

    def add(self, amount: int) -> None:
        self.done += amount
        if self.done >= self._next and self.path:
            self._next = self.done + _PROGRESS_EVERY
            self.flush()

    def flush(self) -> None:
        if self.path:
            with open(self.path, "w") as handle:
                handle.write(str(self.done))


# --- shell commands -----------------------------------------------------------


def _pipe_through(command: str, lines: Iterable[bytes]) -> Iterator[bytes]:
    """Feed *lines* to ``sh -c command`` and yield what it prints; a
    non-zero exit raises ``RuntimeError`` naming the command."""
    proc = subprocess.Popen(["/bin/sh", "-c", command], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    feed_error: list = []

    def feed():
        try:
            for line in lines:
                proc.stdin.write(line)
        except BrokenPipeError:
            pass
        except BaseException as exc:  # surfaced after the command ends
            feed_error.append(exc)
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    yield from proc.stdout
    proc.stdout.close()
    status = proc.wait()
    feeder.join()
    if feed_error:
        raise feed_error[0]
    if status != 0:
        raise RuntimeError("command %r exited with status %d" % (command, status))


# --- map tasks ----------------------------------------------------------------


class _MapTask:
    def __init__(self, job, spec: dict):
        self.job = job
        self.spec = spec
        self.step_num = spec["step_num"]
        self.step_desc = job._steps_desc()[self.step_num]
        self.step = job.steps()[self.step_num]
        self.sort_values = spec.get("sort_values", False)
        self.budget = spec.get("spill_bytes", 64 << 20)
        self.position = Position()
        job._task_position = self.position
        self.progress = _Progress(spec.get("progress_path"))
        self.runs: list = []

    # input: a split, maybe through a pre-filter
    def _input(self) -> Iterator[bytes]:
        lines: Iterable[bytes] = _split_lines(self.spec["input"], self.position, self.progress)
        mapper = self.step_desc.get("mapper") or {}
        if mapper.get("pre_filter"):
            lines = _pipe_through(mapper["pre_filter"], lines)
        return lines

    def run(self) -> None:
        mapper = self.step_desc.get("mapper")
        map_only = self.spec.get("part_path") is not None
        if mapper is None:
            lines: Iterable[bytes] = self._input()
        elif mapper["type"] == "command":
            lines = _pipe_through(mapper["command"], self._input())
        else:
            lines = None
        if map_only:
            self._write_part(lines if lines is not None else self._mapped_lines())
        else:
            side = MapSide(self.job, self.step_num, self._emit_run, self.sort_values,
                           self.budget, _pipe_through)
            if lines is None:
                side.consume_pairs(self._mapped_pairs())
            else:
                side.consume_lines(lines)
        self.progress.flush()
        with open(os.path.join(self.spec["run_dir"], "runs.json"), "w") as handle:
            json.dump(self.runs, handle)

    def _mapped_pairs(self):
        read, _ = self.job.pick_protocols(self.step_num, "mapper")
        if self.step["mapper_raw"]:
            # the runner passed the file's local path and URI as arguments
            return self.job.map_pairs(iter(()), self.step_num)
        pairs = decode_lines(self._input(), read, self.position, self.job._malformed_handler())
        return self.job.map_pairs(pairs, self.step_num)

    def _mapped_lines(self) -> Iterator[bytes]:
        _, write = self.job.pick_protocols(self.step_num, "mapper")
        for key, value in self._mapped_pairs():
            yield write(key, value) + b"\n"

    def _write_part(self, lines: Iterable[bytes]) -> None:
        with open(self.spec["part_path"], "wb", buffering=1 << 20) as out:
            out.writelines(lines)

    def _new_run(self) -> RunWriter:
        path = os.path.join(self.spec["run_dir"], "run-%03d" % len(self.runs))
        self.runs.append(path)
        return RunWriter(path)

    def _emit_run(self, lines: list) -> None:
        path = os.path.join(self.spec["run_dir"], "run-%03d" % len(self.runs))
        self.runs.append(path)
        writer = RunWriter(path)
        writer.write_lines(lines)
        writer.close()


# --- reduce tasks --------------------------------------------------------------


def _bound(text: str | None) -> bytes | None:
    return None if text is None else text.encode("latin_1")


def _merge_down(runs: list, low, high, whole_line: bool, factor: int, work_dir: str) -> list:
    """Merge the ``[low, high)`` part of *runs*, *factor* runs at a time,
    into fewer runs in *work_dir* until at most *factor* remain (Hadoop's
    multi-pass merge), so a reduce task never holds more than *factor* runs
    open (each costs a file descriptor and a read buffer)."""
    factor = max(2, factor)
    made: set = set()
    while len(runs) > factor:
        merged = []
        for begin in range(0, len(runs), factor):
            group = runs[begin:begin + factor]
            path = os.path.join(work_dir, "merged-%04d" % len(made))
            writer = RunWriter(path)
            writer.write_lines(merge_range(group, low, high, whole_line))
            writer.close()
            made.add(path)
            merged.append(path)
            for old in made.intersection(group):
                os.remove(old)
                os.remove(old + ".idx")
        runs, low, high = merged, None, None
    return runs


def _run_reduce_task(job, spec: dict) -> None:
    step_num = spec["step_num"]
    desc = job._steps_desc()[step_num]["reducer"]
    runs, low, high = spec["runs"], _bound(spec.get("low")), _bound(spec.get("high"))
    whole_line = spec.get("sort_values", False)
    factor = spec.get("merge_factor") or len(runs)
    if len(runs) > factor:
        runs = _merge_down(runs, low, high, whole_line, factor, spec["run_dir"])
        low = high = None
    lines: Iterable[bytes] = merge_range(runs, low, high, whole_line)
    with open(spec["part_path"], "wb", buffering=1 << 20) as out:
        if desc["type"] == "command":
            out.writelines(_pipe_through(desc["command"], lines))
            return
        if desc.get("pre_filter"):
            lines = _pipe_through(desc["pre_filter"], lines)
        read, write = job.pick_protocols(step_num, "reducer")
        position = Position("sorted input of reduce task %s" % spec.get("task_num", "?"))
        job._task_position = position
        pairs = decode_lines(lines, read, position, job._malformed_handler())
        write_out = out.write
        for key, value in job.reduce_pairs(pairs, step_num):
            write_out(write(key, value) + b"\n")
    sys.stdout.flush()
