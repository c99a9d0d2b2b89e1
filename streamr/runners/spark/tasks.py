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

import json
import os
import subprocess

import streamr
from streamr.compat import translate_jobconf
from streamr.engine.sortedruns import RunWriter, read_index
from streamr.runners.task_stderr import counters_from_stderr, skip_reports, task_end
from streamr.runners.workdir import WorkingDir

__all__ = ["CountersParam", "run_map_partition", "run_reduce_partition",
           "task_failure"]

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


def _working_dir(plan: dict, wd: str) -> None:
    entries = WorkingDir()
    for kind, path, name in plan["working_dir"]:
        entries.add(kind, "%s#%s" % (path, name))
    entries.build(wd, os.path.join(plan["tmp_dir"], "archives-%d" % os.getpid()))


def _run_task(plan: dict, step_num: int, kind: str, num: int, spec: dict,
              split: dict | None, extra: list, where: str | None, counters) -> str:
    """Run one task's process; add its counters to *counters*; return its
    directory and the reports of records it skipped. Raises
    ``RuntimeError`` (:data:`FAILURE_PREFIX` and JSON naming the step,
    the task and the job's traceback) when it fails."""
    step = plan["steps"][step_num]
    attempt = _attempt()
    task_dir = os.path.join(plan["tmp_dir"], "step-%d" % step_num, "%s-%05d-%d" % (
        "map" if kind == "mapper" else "reduce", num, attempt))
    wd = os.path.join(task_dir, "wd")
    os.makedirs(task_dir, exist_ok=True)
    _working_dir(plan, wd)
    spec = dict(spec, run_dir=task_dir, step_num=step_num)
    spec_path = os.path.join(task_dir, "spec.json")
    with open(spec_path, "w", encoding="utf_8") as handle:
        json.dump(spec, handle)
    args = list(plan["python"]) + [plan["script"], "--step-num=%d" % step_num, "--" + kind,
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
    return task_dir, skip_reports(stderr_path)


# --- map tasks -----------------------------------------------------------------


def run_map_partition(plan: dict, step_num: int, tasks: list, counters):
    """Spark's ``mapPartitionsWithIndex`` body for a step's map tasks:
    partition *index* runs map task *index* of *tasks* (their specs, made
    by the harness). Yields one result: the task's number, its sorted runs
    and their indexes (for choosing reducer key ranges)."""
    def body(index, _):
        task = tasks[index]
        task_dir, reports = _run_task(plan, step_num, "mapper", index, task["spec"],
                                      task["split"], task["extra"], task["where"], counters)
        runs_file = os.path.join(task_dir, "runs.json")
        runs = []
        if os.path.exists(runs_file):
            with open(runs_file) as handle:
                runs = json.load(handle)
        yield {"task": index, "runs": [(path, read_index(path)) for path in runs],
               "reports": reports}

    return body


def read_runs(bounds: list, whole_line: bool):
    """Spark ``flatMap`` body: the lines of one sorted run, as
    ``((reducer, sort key, run number, line number), line)``. The sort key
    is the record's key (the whole line with ``SORT_VALUES``); run and line
    numbers keep equal keys in the order one merge of the runs gives them,
    as the local runner's reduce tasks see them."""
    import bisect

    from streamr.engine.records import split_key

    def body(item):
        run_num, path = item
        with open(path, "rb", buffering=1 << 20) as run:
            for line_num, line in enumerate(run):
                key = split_key(line)
                reducer = bisect.bisect_right(bounds, key)
                yield (reducer, line if whole_line else key, run_num, line_num), line

    return body


def run_reduce_partition(plan: dict, step_num: int, spec: dict, part_dir: str, counters):
    """Spark ``mapPartitionsWithIndex`` body for reduce task *index*: its
    records arrive sorted; they become one sorted run that the task's
    process reduces into ``part-NNNNN`` in *part_dir*."""
    def body(index, records):
        task_dir = os.path.join(plan["tmp_dir"], "step-%d" % step_num, "reduce-in-%05d-%d" % (
            index, _attempt()))
        os.makedirs(task_dir, exist_ok=True)
        run_path = os.path.join(task_dir, "run")
        writer = RunWriter(run_path)
        writer.write_lines(line for _, line in records)
        writer.close()
        task_spec = dict(spec, kind="reduce", task_num=index, runs=[run_path], low=None,
                         high=None, part_path=os.path.join(part_dir, "part-%05d" % index))
        _, reports = _run_task(plan, step_num, "reducer", index, task_spec, None, [], None,
                               counters)
        yield {"task": index, "reports": reports}

    return body
