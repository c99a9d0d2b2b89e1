"""MRJob: the class users subclass to write a job.

A job defines ``mapper``/``combiner``/``reducer`` (and their ``_init`` and
``_final`` variants, ``mapper_raw``, ``*_cmd``, ``*_pre_filter``) or
``steps()``, picks its protocols with class attributes, and ends with
``MyJob.run()``. The same file runs the whole job (choosing a runner with
``-r``) and, called with ``--step-num=N --mapper|--combiner|--reducer``, one
task exactly as Hadoop streaming calls it. A job may instead define
``spark()`` (or return Spark steps from ``steps()``); ``spark-submit`` runs
such a step as ``--step-num=N --spark INPUT OUTPUT``.

What happens inside a task (reading, decoding, grouping, spilling) is the
engine's (:mod:`streamr.engine`); this module is the user API only.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from io import BytesIO

from streamr.args import (
    JobArgumentParser,
    add_job_switches,
    args_for_task,
    expand_local_path,
    normalize_option_values,
)
from streamr.engine.context import context_of
from streamr.engine.properties import (
    SKIP_MALFORMED_PROPERTY,
    SORT_VALUES_JOBCONF,
    SORT_VALUES_PARTITIONER,
)
from streamr.engine.records import to_lines
from streamr.engine.streaming import group_and_run, map_pairs, run_streaming_task, run_task
from streamr.errors import UsageError
from streamr.protocol import JSONProtocol, RawValueProtocol
from streamr.step import MRStep, SparkStep

__all__ = ["MRJob", "SKIP_MALFORMED_PROPERTY", "SORT_VALUES_PARTITIONER"]

log = logging.getLogger(__name__)

# methods that make up the default single step when a job does not define steps()
_STEP_METHODS = (
    "mapper", "mapper_init", "mapper_final", "mapper_raw",
    "combiner", "combiner_init", "combiner_final",
    "reducer", "reducer_init", "reducer_final",
)
_STEP_COMMANDS = (
    "mapper_cmd", "mapper_pre_filter", "combiner_cmd", "combiner_pre_filter",
    "reducer_cmd", "reducer_pre_filter",
)
# switches that put a job in task mode: a task's parser has no runner options
_TASK_SWITCHES = frozenset({"--mapper", "--combiner", "--reducer", "--spark"})


def _process_is_task() -> bool:
    """True when this process was started as a task: its own command line
    has ``--step-num`` and ``--mapper``, ``--combiner``, ``--reducer`` or
    ``--spark`` (how Hadoop streaming, the local runner and spark-submit
    start job scripts)."""
    argv = sys.argv[1:]
    step = any(arg == "--step-num" or arg.startswith("--step-num=") for arg in argv)
    return step and any(arg in _TASK_SWITCHES for arg in argv)


class _TaskOptions(argparse.Namespace):
    """Parsed arguments of a task. A task's parser has no switch per runner
    option, yet ``self.options.<runner option>`` still reads ``None`` there,
    as it does in a job whose command line did not set it."""

    def __getattr__(self, name: str):
        if not name.startswith("_"):
            from streamr.options import OPTIONS

            if any(opt.name == name for opt in OPTIONS):
                return None
        raise AttributeError(name)


class MRJob:
    """Base class of every job. See the module docstring and the user guide."""

    #: protocol that reads the job's input lines (the first mapper's input)
    INPUT_PROTOCOL = RawValueProtocol
    #: protocol between tasks and between steps
    INTERNAL_PROTOCOL = JSONProtocol
    #: protocol that writes the job's output lines
    OUTPUT_PROTOCOL = JSONProtocol

    #: files, directories and archives to put in every task's working directory;
    #: relative paths are relative to the job script's directory
    FILES: list = []
    DIRS: list = []
    ARCHIVES: list = []
    #: Hadoop properties for every step
    JOBCONF: dict = {}
    #: sort values too, not just keys, so each reducer sees them in order
    SORT_VALUES = None
    #: Hadoop partitioner class (Hadoop-based runners only)
    PARTITIONER = None
    #: Hadoop input/output format classes (Hadoop-based runners only)
    HADOOP_INPUT_FORMAT = None
    HADOOP_OUTPUT_FORMAT = None
    #: jars to add to Hadoop's classpath (Hadoop-based runners only)
    LIBJARS: list = []

    def __init__(self, args=None):
        """Parse *args* (``sys.argv[1:]`` when ``None``). With *args* given,
        a bad argument raises ``ValueError`` instead of exiting."""
        if hasattr(time, "tzset"):
            time.tzset()
        self._passthru_arg_dests: set = set()
        self._file_arg_dests: set = set()
        self._stdin = self._stdout = self._stderr = None
        self._cl_args = sys.argv[1:] if args is None else list(args)
        # decided before parsing, so that a task builds only the parser it needs
        self._task_mode = any(arg in _TASK_SWITCHES for arg in self._cl_args)
        self._task_runner_options: list = []

        self.arg_parser = JobArgumentParser(prog=self._prog_name(), allow_abbrev=False)
        self.configure_args()

        if args is not None:
            def error(message):
                raise ValueError(message)

            self.arg_parser.error = error
        self.load_args(self._cl_args)

    @classmethod
    def _prog_name(cls) -> str:
        script = cls.mr_job_script()
        return os.path.basename(script) if script else cls.__name__

    # --- standard streams (binary), replaceable with sandbox() ----------------------

    @property
    def stdin(self):
        return self._stdin or getattr(sys.stdin, "buffer", sys.stdin)

    @property
    def stdout(self):
        return self._stdout or getattr(sys.stdout, "buffer", sys.stdout)

    @property
    def stderr(self):
        return self._stderr or getattr(sys.stderr, "buffer", sys.stderr)

    def sandbox(self, stdin=None, stdout=None, stderr=None):
        """Swap the job's stdin/stdout/stderr for in-memory buffers (or the
        binary file objects given), for tests. Returns the job."""
        self._stdin = stdin if stdin is not None else BytesIO()
        self._stdout = stdout if stdout is not None else BytesIO()
        self._stderr = stderr if stderr is not None else BytesIO()
        return self

    # --- what a job overrides ---------------------------------------------------------

    def mapper(self, key, value):
        """Yield ``(key, value)`` pairs for one input record."""
        raise NotImplementedError

    def mapper_init(self):
        """Run once before a map task's first record; may yield pairs."""

    def mapper_final(self):
        """Run once after a map task's last record; may yield pairs."""

    def mapper_raw(self, input_path, input_uri):
        """Instead of ``mapper``: read a whole input file at *input_path*
        (its original URI is *input_uri*) and yield pairs."""
        raise NotImplementedError

    def mapper_cmd(self):
        """Return a shell command to run as the mapper instead of Python."""

    def mapper_pre_filter(self):
        """Return a shell command that filters the mapper's input first."""

    def combiner(self, key, values):
        """Yield pairs combining the *values* one map task produced for *key*."""
        raise NotImplementedError

    def combiner_init(self):
        """Run once before a combine task's first key."""

    def combiner_final(self):
        """Run once after a combine task's last key."""

    def combiner_cmd(self):
        """Return a shell command to run as the combiner instead of Python."""

    def combiner_pre_filter(self):
        """Return a shell command that filters the combiner's input first."""

    def reducer(self, key, values):
        """Yield pairs for one *key* and an iterator of all its *values*."""
        raise NotImplementedError

    def reducer_init(self):
        """Run once before a reduce task's first key."""

    def reducer_final(self):
        """Run once after a reduce task's last key."""

    def reducer_cmd(self):
        """Return a shell command to run as the reducer instead of Python."""

    def reducer_pre_filter(self):
        """Return a shell command that filters the reducer's input first."""

    def spark(self, input_path, output_path):
        """Spark code to run instead of a mapper and reducer: read
        *input_path* (several paths are joined by commas, as Spark's
        ``textFile`` takes them) and write *output_path*. It runs in a
        process ``spark-submit`` started, and makes (and stops) its own
        SparkContext. A job defining it has one :class:`~streamr.step.SparkStep`."""
        raise NotImplementedError

    def spark_args(self):
        """More arguments for ``spark-submit`` (``["--executor-memory",
        "2G"]``) for the step made from :meth:`spark`."""
        return []

    def steps(self):
        """The job's steps. By default, one :class:`~streamr.step.MRStep`
        made of the methods above that this class overrides, or one
        :class:`~streamr.step.SparkStep` when it overrides :meth:`spark`."""
        cls = type(self)
        own = vars(self)
        kwargs = {}
        if "spark" in own or cls.spark is not MRJob.spark:
            return [self._spark_step()]
        # a method the class overrides, or one assigned on the instance
        # (``job.reducer = f``)
        for name in _STEP_METHODS:
            if name in own or getattr(cls, name) is not getattr(MRJob, name):
                kwargs[name] = getattr(self, name)
        for name in _STEP_COMMANDS:
            if name in own or getattr(cls, name) is not getattr(MRJob, name):
                kwargs[name] = getattr(self, name)()
        return [MRStep(**kwargs)]

    def _spark_step(self) -> SparkStep:
        cls = type(self)
        own = vars(self)
        for name in _STEP_METHODS + _STEP_COMMANDS:
            if name in own or getattr(cls, name) is not getattr(MRJob, name):
                raise ValueError("Can't mix spark() and streaming functions (%s)" % name)
        return SparkStep(spark=self.spark, spark_args=self.spark_args())

    # --- counters and status (Hadoop streaming's reporter protocol) ---------------------

    def increment_counter(self, group, counter, amount=1):
        """Add *amount* to counter *counter* of *group*. Commas (which Hadoop
        cannot carry) become semicolons."""
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError("amount must be an integer, not %r" % (amount,))
        group = str(group).replace(",", ";")
        counter = str(counter).replace(",", ";")
        line = "reporter:counter:%s,%s,%d\n" % (group, counter, amount)
        self.stderr.write(line.encode("utf_8"))
        self.stderr.flush()

    def set_status(self, msg):
        """Tell Hadoop what the task is doing (also keeps a slow task alive)."""
        self.stderr.write(("reporter:status:%s\n" % (msg,)).encode("utf_8"))
        self.stderr.flush()

    # --- arguments --------------------------------------------------------------------

    def configure_args(self):
        """Define the job's arguments. Override to add your own with
        :meth:`add_passthru_arg` and :meth:`add_file_arg`, calling
        ``super().configure_args()`` first. A task (``--mapper`` and so on)
        gets no switch per runner option: it never uses them."""
        add_job_switches(self.arg_parser, self._runner_options())

    def _runner_options(self) -> tuple:
        if self._task_mode:
            return tuple(self._task_runner_options)
        from streamr.options import OPTIONS

        return OPTIONS

    def load_args(self, args):
        """Parse *args* into ``self.options``. Override to check or derive
        values, calling ``super().load_args(args)`` first."""
        self.options = self.arg_parser.parse_intermixed_args(args)
        normalize_option_values(self.options, self._runner_options())
        if self._task_mode:
            self.options.__class__ = _TaskOptions

    def add_passthru_arg(self, *args, **kwargs):
        """Add an argument (same signature as
        :meth:`argparse.ArgumentParser.add_argument`) whose value the tasks
        receive too."""
        action = self.arg_parser.add_argument(*args, **kwargs)
        self._passthru_arg_dests.add(action.dest)
        return action

    def add_file_arg(self, *args, **kwargs):
        """Add an argument naming a local file that is copied into each
        task's working directory; in tasks its value is the copy's path."""
        if kwargs.get("type") not in (None, str):
            raise TypeError("file options must take strings")
        if kwargs.get("action") not in (None, "store", "append"):
            raise TypeError("file options must use the actions 'store' or 'append'")
        action = self.arg_parser.add_argument(*args, **kwargs)
        self._file_arg_dests.add(action.dest)
        return action

    def pass_arg_through(self, opt_str):
        """Send an existing argument (for example ``--runner``) to tasks too."""
        for action in self.arg_parser._actions:
            if opt_str in action.option_strings or opt_str == action.dest:
                self._passthru_arg_dests.add(action.dest)
                return
        if self._task_mode and self._add_task_runner_option(opt_str):
            return self.pass_arg_through(opt_str)
        raise ValueError("unknown arg: %s" % opt_str)

    def _add_task_runner_option(self, opt_str) -> bool:
        """In a task, add the switch of the runner option *opt_str* names,
        which the job passes through (tasks otherwise parse none of them)."""
        from streamr.args import _add_option_switch
        from streamr.options import OPTIONS

        for opt in OPTIONS:
            if opt_str == opt.name or opt_str in opt.switches or opt_str == opt.false_switch:
                _add_option_switch(self.arg_parser, opt)
                self._task_runner_options.append(opt)
                return True
        return False

    def is_task(self):
        """True when this process runs one task (``--mapper`` and so on,
        or ``--spark``)."""
        opts = self.options
        return bool(opts.run_mapper or opts.run_combiner or opts.run_reducer
                    or opts.run_spark)

    def task_args(self, rename_file=None):
        """Arguments a task needs besides the task-mode switches: pass-through
        options, and file options with paths renamed by *rename_file*."""
        return args_for_task(self.arg_parser, self.options, self._passthru_arg_dests,
                             rename_file, frozenset(self._file_arg_dests))

    def file_arg_paths(self):
        """Local paths given to options added with :meth:`add_file_arg`."""
        paths = []
        for dest in sorted(self._file_arg_dests):
            value = getattr(self.options, dest, None)
            if value is None:
                continue
            paths.extend(value if isinstance(value, list) else [value])
        return paths

    # --- protocols --------------------------------------------------------------------

    def input_protocol(self):
        return self.INPUT_PROTOCOL()

    def internal_protocol(self):
        return self.INTERNAL_PROTOCOL()

    def output_protocol(self):
        return self.OUTPUT_PROTOCOL()

    def pick_protocols(self, step_num, step_type):
        """``(read, write)`` functions for the *step_type* task
        (``'mapper'``, ``'combiner'`` or ``'reducer'``) of step *step_num*.

        Tasks that run the job's Python code are numbered in order through
        the job; the first reads with the input protocol, the last writes
        with the output protocol, and all others use the internal protocol.
        A combiner reads and writes what its mapper writes."""
        return context_of(self, step_num).protocols(step_type)

    def parse_output(self, chunks):
        """Decode the job's output (byte chunks, as from
        ``runner.cat_output()``) into ``(key, value)`` pairs."""
        read = self.output_protocol().read
        for line in to_lines(chunks):
            yield read(line.rstrip(b"\r\n"))

    # --- what runners ask the job ----------------------------------------------------------

    def _steps_desc(self):
        return [step.description(num) for num, step in enumerate(self.steps())]

    @classmethod
    def mr_job_script(cls):
        """Path of the file that defines this job class, or ``None``."""
        # the defining module's own file when it is a source file, as
        # inspect.getsourcefile would say; inspect itself only for the rest
        # (it is slow to import, and every task asks this)
        path = getattr(sys.modules.get(cls.__module__), "__file__", None)
        if path and path.endswith(".py") and os.path.exists(path):
            return path
        import inspect

        try:
            return inspect.getsourcefile(cls)
        except (TypeError, OSError):
            return None

    def hadoop_input_format(self):
        return self.HADOOP_INPUT_FORMAT

    def hadoop_output_format(self):
        return self.HADOOP_OUTPUT_FORMAT

    def partitioner(self):
        return self.PARTITIONER

    def sort_values(self):
        return self.SORT_VALUES

    def jobconf(self):
        """Hadoop properties for every step; by default :attr:`JOBCONF`."""
        return dict(self.JOBCONF)

    def libjars(self):
        return self._relative_to_script(self.LIBJARS, "LIBJARS")

    def files(self):
        return self._relative_to_script(self.FILES, "FILES")

    def dirs(self):
        return self._relative_to_script(self.DIRS, "DIRS")

    def archives(self):
        return self._relative_to_script(self.ARCHIVES, "ARCHIVES")

    def _relative_to_script(self, paths, attr):
        if isinstance(paths, str):
            raise TypeError("%s must be a list of paths, not a string" % attr)
        script = self.mr_job_script()
        base = os.path.dirname(os.path.abspath(script)) if script else os.getcwd()
        result = []
        for path in paths or []:
            local = path.split("#", 1)[0]
            if "://" in local or os.path.isabs(expand_local_path(local)):
                result.append(path)
            else:
                result.append(os.path.join(base, path))
        return result

    def job_runner_options(self):
        """Runner option values the job class sets (its precedence level sits
        between config files and the command line)."""
        jobconf = self.jobconf()
        partitioner = self.partitioner()
        if self.sort_values():
            jobconf = dict(SORT_VALUES_JOBCONF, **jobconf)
            partitioner = partitioner or SORT_VALUES_PARTITIONER
        return {
            "jobconf": jobconf,
            "files": self.files(),
            "dirs": self.dirs(),
            "archives": self.archives(),
            "libjars": self.libjars(),
            "partitioner": partitioner,
            "hadoop_input_format": self.hadoop_input_format(),
            "hadoop_output_format": self.hadoop_output_format(),
            "sort_values": bool(self.sort_values()),
        }

    # --- running ------------------------------------------------------------------------

    @classmethod
    def run(cls):
        """Entry point of a job script: run the whole job, or one task in
        task mode."""
        cls().execute()

    def execute(self):
        opts = self.options
        if opts.run_mapper:
            run_task(self, "mapper", self.run_mapper)
        elif opts.run_combiner:
            run_task(self, "combiner", self.run_combiner)
        elif opts.run_reducer:
            run_task(self, "reducer", self.run_reducer)
        elif opts.run_spark:
            from streamr.engine.sparkstep import run_spark_task

            run_spark_task(self)
        else:
            self.run_job()

    def run_job(self):
        """Run every step with the chosen runner, print counters and (unless
        told not to) the output. Exits with a one-line message on errors a
        user can fix."""
        self._become_task_if_started_as_one()
        from streamr.launch import run_job_from_command_line

        run_job_from_command_line(self)

    def _become_task_if_started_as_one(self):
        """Guard against a script that builds its job with explicit
        arguments under ``__main__`` (``MyJob(['-r', 'local', ...])``):
        each task runs that script as ``script --step-num=N --mapper ...``,
        and the job built there is not in task mode. Running the whole job
        again in every task would never end; this runs the task the
        process was started for, from its own command line, and exits."""
        if self.is_task() or not _process_is_task():
            return
        task = type(self)(sys.argv[1:])
        task.execute()
        sys.exit(0)

    @classmethod
    def set_up_logging(cls, quiet=False, verbose=False, stream=None):
        """Log streamr's and the job's messages to *stream* (stderr)."""
        from streamr.console import set_up_logging

        set_up_logging(quiet=quiet, verbose=verbose, stream=stream)

    def make_runner(self):
        """A runner for this job, chosen with ``-r`` (inline by default).
        Use it as a context manager so it cleans up."""
        if self.is_task():
            raise UsageError("make_runner() was called in task mode; call it from the"
                             " code that launches the job, not from a task")
        self._become_task_if_started_as_one()
        from streamr.launch import make_runner

        return make_runner(self)

    # --- task mode: the engine runs the step's functions ----------------------------------

    def run_mapper(self, step_num=0):
        """Task mode: run the mapper of step *step_num* on the input."""
        run_streaming_task(self, context_of(self, step_num), "mapper")

    def run_combiner(self, step_num=0):
        """Task mode: run the combiner of step *step_num* on sorted input."""
        run_streaming_task(self, context_of(self, step_num), "combiner")

    def run_reducer(self, step_num=0):
        """Task mode: run the reducer of step *step_num* on sorted input."""
        run_streaming_task(self, context_of(self, step_num), "reducer")

    def run_spark(self, step_num=0):
        """Task mode: call the Spark function of step *step_num* (a
        :class:`~streamr.step.SparkStep`) with the two paths given as the
        job's arguments: input and output."""
        from streamr.engine.sparkstep import spark_function

        spark_function(self, step_num)(*self.options.args)

    def map_pairs(self, pairs, step_num=0):
        """Run ``mapper_init``, the mapper (or ``mapper_raw``) over *pairs*,
        and ``mapper_final``, yielding what they yield."""
        return map_pairs(context_of(self, step_num), pairs, list(self.options.args))

    def combine_pairs(self, pairs, step_num=0):
        """Run the combiner of step *step_num* over sorted *pairs*."""
        return group_and_run(context_of(self, step_num), pairs, "combiner")

    def reduce_pairs(self, pairs, step_num=0):
        """Run the reducer of step *step_num* over sorted *pairs*."""
        return group_and_run(context_of(self, step_num), pairs, "reducer")


if __name__ == "__main__":
    MRJob.run()
