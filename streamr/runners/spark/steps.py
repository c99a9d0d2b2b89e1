"""mrjob's Spark job types, as ``spark-submit`` runs them.

A job's Spark steps (``spark``: the job's own Spark function;
``spark_jar``: a jar; ``spark_script``: a separate Python script) are
described as plain dicts (:mod:`streamr.step`). Whatever runner runs them,
the program ``spark-submit`` starts and its arguments are worked out the
same way, here: :func:`spark_step_app`. The runners that run steps on this
machine (inline, local) also share :func:`submit_here`, which runs one step
with a local master (or the ``spark_master`` option) inside a working
directory holding the job's files, and :func:`move_parts`, which takes the
part files Spark wrote.

Nothing here imports pyspark: ``spark-submit`` starts its own processes.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil

import streamr
from streamr.errors import UsageError
from streamr.step import GENERIC_ARGS, INPUT, OUTPUT, SPARK_STEP_TYPES

__all__ = [
    "step_groups",
    "check_can_submit",
    "check_spark_steps",
    "executor_env_conf",
    "interpolate",
    "is_spark_step",
    "move_parts",
    "option_spark_args",
    "shipped_files",
    "spark_step_app",
    "step_spark_args",
    "submit_here",
    "submit_options",
    "uses_python",
]

log = logging.getLogger(__name__)

# the directory holding the streamr package, put first on the Python path
# of a Spark program started here, so the job file finds this streamr even
# when it is not installed
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(streamr.__file__)))


def is_spark_step(desc: dict) -> bool:
    """Does the step description *desc* run through ``spark-submit``?"""
    return desc.get("type") in SPARK_STEP_TYPES


def step_groups(steps: list) -> list:
    """``(first, last)`` step numbers of each run of consecutive streaming
    steps in *steps* (descriptions), which the harness runs as one Spark
    program, and of each Spark step alone."""
    groups: list = []
    for num, desc in enumerate(steps):
        alone = is_spark_step(desc)
        if groups and not alone and not groups[-1][2]:
            groups[-1][1] = num
        else:
            groups.append([num, num, alone])
    return [(first, last) for first, last, _ in groups]


def uses_python(desc: dict) -> bool:
    """Does the step run Python code (the job's own, or a script), which
    needs streamr and the job's Python on Spark's executors?"""
    return desc.get("type") in ("spark", "spark_script")


def interpolate(args, *, input_uris: list, output_uri: str, generic_args: list) -> list:
    """*args* with :data:`~streamr.step.INPUT` replaced by the input URIs
    joined by commas, :data:`~streamr.step.OUTPUT` by *output_uri* and
    :data:`~streamr.step.GENERIC_ARGS` by the arguments in *generic_args*
    (spliced in, as many as there are)."""
    result: list = []
    for arg in args:
        if arg == INPUT:
            result.append(",".join(input_uris))
        elif arg == OUTPUT:
            result.append(output_uri)
        elif arg == GENERIC_ARGS:
            result.extend(generic_args)
        else:
            result.append(str(arg))
    return result


def spark_step_app(desc: dict, step_num: int, *, script: str, input_uris: list,
                   output_uri: str, generic_args: list) -> tuple:
    """``(app, main_class, app_args)`` for ``spark-submit`` to run step
    *step_num* described by *desc*:

    * ``spark``: the job *script*, with ``--step-num=N --spark``, the
      job's pass-through arguments (*generic_args*), then the input and
      the output;
    * ``spark_jar``: the step's jar and main class, with its args;
    * ``spark_script``: the step's script, with its args.

    In the args of the last two, the placeholders ``INPUT``, ``OUTPUT``
    and ``GENERIC_ARGS`` are replaced (see :func:`interpolate`)."""
    kind = desc.get("type")
    fill = dict(input_uris=list(input_uris), output_uri=output_uri,
                generic_args=list(generic_args))
    if kind == "spark":
        if not script:
            raise UsageError("step %d runs the job's spark() method, which needs the job's"
                             " script file" % (step_num + 1))
        args = ["--step-num=%d" % step_num, "--spark"] + list(generic_args) + [INPUT, OUTPUT]
        return script, None, interpolate(args, **fill)
    if kind == "spark_jar":
        return desc["jar"], desc.get("main_class"), interpolate(desc.get("args") or [], **fill)
    if kind == "spark_script":
        return desc["script"], None, interpolate(desc.get("args") or [], **fill)
    raise ValueError("step %d is a %s step, not a Spark step" % (step_num + 1, kind))


def step_spark_args(desc: dict) -> list:
    """The step's own arguments for ``spark-submit``: its ``spark_args``
    (for a step made from the job's ``spark()``, what the job's
    ``spark_args()`` returned). They follow the ``spark_args`` option on
    the command line, so where Spark lets the later one win, they do."""
    spark_args = desc.get("spark_args") or []
    if isinstance(spark_args, str) or not all(isinstance(arg, str) for arg in spark_args):
        raise UsageError("a Spark step's spark_args must be a list of strings, not %r"
                         % (spark_args,))
    return list(spark_args)


def check_spark_steps(steps: list) -> None:
    """Check every Spark step's own ``spark_args`` (see
    :func:`step_spark_args`), so a bad one fails before any work starts."""
    for desc in steps:
        if desc.get("type") in SPARK_STEP_TYPES:
            step_spark_args(desc)


def option_spark_args(opts: dict) -> list:
    """The ``spark_args`` option as words: each value split as a shell
    splits it (``--spark-args='--executor-memory 2g'``, as mrjob takes it)."""
    return [word for value in opts.get("spark_args") or [] for word in shlex.split(value)]


def submit_options(opts: dict, **overrides) -> dict:
    """*opts* as :func:`~streamr.runners.spark.submit.spark_submit_argv`
    takes them: ``spark_args`` as :func:`option_spark_args` gives them,
    then *overrides*."""
    return dict(opts, spark_args=option_spark_args(opts), **overrides)


def executor_env_conf(cmdenv: dict | None) -> dict:
    """The ``cmdenv`` option as Spark properties that give every executor
    those environment variables (the driver gets them from its own
    environment)."""
    return {"spark.executorEnv.%s" % name: value for name, value in (cmdenv or {}).items()}


def submit_here(opts: dict, desc: dict, step_num: int, num_steps: int, *, script: str | None,
                input_uris: list, output_dir: str, generic_args: list, working_dir: str,
                jobconf: dict, tmp_dir: str) -> None:
    """Run the Spark step *desc* with ``spark-submit`` on this machine (the
    master is the ``spark_master`` option, ``local[*]`` by default), in
    *working_dir* (the job's files, archives and dirs, where the job's code
    finds them by name), reading *input_uris* and writing *output_dir*
    (which must not exist yet: Spark creates it). Raises
    :class:`~streamr.errors.StepFailedException` with the job's traceback
    when the step fails."""
    from streamr.runners.spark import submit

    submit.check_java()
    app, main_class, app_args = spark_step_app(
        desc, step_num, script=script or "", input_uris=input_uris, output_uri=output_dir,
        generic_args=generic_args)
    confs = executor_env_conf(opts.get("cmdenv"))
    confs.update(jobconf)
    argv = submit.spark_submit_argv(
        submit_options(opts), app=app, app_args=app_args, main_class=main_class,
        py_files=[submit.zip_streamr(tmp_dir)] if uses_python(desc) else (),
        files=shipped_files(working_dir, opts.get("spark_master")),
        jobconf=confs, extra_spark_args=step_spark_args(desc))
    env = dict(os.environ)
    env["PYTHONPATH"] = _PACKAGE_PARENT + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(opts.get("cmdenv") or {})
    # the Spark program's working directory holds the job's files, as a
    # task's does; spark-submit is started from it by a shell (it takes no
    # directory of its own)
    in_dir = ["/bin/sh", "-c", 'cd "$1" && shift && exec "$@"', "sh", working_dir]
    log.info("running step %d of %d on Spark (%s)", step_num + 1, num_steps,
             opts.get("spark_master") or "local[*]")
    submit.run_spark_submit(in_dir + argv, env=env, step_num=step_num, num_steps=num_steps,
                            log_prefix="step %d: " % (step_num + 1))


def shipped_files(working_dir: str, master: str | None) -> list:
    """The files of *working_dir* to ship with ``--files`` to a master
    whose executors run elsewhere (each keeps its name there, which is its
    name in the working directory). A ``local`` master's executors share
    the working directory, so nothing is shipped; directories (``dirs``,
    unpacked ``archives``) cannot be shipped this way and are left out,
    with a warning."""
    if not master or master.startswith("local"):
        return []
    files = []
    for name in sorted(os.listdir(working_dir)):
        path = os.path.join(working_dir, name)
        if os.path.isdir(path):
            log.warning("%s is a directory; Spark's executors on %s do not get it (ship it"
                        " as an archive file with --files)", name, master)
        else:
            files.append(path)
    return files


def move_parts(spark_out: str, dest_dir: str) -> list:
    """Move the part files Spark wrote in *spark_out* into *dest_dir*
    (keeping their names, ``part-00000``...), leaving Spark's ``_SUCCESS``
    and checksum files behind; return their new paths in name order."""
    os.makedirs(dest_dir, exist_ok=True)
    moved = []
    for name in sorted(os.listdir(spark_out)):
        if name.startswith("part-"):
            target = os.path.join(dest_dir, name)
            shutil.move(os.path.join(spark_out, name), target)
            moved.append(target)
    shutil.rmtree(spark_out, ignore_errors=True)
    return moved


def check_can_submit(opts: dict, steps: list) -> None:
    """Before anything runs: when any of *steps* is a Spark step, Spark
    (pyspark or a ``spark-submit``) and Java must be there; each missing
    one is a :class:`~streamr.errors.UsageError` of one line."""
    if not any(is_spark_step(desc) for desc in steps):
        return
    from streamr.runners.spark import submit

    submit.find_spark_submit(opts)
    submit.check_java()
    for desc in steps:
        if is_spark_step(desc):
            step_spark_args(desc)
