"""The plan the Spark harness (:mod:`streamr.runners.spark.harness`) runs:
which streaming steps, with what jobconf and Hadoop task environment, how
tasks are started. The Spark runner and the EMR Serverless runner both
write one; each adds the fields only it knows (where the job's files and
inputs are, where output goes).

A plan holds plain values only, so it can be written out as JSON for a
``spark-submit`` elsewhere; the working directory of a task, which only the
executor knows, stands in the task environment as :data:`WD_MARKER`."""

from __future__ import annotations

__all__ = ["WD_MARKER", "HarnessPlanning"]

#: stands for the task's working directory in the environment the plan
#: gives tasks; the harness puts the real one in its place
WD_MARKER = "@@STREAMR_TASK_WD@@"


class HarnessPlanning:
    """For runners (:class:`~streamr.runners.base.MRJobRunner` subclasses)
    that run streaming steps through the harness."""

    def _harness_plan(self, first: int, last: int, *, python: list, **fields) -> dict:
        """The plan for steps *first* to *last*, tasks started with
        *python* (unless the ``task_python_bin`` option names one), then
        *fields*."""
        steps: dict = {}
        for num in range(first, last + 1):
            jobconf = self._step_jobconf(self._steps[num])
            steps[num] = {
                "desc": self._steps[num], "jobconf": jobconf,
                "env": {kind: self._hadoop_task_env(kind, 0, jobconf, working_dir=WD_MARKER)
                        for kind in ("mapper", "reducer")},
            }
        plan = {
            "app_name": self._job_key,
            "python": list(self._opts.get("task_python_bin") or python),
            "task_args": self._task_args_base(), "setup": list(self._opts.get("setup") or []),
            "cmdenv": dict(self._opts.get("cmdenv") or {}), "job_id": self._job_id,
            "hadoop_version": self._opts.get("hadoop_version"), "wd_marker": WD_MARKER,
            "num_cores": self._num_cores(), "num_steps": len(self._steps),
            "sort_values": bool(self._job_settings.get("sort_values")),
            "steps": steps, "first_step": first, "last_step": last,
        }
        plan.update(fields)
        return plan

    def _task_max_failures(self) -> str:
        """``spark.task.maxFailures``: a failed task is tried as many times
        as Hadoop would try it (``mapreduce.*.maxattempts``)."""
        jobconf = self._step_jobconf()
        return str(max(int(jobconf.get("mapreduce.map.maxattempts") or 1),
                       int(jobconf.get("mapreduce.reduce.maxattempts") or 1)))
