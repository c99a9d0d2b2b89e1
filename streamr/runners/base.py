"""What every runner does: merge its options from all sources, check the
inputs, keep a temporary directory, run steps (subclasses say how), report
counters, hand back the output, and clean up.

Also the plumbing several runners share: spooling stdin to a file, a step's
jobconf, per-step counters and the check that every step is of a type the
runner can run. A runner gets the job as one
:class:`~streamr.runners.description.JobDescription`."""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime

from streamr.compat import translate_jobconf
from streamr.conf import load_runner_options
from streamr.date_aliases import parse_as_of
from streamr.engine.properties import (
    FAILED_RECORDS_COUNTER,
    PROCESSED_RECORDS_COUNTER,
    SKIP_FAILED_PROPERTY,
    SKIP_FAILED_TASK_MAX_PROPERTY,
    SKIP_FAILED_TASK_PERCENT_PROPERTY,
    SKIP_MALFORMED_PROPERTY,
    STREAMR_COUNTER_GROUP,
    TASK_FAILURE_PERCENT_PROPERTIES,
)
from streamr.errors import StepFailedException, UsageError
from streamr.fs.local import is_local_path, local_path
from streamr.inputs import expand_input_files
from streamr.options import OPTIONS, OptionValueError, option, options_for_runner
from streamr.runners.description import JobDescription
from streamr.runners.staging import OutputClaim
from streamr.runners.workdir import WorkingDir, source_path

__all__ = ["MRJobRunner"]

log = logging.getLogger(__name__)

# settings that come from the job class and are not runner options
JOB_SETTINGS = ("partitioner", "sort_values", "hadoop_input_format",
                "hadoop_output_format", "libjars")


def _absolute(path: str | None) -> str | None:
    """*path* made absolute when it is a local path (``-``, ``None`` and
    URIs of other filesystems stay as they are)."""
    if not path or path == "-" or not is_local_path(path):
        return path
    return os.path.abspath(local_path(path))


