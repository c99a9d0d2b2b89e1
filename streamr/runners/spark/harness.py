"""The Spark program that runs an ordinary job's steps with Hadoop's
semantics: ``spark-submit harness.py PLAN RESULT``.

The Spark runner writes a *plan* (JSON: the job script, its steps and
their Hadoop properties, the input files, where the output goes) and runs
this program on it, either in its own process (local masters, through a
shared ``SparkSession``) or through ``spark-submit`` (any other master);
other runners that submit to Spark can hand it the same plan.

Each step is two Spark jobs, planned the way the local runner plans
(:mod:`streamr.runners.local`), so the part files are the same bytes:

1. map tasks, one per partition, over the splits the local runner would
   cut (same number, same byte ranges); each writes sorted runs and
   returns their indexes;
2. reduce tasks: the runs' records go through Spark's shuffle, range
   partitioned on the key ranges the local runner would choose from the
   same indexes, sorted on key and then on where each record stood in the
   runs, so each reduce task sees the order a merge of the runs gives.

Map tasks and the reduce task's runs are files in the plan's temporary
directory, so every worker must see that directory (true of local masters
and of a cluster on one machine).
"""

from __future__ import annotations

import json
import os
import sys

from streamr.compat import jobconf_from_dict
from streamr.engine.partition import choose_boundaries
from streamr.engine.sortedruns import index_samples
from streamr.engine.splits import InputFile, Split, file_line_end, pack_splits, plan_splits
from streamr.errors import StepFailedException
from streamr.inputs import compression_of
from streamr.runners.local import INDEX_SAMPLES, SAMPLE_BUDGET, SPILL_BYTES, SPILL_BYTES_PROPERTY
from streamr.runners.spark.submit import FAILURE_MARKER
from streamr.runners.spark.tasks import (
    CountersParam,
    read_runs,
    run_map_partition,
    run_reduce_partition,
    task_failure,
)

__all__ = ["main", "run_plan"]


def _split_uri(split: Split) -> str:
    """The URI a map task is told it reads (as the local runner tells it)."""
    if split.label and "://" in split.label:
        return split.label
    return "file://" + os.path.abspath(split.path)


