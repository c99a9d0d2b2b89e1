"""The arguments of a Hadoop streaming step and of a jar step, built from a
step's description: what every runner that hands steps to a real Hadoop
(EMR through ``command-runner.jar``, a cluster of one's own through
``hadoop jar``) passes. Pure functions; nothing here runs anything.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from streamr.errors import UsageError
from streamr.runners.spark.steps import interpolate

__all__ = [
    "NLINE_INPUT_FORMAT",
    "StreamingPlan",
    "jar_args",
    "streaming_args",
]

#: input format for ``mapper_raw`` steps: one manifest line per map task
NLINE_INPUT_FORMAT = "org.apache.hadoop.mapred.lib.NLineInputFormat"
#: Hadoop generic options take ``-D name=value``; a property name never holds these
_SHELL_SPECIAL = set("|&;<>()$`\\\"' \t\n*?[#~=%")


@dataclass
class StreamingPlan:
    """What every streaming step of one run shares: files and archives in
    the task's working directory (``(uri, name)`` pairs), the command that
    runs the job script in task mode, its extra arguments, jobconf and
    environment, and the job's Hadoop classes."""

    files: list = field(default_factory=list)
    archives: list = field(default_factory=list)
    task_command: list = field(default_factory=list)  # e.g. ["python3", "job.py"]
    task_args: list = field(default_factory=list)
    setup_wrapper: str | None = None  # name of the setup script in the working dir
    jobconf: dict = field(default_factory=dict)
    cmdenv: dict = field(default_factory=dict)
    partitioner: str | None = None
    input_format: str | None = None
    output_format: str | None = None
    libjars: list = field(default_factory=list)  # URIs


def _quote(args: list) -> str:
    return " ".join(shlex.quote(str(arg)) for arg in args)


def _shell(command: str) -> str:
    """*command* as Hadoop streaming should run it: through ``/bin/sh -c``
    when it needs a shell (pipes, quotes, variables), else as it is."""
    if set(command) & (_SHELL_SPECIAL - {" ", "=", "%"}):
        return _quote(["/bin/sh", "-c", command])
    return command


def _task_command(plan: StreamingPlan, step_num: int, kind: str, substep: dict) -> str:
    """The ``-mapper``/``-combiner``/``-reducer`` command of one substep."""
    if substep.get("type") == "command":
        command = substep["command"]
        if plan.setup_wrapper:
            return _quote(["/bin/sh", plan.setup_wrapper, "/bin/sh", "-c", command])
        return _shell(command)
    args = list(plan.task_command) + ["--step-num=%d" % step_num, "--" + kind]
    args += plan.task_args
    if plan.setup_wrapper:
        args = ["/bin/sh", plan.setup_wrapper] + args
    pre_filter = substep.get("pre_filter")
    if pre_filter:
        return _quote(["/bin/sh", "-c", "%s | %s" % (pre_filter, _quote(args))])
    return _quote(args)


def streaming_args(desc: dict, step_num: int, plan: StreamingPlan, inputs: list,
                   output: str, last: bool = True, extra_args: list | tuple = ()) -> list:
    """The Hadoop streaming arguments of step *step_num* (description
    *desc*, from :meth:`streamr.step.MRStep.description`): Hadoop's
    generic options (``-files``, ``-archives``, ``-libjars``, ``-D``)
    first, as Hadoop requires, then *extra_args* (the user's own), then
    the streaming ones. The job's output format applies only to the
    *last* step."""
    if not inputs:
        raise UsageError("step %d has no input" % (step_num + 1))
    jobconf = dict(plan.jobconf)
    jobconf.update({k: str(v) for k, v in (desc.get("jobconf") or {}).items()})
    input_format = plan.input_format if step_num == 0 else None
    if desc.get("input_manifest") and step_num == 0:
        input_format = NLINE_INPUT_FORMAT
        jobconf.setdefault("mapreduce.input.lineinputformat.linespermap", "1")
    if "reducer" not in desc:
        jobconf.setdefault("mapreduce.job.reduces", "0")

    args = []
    if plan.files:
        args += ["-files", ",".join("%s#%s" % pair for pair in plan.files)]
    if plan.archives:
        args += ["-archives", ",".join("%s#%s" % pair for pair in plan.archives)]
    if plan.libjars:
        args += ["-libjars", ",".join(plan.libjars)]
    for name in sorted(jobconf):
        args += ["-D", "%s=%s" % (name, jobconf[name])]
    args += [str(arg) for arg in extra_args]
    if plan.partitioner:
        args += ["-partitioner", plan.partitioner]
    if input_format:
        args += ["-inputformat", input_format]
    # only the last step's output is the job's; an output format is about that
    if plan.output_format and last:
        args += ["-outputformat", plan.output_format]
    for uri in inputs:
        args += ["-input", uri]
    args += ["-output", output]
    if "mapper" in desc:
        args += ["-mapper", _task_command(plan, step_num, "mapper", desc["mapper"])]
    else:
        args += ["-mapper", "cat"]
    if "combiner" in desc:
        args += ["-combiner", _task_command(plan, step_num, "combiner", desc["combiner"])]
    if "reducer" in desc:
        args += ["-reducer", _task_command(plan, step_num, "reducer", desc["reducer"])]
    for name in sorted(plan.cmdenv):
        args += ["-cmdenv", "%s=%s" % (name, plan.cmdenv[name])]
    return args


def jar_args(desc: dict, inputs: list, output: str, jobconf: dict, libjars: list) -> list:
    """The arguments of a :class:`~streamr.step.JarStep`: its args with
    :data:`~streamr.step.INPUT` replaced by the inputs (comma-separated),
    :data:`~streamr.step.OUTPUT` by the output, and
    :data:`~streamr.step.GENERIC_ARGS` by ``-D`` properties (*jobconf*,
    then the step's own) and ``-libjars``."""
    merged = dict(jobconf)
    merged.update({k: str(v) for k, v in (desc.get("jobconf") or {}).items()})
    generic = []
    if libjars:
        generic += ["-libjars", ",".join(libjars)]
    for name in sorted(merged):
        generic += ["-D", "%s=%s" % (name, merged[name])]
    return interpolate(desc.get("args") or [], input_uris=inputs, output_uri=output,
                       generic_args=generic)
