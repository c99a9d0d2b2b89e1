"""Reading the logs an EMR step or cluster leaves, to tell the user why it
failed. Everything here works on paths and lines already in memory (the
caller fetches and decompresses the files):

* :mod:`streamr.logs.paths`: where EMR puts each log, and which file is which;
* :mod:`streamr.logs.step`: ids, progress, failed attempts and counters from
  a step's log;
* :mod:`streamr.logs.task`: a task attempt's traceback, Java exception and
  input split;
* :mod:`streamr.logs.cause`: the probable cause, picked and put into words."""

from streamr.logs.cause import (
    ProbableCause,
    bootstrap_cause,
    bootstrap_failure_from_reason,
    find_probable_cause,
)
from streamr.logs.paths import (
    bootstrap_log_prefix,
    classify_log_path,
    container_log_prefix,
    log_type,
    rank_task_logs,
    step_log_prefix,
)
from streamr.logs.step import StepLogInfo, parse_step_log
from streamr.logs.task import (
    InputSplit,
    attempt_id_from_path,
    container_id_from_path,
    find_input_split,
    find_java_exception,
    find_python_traceback,
)

__all__ = [
    "InputSplit",
    "ProbableCause",
    "StepLogInfo",
    "attempt_id_from_path",
    "bootstrap_cause",
    "bootstrap_failure_from_reason",
    "bootstrap_log_prefix",
    "classify_log_path",
    "container_id_from_path",
    "container_log_prefix",
    "find_input_split",
    "find_java_exception",
    "find_probable_cause",
    "find_python_traceback",
    "log_type",
    "parse_step_log",
    "rank_task_logs",
    "step_log_prefix",
]
