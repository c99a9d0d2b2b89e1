"""One benchmark run: where its files go, the sizes it was asked for, the
mrjob it compares with, and the runs it has already measured (the scale
benchmark reuses the word-count runs at the sizes both measure instead of
running them twice)."""

from __future__ import annotations

import compileall
import os
import shutil
import sys

import streamr

from .contenders import mrjob_python, mrjob_version_of
from .measure import Measurement, measure

#: a run shorter than this is measured SHORT_RUNS times and the median kept:
#: on a short run, the machine's noise is a large part of the figure
SHORT_RUN_SECONDS = 10.0
SHORT_RUNS = 5


def median_run(runs: list) -> Measurement:
    """The run with the median wall time, with the highest peak memory seen
    in any of *runs* (a peak is a lower bound, so the largest is kept)."""
    middle = sorted(runs, key=lambda run: run.wall)[len(runs) // 2]
    return middle._replace(peak_rss=max(run.peak_rss for run in runs))


class Session:
    """Settings and shared state of one ``run_benchmarks.py`` run."""

    def __init__(self, work: str, *, command: str, sizes: list, compare_sizes: list,
                 distinct_sizes: list, beyond_mb: float, small_files: int, startup_runs: int,
                 mrjob_timeout: float, cores: int, busy_note: str = "") -> None:
        self.work = work
        self.command = command
        self.sizes = sizes
        self.compare_sizes = compare_sizes
        self.distinct_sizes = distinct_sizes
        self.beyond_mb = beyond_mb
        self.small_files = small_files
        self.startup_runs = startup_runs
        self.mrjob_timeout = mrjob_timeout
        self.cores = cores
        self.busy_note = busy_note
        self.python = sys.executable
        self._mrjob_python: str | None = None
        self._measured: dict = {}
        os.makedirs(work, exist_ok=True)
        compile_bytecode()

    @property
    def mrjob(self) -> str:
        """The Python that runs mrjob 0.7.4 (found or installed on first use)."""
        if self._mrjob_python is None:
            self._mrjob_python = mrjob_python(self.work)
        return self._mrjob_python

    def mrjob_job(self, script: str) -> str:
        return mrjob_version_of(script, self.work)

    def runner_args(self, runner: str) -> list:
        """Options both frameworks take to run a job quietly with *runner*,
        on as many cores as the goals assume (``--cores``) under ``-r local``."""
        args = ["-r", runner, "-q", "--no-conf"]
        if runner == "local":
            args += ["--num-cores", str(self.cores)]
        return args

    def path(self, *names: str) -> str:
        return os.path.join(self.work, *names)

    def output_dir(self, name: str) -> str:
        """Where a job's ``-o`` goes; :meth:`measure` empties it first."""
        os.makedirs(self.path("out"), exist_ok=True)
        return self.path("out", name)

    def stdout_file(self, name: str) -> str:
        os.makedirs(self.path("out"), exist_ok=True)
        return self.path("out", name + ".stdout")

    def measure(self, key: str, cmd: list, out_path: str, *, fresh: tuple = (),
                **kwargs) -> Measurement:
        """Measure *cmd* once per *key* in this run; later asks get the same
        measurement (and the output it wrote is still at *out_path*). The
        directories in *fresh* are removed before the run (a job's ``-o``
        must not exist)."""
        if key not in self._measured:
            runs = []
            while not runs or (len(runs) < SHORT_RUNS and runs[0].wall < SHORT_RUN_SECONDS
                               and not runs[0].timed_out):
                for directory in fresh:
                    shutil.rmtree(directory, ignore_errors=True)
                print("running %s ..." % key, file=sys.stderr, flush=True)
                cost = measure(cmd, out_path, **kwargs)
                print("  %.2f s wall, %.2f s CPU, %d MB peak%s" % (
                    cost.wall, cost.cpu, cost.peak_rss >> 20,
                    " (stopped at the time limit)" if cost.timed_out else ""),
                    file=sys.stderr, flush=True)
                runs.append(cost)
            self._measured[key] = median_run(runs)
        return self._measured[key]


def compile_bytecode() -> None:
    """Write streamr's bytecode (``__pycache__``), as installing a package
    does. A checkout run with ``PYTHONDONTWRITEBYTECODE`` set would otherwise
    compile every module from source in every task it starts, which no
    installed streamr does (mrjob, installed by pip, has its bytecode)."""
    compileall.compile_dir(os.path.dirname(os.path.abspath(streamr.__file__)), quiet=1)
