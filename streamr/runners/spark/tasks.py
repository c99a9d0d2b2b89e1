"""The work one Spark partition does: one Hadoop task of an ordinary job.

A Spark partition is one map or reduce task, so a job's ``mapper_init``,
``reducer_final`` and the rest run once per task, as on Hadoop. Each task
runs the job file in task mode exactly as the local runner starts it
(``python job.py --step-num=N --mapper --local-task SPEC``), in a working
directory of its own holding the job's files, with Hadoop streaming's
environment: shell commands, pre-filters, protocols, counters and failures
behave as they do under ``-r local``, because the same task code runs.

These functions run in Spark's Python workers, so they take everything
they need as plain values (the plan is JSON) and import pyspark only for
the task's own attempt number.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile

import streamr
from streamr.compat import translate_jobconf
from streamr.engine.sortedruns import RunWriter, read_index
from streamr.runners.task_stderr import counters_from_stderr, skip_reports, task_end
from streamr.runners.workdir import WorkingDir

__all__ = ["CountersParam", "cut_part", "key_records", "route_lines", "run_map_partition",
           "run_reduce_partition", "split_share", "task_failure"]

#: what a failed task's error message starts with; the rest is JSON
#: (reason, details, step_num, num_steps) that the driver reads back out of
#: the exception Spark wraps it in
FAILURE_PREFIX = "streamr-spark-task-failed:"


def task_failure(text: str) -> dict | None:
    """The JSON a failed task's error carried, found in *text* (the message
    of the exception Spark raised on the driver), or ``None``."""
    at = text.find(FAILURE_PREFIX)
    if at < 0:
        return None
    decoder = json.JSONDecoder()
    try:
        found, _ = decoder.raw_decode(text[at + len(FAILURE_PREFIX):].lstrip())
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


class CountersParam:
    """Spark accumulator type for Hadoop counters, ``{group: {name: n}}``:
    tasks add their counters and the driver reads the sum."""

    def zero(self, value: dict) -> dict:
        return {}

    def addInPlace(self, total: dict, more: dict) -> dict:
        for group, counters in more.items():
            into = total.setdefault(group, {})
            for name, amount in counters.items():
                into[name] = into.get(name, 0) + amount
        return total


# --- the task's process --------------------------------------------------------


def _attempt() -> int:
    """This attempt's number (0 for the first), as Spark counts them."""
    from pyspark import TaskContext

    context = TaskContext.get()
    return context.attemptNumber() if context is not None else 0


def _task_props(plan: dict, kind: str, num: int, attempt: int, split: dict | None) -> dict:
    """The properties Hadoop gives each task on its own: ids, and for map
    tasks the input file and byte range (the rest are the step's)."""
    letter = "m" if kind != "reducer" else "r"
    job_id = plan["job_id"][len("job_"):]
    props = {
        "mapreduce.task.partition": str(num),
        "mapreduce.task.ismap": "true" if letter == "m" else "false",
        "mapreduce.task.id": "task_%s_%s_%06d" % (job_id, letter, num),
        "mapreduce.task.attempt.id": "attempt_%s_%s_%06d_%d" % (job_id, letter, num, attempt),
    }
    if split is not None:
        props.update({
            "mapreduce.map.input.file": split["uri"],
            "mapreduce.map.input.start": str(split["start"]),
            "mapreduce.map.input.length": str(split["length"]),
        })
    version = plan.get("hadoop_version")
    if version:
        props.update({translate_jobconf(name, version): value
                      for name, value in list(props.items())})
    return props


def _task_env(plan: dict, step: dict, kind: str, num: int, attempt: int, wd: str,
              split: dict | None) -> dict:
    """The task's environment: what this process has, streamr importable,
    the step's Hadoop properties (the runner made them with a stand-in for
    the working directory), this task's own, then ``cmdenv``."""
    env = dict(os.environ)
    parent = os.path.dirname(os.path.dirname(os.path.abspath(streamr.__file__)))
    env["PYTHONPATH"] = parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH")
                                  else "")
    env.update({name: value.replace(plan["wd_marker"], wd)
                for name, value in step["env"][kind].items()})
    env.update({name.replace(".", "_"): value
                for name, value in _task_props(plan, kind, num, attempt, split).items()})
    env.update(plan.get("cmdenv") or {})
    return env


def _local_root() -> str:
    """A directory on this executor's own disk for task files: Spark's
    per-application directory for shipped files (under the executor's
    ``spark.local.dir``), never a path the driver chose, so that nodes
    need share no disk."""
    from pyspark import SparkFiles

    # on a cluster's executor this is its work directory, given relative
    root = os.path.join(os.path.abspath(SparkFiles.getRootDirectory()), "streamr-tasks")
    os.makedirs(root, exist_ok=True)
    return root


