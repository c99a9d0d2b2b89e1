"""A job's Spark steps (``SparkStep``, ``SparkJarStep``,
``SparkScriptStep``) as job runs of their own on EMR Serverless.

The program and its arguments are the ones every runner works out
(:func:`streamr.runners.spark.steps.spark_step_app`), given the URIs the
job run reads: the job script (or the step's script or jar) as the entry
point, the input URIs and the step's output directory as its arguments.
The job's files and archives go with ``--files``/``--archives``
(``URI#name``), so the job's code finds them by name in its working
directory, and streamr with ``--py-files`` for steps that run Python.
``cmdenv`` reaches the driver through EMR Serverless's
``spark.emr-serverless.driverEnv.*`` properties and the executors through
``spark.executorEnv.*``; the Python is ``task_python_bin`` (else the
image's ``python3``). Pure functions; nothing here calls AWS.
"""

from __future__ import annotations

from streamr.runners.emr_serverless.job_run import SparkSubmit
from streamr.runners.spark.steps import (
    executor_env_conf,
    spark_step_app,
    step_spark_args,
    uses_python,
)

__all__ = ["spark_step_submit"]


def _env_conf(opts: dict) -> dict:
    """Spark properties giving the driver and every executor the
    ``cmdenv`` variables and the Python to run."""
    cmdenv = dict(opts.get("cmdenv") or {})
    python = opts.get("task_python_bin") or ["python3"]
    cmdenv.setdefault("PYSPARK_PYTHON", python if isinstance(python, str) else " ".join(python))
    confs = executor_env_conf(cmdenv)
    confs.update({"spark.emr-serverless.driverEnv.%s" % name: value
                  for name, value in cmdenv.items()})
    return confs


def _conf(jobconf: dict) -> dict:
    """The step's properties as Spark takes them: Spark's own as they are,
    Hadoop's under ``spark.hadoop.``."""
    return {(name if name.startswith("spark.") else "spark.hadoop." + name):
            ("true" if value is True else "false" if value is False else str(value))
            for name, value in jobconf.items() if value is not None}


def spark_step_submit(desc: dict, step_num: int, *, opts: dict, script_uri: str,
                      app_uri: str | None, inputs: list, output: str, generic_args: list,
                      files: list, archives: list, streamr_zip: str,
                      jobconf: dict) -> SparkSubmit:
    """What a job run runs for Spark step *step_num* (description *desc*):
    *script_uri* is the job script's URI, *app_uri* the step's own script
    or jar (uploaded), *files* and *archives* ``URI#name`` entries,
    *jobconf* the step's properties."""
    app, main_class, app_args = spark_step_app(
        desc, step_num, script=script_uri, input_uris=inputs, output_uri=output,
        generic_args=generic_args)
    if desc["type"] != "spark":
        app = app_uri or app
    conf = _env_conf(opts)
    conf.update(_conf(jobconf))
    extra = (["--class", main_class] if main_class else []) + step_spark_args(desc)
    return SparkSubmit(entry_point=app, arguments=app_args,
                       py_files=[streamr_zip] if uses_python(desc) else [],
                       files=list(files), archives=list(archives), conf=conf,
                       spark_args=extra)
