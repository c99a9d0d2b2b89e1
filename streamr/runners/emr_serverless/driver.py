"""The Spark program a job run of an ordinary job executes on EMR
Serverless: ``driver.py PLAN RESULT OUTPUT SOURCE...``, every argument a
URI (``s3://`` on EMR Serverless).

EMR Serverless hands a job run only URIs. This program, on the driver,
copies through Spark's own Hadoop filesystem (EMRFS on EMR Serverless, so
the job run's execution role decides what it may read) the plan, the job
script and the working directory's files (the *SOURCE* URIs; the plan
names them ``@0``, ``@1``, ...) into a local directory and bundles them
for Spark to ship to the executors
(:mod:`streamr.runners.spark.bundle`). The harness
(:mod:`streamr.runners.spark.harness`) reads the inputs, also *SOURCE*
URIs, with Spark's Hadoop input, hands map output to the reduce side
through Spark's shuffle and writes the last step's part files to
*OUTPUT* with Spark's Hadoop output: no executor needs the driver's disk.
The harness's result (counters, skipped records) goes to *RESULT* as
JSON.

A failed task ends the program as the harness ends it: the job's
traceback and the failure line on stderr, which EMR Serverless keeps in
the driver's log for the runner to read.

This file runs on the job run's Python (3.9 on EMR 7), with streamr on the
path from ``--py-files``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

__all__ = ["job_file_sources", "main", "resolve_sources"]

#: how the plan names the local copy of source number N
SOURCE_PREFIX = "@"


def _number(value) -> int | None:
    if isinstance(value, str) and value.startswith(SOURCE_PREFIX):
        return int(value[len(SOURCE_PREFIX):])
    return None


def job_file_sources(plan: dict) -> list:
    """The numbers of the sources that are job files (the script and the
    working directory's entries): the ones the driver copies and bundles."""
    named = [plan["script"]] + [path for _, path, _ in plan["working_dir"]]
    return [num for num in map(_number, named) if num is not None]


def resolve_sources(plan: dict, local: dict, sources: list) -> dict:
    """*plan* with each ``@N`` of a job file replaced by its local copy
    ``local[N]``, and its inputs as the URIs Spark reads
    (``input_uris``)."""
    def real(value: str) -> str:
        num = _number(value)
        return local[num] if num is not None else value

    plan = dict(plan)
    plan["script"] = real(plan["script"])
    plan["working_dir"] = [[kind, real(path), name] for kind, path, name in plan["working_dir"]]
    plan["input_uris"] = [sources[_number(path)] if _number(path) is not None else path
                          for path, _ in plan["inputs"]]
    plan["inputs"] = []
    return plan


class _HadoopFiles:
    """Copies between this machine and any URI Spark's Hadoop can reach."""

    def __init__(self, spark_context):
        self._jvm = spark_context._jvm
        self._conf = spark_context._jsc.hadoopConfiguration()

    def _path(self, uri: str):
        return self._jvm.org.apache.hadoop.fs.Path(uri)

    def _fs(self, path):
        return path.getFileSystem(self._conf)

    def get(self, uri: str, local: str) -> None:
        source = self._path(uri)
        # the raw local filesystem writes no .crc files beside the copy
        self._fs(source).copyToLocalFile(False, source, self._path("file://" + local), True)

    def put(self, local: str, uri: str) -> None:
        target = self._path(uri)
        self._fs(target).copyFromLocalFile(False, True, self._path("file://" + local), target)


def main(argv: list | None = None) -> int:
    from pyspark.sql import SparkSession

    from streamr.errors import StepFailedException
    from streamr.runners.spark.bundle import bundle_name, make_bundle
    from streamr.runners.spark.harness import report_step_failure, run_plan

    args = list(argv if argv is not None else sys.argv[1:])
    plan_uri, result_uri, output_uri, sources = args[0], args[1], args[2], args[3:]
    spark = SparkSession.builder.getOrCreate()
    files = _HadoopFiles(spark.sparkContext)
    work = tempfile.mkdtemp(prefix="streamr-")
    try:
        plan_path = os.path.join(work, "plan.json")
        files.get(plan_uri, plan_path)
        with open(plan_path, encoding="utf_8") as handle:
            plan = json.load(handle)
        local = {}
        for num in job_file_sources(plan):
            uri = sources[num]
            folder = os.path.join(work, "sources", str(num))
            os.makedirs(folder)
            local[num] = os.path.join(folder, uri.rstrip("/").rsplit("/", 1)[-1])
            files.get(uri, local[num])
        plan = resolve_sources(plan, local, sources)
        plan["steps"] = {int(num): step for num, step in plan["steps"].items()}
        plan["tmp_dir"] = os.path.join(work, "tmp")
        plan["output_dir"] = os.path.join(work, "output")
        plan["output_uri"] = output_uri
        os.makedirs(plan["tmp_dir"])
        plan["bundle_path"] = make_bundle(
            os.path.join(work, bundle_name(plan["app_name"])), plan["script"],
            plan["working_dir"])
        plan["bundle"] = os.path.basename(plan["bundle_path"])
        try:
            result = run_plan(plan, spark.sparkContext)
        except StepFailedException as exc:
            report_step_failure(exc)
            return 1
        result = dict(result, outputs=[])  # written by Spark to OUTPUT
        result_path = os.path.join(work, "result.json")
        with open(result_path, "w", encoding="utf_8") as handle:
            json.dump(result, handle)
        files.put(result_path, result_uri)
        return 0
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