def _job_files(plan: dict) -> tuple:
    """``(job script, working-directory entries)`` as this executor sees
    them. A plan with a ``bundle`` (a tar file the driver shipped through
    Spark) has them unpacked once per executor from Spark's copy; an older
    plan names the driver's own paths."""
    name = plan.get("bundle")
    if not name:
        return plan["script"], [tuple(entry) for entry in plan["working_dir"]]
    from pyspark import SparkFiles

    unpacked = os.path.join(_local_root(), "bundle-" + name)
    if not os.path.isdir(unpacked):
        # unpacked beside, then renamed: tasks running at once on one
        # executor never see half a bundle
        partial = tempfile.mkdtemp(prefix="partial-", dir=_local_root())
        with tarfile.open(SparkFiles.get(name)) as tar:
            tar.extractall(partial)
        try:
            os.rename(partial, unpacked)
        except OSError:  # another task got there first
            shutil.rmtree(partial, ignore_errors=True)
    script = os.path.join(unpacked, "script", os.path.basename(plan["script"]))
    entries = [(kind, os.path.join(unpacked, "wd", entry_name), entry_name)
               for kind, _, entry_name in plan["working_dir"]]
    return script, entries


def _working_dir(entries: list, wd: str) -> None:
    made = WorkingDir()
    for kind, path, name in entries:
        made.add(kind, "%s#%s" % (path, name))
    made.build(wd, os.path.join(_local_root(), "archives-%d" % os.getpid()))


def _new_task_dir(step_num: int, kind: str, num: int) -> str:
    """A fresh directory for one attempt of a task, on the executor's disk."""
    return tempfile.mkdtemp(prefix="step-%d-%s-%05d-" % (step_num, kind, num),
                            dir=_local_root())


def _run_task(plan: dict, step_num: int, kind: str, num: int, spec: dict,
              split: dict | None, extra: list, where: str | None, counters,
              task_dir: str) -> list:
    """Run one task's process in *task_dir*; add its counters to
    *counters*; return the reports of records it skipped. Raises
    ``RuntimeError`` (:data:`FAILURE_PREFIX` and JSON naming the step,
    the task and the job's traceback) when it fails."""
    step = plan["steps"][step_num]
    attempt = _attempt()
    wd = os.path.join(task_dir, "wd")
    script, entries = _job_files(plan)
    _working_dir(entries, wd)
    spec = dict(spec, run_dir=task_dir, step_num=step_num)
    spec_path = os.path.join(task_dir, "spec.json")
    with open(spec_path, "w", encoding="utf_8") as handle:
        json.dump(spec, handle)
    args = list(plan["python"]) + [script, "--step-num=%d" % step_num, "--" + kind,
                                   "--local-task", spec_path] + plan["task_args"] + extra
    if plan.get("setup"):
        args = ["/bin/sh", "-c", " && ".join(plan["setup"] + ['exec "$@"']), "sh"] + args
    env = _task_env(plan, step, kind, num, attempt, wd, split)
    stderr_path = os.path.join(task_dir, "stderr")
    with open(stderr_path, "wb") as err, open(os.path.join(task_dir, "stdout"), "wb") as out:
        status = subprocess.call(args, cwd=wd, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=err, env=env)
    found: dict = {}
    counters_from_stderr(stderr_path, found)
    counters.add(found)
    if status != 0:
        end = task_end(stderr_path)
        text = "%s task %d" % (kind, num)
        where = end.line_where or where
        if where:
            text += " reading %s" % where
        text += " failed (exit status %s)" % status
        if end.message:
            text += ": " + end.message
        # only this text crosses back to the driver, inside Spark's own error
        raise RuntimeError(FAILURE_PREFIX + " " + json.dumps({
            "reason": text, "details": end.details, "step_num": step_num,
            "num_steps": plan["num_steps"]}))
    return skip_reports(stderr_path)


# --- map tasks -----------------------------------------------------------------


def _lines_of(path: str):
    with open(path, "rb", buffering=1 << 20) as handle:
        yield from handle


def _write_inputs(records, described, task_dir: str):
    """Write a map task's input, which reached it through Spark's shuffle
    as ``((task, split position, offset), line)`` in order, into one file
    per split on this executor's disk; the split descriptions, now naming
    those files (whole), with their labels kept."""
    pieces = described if isinstance(described, list) else [described]
    paths = [os.path.join(task_dir, "input-%d" % pos) for pos in range(len(pieces))]
    sizes = [0] * len(pieces)
    with contextlib.ExitStack() as stack:
        handles = [stack.enter_context(open(path, "wb", buffering=1 << 20)) for path in paths]
        for (_, pos, _), line in records:
            handles[pos].write(line)
            sizes[pos] += len(line)
    local = [dict(piece, path=path, start=0, length=size, compressed=False)
             for piece, path, size in zip(pieces, paths, sizes)]
    return local if isinstance(described, list) else local[0]


