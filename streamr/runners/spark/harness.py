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
   cut (same number, same byte ranges); each partition's output is its
   task's sorted runs, kept by Spark, headed by their indexes, which alone
   go to the driver to choose the key ranges;
2. reduce tasks: the runs' records go through Spark's shuffle, range
   partitioned on the key ranges the local runner would choose from the
   same indexes, sorted on key and then on where each record stood in the
   runs, so each reduce task sees the order a merge of the runs gives.

Nothing crosses a filesystem between nodes: the job's files come as one
bundle Spark ships (the plan's ``bundle``), tasks work on their executor's
disk, a step's output is handed to the next step's map tasks inside Spark
(cut as the local runner would cut those part files), and the last step's
output comes to the driver (``output_dir``) or is written by Spark's Hadoop
output (``output_uri``). Inputs are the driver's files as planned
(``inputs``) or URIs read by Spark's Hadoop input (``input_uris``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import sys

from streamr.compat import jobconf_from_dict
from streamr.engine.partition import choose_boundaries
from streamr.engine.sortedruns import index_samples
from streamr.engine.splits import (
    MAX_SPLIT,
    InputFile,
    Split,
    file_line_end,
    pack_splits,
    plan_splits,
)
from streamr.errors import StepFailedException, UsageError
from streamr.inputs import compression_of
from streamr.runners.local import INDEX_SAMPLES, SAMPLE_BUDGET, SPILL_BYTES, SPILL_BYTES_PROPERTY
from streamr.runners.spark.submit import FAILURE_MARKER
from streamr.runners.spark.tasks import (
    CountersParam,
    cut_part,
    key_records,
    route_lines,
    run_map_partition,
    run_reduce_partition,
    split_share,
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
        self.cached: list = []

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

    def _handed_groups(self, lines, sizes: list) -> tuple:
        """The map tasks' splits over the previous step's output, which is
        still in Spark (*lines*, one partition per part file of *sizes*
        bytes): cut where the local runner would cut those part files (the
        share :func:`plan_splits` takes for whole lines, found in one pass
        over each part), then packed as it packs them. Also, for
        :func:`route_lines`, which task and place each split has."""
        max_split = jobconf_from_dict(self.jobconf,
                                      "mapreduce.input.fileinputformat.split.maxsize")
        target = 2 * self.plan["num_cores"]
        largest = int(max_split) if max_split else MAX_SPLIT
        size = split_share(sizes, target, largest)
        cuts = sorted(lines.mapPartitionsWithIndex(cut_part(size, largest)).collect())
        before = os.path.join(self.plan["tmp_dir"], "step-%d-output" % (self.num - 1))
        label = "output of step %d" % self.num
        splits = [Split(os.path.join(before, "part-%05d" % part), start, length, False, label,
                        part) for part, start, length in cuts]
        groups = pack_splits(splits, target, int(max_split) if max_split else None)
        owners: dict = {}
        for task_num, group in enumerate(groups):
            for place, split in enumerate(group):
                owners.setdefault(split.source, []).append((split.start, task_num, place))
        return groups, owners

    def _map_tasks(self, groups: list) -> list:
        spill = int(self.jobconf.get(SPILL_BYTES_PROPERTY) or SPILL_BYTES)
        manifest = self.num == 0 and self.desc.get("input_manifest")
        tasks = []
        for group in groups:
            first = group[0]
            where = ("%d files, %s to %s" % (len(group), first.label, group[-1].label)
                     if len(group) > 1 else
                     "%s (bytes %d-%d)" % (first.label, first.start, first.start + first.length))
            described = [{"path": s.path, "start": s.start, "length": s.length,
                          "compressed": s.compressed, "label": s.label} for s in group]
            tasks.append({
                "spec": {"kind": "map", "input": described[0] if len(described) == 1
                         else described, "sort_values": self.sort_values,
                         "spill_bytes": spill, "progress_path": None, "part_path": None},
                "split": {"uri": _split_uri(first), "start": first.start,
                          "length": first.length},
                "extra": [first.path, _split_uri(first)] if manifest else [],
                "where": where,
            })
        return tasks

    # --- running ------------------------------------------------------------------------

    def run(self, files: list | None, handed: tuple | None, progress=None) -> tuple:
        """Run the step over input *files* (``(path, label)``) or, for a
        later step, over *handed* (the previous step's output lines in
        Spark and the size of each part). Returns this step's output the
        same way. Given a *progress* factory (``has_reducer ->
        StepProgress``), the step's progress is shown as each Spark job
        ends."""
        from pyspark import StorageLevel

        reduces = jobconf_from_dict(self.jobconf, "mapreduce.job.reduces")
        num_reducers = int(reduces) if reduces is not None else 2 * self.plan["num_cores"]
        has_reducer = "reducer" in self.desc and num_reducers > 0
        if handed is None:
            tasks = self._map_tasks(self._map_groups(files))
            source = self.sc.parallelize(range(len(tasks)), max(1, len(tasks)))
        elif handed[1] is None:
            # read by Hadoop's input format: each of its splits is a map task
            lines, _, labels = handed
            tasks = self._map_tasks([[Split(label, 0, 0, False, label)] for label in labels])
            for task, label in zip(tasks, labels):
                task["where"] = label  # Hadoop's byte ranges are not known here
            source = lines.mapPartitionsWithIndex(_numbered)
        else:
            groups, owners = self._handed_groups(*handed)
            tasks = self._map_tasks(groups)
            source = handed[0].mapPartitionsWithIndex(route_lines(owners)) \
                .repartitionAndSortWithinPartitions(len(tasks), partitionFunc=_first)
        shown = progress(has_reducer) if progress is not None else None
        # kept once computed: a map task must not run again (its _init and
        # _final, its counters) when the shuffle reads its output
        mapped = source.mapPartitionsWithIndex(run_map_partition(
            self.plan, self.num, tasks, self.counters, has_reducer,
            from_records=handed is not None)).persist(StorageLevel.MEMORY_AND_DISK)
        self.cached.append(mapped)
        metas = self._collect(mapped.filter(_is_meta))
        if shown is not None:
            (shown.map_done if has_reducer else shown.done)()
        if not has_reducer:
            return mapped.filter(_is_output), [meta["size"] for meta in metas]
        indexes = [index for meta in metas for index in meta["indexes"]]
        keep = max(INDEX_SAMPLES, SAMPLE_BUDGET // max(len(indexes), 1))
        samples = index_samples([_thin(index, keep) for index in indexes])
        bounds = choose_boundaries(samples, num_reducers, exact=reduces is not None)
        if reduces is None:
            num_reducers = len(bounds) + 1
        spec = {"merge_factor": None, "sort_values": self.sort_values}
        ordered = mapped.filter(_is_output).map(key_records(bounds, self.sort_values)) \
            .repartitionAndSortWithinPartitions(num_reducers, partitionFunc=_first)
        reduced = ordered.mapPartitionsWithIndex(run_reduce_partition(
            self.plan, self.num, spec, self.counters)).persist(StorageLevel.MEMORY_AND_DISK)
        self.cached.append(reduced)
        metas = self._collect(reduced.filter(_is_meta))
        if shown is not None:
            shown.done()
        return reduced.filter(_is_output), [meta["size"] for meta in metas]

    def _collect(self, rdd) -> list:
        """Run *rdd*'s tasks (their first records: what each task says of
        itself); a task that failed becomes the
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
        results.sort(key=lambda result: result["task"])
        for result in results:
            self.reports.extend(result.get("reports") or ())
        return results


def _is_meta(record) -> bool:
    return isinstance(record, dict)


def _is_output(record) -> bool:
    return not isinstance(record, dict)


def _numbered(index: int, lines):
    for num, line in enumerate(lines):
        yield (index, 0, num), line


def _with_newline(line: bytes) -> bytes:
    return line + b"\n"


def _hadoop_input(spark_context, uris: list) -> tuple:
    """The plan's ``input_uris`` read by Spark's own Hadoop filesystems
    and ``TextInputFormat`` (``hdfs://``, ``s3a://``...): each URI (a file,
    a directory of files, or a glob) is expanded by Hadoop, and each file
    read in Hadoop's splits. ``(lines, None, labels)``: the lines (UTF-8,
    as the JVM decoded and encoded them, with ``\n`` put back), one
    partition per split, and the URI of each split's file."""
    rdds, labels = [], []
    for uri in uris:
        with _said_in_one_line("cannot read input %s" % uri):
            _read_hadoop_uri(spark_context, uri, rdds, labels)
    return spark_context.union(rdds), None, labels


@contextlib.contextmanager
def _said_in_one_line(what: str):
    """A failure of Spark's Hadoop filesystem (a Java exception through
    Py4J: no such scheme, a name node that does not answer, an output that
    exists) as a :class:`UsageError` of one line: *what*, and the Java
    exception's own first line."""
    try:
        yield
    except Exception as exc:
        java = getattr(exc, "java_exception", None)
        if java is None:
            raise
        cause = java
        while cause.getCause() is not None:
            cause = cause.getCause()
        text = (str(cause.toString()) or str(java.toString())).splitlines()[0]
        raise UsageError("%s: %s" % (what, text)) from None


def _read_hadoop_uri(spark_context, uri: str, rdds: list, labels: list) -> None:
    """Add an RDD of each file *uri* names to *rdds*, and its splits'
    labels to *labels*."""
    jvm = spark_context._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    fs = path.getFileSystem(spark_context._jsc.hadoopConfiguration())
    found = []
    for status in fs.globStatus(path) or []:
        inside = fs.listStatus(status.getPath()) if status.isDirectory() else [status]
        found += [item.getPath().toString() for item in inside if item.isFile()
                  and not item.getPath().getName().startswith(("_", "."))]
    if not found:
        raise UsageError("input path %s matched no files" % uri)
    for name in sorted(found):
        rdd = spark_context.textFile(name, use_unicode=False).map(_with_newline)
        rdds.append(rdd)
        labels += [name] * rdd.getNumPartitions()


def _first(key: tuple) -> int:
    return key[0]


def _chunked(index: int, lines):
    """A partition's lines joined into pieces of about a megabyte, each
    with the partition's number, to cross to the driver in few records."""
    held: list = []
    size = 0
    for line in lines:
        held.append(line)
        size += len(line)
        if size >= 1 << 20:
            yield index, b"".join(held)
            held, size = [], 0
    if held:
        yield index, b"".join(held)


def _without_newline(line: bytes) -> bytes:
    return line[:-1] if line.endswith(b"\n") else line


def _write_output(plan: dict, lines, num_parts: int, label: str) -> list:
    """Write the last step's output (*lines*, one partition per part).

    With an ``output_uri`` in the plan, through Spark's own Hadoop output
    (``hdfs://``, ``s3a://``, ``file://``...): Hadoop's text output writes
    each line decoded as UTF-8 and ends it with a newline, and the
    directory gets ``_SUCCESS``. Otherwise the parts come to the driver, a
    partition at a time, and are written into ``output_dir`` as the bytes
    the tasks made."""
    uri = plan.get("output_uri")
    if uri:
        with _said_in_one_line("cannot write output %s" % uri):
            lines.map(_without_newline).saveAsTextFile(uri)
        return [(uri.rstrip("/") + "/part-%05d" % num, label) for num in range(num_parts)]
    out_dir = plan["output_dir"]
    os.makedirs(out_dir, exist_ok=True)
    paths = [os.path.join(out_dir, "part-%05d" % num) for num in range(num_parts)]
    for path in paths:
        open(path, "wb").close()
    # partitions arrive one after another, in order
    arriving = lines.mapPartitionsWithIndex(_chunked).toLocalIterator()
    for part, chunks in itertools.groupby(arriving, key=_first):
        with open(paths[part], "ab") as handle:
            for _, chunk in chunks:
                handle.write(chunk)
    return [(path, label) for path in paths]


def _check_output_uri(spark_context, uri: str) -> None:
    """Refuse, before any work, an ``output_uri`` that exists (Hadoop's
    output would refuse it only once every step had run)."""
    with _said_in_one_line("cannot write output %s" % uri):
        path = spark_context._jvm.org.apache.hadoop.fs.Path(uri)
        exists = path.getFileSystem(spark_context._jsc.hadoopConfiguration()).exists(path)
    if exists:
        raise UsageError("output directory %s already exists; remove it or choose another"
                         % uri)


def _ship_bundle(plan: dict, spark_context) -> None:
    """Hand the job's files (the plan's ``bundle_path``, a tar the runner
    made) to Spark, which copies them to every executor."""
    if plan.get("bundle_path"):
        spark_context.addFile(plan["bundle_path"])


#: seconds to wait for cancelled Spark jobs to end before going on
CANCEL_SECONDS = 10.0


def _cancel(spark_context) -> None:
    """Cancel every Spark job, and wait (a little) until none is running:
    a session stopped while its jobs are still ending makes the JVM print
    stack traces of its own."""
    import time

    spark_context.cancelAllJobs()
    deadline = time.monotonic() + CANCEL_SECONDS
    tracker = spark_context.statusTracker()
    while tracker.getActiveJobsIds() and time.monotonic() < deadline:
        time.sleep(0.05)


def run_plan(plan: dict, spark_context, progress=None) -> dict:
    """Run the streaming steps *plan* names (``first_step`` to
    ``last_step``) on *spark_context*. Returns the counters of each step,
    the reports of skipped records and the last step's part files. Given
    *progress* (``(step_num, has_reducer) -> StepProgress``), each step
    shows its progress. Between steps, output stays in Spark; only the
    last step's is written."""
    if plan.get("output_uri"):
        _check_output_uri(spark_context, plan["output_uri"])
    _ship_bundle(plan, spark_context)
    handed = _hadoop_input(spark_context, plan["input_uris"]) if plan.get("input_uris") \
        else None
    files = [tuple(pair) for pair in plan["inputs"]]
    counters, reports, cached = {}, [], []
    first, last = plan["first_step"], plan["last_step"]
    try:
        for step_num in range(first, last + 1):
            step = _Step(plan, step_num, spark_context)
            shown = None if progress is None else (
                lambda has_reducer, num=step_num: progress(num, has_reducer))
            try:
                handed = step.run(files if handed is None else None, handed, shown)
            finally:
                counters[step_num] = step.counters.value
                reports.extend(step.reports)
                cached.extend(step.cached)
        outputs = _write_output(plan, handed[0], len(handed[1]),
                                "output of step %d" % (last + 1))
    except KeyboardInterrupt:
        _cancel(spark_context)
        raise
    finally:
        for rdd in cached:
            rdd.unpersist()
    return {"counters": counters, "reports": reports, "outputs": outputs}


def report_step_failure(exc: StepFailedException) -> None:
    """Tell whoever started this program, on stderr, why a step failed:
    the details (the job's traceback) as they are, then one
    :data:`~streamr.runners.spark.submit.FAILURE_MARKER` line the runner
    reads back."""
    if exc.details:
        sys.stderr.write(exc.details.rstrip("\n") + "\n")
    sys.stderr.write(FAILURE_MARKER + json.dumps({
        "reason": exc.reason, "step_num": exc.step_num, "num_steps": exc.num_steps,
        "details": exc.details}) + "\n")
    sys.stderr.flush()


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
    except UsageError as exc:  # an input or output Spark cannot use
        sys.stderr.write(FAILURE_MARKER + json.dumps({
            "reason": str(exc), "step_num": plan["first_step"],
            "num_steps": plan["num_steps"]}) + "\n")
        return 1
    except StepFailedException as exc:
        report_step_failure(exc)
        return 1
    finally:
        spark.stop()
    with open(result_path, "w", encoding="utf_8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
