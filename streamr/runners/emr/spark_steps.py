"""A job's Spark steps on EMR: ``command-runner.jar`` running
``spark-submit`` on YARN.

EMR runs a Spark step as the command line ``spark-submit --master yarn
--deploy-mode cluster ... APP ARGS`` given to ``command-runner.jar``. The
program and its arguments are the ones every runner works out
(:func:`streamr.runners.spark.steps.spark_step_app`); here they get the
URIs the cluster reads: the job script, the step's script or jar, and the
files of the task working directory, uploaded with the streaming steps'
(:class:`~streamr.runners.emr.steps.StreamingPlan`), shipped with
``--files``/``--archives`` so the job's code finds them by name in its
working directory, and streamr itself as ``--py-files``.

The cluster must have Spark among its applications; the EMR runner adds
it to a cluster it starts (as mrjob does). Pure functions; nothing here
calls AWS.
"""

from __future__ import annotations

import logging

from streamr.option_type import looks_secret
from streamr.runners.emr.steps import StreamingPlan
from streamr.runners.spark.steps import (
    executor_env_conf,
    spark_step_app,
    step_spark_args,
    submit_options,
    uses_python,
)
from streamr.runners.uploads import STREAMR_ZIP

__all__ = ["SPARK_APPLICATION", "check_runs_spark", "spark_step", "with_spark_application"]

log = logging.getLogger(__name__)

#: the EMR application a cluster needs to run Spark steps
SPARK_APPLICATION = "Spark"


def with_spark_application(applications: list | None) -> list:
    """*applications* (the ``applications`` option) with Spark added,
    unless it is there already in any spelling."""
    applications = list(applications or [])
    if not any(str(name).lower() == "spark" for name in applications):
        applications.append(SPARK_APPLICATION)
    return applications


def check_runs_spark(cluster_id: str, cluster: dict) -> None:
    """Refuse, in one line, to send Spark steps to the cluster the user
    named (*cluster*, as DescribeCluster describes it) when it lists its
    applications and Spark is not among them: ``spark-submit`` is not
    there, and each step would fail on the cluster."""
    from streamr.errors import UsageError

    names = [str(app.get("Name")) for app in cluster.get("Applications") or ()
             if app.get("Name")]
    if names and not any(name.lower() == "spark" for name in names):
        raise UsageError("cluster %s has no Spark (its applications: %s), and the job has"
                         " Spark steps; start a cluster with --application Spark, or leave"
                         " out --cluster-id" % (cluster_id, ", ".join(names)))


def _driver_and_executor_env(opts: dict) -> dict:
    """Spark properties giving the driver (in YARN's application master,
    in cluster mode) and every executor the ``cmdenv`` variables and the
    Python to run. Secret-looking variables are left out: a step's
    arguments are kept in EMR's step records and logs."""
    cmdenv = {}
    for name, value in (opts.get("cmdenv") or {}).items():
        if looks_secret(name):
            log.warning("cmdenv %s is not given to Spark steps (it looks secret, and a Spark"
                        " step's settings are kept in EMR's step records)", name)
            continue
        cmdenv[name] = value
    python = opts.get("task_python_bin") or ["python3"]
    cmdenv.setdefault("PYSPARK_PYTHON", " ".join(python) if not isinstance(python, str)
                      else python)
    confs = executor_env_conf(cmdenv)
    confs.update({"spark.yarn.appMasterEnv.%s" % name: value for name, value in cmdenv.items()})
    return confs


def spark_step(desc: dict, step_num: int, plan: StreamingPlan, *, opts: dict, script_uri: str,
               app_uri: str | None, inputs: list, output: str, jobconf: dict) -> dict:
    """The ``HadoopJarStep`` of Spark step *step_num* (description
    *desc*): ``command-runner.jar`` with ``spark-submit``'s arguments.
    *script_uri* is the job script's URI, *app_uri* the step's own script
    or jar (uploaded), *plan* the working directory's files and archives
    and the job's task arguments, *jobconf* the step's Hadoop properties."""
    from streamr.runners.spark.submit import spark_submit_argv

    app, main_class, app_args = spark_step_app(
        desc, step_num, script=script_uri, input_uris=inputs, output_uri=output,
        generic_args=plan.task_args)
    if desc["type"] != "spark":
        app = app_uri or app
    streamr_zip = [uri for uri, name in plan.files if name == STREAMR_ZIP]
    files = ["%s#%s" % (uri, name) for uri, name in plan.files
             if name != STREAMR_ZIP and name != plan.setup_wrapper]
    archives = ["%s#%s" % pair for pair in plan.archives]
    confs = _driver_and_executor_env(opts)
    confs.update(jobconf)
    submit_opts = submit_options(opts, spark_submit_bin="spark-submit", spark_master="yarn",
                                 spark_deploy_mode=opts.get("spark_deploy_mode") or "cluster")
    argv = spark_submit_argv(
        submit_opts, app=app, app_args=app_args, main_class=main_class,
        py_files=streamr_zip if uses_python(desc) else (), files=files, archives=archives,
        jobconf=confs, extra_spark_args=step_spark_args(desc))
    return {"Jar": "command-runner.jar", "Args": argv}