def _thin(entries: list, most: int) -> list:
    """Every k-th entry of a run's index (and the last), as the local
    runner keeps them, so the samples and so the key ranges are its own."""
    step = -(-len(entries) // most)
    return entries if step <= 1 else entries[:-1:step] + entries[-1:]


class _Step:
    """One streaming step of the plan, run on a Spark context."""

    def __init__(self, plan: dict, step_num: int, spark_context):
        self.plan = plan
        self.num = step_num
        self.sc = spark_context
        step = plan["steps"][step_num]
        self.desc = step["desc"]
        self.jobconf = step["jobconf"]
        self.sort_values = bool(plan.get("sort_values"))
        self.counters = spark_context.accumulator({}, CountersParam())
        self.reports: list = []

    # --- planning, as the local runner plans ------------------------------------------

    def _map_groups(self, files: list) -> list:
        max_split = jobconf_from_dict(self.jobconf,
                                      "mapreduce.input.fileinputformat.split.maxsize")
        if self.num == 0 and self.desc.get("input_manifest"):
            return [[Split(path, 0, os.path.getsize(path), True, label)]
                    for path, label in files]
        inputs = [InputFile(path, label, os.path.getsize(path),
                            compression_of(path, label) is not None) for path, label in files]
        target = 2 * self.plan["num_cores"]
        largest = int(max_split) if max_split else None
        return pack_splits(plan_splits(inputs, target, largest,
                                       file_line_end([path for path, _ in files])),
                           target, largest)

    def _map_tasks(self, groups: list, part_dir: str | None) -> list:
        spill = int(self.jobconf.get(SPILL_BYTES_PROPERTY) or SPILL_BYTES)
        manifest = self.num == 0 and self.desc.get("input_manifest")
        tasks = []
        for num, group in enumerate(groups):
            first = group[0]
            where = ("%d files, %s to %s" % (len(group), first.label, group[-1].label)
                     if len(group) > 1 else
                     "%s (bytes %d-%d)" % (first.label, first.start, first.start + first.length))
            described = [{"path": s.path, "start": s.start, "length": s.length,
                          "compressed": s.compressed, "label": s.label} for s in group]
            tasks.append({
                "spec": {"kind": "map", "input": described[0] if len(described) == 1
                         else described, "sort_values": self.sort_values,
                         "spill_bytes": spill, "progress_path": None,
                         "part_path": None if part_dir is None
                         else os.path.join(part_dir, "part-%05d" % num)},
                "split": {"uri": _split_uri(first), "start": first.start,
                          "length": first.length},
                "extra": [first.path, _split_uri(first)] if manifest else [],
                "where": where,
            })
        return tasks

    # --- running ------------------------------------------------------------------------

    def run(self, files: list, out_dir: str, progress=None) -> list:
        """Run the step over *files* (``(path, label)``), writing its part
        files in *out_dir*; return them as the next step's files. Given a
        *progress* factory (``has_reducer -> StepProgress``), the step's
        progress is shown as each Spark job ends."""
        reduces = jobconf_from_dict(self.jobconf, "mapreduce.job.reduces")
        num_reducers = int(reduces) if reduces is not None else 2 * self.plan["num_cores"]
        has_reducer = "reducer" in self.desc and num_reducers > 0
        groups = self._map_groups(files)
        tasks = self._map_tasks(groups, None if has_reducer else out_dir)
        shown = progress(has_reducer) if progress is not None else None
        mapped = self._collect(
            self.sc.parallelize(range(len(tasks)), max(1, len(tasks))).mapPartitionsWithIndex(
                run_map_partition(self.plan, self.num, tasks, self.counters)))
        label = "output of step %d" % (self.num + 1)
        if shown is not None:
            (shown.map_done if has_reducer else shown.done)()
        if not has_reducer:
            return [(os.path.join(out_dir, "part-%05d" % n), label) for n in range(len(tasks))]
        mapped.sort(key=lambda result: result["task"])
        runs = [run for result in mapped for run in result["runs"]]
        keep = max(INDEX_SAMPLES, SAMPLE_BUDGET // max(len(runs), 1))
        samples = index_samples([_thin(index, keep) for _, index in runs])
        bounds = choose_boundaries(samples, num_reducers, exact=reduces is not None)
        if reduces is None:
            num_reducers = len(bounds) + 1
        spec = {"merge_factor": None, "sort_values": self.sort_values}
        items = [(num, path) for num, (path, _) in enumerate(runs)]
        records = self.sc.parallelize(items, max(1, len(tasks))).flatMap(
            read_runs(bounds, self.sort_values))
        ordered = records.repartitionAndSortWithinPartitions(
            num_reducers, partitionFunc=_reducer_of)
        self._collect(ordered.mapPartitionsWithIndex(
            run_reduce_partition(self.plan, self.num, spec, out_dir, self.counters)))
        if shown is not None:
            shown.done()
        return [(os.path.join(out_dir, "part-%05d" % n), label) for n in range(num_reducers)]

    def _collect(self, rdd) -> list:
        """Run *rdd*'s tasks; a task that failed becomes the
        :class:`StepFailedException` naming it, with the job's traceback."""
        try:
            results = rdd.collect()
        except Exception as exc:
            said = task_failure(str(exc))
            if said is None:
                raise
            raise StepFailedException(said.get("reason"), step_num=self.num,
                                      num_steps=self.plan["num_steps"],
                                      details=said.get("details")) from None
        for result in results:
            self.reports.extend(result.get("reports") or ())
        return results


def _reducer_of(key: tuple) -> int:
    return key[0]


def run_plan(plan: dict, spark_context, progress=None) -> dict:
    """Run the streaming steps *plan* names (``first_step`` to
    ``last_step``) on *spark_context*. Returns the counters of each step,
    the reports of skipped records and the last step's part files. Given
    *progress* (``(step_num, has_reducer) -> StepProgress``), each step
    shows its progress."""
    files = [tuple(pair) for pair in plan["inputs"]]
    counters, reports = {}, []
    first, last = plan["first_step"], plan["last_step"]
    for step_num in range(first, last + 1):
        out_dir = plan["output_dir"] if step_num == last else os.path.join(
            plan["tmp_dir"], "step-%d-output" % step_num)
        os.makedirs(out_dir, exist_ok=True)
        step = _Step(plan, step_num, spark_context)
        shown = None if progress is None else (
            lambda has_reducer, num=step_num: progress(num, has_reducer))
        try:
            files = step.run(files, out_dir, shown)
        finally:
            counters[step_num] = step.counters.value
            reports.extend(step.reports)
    return {"counters": counters, "reports": reports, "outputs": files}


def main(argv: list | None = None) -> int:
    """``spark-submit harness.py PLAN RESULT``: run *PLAN* (JSON) and
    write what :func:`run_plan` returns to *RESULT*. A failed task ends
    the program with the job's traceback and a
    :data:`~streamr.runners.spark.submit.FAILURE_MARKER` line on stderr."""
    from pyspark.sql import SparkSession

    plan_path, result_path = (argv if argv is not None else sys.argv[1:])[:2]
    with open(plan_path, encoding="utf_8") as handle:
        plan = json.load(handle)
    # JSON keys are strings; the harness numbers steps with ints
    plan["steps"] = {int(num): step for num, step in plan["steps"].items()}
    spark = SparkSession.builder.appName(plan.get("app_name") or "streamr").getOrCreate()
    try:
        result = run_plan(plan, spark.sparkContext)
    except StepFailedException as exc:
        if exc.details:
            sys.stderr.write(exc.details.rstrip("\n") + "\n")
        sys.stderr.write(FAILURE_MARKER + json.dumps({
            "reason": exc.reason, "step_num": exc.step_num, "num_steps": exc.num_steps,
            "details": exc.details}) + "\n")
        return 1
    finally:
        spark.stop()
    with open(result_path, "w", encoding="utf_8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
