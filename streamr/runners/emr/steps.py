"""The steps a job sends to EMR: Hadoop streaming steps run through
``command-runner.jar``, and jar steps with their ``INPUT``/``OUTPUT``
placeholders filled in. Pure functions from a step's description to the
``AddJobFlowSteps`` / ``RunJobFlow`` step structure; nothing here calls AWS.
The arguments themselves are :mod:`streamr.runners.streaming_args`, shared
with the Hadoop runner.
"""

from __future__ import annotations

from streamr.runners.streaming_args import (
    NLINE_INPUT_FORMAT,
    StreamingPlan,
    jar_args,
    streaming_args,
)

__all__ = [
    "NLINE_INPUT_FORMAT",
    "StreamingPlan",
    "jar_step",
    "step_name",
    "step_request",
    "streaming_step",
]


def step_name(job_key: str, step_num: int, num_steps: int) -> str:
    return "%s: Step %d of %d" % (job_key, step_num + 1, num_steps)


def streaming_step(desc: dict, step_num: int, plan: StreamingPlan, inputs: list,
                   output: str, last: bool = True) -> list:
    """The ``command-runner.jar`` arguments of streaming step *step_num*:
    ``hadoop-streaming`` and then
    :func:`~streamr.runners.streaming_args.streaming_args`."""
    return ["hadoop-streaming"] + streaming_args(desc, step_num, plan, inputs, output, last)


def jar_step(desc: dict, step_num: int, jar_uri: str, inputs: list, output: str,
             jobconf: dict, libjars: list) -> dict:
    """The ``HadoopJarStep`` of a :class:`~streamr.step.JarStep`: its
    :func:`~streamr.runners.streaming_args.jar_args`, and its main class."""
    step = {"Jar": jar_uri, "Args": jar_args(desc, inputs, output, jobconf, libjars)}
    if desc.get("main_class"):
        step["MainClass"] = desc["main_class"]
    return step


def step_request(name: str, action_on_failure: str, hadoop_jar_step: dict) -> dict:
    """One entry of ``Steps`` for RunJobFlow / AddJobFlowSteps."""
    return {"Name": name[:256], "ActionOnFailure": action_on_failure,
            "HadoopJarStep": hadoop_jar_step}
