"""A Spark step of the job's own, in task mode: ``job.py --step-num=N
--spark INPUT OUTPUT``.

``spark-submit`` starts the job file this way (on this machine or as a
cluster's driver), and the job's Spark function (``spark()`` or the
function a :class:`~streamr.step.SparkStep` names) is called with the two
paths. The function makes its own SparkContext, so this module needs no
Spark: it only finds the function and turns a failure into what the
runner that started ``spark-submit`` reads back.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import json
import os
import sys
import traceback

from streamr.engine.tracebacks import user_traceback
from streamr.errors import StreamrError, UsageError
from streamr.step import SparkStep

__all__ = ["SPARK_FAILURE_MARKER", "run_spark_task", "spark_function"]

#: the line a failed Spark program writes last on stderr, followed by a JSON
#: object (``reason``, ``step_num``, ``num_steps``, and ``details``: the
#: job's traceback); the code that runs
#: ``spark-submit`` looks for it (``streamr.runners.spark.submit`` has the
#: same marker, and a test keeps the two equal)
SPARK_FAILURE_MARKER = "streamr-spark-failure: "

_TRACEBACK_HEAD = "Traceback (most recent call last):"
# frames of Spark's own Python code, and of its bridge to Java
_SPARK_PATH_PARTS = ("pyspark", "py4j")


def spark_function(job, step_num: int):
    """The Spark function of step *step_num* of *job*, after checking that
    the step is a :class:`~streamr.step.SparkStep` and that the job was
    given exactly an input and an output path."""
    steps = job.steps()
    if not 0 <= step_num < len(steps):
        raise UsageError("--step-num=%d: the job has %d step(s)" % (step_num, len(steps)))
    step = steps[step_num]
    if not isinstance(step, SparkStep):
        raise UsageError("step %d is not a Spark step of the job's own (it is %s); --spark"
                         " runs only those" % (step_num + 1, type(step).__name__))
    if len(job.options.args) != 2:
        raise UsageError("--spark takes an input and an output path, got %d argument(s)"
                         % len(job.options.args))
    return step.spark


def run_spark_task(job) -> None:
    """Run the Spark function of the step ``--step-num`` names. When it
    raises, write the job's own traceback and the failure line, and exit
    with status 1."""
    step_num = job.options.step_num
    try:
        job.run_spark(step_num)
    except StreamrError as exc:
        _fail(job, step_num, str(exc), None)
    except Exception as exc:
        worker = _worker_traceback(str(exc))
        if worker is None:  # raised in the driver, by the job's code
            reason = "the Spark code of step %d raised %s" % (step_num + 1, _one_line(exc))
            _fail(job, step_num, reason, user_traceback(exc))
        else:  # raised in an executor: Spark wraps the worker's traceback
            frames, error = worker
            reason = "the Spark code of step %d raised %s" % (step_num + 1, error)
            text = "".join([_TRACEBACK_HEAD + "\n"] + _driver_frames(exc) + frames
                           + [error + "\n"])
            _fail(job, step_num, reason, text)


def _is_spark_code(filename: str) -> bool:
    """Is *filename* in pyspark or Py4J (installed, or the zips Spark
    puts on its workers' path, such as ``py4j-0.10.9.9-src.zip``)?"""
    parts = filename.replace(os.sep, "/").split("/")
    return any(part in _SPARK_PATH_PARTS
               or part.endswith(".zip") and part.startswith(_SPARK_PATH_PARTS)
               for part in parts)


def _driver_frames(exc: BaseException) -> list:
    """The frames of *exc*'s traceback in the job's own code: neither
    streamr's nor Spark's."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    kept = [frame for frame in traceback.extract_tb(exc.__traceback__)
            if not _is_spark_code(frame.filename)
            and not os.path.abspath(frame.filename).startswith(package)]
    # without the ^^^ markers newer Pythons add: the worker's frames have none
    lines = "".join(traceback.format_list(kept)).splitlines(True)
    return [line for line in lines if line.strip(" ^~\n")]


def _worker_traceback(text: str):
    """When *text* (a Spark error's message) holds the traceback of a
    Python worker, that is where the job's code failed: its frames in the
    job's code (formatted, Spark's own left out) and its last line (the
    exception); else ``None``."""
    start = text.find(_TRACEBACK_HEAD)
    if start < 0:
        return None
    frames: list = []
    keep = False
    for line in text[start + len(_TRACEBACK_HEAD):].splitlines()[1:]:
        if line.startswith("  File "):
            keep = not _is_spark_code(line.split('"')[1] if '"' in line else line)
            if keep:
                frames.append(line + "\n")
        elif line.startswith("    "):
            if keep and line.strip(" ^~"):
                frames.append(line + "\n")
        elif line.strip():
            return frames, line.strip()
    return None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return type(exc).__name__ + (": " + text[0] if text else "")


def _fail(job, step_num: int, reason: str, traceback_text: str | None) -> None:
    try:
        num_steps = len(job.steps())
    except Exception:  # the steps were read once already; this is only a count
        num_steps = None
    if traceback_text:
        sys.stderr.write(traceback_text)
    said = {"reason": reason, "step_num": step_num, "num_steps": num_steps}
    if traceback_text:
        said["details"] = traceback_text.rstrip("\n")
    sys.stderr.write("%s%s\n" % (SPARK_FAILURE_MARKER, json.dumps(said)))
    sys.stderr.flush()
    sys.exit(1)
