"""The inline runner (``-r inline``): every step in this process.

It is built for unit tests and debugging, yet behaves like a cluster where a
job could tell the difference: input is cut into several map tasks, every
record between tasks and steps goes through the protocols (so tuples come
back as lists), map output is sorted by its encoded key bytes (whole line
with ``SORT_VALUES``) and spread over several reduce tasks, each task gets a
fresh job instance, Hadoop's environment variables and a working directory
holding the job's files. Counters are summed over tasks.

Shell commands (``*_cmd``, ``*_pre_filter``, ``setup``) and jar steps need
other processes: use ``-r local`` or ``-r emr`` for those.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import os
import shutil
import sys
from collections.abc import Iterator
from typing import NamedTuple

from streamr.compat import jobconf_from_dict
from streamr.console import end_progress
from streamr.engine.context import context_of
from streamr.engine.mapside import MapSide
from streamr.engine.partition import partition_sorted
from streamr.engine.properties import SKIP_MALFORMED_PROPERTY, SORT_VALUES_PARTITIONER
from streamr.engine.records import (
    Position,
    add_counter_line,
    decode_lines,
    decode_text_blocks,
    split_key,
)
from streamr.engine.splits import (
    InputFile,
    line_offsets,
    lines_in_split,
    memory_line_end,
    pack_splits,
    plan_splits,
)
from streamr.errors import MalformedRecordError, StreamrError, TaskFailure, UsageError
from streamr.inputs import compression_of, corrupt_input_error, is_compressed, open_input
from streamr.options import option
from streamr.protocol import TextValueProtocol
from streamr.runners.base import MRJobRunner
from streamr.runners.progress import StepProgress
from streamr.runners.task_stderr import split_skip_reports

__all__ = ["InlineRunner"]

#: remote input files read at once
REMOTE_READ_THREADS = 8

log = logging.getLogger(__name__)

#: map tasks (and at most this many reduce tasks, unless
#: ``mapreduce.job.reduces`` says how many) per core, as mrjob's runners plan
TASKS_PER_CORE = 2


class Source:
    """Lines of one input (a file, stdin, or a previous step's part)."""

    def __init__(self, name: str, uri: str, lines: list, compressed: bool = False,
                 path: str | None = None):
        self.name = name
        #: the local file the lines came from (``None``: none, or remote)
        self.path = path
        self.uri = uri
        self.lines = lines
        self.compressed = compressed
        self.size = sum(map(len, lines))


class MapInput(NamedTuple):
    """The input of one map task: *lines* of *source*, the first being line
    ``first_line`` (1-based), from the split's byte range *start*, *length*."""

    source: Source
    lines: list
    start: int
    length: int
    first_line: int


def map_inputs(sources: list, target: int, max_split: int | None) -> list:
    """Each map task's input, a list of :class:`MapInput`: the splits
    :func:`streamr.engine.splits.plan_splits` cuts *sources* into (about
    *target*, ending where lines end), each reading the lines that start in
    its byte range, as the local runner's tasks read theirs from disk; many
    small files are packed together by
    :func:`streamr.engine.splits.pack_splits`, as the local runner packs them."""
    files = [InputFile(s.name, s.name, s.size, s.compressed) for s in sources]
    offsets: dict = {}

    def offsets_of(num: int) -> list:
        if num not in offsets:
            offsets[num] = line_offsets(sources[num].lines)
        return offsets[num]

    line_end = memory_line_end(offsets_of, [s.size for s in sources])
    tasks = []
    for group in pack_splits(plan_splits(files, target, max_split, line_end), target, max_split):
        inputs = []
        for split in group:
            source = sources[split.source]
            first, lines = lines_in_split(source.lines, offsets_of(split.source), split)
            inputs.append(MapInput(source, lines, split.start, split.length, first + 1))
        tasks.append(inputs)
    return tasks


class _Counters:
    def __init__(self):
        self.groups: dict = {}

    def add(self, group: str, name: str, amount: int) -> None:
        counters = self.groups.setdefault(group, {})
        counters[name] = counters.get(name, 0) + amount

    def absorb_stderr(self, data: bytes) -> None:
        """Take counters out of a task's stderr, log its reports of skipped
        records (as the local runner does); pass other lines on."""
        if b"streamr: skipped " in data:
            reports, kept = split_skip_reports(data.decode("utf_8", "replace").splitlines())
            for report in reports:
                log.warning("%s", report)
            data = "".join(line + "\n" for line in kept).encode("utf_8")
        passthrough = []
        for line in data.splitlines(True):
            if add_counter_line(line, self.groups):
                continue
            if line.startswith(b"reporter:status:"):
                log.debug("status: %s", line[16:].decode("utf_8", "replace").rstrip())
                continue
            passthrough.append(line)
        if passthrough:
            err = getattr(sys.stderr, "buffer", None)
            if err is not None:
                err.write(b"".join(passthrough))
                err.flush()
            else:
                sys.stderr.write(b"".join(passthrough).decode("utf_8", "replace"))


def _blocks(lines: list, per_block: int = 8192) -> Iterator[tuple]:
    """``(lines, block)`` for each few thousand of *lines*: *block* is
    them joined, or ``None`` when they are not whole lines of a file (a
    line holding a newline before its end, or one without a newline before
    the last), which cutting the block would not give back."""
    for start in range(0, len(lines), per_block):
        chunk = lines[start:start + per_block]
        block = b"".join(chunk)
        whole = block.count(b"\n") == len(chunk) - (not block.endswith(b"\n"))
        yield chunk, (block if whole else None)


@contextlib.contextmanager
def _task_context(env: dict, working_dir: str):
    """Run a task as if in its own process: environment, cwd, sys.path, and
    stray prints to stdout sent to stderr (on a cluster they would corrupt
    the output)."""
    saved_env = os.environ.copy()
    saved_cwd = os.getcwd()
    saved_path = list(sys.path)
    os.environ.update(env)
    os.chdir(working_dir)
    sys.path.insert(0, working_dir)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        os.environ.clear()
        os.environ.update(saved_env)


class InlineRunner(MRJobRunner):
    """Runs all steps of the job in the current process. See the module
    docstring."""

    alias = "inline"

    #: When the job's own code raised, a :class:`~streamr.errors.TaskFailure`
    #: saying which task failed and what it was reading; else ``None``.
    failure: TaskFailure | None = None

    def _check_options(self) -> None:
        if self._job_class is None:
            raise UsageError("the inline runner needs the job class (job_class=...)")
        self._check_step_types()
        self._warn_about_task_failure_percent()
        for num, desc in enumerate(self._steps):
            for kind in ("mapper", "combiner", "reducer"):
                sub = desc.get(kind) or {}
                if sub.get("type") == "command" or sub.get("pre_filter"):
                    raise UsageError("step %d's %s runs a shell command; the inline runner runs"
                                     " no subprocesses (try -r local)" % (num + 1, kind))
        for name in ("hadoop_input_format", "hadoop_output_format", "partitioner"):
            value = self._job_settings.get(name)
            if name == "partitioner" and self._job_settings.get("sort_values"):
                value = None if value == SORT_VALUES_PARTITIONER else value
            if value:
                log.warning("the inline runner ignores %s %s (it needs Hadoop)",
                            name.upper(), value)

    def _run(self) -> None:
        self._check_output_dir()
        self._plan_working_dir()
        tmp = self._tmp_dir()
        self._wd = os.path.join(tmp, "wd")
        self._working_dir.build(self._wd, os.path.join(tmp, "archives"))
        self._base_args = self._task_args_base()
        sources = self._read_inputs()
        for step_num, desc in enumerate(self._steps):
            counters = _Counters()
            self._counters.append(counters.groups)
            sources = self._run_step(step_num, desc, sources, counters)
            self._check_failed_records(step_num)
        self._write_output(sources)

    # --- input and output --------------------------------------------------------------

    def _read_inputs(self) -> list:
        paths = self._expanded_inputs()
        # remote files (S3) are fetched several at a time; order is kept
        remote = [path for path in paths if "://" in path]
        fetched: dict = {}
        if len(remote) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=REMOTE_READ_THREADS) as pool:
                fetched = dict(zip(remote, pool.map(self._read_lines, remote)))
        sources = []
        for path in paths:
            if path == "-":
                # spooled to a file first, as the local runner does, so a
                # mapper_raw step has a file to read
                copy = self._spool_stdin(len(sources))
                compressed = compression_of(copy, "<stdin>") is not None
                sources.append(Source("<stdin>", "file://" + copy, self._read_lines(copy),
                                      compressed, path=copy))
                continue
            lines = fetched.pop(path) if path in fetched else self._read_lines(path)
            uri = path if "://" in path else "file://" + os.path.abspath(path)
            sources.append(Source(path, uri, lines, compression_of(path) is not None,
                                  None if "://" in path else path))
        return sources

    def _read_lines(self, path: str) -> list:
        if "://" in path or is_compressed(path):
            with self.fs.open_read(path) as handle:
                return handle.readlines()
        # a local file with no compression suffix may still be compressed
        with open_input(path) as handle:
            try:
                return handle.readlines()
            except Exception as exc:  # only reading errors happen here
                better = corrupt_input_error(exc, path)
                if better is None:
                    raise
                raise better from exc

    def _write_output(self, sources: list) -> None:
        staging = self._staging_dir()
        try:
            for num, source in enumerate(sources):
                with open(os.path.join(staging, "part-%05d" % num), "wb") as handle:
                    for line in source.lines:
                        handle.write(line if line.endswith(b"\n") else line + b"\n")
            self._publish_output(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # --- one step ---------------------------------------------------------------------------

    def _run_step(self, step_num: int, desc: dict, sources: list, counters: _Counters) -> list:
        jobconf = self._step_jobconf(desc)
        max_split = jobconf_from_dict(jobconf, "mapreduce.input.fileinputformat.split.maxsize")
        reduces = jobconf_from_dict(jobconf, "mapreduce.job.reduces")
        tasks = TASKS_PER_CORE * self._num_cores()
        num_reducers = int(reduces) if reduces is not None else tasks
        has_reducer = "reducer" in desc and num_reducers > 0

        if step_num == 0 and desc.get("input_manifest"):
            splits = [[MapInput(s, [], 0, 0, 1)] for s in sources]
        else:
            splits = map_inputs(sources, tasks, int(max_split) if max_split else None)

        sort_values = bool(self._job_settings.get("sort_values"))
        progress = StepProgress(step_num, len(self._steps), has_reducer)
        map_outputs = []
        try:
            for task_num, split in enumerate(splits):
                map_outputs.append(self._map_task(step_num, task_num, split, desc, jobconf,
                                                  counters, has_reducer))
                progress.update(100 * (task_num + 1) // len(splits))
        finally:
            end_progress()  # a failure's message starts on a line of its own
        if not has_reducer:
            progress.done()
            return [Source("output of step %d, part-%05d" % (step_num + 1, num), "", out)
                    for num, out in enumerate(map_outputs)]

        if sort_values:
            records = list(heapq.merge(*map_outputs))
        else:
            records = list(heapq.merge(*map_outputs, key=split_key))
        progress.map_done()
        outputs = []
        parts = partition_sorted(records, num_reducers, exact=reduces is not None)
        try:
            for task_num, part in enumerate(parts):
                outputs.append(self._reduce_task(step_num, task_num, part, jobconf, counters))
                progress.update(100, 100 * (task_num + 1) // len(parts))
        finally:
            end_progress()
        progress.done()
        return [Source("output of step %d, part-%05d" % (step_num + 1, num), "", out)
                for num, out in enumerate(outputs)]

    # --- tasks ---------------------------------------------------------------------------

    def _task_env(self, kind: str, step_num: int, task_num: int, jobconf: dict,
                  split: MapInput | None = None) -> dict:
        if split is not None and split.source.uri:
            return self._hadoop_task_env(kind, task_num, jobconf, 0, split.source.uri,
                                         split.start, split.length, working_dir=self._wd)
        return self._hadoop_task_env(kind, task_num, jobconf, working_dir=self._wd)

    def _new_task_job(self, step_num: int, kind: str, extra: tuple = ()):
        args = self._base_args + ["--step-num=%d" % step_num, "--" + kind] + list(extra)
        return self._job_class(args).sandbox()

    def _on_malformed(self, counters: _Counters, jobconf: dict):
        if jobconf.get(SKIP_MALFORMED_PROPERTY, "").lower() != "true":
            return None

        def skip(error: MalformedRecordError) -> None:
            counters.add("streamr", "malformed records skipped", 1)
            log.warning("skipped %s", error)

        return skip

    def _run_task(self, kind, step_num, task_num, env, counters, position, work, extra=()):
        with _task_context(env, self._wd):
            task = self._new_task_job(step_num, kind, extra)
            try:
                return work(task)
            except StreamrError:  # one line, no traceback
                raise
            except Exception as exc:
                self.failure = TaskFailure(step_num, len(self._steps), kind, task_num,
                                           str(position) if position.source else None)
                if hasattr(exc, "add_note"):
                    exc.add_note(str(self.failure))
                raise
            finally:
                counters.absorb_stderr(task.stderr.getvalue())

    def _map_task(self, step_num, task_num, group, desc, jobconf, counters, has_reducer):
        """One map task (with its combiner) over the :class:`MapInput` list
        *group*: sorted lines when the step has a reducer, else its output
        lines in the order the mapper wrote them."""
        # a packed task is told of its first file, as the local runner's are
        split = group[0]
        env = self._task_env("mapper", step_num, task_num, jobconf, split)
        position = Position(split.source.name, split.first_line - 1)
        all_lines = split.lines if len(group) == 1 else [
            line for member in group for line in member.lines]

        def records(read, skip):
            text = type(getattr(read, "__self__", None)) is TextValueProtocol
            for member in group:
                position.source = member.source.name
                position.line = member.first_line - 1
                if not text:
                    yield from decode_lines(member.lines, read, position, skip)
                    continue
                # the default input protocol: decoded and cut in blocks, as
                # the local runner's map tasks read it, where the lines are
                # lines of a file (one newline each, at the end)
                for chunk, block in _blocks(member.lines):
                    if block is None:
                        yield from decode_lines(chunk, read, position, skip)
                    else:
                        yield from decode_text_blocks((block,), position)

        extra: tuple = ()
        if step_num == 0 and desc.get("input_manifest"):
            path = split.source.path or os.path.abspath(split.source.name)
            extra = (path, split.source.uri or path)
        sort_values = bool(self._job_settings.get("sort_values"))

        def work(task):
            context_of(task, step_num).position = position  # for skip reports
            if "mapper" not in desc:
                pairs = None
            elif extra:
                pairs = task.map_pairs(iter(()), step_num)
            else:
                read, _ = context_of(task, step_num).protocols("mapper")
                skip = self._on_malformed(counters, jobconf)
                pairs = task.map_pairs(records(read, skip), step_num)
            if not has_reducer:
                if pairs is None:
                    return list(all_lines)
                _, write = context_of(task, step_num).protocols("mapper")
                return [write(k, v) + b"\n" for k, v in pairs]
            runs: list = []
            side = MapSide(context_of(task, step_num), runs.append, sort_values)
            if pairs is None:
                side.consume_lines(all_lines)
            else:
                side.consume_pairs(pairs)
            return runs[0] if len(runs) == 1 else list(heapq.merge(*runs, key=split_key))

        return self._run_task("mapper", step_num, task_num, env, counters, position, work, extra)

    def _reduce_task(self, step_num, task_num, lines, jobconf, counters) -> list:
        env = self._task_env("reducer", step_num, task_num, jobconf)
        position = Position("sorted input of reduce task %d of step %d" % (task_num, step_num + 1))

        def work(task):
            context_of(task, step_num).position = position
            read, write = context_of(task, step_num).protocols("reducer")
            pairs = decode_lines(lines, read, position, self._on_malformed(counters, jobconf))
            return [write(k, v) + b"\n" for k, v in task.reduce_pairs(pairs, step_num)]

        return self._run_task("reducer", step_num, task_num, env, counters, position, work)


# keep the option table honest: the inline runner reads these
for _name in ("cmdenv", "jobconf", "files", "dirs", "archives", "skip_malformed_records",
              "skip_failed_records"):
    assert "inline" in option(_name).runners
