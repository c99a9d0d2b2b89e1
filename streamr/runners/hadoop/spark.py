"""Spark steps on a Hadoop cluster: ``spark-submit --master yarn``.

A job's Spark steps (``SparkStep``, ``SparkJarStep``, ``SparkScriptStep``)
run on the cluster's YARN through the ``spark-submit`` of the machine the
job starts from, which on a Hadoop gateway or master node is the
cluster's own Spark. The command line is the one the EMR runner sends to
``command-runner.jar`` (:func:`streamr.runners.emr.spark_steps.spark_step`):
the job script, the step's own script or jar and the task working
directory's files read from the run's directory on HDFS, streamr itself as
``--py-files``, the step's Hadoop properties as ``--conf``.

Which ``spark-submit``: the ``spark_submit_bin`` option, else
``$SPARK_HOME/bin/spark-submit``, else ``spark-submit`` on ``PATH`` (the
cluster's, configured for its YARN), else the one bundled with pyspark.
"""

from __future__ import annotations

import logging
import os
import shutil

__all__ = ["spark_submit_for_yarn", "run_spark_step"]

log = logging.getLogger(__name__)


def spark_submit_for_yarn(opts: dict) -> str:
    """The ``spark-submit`` that submits to the cluster's YARN; a
    :class:`~streamr.errors.UsageError` in one line when there is none."""
    from streamr.errors import UsageError
    from streamr.runners.spark.submit import find_spark_submit

    if opts.get("spark_submit_bin"):
        configured = find_spark_submit(opts)
        if not shutil.which(configured):
            raise UsageError("spark_submit_bin %s is not a program that can be run"
                             % configured)
        return configured
    spark_home = os.environ.get("SPARK_HOME")
    if spark_home:
        candidate = os.path.join(spark_home, "bin", "spark-submit")
        if os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which("spark-submit")
    if on_path:
        return on_path
    return find_spark_submit(opts)  # pyspark's own, or the one-line error


def run_spark_step(argv: list, *, opts: dict, step_num: int, num_steps: int) -> None:
    """Run Spark step *step_num*, whose ``spark-submit`` command line the
    step planner built as *argv* (its first word is a placeholder for the
    program). A failure raises :class:`~streamr.errors.StepFailedException`
    with the user's traceback found in Spark's output."""
    from streamr.runners.spark.submit import run_spark_submit

    program = spark_submit_for_yarn(opts)
    log.info("submitting step %d of %d to YARN with %s", step_num + 1, num_steps, program)
    run_spark_submit([program] + list(argv[1:]), step_num=step_num, num_steps=num_steps,
                     log_prefix="step %d: " % (step_num + 1))