def run_map_partition(plan: dict, step_num: int, tasks: list, counters,
                      has_reducer: bool = True, from_records: bool = False):
    """Spark's ``mapPartitionsWithIndex`` body for a step's map tasks:
    partition *index* runs map task *index* of *tasks* (their specs, made
    by the harness), reading its split from the input files, or (with
    *from_records*) from the records the previous step handed over.

    Yields first a dict (the task's number, its skipped-record reports
    and, with a reducer, its runs' indexes, for choosing key ranges; else
    the size of its output), then its output: ``(task, run, line number,
    line)`` for each line of its sorted runs, or the lines of its part
    file for a map-only step. The task's files live on the executor's own
    disk and are gone when the partition is done."""
    def body(index, records):
        task = tasks[index]
        task_dir = _new_task_dir(step_num, "map", index)
        try:
            spec = dict(task["spec"])
            if from_records:
                spec["input"] = _write_inputs(records, spec["input"], task_dir)
            part = None if has_reducer else os.path.join(task_dir, "part")
            spec["part_path"] = part
            reports = _run_task(plan, step_num, "mapper", index, spec, task["split"],
                                task["extra"], task["where"], counters, task_dir)
            meta = {"task": index, "reports": reports}
            if part is not None:
                meta["size"] = os.path.getsize(part)
                yield meta
                yield from _lines_of(part)
                return
            runs_file = os.path.join(task_dir, "runs.json")
            runs = []
            if os.path.exists(runs_file):
                with open(runs_file) as handle:
                    runs = json.load(handle)
            meta["indexes"] = [read_index(path) for path in runs]
            yield meta
            for run_num, path in enumerate(runs):
                for line_num, line in enumerate(_lines_of(path)):
                    yield index, run_num, line_num, line
        finally:
            shutil.rmtree(task_dir, ignore_errors=True)

    return body


def key_records(bounds: list, whole_line: bool):
    """Spark ``map`` body: a map task's ``(task, run, line number, line)``
    as ``((reducer, sort key, task, run, line number), line)``. The sort
    key is the record's key (the whole line with ``SORT_VALUES``); task,
    run and line numbers keep equal keys in the order one merge of every
    task's runs gives them, as the local runner's reduce tasks see them."""
    import bisect

    from streamr.engine.records import split_key

    def body(record):
        task, run_num, line_num, line = record
        key = split_key(line)
        return (bisect.bisect_right(bounds, key), line if whole_line else key, task, run_num,
                line_num), line

    return body


# --- reduce tasks ----------------------------------------------------------------


def run_reduce_partition(plan: dict, step_num: int, spec: dict, counters):
    """Spark ``mapPartitionsWithIndex`` body for reduce task *index*: its
    records arrive sorted; they become one sorted run (on the executor's
    disk) that the task's process reduces. Yields a dict (the task's
    number, reports and output size), then the lines of its part file."""
    def body(index, records):
        task_dir = _new_task_dir(step_num, "reduce", index)
        try:
            run_path = os.path.join(task_dir, "run")
            writer = RunWriter(run_path)
            writer.write_lines(line for _, line in records)
            writer.close()
            part = os.path.join(task_dir, "part")
            task_spec = dict(spec, kind="reduce", task_num=index, runs=[run_path], low=None,
                             high=None, part_path=part)
            reports = _run_task(plan, step_num, "reducer", index, task_spec, None, [], None,
                                counters, task_dir)
            yield {"task": index, "reports": reports, "size": os.path.getsize(part)}
            yield from _lines_of(part)
        finally:
            shutil.rmtree(task_dir, ignore_errors=True)

    return body


# --- handing a step's output to the next step's map tasks ------------------------------


def split_share(sizes: list, target: int, largest: int) -> int:
    """The bytes each split of whole lines takes when a step's output of
    parts of *sizes* is cut for about *target* map tasks, none over
    *largest*: the share :func:`~streamr.engine.splits.plan_splits` takes
    (rounded down, as for splits that end where lines end)."""
    return min(max(1, sum(sizes) // max(1, target)), largest)


def cut_part(size: int, largest: int):
    """Spark ``mapPartitionsWithIndex`` body over a step's output (part
    *index*'s lines): the byte ranges the local runner's split planner
    (:func:`streamr.engine.splits.plan_splits`) cuts that part file into,
    splits of *size* bytes ending where a line ends, none over *largest*,
    found in one pass over the lines. Yields ``(part, start, length)``."""
    def body(index, lines):
        cuts = []
        start = pos = 0
        target = size
        for line in lines:
            line_start = pos
            pos += len(line)
            # the line holding byte target-1 ends the split (capped)
            while line_start <= target - 1 < pos:
                end = min(max(pos, target), start + largest)
                cuts.append((start, end))
                start = end
                target = start + size
        total = pos
        cuts = [(s, min(e, total)) for s, e in cuts if s < total]
        start = cuts[-1][1] if cuts else 0
        while start < total:
            end = min(start + size, total)
            cuts.append((start, end))
            start = end
        if total == 0:
            cuts.append((0, 0))
        for start, end in cuts:
            yield index, start, end - start

    return body


def route_lines(owners: dict):
    """Spark ``mapPartitionsWithIndex`` body over a step's output: each
    line of part *index* as ``((map task, split position, offset), line)``
    for the next step's map task whose split holds the byte the line
    starts at (Hadoop's rule). *owners* maps a part to its splits'
    ``[(start, task, position)]`` in order."""
    import bisect

    def body(index, lines):
        splits = owners.get(index) or []
        starts = [start for start, _, _ in splits]
        pos = 0
        for line in lines:
            at = bisect.bisect_right(starts, pos) - 1
            _, task, place = splits[at]
            yield (task, place, pos), line
            pos += len(line)

    return body
