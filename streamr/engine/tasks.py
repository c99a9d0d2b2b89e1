"""Map and reduce tasks as the local runner runs them.

The local runner starts each task as ``python job.py --step-num=N --mapper
--local-task SPEC`` (or ``--reducer``): the job file in task mode, with
Hadoop streaming's environment, in its own working directory. SPEC is a
JSON file naming the task's input (a byte range of one file, several small
files packed together, or sorted runs and a key range), where its output
goes, and the step's shell commands.

A map task reads its split itself (no extra copy through a pipe), runs the
mapper, keeps its output grouped by encoded key in memory, and when the
buffer is full runs the combiner and spills a sorted run to disk; memory
stays bounded whatever the input size. A reduce task merges its key range
from every run and runs the reducer. Shell commands (``*_cmd``,
``*_pre_filter``) run as child processes fed through pipes.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Iterable, Iterator

from streamr.engine.commands import pipe_through
from streamr.engine.context import context_of
from streamr.engine.mapside import MapSide
from streamr.engine.records import decode_lines, decode_text_blocks
from streamr.engine.sortedruns import RunWriter, merge_range
from streamr.engine.splits import Split, read_split, read_split_blocks, read_splits
from streamr.protocol import TextValueProtocol

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


# --- progress ------------------------------------------------------------------


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


# --- map tasks ----------------------------------------------------------------


class _MapTask:
    def __init__(self, job, spec: dict):
        self.job = job
        self.spec = spec
        self.step_num = spec["step_num"]
        self.ctx = context_of(job, self.step_num)
        self.step_desc = self.ctx.description
        self.sort_values = spec.get("sort_values", False)
        self.budget = spec.get("spill_bytes", 48 << 20)
        self.position = self.ctx.position
        self.progress = _Progress(spec.get("progress_path"))
        self.runs: list = []

    # input: a split (or several small files packed), maybe through a pre-filter
    def _splits(self) -> list:
        given = self.spec["input"]
        return [Split(**item) for item in (given if isinstance(given, list) else [given])]

    def _input(self) -> Iterator[bytes]:
        lines: Iterable[bytes] = read_splits(self._splits(), self.position, self.progress.add)
        mapper = self.step_desc.get("mapper") or {}
        if mapper.get("pre_filter"):
            lines = pipe_through(mapper["pre_filter"], lines, check=False)
        return lines

    def _decoded_input(self, read) -> Iterator:
        """The input's records; a packed task's files each count their lines
        from 1."""
        splits = self._splits()
        if (self.step_desc.get("mapper") or {}).get("pre_filter"):
            return decode_lines(self._input(), read, self.position, self.ctx.on_malformed())
        if len(splits) == 1 and type(getattr(read, "__self__", None)) is not TextValueProtocol:
            return decode_lines(self._input(), read, self.position, self.ctx.on_malformed())
        return self._decoded_files(splits, read)

    def _decoded_files(self, splits: list, read) -> Iterator:
        # chained in C: a Python step per split, not per line
        return itertools.chain.from_iterable(self._decoded_splits(splits, read))

    def _decoded_splits(self, splits: list, read) -> Iterator[Iterator]:
        """The records of each of *splits*, as one iterator per split, made
        when the one before is used up (each counts its lines from 1)."""
        text = type(getattr(read, "__self__", None)) is TextValueProtocol
        for split in splits:
            self.position.line = 0
            if text:
                # the default input protocol reads every line: whole blocks
                # are decoded and cut at once
                yield decode_text_blocks(
                    read_split_blocks(split, self.position, self.progress.add), self.position)
            else:
                yield decode_lines(read_split(split, self.position, self.progress.add),
                                   read, self.position, self.ctx.on_malformed())

    def run(self) -> None:
        mapper = self.step_desc.get("mapper")
        map_only = self.spec.get("part_path") is not None
        if mapper is None:
            lines: Iterable[bytes] = self._input()
        elif mapper["type"] == "command":
            lines = pipe_through(mapper["command"], self._input())
        else:
            lines = None
        if map_only:
            self._write_part(lines if lines is not None else self._mapped_lines())
        else:
            side = MapSide(self.ctx, self._emit_run, self.sort_values, self.budget,
                           pipe_through)
            if lines is None:
                side.consume_pairs(self._mapped_pairs())
            else:
                side.consume_lines(lines)
        self.progress.flush()
        with open(os.path.join(self.spec["run_dir"], "runs.json"), "w") as handle:
            json.dump(self.runs, handle)

    def _mapped_pairs(self):
        read, _ = self.ctx.protocols("mapper")
        if self.ctx.step["mapper_raw"]:
            # the runner passed the file's local path and URI as arguments
            return self.job.map_pairs(iter(()), self.step_num)
        return self.job.map_pairs(self._decoded_input(read), self.step_num)

    def _mapped_lines(self) -> Iterator[bytes]:
        _, write = self.ctx.protocols("mapper")
        for key, value in self._mapped_pairs():
            yield write(key, value) + b"\n"

    def _write_part(self, lines: Iterable[bytes]) -> None:
        with open(self.spec["part_path"], "wb", buffering=1 << 20) as out:
            out.writelines(lines)

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
    ctx = context_of(job, step_num)
    desc = ctx.description["reducer"]
    runs, low, high = spec["runs"], _bound(spec.get("low")), _bound(spec.get("high"))
    whole_line = spec.get("sort_values", False)
    factor = spec.get("merge_factor") or len(runs)
    if len(runs) > factor:
        runs = _merge_down(runs, low, high, whole_line, factor, spec["run_dir"])
        low = high = None
    lines: Iterable[bytes] = merge_range(runs, low, high, whole_line)
    with open(spec["part_path"], "wb", buffering=1 << 20) as out:
        if desc["type"] == "command":
            out.writelines(pipe_through(desc["command"], lines))
            return
        if desc.get("pre_filter"):
            lines = pipe_through(desc["pre_filter"], lines, check=False)
        read, write = ctx.protocols("reducer")
        position = ctx.position
        position.source = "sorted input of reduce task %s" % spec.get("task_num", "?")
        pairs = decode_lines(lines, read, position, ctx.on_malformed())
        write_out = out.write
        for key, value in job.reduce_pairs(pairs, step_num):
            write_out(write(key, value) + b"\n")
    sys.stdout.flush()