class MRJobRunner:
    """Base class of runners.

    Use a runner as a context manager, so that it cleans up::

        with job.make_runner() as runner:
            runner.run()
            for key, value in job.parse_output(runner.cat_output()):
                ...
    """

    #: name given to ``-r``; set by each subclass
    alias = ""

    def __init__(self, description: JobDescription | None = None, **kwargs):
        """Run the job *description* describes. Without one, the keywords
        of :meth:`JobDescription.from_keywords <streamr.runners.description.
        JobDescription.from_keywords>` (mrjob's runner constructor) make it."""
        if description is None:
            description = JobDescription.from_keywords(**kwargs)
        elif kwargs:
            raise TypeError("give a job description or keywords, not both")
        #: the job, as this runner received it
        self.description = description
        self._job_class = description.job_class
        self._script = description.script_path
        self._steps = list(description.steps)
        # paths the user gave are relative to where the command ran; tasks
        # run elsewhere, so they are made absolute once, here
        self._input_paths = [_absolute(path) for path in description.input_paths] or ["-"]
        self._output_dir = _absolute(description.output_dir)
        self._stdin = description.stdin
        job_options = dict(description.job_options)
        self._job_settings = {name: job_options.pop(name, None) for name in JOB_SETTINGS}
        self._opts = self._merge_options(description.conf_paths, job_options,
                                         dict(description.cli_options))
        self._counters: list = []
        self._ran = False
        self._local_tmp_dir = None
        self._job_key = self._make_job_key()
        # Hadoop-style id of this run, as tasks see it in mapreduce_job_id
        self._job_id = "job_local%s_0001" % "".join(self._job_key.split(".")[-3:-1])
        self._working_dir = WorkingDir()
        self._fs = None
        self._claim: OutputClaim | None = None  # the local output directory, while held
        self._recorder = None  # the run's record in the run history, once it runs

    # --- options --------------------------------------------------------------------

    def _merge_options(self, conf_paths, job_options: dict, cli: dict) -> dict:
        from streamr.conf import merge_runner_options

        unknown = sorted(set(cli) - {opt.name for opt in OPTIONS})
        if unknown:
            raise TypeError("%s got unknown option(s): %s"
                            % (type(self).__name__, ", ".join(unknown)))
        file_levels = load_runner_options(self.alias, conf_paths)
        try:
            merged = merge_runner_options(self.alias, file_levels, job_options, cli,
                                          accepted=options_for_runner(self.alias))
        except OptionValueError as exc:
            raise UsageError(str(exc)) from None
        #: the merged options with the source of each value (``streamr.conf``)
        self.merged_options = merged
        return merged.values

    @property
    def options(self) -> dict:
        """The effective option values (read-only copy)."""
        return dict(self._opts)

    @property
    def fs(self):
        """The filesystem for every path this runner touches (local and S3),
        connected to AWS with this runner's options."""
        if self._fs is None:
            from streamr.fs import make_filesystem

            self._fs = make_filesystem(self._opts, self._filesystem_connection())
        return self._fs

    def _filesystem_connection(self):
        """The AWS connection the filesystem uses (``None``: its own, made
        from the options when S3 is first touched)."""
        return None

    # --- names and places --------------------------------------------------------------

    def _make_job_key(self) -> str:
        label = self._opts.get("label") or (
            os.path.splitext(os.path.basename(self._script))[0] if self._script else "no_script")
        try:
            owner = self._opts.get("owner") or getpass.getuser()
        except Exception:
            owner = "no_user"
        #: the run's label and owner, as in its job key
        self.label, self.owner = label, owner
        now = datetime.now()
        return "%s.%s.%s.%06d" % (label, owner, now.strftime("%Y%m%d.%H%M%S"), now.microsecond)

    def get_job_key(self) -> str:
        """Unique name of this run (label, owner, time)."""
        return self._job_key

    def _tmp_dir(self) -> str:
        if self._local_tmp_dir is None:
            base = _absolute(self._opts.get("local_tmp_dir"))
            if base:
                os.makedirs(base, exist_ok=True)
            self._local_tmp_dir = tempfile.mkdtemp(prefix=self._job_key + ".", dir=base or None)
            log.debug("temporary files in %s", self._local_tmp_dir)
        return self._local_tmp_dir

    def get_output_dir(self) -> str:
        """Where the final output part files are (or will be)."""
        if self._output_dir is None:
            self._output_dir = os.path.join(self._tmp_dir(), "output")
        return self._output_dir

    def _num_cores(self) -> int:
        """Cores to plan tasks for: the ``num_cores`` option, else every core."""
        return self._opts.get("num_cores") or os.cpu_count() or 1

    def _plan_working_dir(self) -> None:
        for path in self._opts.get("files") or []:
            self._working_dir.add("file", path)
        for path in self._opts.get("dirs") or []:
            self._working_dir.add("dir", path)
        for path in self._opts.get("archives") or []:
            self._working_dir.add("archive", path)
        for path in self.description.file_arg_paths:
            self._working_dir.add("file", path)
        self._working_dir.check_sources()

    def _cache_properties(self, working_dir: str) -> dict:
        """The distributed-cache and task properties Hadoop sets, for a task
        whose working directory is *working_dir*: what was shipped
        (``path#name``), where it is in the working directory, the task's
        local directory and the job's output directory."""
        def listed(kind: str, form) -> str:
            return ",".join(form(path, name) for _, path, name in self._working_dir.entries(kind))

        return {
            "mapreduce.job.cache.files": listed("file", lambda p, n: "%s#%s" % (p, n)),
            "mapreduce.job.cache.archives": listed("archive", lambda p, n: "%s#%s" % (p, n)),
            "mapreduce.job.cache.local.files": listed(
                "file", lambda p, n: os.path.join(working_dir, n)),
            "mapreduce.job.cache.local.archives": listed(
                "archive", lambda p, n: os.path.join(working_dir, n)),
            "mapreduce.job.local.dir": working_dir,
            "mapreduce.task.output.dir": self.get_output_dir(),
        }

    def _hadoop_task_env(self, kind: str, task_num: int, jobconf: dict, attempt: int = 0,
                         input_uri: str | None = None, start: int = 0,
                         length: int = 0, working_dir: str | None = None) -> dict:
        """The environment Hadoop streaming gives a task: every jobconf
        property (dots as underscores), the distributed-cache properties
        when its *working_dir* is given, the job, task and attempt ids, for
        map tasks the input file and byte range, and then ``cmdenv``."""
        letter = "m" if kind != "reducer" else "r"
        job_id = self._job_id[len("job_"):]
        props = dict(self._cache_properties(working_dir)) if working_dir else {}
        props.update((name, str(value)) for name, value in jobconf.items())
        props.update({
            "mapreduce.job.id": self._job_id,
            "mapreduce.task.partition": str(task_num),
            "mapreduce.task.ismap": "true" if letter == "m" else "false",
            "mapreduce.task.id": "task_%s_%s_%06d" % (job_id, letter, task_num),
            "mapreduce.task.attempt.id": "attempt_%s_%s_%06d_%d" % (
                job_id, letter, task_num, attempt),
        })
        if input_uri:
            props.update({
                "mapreduce.map.input.file": input_uri,
                "mapreduce.map.input.start": str(start),
                "mapreduce.map.input.length": str(length),
            })
        env = {name.replace(".", "_"): value
               for name, value in self._with_version_names(props).items()}
        env.update(self._opts["cmdenv"] or {})
        return env

    def _with_version_names(self, props: dict) -> dict:
        """*props* plus each property under the name the ``hadoop_version``
        option's Hadoop gives it (a name already set keeps its value)."""
        version = self._opts.get("hadoop_version")
        if not version:
            return props
        named = dict(props)
        for name, value in props.items():
            named.setdefault(translate_jobconf(name, version), value)
        return named

    def _check_output_dir(self) -> None:
        """The output directory must not hold output already, and no other
        run may be writing it; an S3 output's bucket must exist. Checked
        before any work is done. A local output directory is claimed for
        this run (:class:`~streamr.runners.staging.OutputClaim`) until its
        output is published or the run ends."""
        out_dir = self.get_output_dir()
        if is_local_path(out_dir):
            self._claim = OutputClaim(os.path.abspath(local_path(out_dir)), self._job_key)
            self._claim.take()
        self.fs.check_can_write(out_dir)
        root = (local_path(out_dir) if is_local_path(out_dir) else out_dir).rstrip("/") + "/"
        # only what sits directly in the directory: other runs' subdirectories
        # and _temporary/ do not count
        names = [path[len(root):] for path in self.fs.files(out_dir, skip_hidden=False,
                                                               use_glob=False)
                 if path.startswith(root)]
        if any(name.startswith("part-") or name == "_SUCCESS" for name in names
               if "/" not in name):
            raise UsageError("output directory %s already holds output; remove it or"
                             " choose another" % out_dir)

    def _staging_dir(self) -> str:
        """Where the last step writes its part files: this run's own
        directory under the claimed local output directory's
        ``_temporary/`` (moved into place at the end), or in the temporary
        directory (for a remote output)."""
        if self._claim is not None:
            staging = self._claim.staging_dir()
        else:
            staging = os.path.join(self._tmp_dir(), "output")
        os.makedirs(staging, exist_ok=True)
        return staging

    def _publish_output(self, parts_dir: str) -> None:
        """Move the finished part files in the local *parts_dir* to the
        output directory in name order, then write ``_SUCCESS``. For a
        remote output, parts are uploaded; if that fails, the ones already
        uploaded are removed, so no partial output is left as if complete."""
        out_dir = self.get_output_dir()
        names = sorted(os.listdir(parts_dir))
        if self._claim is not None:
            self._claim.publish(parts_dir, names)
            return
        uploaded = []
        try:
            for num, name in enumerate(names):
                target = self.fs.join(out_dir, name)
                self.fs.put(os.path.join(parts_dir, name), target)
                uploaded.append(target)
                log.debug("uploaded %s (%d of %d)", target, num + 1, len(names))
            with self.fs.open_write(self.fs.join(out_dir, "_SUCCESS"), compress=False):
                pass
        except BaseException:
            for target in uploaded:
                try:
                    self.fs.rm(target)
                except Exception as exc:  # the first error is the one to report
                    log.warning("could not remove partial output %s: %s", target, exc)
            raise
        log.info("wrote %d part file(s) to %s", len(names), out_dir)

    def _task_args_base(self) -> list:
        """Pass-through and file arguments every task gets, file options
        naming their file's name in the working directory."""
        names = {path: name for _, path, name in self._working_dir.entries("file")}

        def rename(path):
            return names.get(source_path(path), os.path.basename(path))

        return self.description.task_args_for(rename)

    # --- plumbing runners share ----------------------------------------------------------

    def _spool_stdin(self, num: int) -> str:
        """Copy what input path number *num*, ``-``, reads (the job's stdin)
        to a file in the temporary directory and return its path. A second
        ``-`` gets a copy of its own (of what is left: nothing)."""
        copy = os.path.join(self._tmp_dir(), "stdin-%d" % num)
        stream = self._stdin if self._stdin is not None else sys.stdin.buffer
        with open(copy, "wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        return copy

    def _step_jobconf(self, desc: dict | None = None) -> dict:
        """The Hadoop properties of a step: the ``jobconf`` option, then
        the step's own (*desc*), then what runner options imply
        (``skip_malformed_records``); every value a string."""
        jobconf = dict(self._opts.get("jobconf") or {})
        own = (desc or {}).get("jobconf") or {}
        try:  # the step's own properties enter here, not through the option table
            option("jobconf").check(own, where="the job's step")
        except OptionValueError as exc:
            raise UsageError(str(exc)) from None
        jobconf.update(own)
        if self._opts.get("skip_malformed_records"):
            jobconf[SKIP_MALFORMED_PROPERTY] = "true"
        if self._opts.get("skip_failed_records"):
            jobconf[SKIP_FAILED_PROPERTY] = "true"
            for name, prop in (("max_failed_records_per_task", SKIP_FAILED_TASK_MAX_PROPERTY),
                               ("max_failed_percent_per_task",
                                SKIP_FAILED_TASK_PERCENT_PROPERTY)):
                if self._opts.get(name) is not None:
                    jobconf[prop] = self._opts[name]
        return {k: str(v) for k, v in jobconf.items()}

    def _check_failed_records(self, step_num: int) -> None:
        """Fail the job, in one line, once the records its tasks skipped
        because the job's code raised on them (counted in every step so
        far) pass a per-job limit."""
        if not self._opts.get("skip_failed_records"):
            return
        skipped = processed = 0
        for counters in self._counters[:step_num + 1]:
            group = counters.get(STREAMR_COUNTER_GROUP) or {}
            skipped += group.get(FAILED_RECORDS_COUNTER, 0)
            processed += group.get(PROCESSED_RECORDS_COUNTER, 0)
        limit = self._opts.get("max_failed_records_per_job")
        percent = self._opts.get("max_failed_percent_per_job")
        reason = None
        if limit is not None and skipped > limit:
            reason = ("its tasks skipped %d records whose processing raised, more than the %d"
                      " the job may skip (max_failed_records_per_job)" % (skipped, limit))
        elif percent is not None and processed and skipped * 100.0 > percent * processed:
            reason = ("its tasks skipped %d of %d records (%.2f%%) because their processing"
                      " raised, more than the %g%% the job may skip"
                      " (max_failed_percent_per_job)"
                      % (skipped, processed, 100.0 * skipped / processed, percent))
        if reason:
            raise StepFailedException(reason, step_num=step_num, num_steps=len(self._steps))

    def _warn_about_task_failure_percent(self) -> None:
        """Say that Hadoop's ``mapreduce.*.failures.maxpercent`` is not
        honoured here: they let a share of whole *tasks* fail, their output
        lost, which a runner that stops at the first failed task cannot do."""
        jobconf = dict(self._opts.get("jobconf") or {})
        for desc in self._steps:
            jobconf.update(desc.get("jobconf") or {})
        for name in TASK_FAILURE_PERCENT_PROPERTIES:
            if jobconf.get(name) not in (None, "", "0", 0):
                log.warning("the %s runner ignores %s (the share of tasks that may fail, their"
                            " output lost): it stops at the first failed task; use"
                            " --skip-failed-records to skip the records that fail",
                            self.alias, name)

    def _step_counters(self, step_num: int) -> dict:
        """The counters of step *step_num* (``{group: {name: amount}}``),
        created empty on first use."""
        while len(self._counters) <= step_num:
            self._counters.append({})
        return self._counters[step_num]

    def _check_step_types(self, accepted: tuple = ("streaming",), hint: str = "-r emr") -> None:
        """Refuse a job with a step whose type this runner cannot run."""
        kinds = list(accepted)
        named = kinds[-1] if len(kinds) == 1 else "%s and %s" % (", ".join(kinds[:-1]),
                                                                 kinds[-1])
        for num, desc in enumerate(self._steps):
            if desc.get("type") not in accepted:
                raise UsageError("step %d is a %s step; the %s runner runs only %s steps"
                                 " (try %s)" % (num + 1, desc.get("type"), self.alias,
                                                named, hint))

    # --- lifecycle ---------------------------------------------------------------------

    def run(self) -> None:
        """Run every step of the job. Raises on failure."""
        if self._ran:
            raise RuntimeError("a runner runs its job once; make a new runner")
        self._ran = True
        if not self._steps:
            raise UsageError("the job has no steps")
        from streamr.runners.recording import end_of_run, start_recording

        self._recorder = start_recording(self)
        started = time.time()
        try:
            self._check_options()
            try:
                self._run()
            except OSError as exc:
                self._stop_on_full_disk(exc)
                raise
        except BaseException as exc:
            state, cause = end_of_run(exc, self)
            self._recorder.finish(state, cause=cause, step_counters=self._counters)
            raise
        self._recorder.finish("succeeded", step_counters=self._counters)
        self._log_counters()
        log.info("job finished in %s", _duration(time.time() - started))

    def _stop_on_full_disk(self, exc: BaseException) -> None:
        """When *exc* says a disk is full, remove this run's temporary files
        (they would keep it full) and raise :class:`NoSpaceError` instead."""
        from streamr.runners.space import no_space_error

        full = no_space_error(exc, self._local_tmp_dir or tempfile.gettempdir())
        if full is not None:
            self.cleanup(["LOCAL_TMP"])
            raise full from exc

    def _check_options(self) -> None:
        """Hook for runners to refuse option combinations they cannot run."""

    def _run(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _expanded_inputs(self) -> list:
        found = expand_input_files(self._input_paths, self.fs,
                                   check=self._opts["check_input_paths"],
                                   today=parse_as_of(self._opts.get("as_of")),
                                   date_format=self._opts.get("date_format"))
        self._record_inputs(found)
        return [path for path, _ in found]

    def _record_inputs(self, found: list) -> None:
        """Tell the run history what the run reads: *found* is ``(path,
        bytes)`` per input file, as :func:`~streamr.inputs.expand_input_files`
        gives them (stdin counts as a file of unknown size)."""
        if self._recorder is not None:
            self._recorder.update(input_count=len(found), input_bytes=sum(
                size for _, size in found if size is not None))

    def _record_step(self, num: int, *, ended: bool = False) -> None:
        """Tell the run history that step *num* started (or ended well)."""
        if self._recorder is None:
            return
        if ended:
            self._recorder.step_ended(num, True, self._step_counters(num))
        else:
            self._recorder.step_started(num)

    def counters(self) -> list:
        """Counters of each step: ``[{group: {counter: amount}}, ...]``."""
        return [dict((g, dict(c)) for g, c in step.items()) for step in self._counters]

    def _log_counters(self) -> None:
        for num, counters in enumerate(self._counters):
            if not counters:
                continue
            total = sum(len(c) for c in counters.values())
            lines = ["Counters: %d" % total]
            for group in sorted(counters):
                lines.append("\t%s" % group)
                for name in sorted(counters[group]):
                    lines.append("\t\t%s=%d" % (name, counters[group][name]))
            prefix = "Step %d of %d: " % (num + 1, len(self._steps)) if len(self._steps) > 1 else ""
            log.info("%s%s", prefix, "\n".join(lines))

    def cat_output(self):
        """The job's output as byte chunks: every part file of the output
        directory (local or S3) in name order, decompressed, skipping hidden
        files (``_SUCCESS``, ``.crc``) and empty ones. A part file whose
        last line has no newline gets one, so it never runs into the next
        file's first line."""
        from streamr.output import part_chunks

        yield from part_chunks(self.fs, self.fs.files_with_sizes(self.get_output_dir(),
                                                                 use_glob=False))

    def cleanup(self, mode=None) -> None:
        """Remove what *mode* (a list of cleanup modes; default: the
        ``cleanup`` option) says: for local runners, the temporary dir."""
        modes = set(mode if mode is not None else self._opts["cleanup"])
        if self._claim is not None:
            self._claim.release()  # whatever the mode: staged parts are never output
            self._claim = None
        if modes & {"ALL", "LOCAL_TMP", "TMP"} and self._local_tmp_dir:
            shutil.rmtree(self._local_tmp_dir, ignore_errors=True)
            self._local_tmp_dir = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None or issubclass(exc_type, KeyboardInterrupt):
            self.cleanup()
        else:
            self.cleanup(self._opts["cleanup_on_failure"])
        return False


def _duration(seconds: float) -> str:
    """*seconds* as people read a run's length: ``4.2s``, ``3m 05s``, ``1h 02m``."""
    if seconds < 60:
        return "%.1fs" % seconds
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return "%dm %02ds" % (minutes, secs)
    return "%dh %02dm" % divmod(minutes, 60)
