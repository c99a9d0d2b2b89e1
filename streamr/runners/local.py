"""The local runner (``-r local``): every task a subprocess, on every core.

Each task runs the job file in task mode, as Hadoop streaming would, with
Hadoop's environment variables, in a working directory of its own holding
the job's files, after the ``setup`` commands. Inputs are cut into splits at
line boundaries; map tasks spill sorted runs (memory stays bounded); reduce
tasks each merge one contiguous key range, so the part files, read in name
order, are globally sorted, as the inline runner and mrjob give them.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time

import streamr
from streamr.compat import jobconf_from_dict
from streamr.console import end_progress
from streamr.engine.partition import choose_boundaries
from streamr.engine.sortedruns import index_samples, read_index
from streamr.engine.splits import InputFile, Split, file_line_end, pack_splits, plan_splits
from streamr.errors import UsageError
from streamr.inputs import compression_of
from streamr.runners.base import MRJobRunner
from streamr.runners.process_group import start_group
from streamr.runners.progress import StepProgress
from streamr.runners.space import no_space_in_task
from streamr.runners.spark.steps import check_can_submit, is_spark_step, move_parts, submit_here
from streamr.runners.task_stderr import TaskEnd, counters_from_stderr, skip_reports, task_end
from streamr.runners.taskpool import Task, TaskPool
from streamr.step import SPARK_STEP_TYPES, StepFailedException

__all__ = ["LocalRunner"]

log = logging.getLogger(__name__)

_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(streamr.__file__)))
#: memory a map task may fill with output before it spills a sorted run (a
#: word-count split of 13 MB spills once; two map tasks at once stay well
#: under 250 MB together)
SPILL_BYTES = 48 << 20
#: jobconf property that overrides SPILL_BYTES (small values exercise spilling)
SPILL_BYTES_PROPERTY = "streamr.local.spill.bytes"
#: how much more work a byte of a compressed input file is than a byte of
#: plain text (it expands several times, and is decompressed): map tasks
#: start in order of their expected work, heaviest first
COMPRESSED_WORK = 4
#: most sorted runs a reduce task merges at once (``mapreduce.task.io.sort.factor``)
MERGE_FACTOR = 64
#: remote input files copied at once
DOWNLOAD_THREADS = 8
#: most index entries kept, over all runs, for choosing reducer key ranges
#: (each run keeps at least INDEX_SAMPLES); below this every entry counts
SAMPLE_BUDGET = 200_000
INDEX_SAMPLES = 256


class LocalRunner(MRJobRunner):
    """Runs each task as a subprocess, ``num_cores`` at a time. See the
    module docstring."""

    alias = "local"

    def _check_options(self) -> None:
        if not self._script:
            raise UsageError("the local runner needs the job's script file")
        self._check_step_types(("streaming",) + SPARK_STEP_TYPES)
        check_can_submit(self._opts, self._steps)
        self._warn_about_task_failure_percent()
        for name in ("hadoop_input_format", "hadoop_output_format"):
            if self._job_settings.get(name):
                log.warning("the local runner ignores %s (it needs Hadoop)", name.upper())

    # --- setup -------------------------------------------------------------------------

    def _run(self) -> None:
        self._plan_working_dir()
        tmp = self._tmp_dir()
        self._archive_cache = os.path.join(tmp, "archives")
        self._check_output_dir()
        staging = self._staging_dir()
        try:
            files = self._input_files()
            for step_num, desc in enumerate(self._steps):
                last = step_num == len(self._steps) - 1
                step_out = staging if last else os.path.join(tmp, "step-%d-output" % step_num)
                os.makedirs(step_out, exist_ok=True)
                self._record_step(step_num)
                if is_spark_step(desc):
                    files = self._run_spark_step(step_num, desc, files, step_out)
                    self._record_step(step_num, ended=True)
                    continue
                files = self._run_step(step_num, desc, files, step_out)
                self._record_step(step_num, ended=True)
                self._check_failed_records(step_num)
            self._publish_output(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _input_files(self) -> list:
        """``(local path, label)`` of each input file; stdin and remote
        files (S3) are copied into the temporary directory first."""
        files = []
        remote = []
        for num, path in enumerate(self._expanded_inputs()):
            if path == "-":
                files.append((self._spool_stdin(num), "<stdin>"))
            elif "://" in path:
                # the name keeps its suffix, so compressed files stay recognisable
                copy = os.path.join(self._tmp_dir(), "inputs", "%05d-%s" % (
                    num, path.rstrip("/").rsplit("/", 1)[-1]))
                remote.append((path, copy))
                files.append((copy, path))
            else:
                files.append((os.path.abspath(path), path))
        if remote:
            self._download(remote)
        return files

    def _download(self, pairs: list) -> None:
        from concurrent.futures import ThreadPoolExecutor

        os.makedirs(os.path.join(self._tmp_dir(), "inputs"), exist_ok=True)
        log.info("copying %d input file(s) from %s", len(pairs),
                 pairs[0][0].split("://", 1)[0] + "://")
        started = time.time()
        with ThreadPoolExecutor(max_workers=DOWNLOAD_THREADS) as pool:
            for num, _ in enumerate(pool.map(lambda pair: self.fs.get(*pair), pairs)):
                if time.time() - started > 5 and (num + 1) % 100 == 0:
                    log.info("copied %d of %d input files", num + 1, len(pairs))
        total = sum(os.path.getsize(copy) for _, copy in pairs)
        log.info("copied %d input file(s), %.1f MB, in %.1fs", len(pairs), total / 1e6,
                 time.time() - started)

    # --- one step -----------------------------------------------------------------------

    def _run_spark_step(self, step_num: int, desc: dict, files: list, step_out: str) -> list:
        """Run a Spark step through ``spark-submit``, in a working
        directory of its own, reading *files* and leaving its part files
        in *step_out*."""
        step_dir = os.path.join(self._tmp_dir(), "spark-step-%d" % step_num)
        wd = os.path.join(step_dir, "wd")
        self._working_dir.build(wd, self._archive_cache)
        out = os.path.join(step_dir, "output")
        submit_here(self._opts, desc, step_num, len(self._steps), script=self._script,
                    input_uris=[path for path, _ in files], output_dir=out,
                    generic_args=self._task_args_base(), working_dir=wd,
                    jobconf=self._step_jobconf(desc), tmp_dir=self._tmp_dir())
        self._step_counters(step_num)
        return [(path, "output of step %d" % (step_num + 1))
                for path in move_parts(out, step_out)]

    def _run_step(self, step_num: int, desc: dict, files: list, step_out: str) -> list:
        jobconf = self._step_jobconf(desc)
        step_dir = os.path.join(self._tmp_dir(), "step-%d" % step_num)
        reduces = jobconf_from_dict(jobconf, "mapreduce.job.reduces")
        # about two map tasks per core, and at most two reduce tasks per core
        # unless the job says how many (then exactly that many, as Hadoop)
        num_reducers = int(reduces) if reduces is not None else 2 * self._num_cores()
        has_reducer = "reducer" in desc and num_reducers > 0
        max_split = jobconf_from_dict(jobconf, "mapreduce.input.fileinputformat.split.maxsize")
        spill_bytes = int(jobconf.get(SPILL_BYTES_PROPERTY) or SPILL_BYTES)
        manifest = step_num == 0 and desc.get("input_manifest")
        if manifest:
            groups = [[Split(path, 0, os.path.getsize(path), True, label)]
                      for path, label in files]
        else:
            # about two splits per core; many small files are packed together
            inputs = [InputFile(path, label, os.path.getsize(path),
                                compression_of(path, label) is not None)
                      for path, label in files]
            target = 2 * self._num_cores()
            largest = int(max_split) if max_split else None
            groups = pack_splits(plan_splits(inputs, target, largest,
                                             file_line_end([path for path, _ in files])),
                                 target, largest)
            if len(groups) < len(inputs):
                log.info("packed %d input files into %d map tasks", len(inputs), len(groups))

        map_tasks = []
        for num, group in enumerate(groups):
            task_dir = os.path.join(step_dir, "map-%05d" % num)
            os.makedirs(task_dir)
            described = [{"path": split.path, "start": split.start, "length": split.length,
                          "compressed": split.compressed, "label": split.label}
                         for split in group]
            spec = {
                "kind": "map", "step_num": step_num, "run_dir": task_dir,
                "input": described[0] if len(described) == 1 else described,
                "sort_values": bool(self._job_settings.get("sort_values")),
                "spill_bytes": spill_bytes,
                "progress_path": os.path.join(task_dir, "progress"),
                "part_path": None if has_reducer else os.path.join(step_out, "part-%05d" % num),
            }
            extra = [group[0].path, self._split_uri(group[0])] if manifest else []
            map_tasks.append(self._task("mapper", step_num, num, task_dir, spec, jobconf,
                                        group, extra))
        progress = StepProgress(step_num, len(self._steps), has_reducer)
        self._run_tasks(step_num, map_tasks, "mapper", jobconf, progress)
        if not has_reducer:
            return [(os.path.join(step_out, "part-%05d" % n), "output of step %d" % (step_num + 1))
                    for n in range(len(groups))]

        runs = []
        for task in map_tasks:
            with open(os.path.join(task.dir, "runs.json")) as handle:
                runs.extend(json.load(handle))
        keep = max(INDEX_SAMPLES, SAMPLE_BUDGET // max(len(runs), 1))
        samples = index_samples([_thin(read_index(run), keep) for run in runs])
        bounds = choose_boundaries(samples, num_reducers, exact=reduces is not None)
        merge_factor = int(jobconf_from_dict(jobconf, "mapreduce.task.io.sort.factor")
                           or MERGE_FACTOR)
        if reduces is None:
            num_reducers = len(bounds) + 1
        bounds += [None] * (num_reducers - 1 - len(bounds))
        lows = [None] + bounds
        highs = bounds + [None]
        reduce_tasks = []
        for num in range(num_reducers):
            task_dir = os.path.join(step_dir, "reduce-%05d" % num)
            os.makedirs(task_dir)
            empty = num > 0 and lows[num] is None
            spec = {
                "kind": "reduce", "step_num": step_num, "task_num": num, "run_dir": task_dir,
                "runs": [] if empty else runs, "merge_factor": merge_factor,
                "low": None if lows[num] is None else lows[num].decode("latin_1"),
                "high": None if highs[num] is None else highs[num].decode("latin_1"),
                "sort_values": bool(self._job_settings.get("sort_values")),
                "part_path": os.path.join(step_out, "part-%05d" % num),
            }
            reduce_tasks.append(self._task("reducer", step_num, num, task_dir, spec, jobconf))
        self._run_tasks(step_num, reduce_tasks, "reducer", jobconf, progress)
        return [(os.path.join(step_out, "part-%05d" % n), "output of step %d" % (step_num + 1))
                for n in range(num_reducers)]

    @staticmethod
    def _split_uri(split: Split) -> str:
        """The URI tasks are told they read: the original one for a remote
        file copied here, else the local file's."""
        if split.label and "://" in split.label:
            return split.label
        return "file://" + os.path.abspath(split.path)

    # --- tasks -------------------------------------------------------------------------

    def _task(self, kind, step_num, num, task_dir, spec, jobconf, group=None, extra=()):
        spec_path = os.path.join(task_dir, "spec.json")
        with open(spec_path, "w", encoding="utf_8") as handle:
            json.dump(spec, handle)
        wd = os.path.join(task_dir, "wd")
        # a packed task is told of its first file, as Hadoop tells a combined split's task
        split = group[0] if group else None
        env = (self._hadoop_task_env(kind, num, jobconf, 0, self._split_uri(split), split.start,
                                     split.length, working_dir=wd) if split is not None
               else self._hadoop_task_env(kind, num, jobconf, working_dir=wd))
        python = self._opts.get("task_python_bin") or [sys.executable]
        args = list(python) + [os.path.abspath(self._script), "--step-num=%d" % step_num,
                "--" + kind, "--local-task", spec_path] + self._task_args_base() + list(extra)
        where = None
        if group and len(group) > 1:
            where = "%d files, %s to %s" % (len(group), group[0].label, group[-1].label)
        elif split is not None:
            where = "%s (bytes %d-%d)" % (split.label, split.start, split.start + split.length)
        return Task(kind=kind, num=num, dir=task_dir, args=args, env=env, where=where,
                    setup=list(self._opts.get("setup") or []),
                    input_bytes=sum(item.length for item in group or ()),
                    weight=sum(item.length * (COMPRESSED_WORK if item.compressed else 1)
                               for item in group or ()))

    def _task_environment(self, task: Task) -> dict:
        env = dict(os.environ)
        env["PYTHONPATH"] = _PACKAGE_PARENT + (
            os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.update(task.env)
        env["mapreduce_task_attempt_id"] = env["mapreduce_task_attempt_id"][:-1] + str(
            task.attempt)
        return env

    def _command(self, task: Task) -> list:
        if not task.setup:
            return task.args
        script = " && ".join(task.setup + ['exec "$@"'])
        return ["/bin/sh", "-c", script, "sh"] + task.args

    def _run_tasks(self, step_num: int, tasks: list, kind: str, jobconf: dict,
                   progress: StepProgress) -> None:
        attempts_name = ("mapreduce.map.maxattempts" if kind == "mapper"
                         else "mapreduce.reduce.maxattempts")
        max_attempts = int(jobconf_from_dict(jobconf, attempts_name, 1))

        def launch(task: Task) -> subprocess.Popen:
            wd = os.path.join(task.dir, "wd")
            if not os.path.isdir(wd):
                self._working_dir.build(wd, self._archive_cache)
            with open(os.path.join(task.dir, "stderr"), "wb") as err, \
                    open(os.path.join(task.dir, "stdout"), "wb") as out:
                return start_group(self._command(task), cwd=wd, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=err, env=self._task_environment(task))

        def retry(task: Task) -> None:
            log.warning("%s task %d of step %d failed on attempt %d of %d (%s); trying it"
                        " again", kind, task.num, step_num + 1, task.attempt + 1, max_attempts,
                        task_end(os.path.join(task.dir, "stderr")).summary())

        pool = TaskPool(tasks, launch, self._num_cores(), max_attempts,
                        progress=lambda: _report_progress(progress, kind, tasks),
                        on_retry=retry)
        try:
            failed = pool.run()
        finally:
            end_progress()  # a failure's message starts on a line of its own
        if failed is None and kind == "mapper" and progress.has_reducer:
            progress.map_done()
        elif failed is None:
            progress.done()
        counters = self._step_counters(step_num)
        for task in tasks:
            counters_from_stderr(os.path.join(task.dir, "stderr"), counters)
            for report in skip_reports(os.path.join(task.dir, "stderr")):
                log.warning("%s", report)
            stray = os.path.join(task.dir, "stdout")
            if os.path.exists(stray) and os.path.getsize(stray):
                log.warning("%s task %d printed %d bytes to stdout (outside its output)",
                            task.kind, task.num, os.path.getsize(stray))
        if failed is not None:
            full = no_space_in_task(os.path.join(failed.dir, "stderr"), failed.dir)
            if full is not None:  # the failed run's files would keep the disk full
                self.cleanup(["LOCAL_TMP"])
                raise full
            end = task_end(os.path.join(failed.dir, "stderr"))
            raise StepFailedException(self._failure_reason(failed, end), step_num=step_num,
                                      num_steps=len(self._steps), details=end.details)

    @staticmethod
    def _failure_reason(task: Task, end: TaskEnd) -> str:
        """One line: which task, reading what (the record, when the job's
        code raised on one), after how many attempts, and the error a user
        can fix when that is what stopped it."""
        text = "%s task %d" % (task.kind, task.num)
        where = end.line_where or task.where
        if where:
            text += " reading %s" % where
        text += " failed after %d attempt%s (exit status %s)" % (
            task.attempt + 1, "" if task.attempt == 0 else "s", task.returncode)
        return text + (": " + end.message if end.message else "")


def _report_progress(progress: StepProgress, kind: str, tasks: list) -> None:
    """Map progress by input bytes read; reduce progress by tasks finished."""
    if not progress.due():
        return
    if kind == "mapper":
        total = sum(t.input_bytes for t in tasks) or 1
        done = 0
        for task in tasks:
            if task.finished:
                done += task.input_bytes
            else:
                done += min(task.input_bytes, _read_progress(task.dir))
        progress.update(100 * done // total)
    else:
        finished = sum(1 for t in tasks if t.finished)
        progress.update(100, 100 * finished // max(len(tasks), 1))


def _thin(entries: list, most: int) -> list:
    """About *most* entries of a run's index (every k-th, and the last), so
    the runner's memory does not grow with the size of the map output; the
    gaps between kept offsets still add up to the run's size."""
    step = -(-len(entries) // most)
    return entries if step <= 1 else entries[:-1:step] + entries[-1:]


def _read_progress(task_dir: str) -> int:
    try:
        with open(os.path.join(task_dir, "progress")) as handle:
            return int(handle.read() or 0)
    except (OSError, ValueError):
        return 0
