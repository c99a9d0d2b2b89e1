"""MRJob: the class users subclass to write a job.

A job defines ``mapper``/``combiner``/``reducer`` (and their ``_init`` and
``_final`` variants, ``mapper_raw``, ``*_cmd``, ``*_pre_filter``) or
``steps()``, picks its protocols with class attributes, and ends with
``MyJob.run()``. The same file runs the whole job (choosing a runner with
``-r``) and, called with ``--step-num=N --mapper|--combiner|--reducer``, one
task exactly as Hadoop streaming calls it.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import inspect
import itertools
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
from streamr.compat import jobconf_from_env
from streamr.errors import CorruptInputError, MalformedRecordError, UsageError
from streamr.options import OPTIONS
from streamr.protocol import JSONProtocol, RawValueProtocol
from streamr.records import Position, decode_lines, to_lines
from streamr.step import MRStep

__all__ = ["MRJob", "SKIP_MALFORMED_PROPERTY"]

log = logging.getLogger(__name__)

#: Hadoop property that tells tasks to skip (and count) lines the input or
#: internal protocol cannot read instead of failing.
SKIP_MALFORMED_PROPERTY = "streamr.skip.malformed.records"

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

SORT_VALUES_JOBCONF = {
    "stream.num.map.output.key.fields": "2",
    "mapreduce.partition.keypartitioner.options": "-k1,1",
}
SORT_VALUES_PARTITIONER = "org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner"


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

        self.arg_parser = JobArgumentParser(prog=self._prog_name(), allow_abbrev=False)
        self.configure_args()

        if args is None:
            self._cl_args = sys.argv[1:]
        else:
            self._cl_args = list(args)

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

    def steps(self):
        """The job's steps. By default, one :class:`~streamr.step.MRStep`
        made of the methods above that this class overrides."""
        cls = type(self)
        kwargs = {}
        for name in _STEP_METHODS:
            if getattr(cls, name) is not getattr(MRJob, name):
                kwargs[name] = getattr(self, name)
        for name in _STEP_COMMANDS:
            if getattr(cls, name) is not getattr(MRJob, name):
                kwargs[name] = getattr(self, name)()
        return [MRStep(**kwargs)]

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
        ``super().configure_args()`` first."""
        add_job_switches(self.arg_parser, OPTIONS)

    def load_args(self, args):
        """Parse *args* into ``self.options``. Override to check or derive
        values, calling ``super().load_args(args)`` first."""
        self.options = self.arg_parser.parse_intermixed_args(args)
        normalize_option_values(self.options, OPTIONS)

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
        raise ValueError("unknown arg: %s" % opt_str)

    def is_task(self):
        """True when this process runs one task (``--mapper`` and so on)."""
        opts = self.options
        return bool(opts.run_mapper or opts.run_combiner or opts.run_reducer)

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
        order = self._script_task_order()
        last = len(order) - 1
        if step_type == "combiner":
            index = order.get((step_num, "mapper"))
            if index is None:
                proto = RawValueProtocol()
            elif index == last:
                proto = self.output_protocol()
            else:
                proto = self.internal_protocol()
            return proto.read, proto.write
        index = order.get((step_num, step_type))
        if index is None:
            raise ValueError("step %d has no %s that runs the job's Python code"
                             % (step_num, step_type))
        reader = self.input_protocol() if index == 0 else self.internal_protocol()
        writer = self.output_protocol() if index == last else self.internal_protocol()
        return reader.read, writer.write

    def _script_task_order(self):
        order = {}
        for step_num, desc in enumerate(self._steps_desc()):
            for kind in ("mapper", "reducer"):
                if desc.get(kind, {}).get("type") == "script":
                    order[(step_num, kind)] = len(order)
        return order

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
            self._run_task(self.run_mapper)
        elif opts.run_combiner:
            self._run_task(self.run_combiner)
        elif opts.run_reducer:
            self._run_task(self.run_reducer)
        else:
            self.run_job()

    def _run_task(self, run):
        try:
            if self.options.local_task:
                from streamr.localtask import run_local_task

                run_local_task(self, self.options.local_task)
            else:
                run(self.options.step_num)
        except (MalformedRecordError, CorruptInputError) as exc:
            sys.stderr.write("streamr: %s\n" % exc)
            sys.exit(1)
        except BrokenPipeError:
            # whoever reads our output stopped early; nothing to report
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception:
            sys.stderr.write("streamr: %s failed at %s\n"
                             % (self._task_label(), self._task_position))
            raise

    def _task_label(self):
        opts = self.options
        kind = ("mapper" if opts.run_mapper else "combiner" if opts.run_combiner
                else "reducer")
        return "%s of step %d" % (kind, opts.step_num + 1)

    def run_job(self):
        """Run every step with the chosen runner, print counters and (unless
        told not to) the output. Exits with a one-line message on errors a
        user can fix."""
        from streamr.launch import run_job_from_command_line

        run_job_from_command_line(self)

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
        from streamr.launch import make_runner

        return make_runner(self)

    # --- task mode ------------------------------------------------------------------

    _task_position = Position()

    def _get_step(self, step_num, expected=MRStep):
        steps = self.steps()
        if not 0 <= step_num < len(steps):
            raise ValueError("Out-of-range step: %d" % step_num)
        step = steps[step_num]
        if not isinstance(step, expected):
            raise TypeError("Step %d is not a %s" % (step_num, expected.__name__))
        return step

    def _input_lines(self, position):
        """Lines of the task's input: the files named as arguments, else stdin."""
        paths = self.options.args or ["-"]
        for path in paths:
            if path != "-" or not position.source:
                position.source = "<stdin>" if path == "-" else path
            position.line = 0
            if path == "-":
                yield from self.stdin
            else:
                from streamr.inputs import open_input

                with open_input(path) as stream:
                    yield from stream

    def _decoded_input(self, read):
        self._task_position = position = Position(
            jobconf_from_env("mapreduce.map.input.file") or "<stdin>")
        return decode_lines(self._input_lines(position), read, position,
                            self._malformed_handler())

    def _malformed_handler(self):
        """What to do with a line the protocol cannot read: ``None`` (fail)
        unless the runner asked tasks to skip and count such lines."""
        skip = (jobconf_from_env(SKIP_MALFORMED_PROPERTY) or "").lower() == "true"
        return self._count_malformed if skip else None

    def _count_malformed(self, error):
        self.increment_counter("streamr", "malformed records skipped")
        sys.stderr.write("streamr: skipped %s\n" % error)

    def _write_pairs(self, pairs, write):
        out = self.stdout
        for key, value in pairs:
            out.write(write(key, value) + b"\n")
        out.flush()

    def run_mapper(self, step_num=0):
        """Task mode: run the mapper of step *step_num* on the input."""
        read, write = self.pick_protocols(step_num, "mapper")
        if self._get_step(step_num)["mapper_raw"]:
            pairs = self.map_pairs(self._manifest_input(), step_num)
        else:
            pairs = self.map_pairs(self._decoded_input(read), step_num)
        self._write_pairs(pairs, write)

    def run_combiner(self, step_num=0):
        """Task mode: run the combiner of step *step_num* on sorted input."""
        read, write = self.pick_protocols(step_num, "combiner")
        self._write_pairs(self.combine_pairs(self._decoded_input(read), step_num), write)

    def run_reducer(self, step_num=0):
        """Task mode: run the reducer of step *step_num* on sorted input."""
        read, write = self.pick_protocols(step_num, "reducer")
        self._write_pairs(self.reduce_pairs(self._decoded_input(read), step_num), write)

    def _manifest_input(self):
        """For ``mapper_raw``: each input line names one file (its URI, maybe
        after a byte offset and a tab); yield nothing, but remember them."""
        self._raw_inputs = []
        for line in self._input_lines(Position()):
            uri = line.rstrip(b"\r\n").split(b"\t")[-1].decode("utf_8")
            if uri:
                self._raw_inputs.append(uri)
        return iter(())

    def map_pairs(self, pairs, step_num=0):
        """Run ``mapper_init``, the mapper (or ``mapper_raw``) over *pairs*,
        and ``mapper_final``, yielding what they yield."""
        step = self._get_step(step_num)
        mapper, mapper_raw = step["mapper"], step["mapper_raw"]
        init, final = step["mapper_init"], step["mapper_final"]
        if init:
            yield from init() or ()
        if mapper_raw:
            for path, uri in self._raw_input_files(pairs):
                yield from mapper_raw(path, uri) or ()
        else:
            for key, value in pairs:
                yield from mapper(key, value) or ()
        if final:
            yield from final() or ()

    def _raw_input_files(self, pairs):
        """``(local path, uri)`` of each file a ``mapper_raw`` task reads: the
        two positional arguments when given (how the inline runner calls it),
        else the URIs listed in the manifest input."""
        for _ in pairs:
            pass
        if len(self.options.args) == 2 and not getattr(self, "_raw_inputs", None):
            yield tuple(self.options.args)
            return
        from streamr.inputs import local_copy_of

        for uri in getattr(self, "_raw_inputs", []):
            with local_copy_of(uri) as path:
                yield path, uri

    def combine_pairs(self, pairs, step_num=0):
        """Run the combiner of step *step_num* over sorted *pairs*."""
        return self._group_and_run(pairs, "combiner", step_num)

    def reduce_pairs(self, pairs, step_num=0):
        """Run the reducer of step *step_num* over sorted *pairs*."""
        return self._group_and_run(pairs, "reducer", step_num)

    def _group_and_run(self, pairs, kind, step_num):
        step = self._get_step(step_num)
        func, init, final = step[kind], step[kind + "_init"], step[kind + "_final"]
        if func is None:
            raise ValueError("No %s in step %d" % (kind, step_num))
        if init:
            yield from init() or ()
        for key, group in itertools.groupby(pairs, _first):
            yield from func(key, (value for _, value in group)) or ()
        if final:
            yield from final() or ()


def _first(pair):
    return pair[0]


if __name__ == "__main__":
    MRJob.run()
