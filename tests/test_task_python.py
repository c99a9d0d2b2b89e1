"""Tasks on the oldest supported Python: what runs on EMR 7 nodes.

Every task of a job runs the job's file again, on the cluster's Python (3.9
on EMR 7), while the runner may be on a newer one. Here each job runs with
``-r local`` twice, its tasks on the oldest Python setup.cfg names
(``--task-python-bin``) and on 3.11, and the two outputs must be the same
bytes. The interpreters are found by minor version
(:mod:`tests.support.pythons`); a missing one fails the test, it is not
skipped: the machines this project runs on have them all.
"""

import re

import pytest

from tests.support import pythons
from tests.support.jobs import EXAMPLES, JOBS, run_job

# every test here runs whole jobs, whose tasks are subprocesses
pytestmark = pytest.mark.slow

OLDEST = pythons.supported()[0]
#: the Python the output on the oldest one is compared with
REFERENCE = "3.11"

TEXT = EXAMPLES / "data" / "river-tales.txt"
TASK_PYTHON_JOB = JOBS + "/mr_task_python.py"

JOBS_TO_RUN = [
    pytest.param(EXAMPLES / "mr_word_freq_count.py", [TEXT], id="word-count"),
    pytest.param(EXAMPLES / "mr_most_used_word.py", [TEXT], id="most-used-word"),
    pytest.param(EXAMPLES / "mr_url_access_count.py", [EXAMPLES / "data" / "access.log"],
                 id="url-access-count"),
    pytest.param(EXAMPLES / "mr_event_count.py",
                 ["--per-day", EXAMPLES / "data" / "events.jsonl.gz"], id="event-count"),
    pytest.param(TASK_PYTHON_JOB, [TEXT], id="words-by-count"),
]


def interpreter(minor):
    """The path of a Python *minor* interpreter; the test fails without one."""
    try:
        return pythons.find(minor)
    except pythons.NoInterpreter as error:
        pytest.fail(str(error))


def run_tasks_on(minor, script, args):
    """Run *script* with ``-r local``, its tasks on Python *minor*; the
    finished process, after checking it succeeded."""
    proc = run_job(script, "-r", "local", "--no-conf",
                   "--task-python-bin", interpreter(minor), *args)
    assert proc.returncode == 0, proc.stderr.decode("utf_8", "replace")
    return proc


def task_pythons(stderr):
    """The ``task python`` counters a run printed: ``{"3.9", ...}``."""
    return set(re.findall(rb"\ttask python\n\t\t(\d+\.\d+)=\d+", stderr))


def test_oldest_supported_python_is_the_one_on_emr_7_nodes():
    assert OLDEST == "3.9"


@pytest.mark.parametrize("script, args", JOBS_TO_RUN)
def test_output_on_oldest_python_is_the_same_bytes(script, args):
    oldest = run_tasks_on(OLDEST, script, args)
    reference = run_tasks_on(REFERENCE, script, args)
    assert oldest.stdout
    assert oldest.stdout == reference.stdout


def test_tasks_run_on_the_python_named():
    # the proof that --task-python-bin is what the tasks ran on: each task
    # counts its own interpreter, in both steps
    oldest = run_tasks_on(OLDEST, TASK_PYTHON_JOB, [TEXT])
    reference = run_tasks_on(REFERENCE, TASK_PYTHON_JOB, [TEXT])
    assert task_pythons(oldest.stderr) == {OLDEST.encode()}
    assert task_pythons(reference.stderr) == {REFERENCE.encode()}
    assert oldest.stderr.count(b"\ttask python\n") == 2
