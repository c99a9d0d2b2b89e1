"""Handing a program to Spark with ``spark-submit``: finding the program,
checking for Java, building its command line, running it and turning its
failure into the user's own traceback.

Everything that submits to Spark goes through here: the Spark runner for
masters other than ``local[*]``, the Spark job types (``SparkStep``,
``SparkJarStep``, ``SparkScriptStep``), and later the Hadoop and EMR
Serverless runners, which submit the same command lines elsewhere. Keeping
one builder means a jobconf property or a ``spark_args`` value reaches
Spark the same way whichever runner submits.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterable, Sequence

from streamr.errors import StepFailedException, UsageError
from streamr.logs.task import find_python_traceback, last_plain_line, summarize_java_exception
from streamr.runners.process_group import start_group, stop_group

__all__ = [
    "FAILURE_MARKER",
    "check_java",
    "find_spark_submit",
    "pyspark_home",
    "run_spark_submit",
    "spark_submit_argv",
    "zip_streamr",
]

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'streamr[spark]'"

#: a line a Spark program (the harness) writes to stderr just before it
#: exits with the failure it describes; what follows the marker is a JSON
#: object: ``reason`` (which task failed, and where), ``step_num`` and
#: ``num_steps``
FAILURE_MARKER = "streamr-spark-failure: "

# how many lines of spark-submit's output are kept to look for the cause
_KEPT_LINES = 5000
_PROGRESS = re.compile(r" (WARN|ERROR) | finished in \d+ ms|^streamr")


def pyspark_home() -> str | None:
    """The directory of the installed ``pyspark`` package (it bundles
    Spark's jars and launcher scripts), or ``None`` when it is not
    installed. Found without importing pyspark, which is slow."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("pyspark")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def find_spark_submit(opts: dict) -> str:
    """The ``spark-submit`` program to run: the ``spark_submit_bin``
    option if set, else the one bundled with the installed pyspark, else
    ``spark-submit`` on ``PATH``. Raises :class:`UsageError` when there is
    none."""
    configured = opts.get("spark_submit_bin")
    if configured:
        # a command option may arrive split into words; spark-submit takes none
        return configured if isinstance(configured, str) else " ".join(configured)
    home = pyspark_home()
    if home:
        bundled = os.path.join(home, "bin", "spark-submit")
        if os.path.exists(bundled):
            return bundled
    on_path = shutil.which("spark-submit")
    if on_path:
        return on_path
    raise UsageError("Spark is not installed: found neither pyspark nor spark-submit"
                     " (install it with: %s)" % INSTALL_HINT)


def find_java() -> str | None:
    """The ``java`` program Spark will start: ``$JAVA_HOME/bin/java`` when
    JAVA_HOME is set, else ``java`` on ``PATH``; ``None`` when neither."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = os.path.join(java_home, "bin", "java")
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("java")


def check_java() -> None:
    """Raise :class:`UsageError` when there is no Java for Spark to run on."""
    if find_java() is None:
        where = ("JAVA_HOME (%s) has no bin/java and there is none on PATH"
                 % os.environ["JAVA_HOME"] if os.environ.get("JAVA_HOME")
                 else "there is no java on PATH and JAVA_HOME is not set")
        raise UsageError("Spark needs Java (a JDK 17 or later), but %s" % where)


def _conf_pairs(jobconf: dict | None) -> list[str]:
    """``--conf`` arguments for *jobconf*: Spark's own properties as they
    are, Hadoop properties under ``spark.hadoop.`` so that Spark hands them
    to the Hadoop code it runs (input formats, filesystems)."""
    args: list[str] = []
    for name, value in (jobconf or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        key = name if name.startswith("spark.") else "spark.hadoop." + name
        args += ["--conf", "%s=%s" % (key, value)]
    return args


def _joined(switch: str, paths: Iterable[str]) -> list[str]:
    paths = [p for p in paths if p]
    return [switch, ",".join(paths)] if paths else []


def spark_submit_argv(opts: dict, *, app: str, app_args: Sequence[str],
                      main_class: str | None = None, py_files: Iterable[str] = (),
                      files: Iterable[str] = (), archives: Iterable[str] = (),
                      jobconf: dict | None = None,
                      extra_spark_args: Iterable[str] = ()) -> list[str]:
    """The whole ``spark-submit`` command line that runs *app* (a Python
    file or a jar) with *app_args*: the master and deploy mode from *opts*,
    *jobconf* as ``--conf`` pairs, the files to ship, *main_class* for a
    jar, then the ``spark_args`` option and *extra_spark_args* (the job's
    or step's own, so they win over the option where Spark lets the later
    one win)."""
    argv = [find_spark_submit(opts)]
    argv += ["--master", opts.get("spark_master") or "local[*]"]
    if opts.get("spark_deploy_mode"):
        argv += ["--deploy-mode", opts["spark_deploy_mode"]]
    argv += _conf_pairs(jobconf)
    argv += _joined("--py-files", py_files)
    argv += _joined("--files", files)
    argv += _joined("--archives", archives)
    if main_class:
        argv += ["--class", main_class]
    argv += list(opts.get("spark_args") or [])
    argv += list(extra_spark_args)
    argv.append(app)
    argv += [str(arg) for arg in app_args]
    return argv


def zip_streamr(dest_dir: str) -> str:
    """``streamr.zip`` in *dest_dir*: the installed streamr package, for
    ``--py-files``, so that executors on other machines import the same
    streamr as the driver. Made once per directory (a run's temporary
    directory); later calls return the same file."""
    path = os.path.join(dest_dir, "streamr.zip")
    if os.path.exists(path):
        return path
    package_dir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parent = os.path.dirname(package_dir)
    partial = path + ".partial"
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, dirs, names in os.walk(package_dir):
            # compiled files are per interpreter; executors compile their own
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if name.endswith((".py", ".typed")):
                    full = os.path.join(root, name)
                    archive.write(full, os.path.relpath(full, parent))
    os.replace(partial, path)
    return path


class _Output:
    """The lines a running spark-submit writes, logged as they come (its
    progress) and the last few thousand kept to find the cause of a
    failure."""

    def __init__(self, stream, log_prefix: str):
        self.lines: list[str] = []
        self._stream = stream
        self._prefix = log_prefix
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for raw in self._stream:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.lines.append(line)
            if len(self.lines) > _KEPT_LINES * 2:
                del self.lines[:-_KEPT_LINES]
            # Spark's own chatter is for -v; finished stages and jobs, and
            # warnings and errors, are the progress a user wants to see
            level = logging.INFO if _PROGRESS.search(line) else logging.DEBUG
            log.log(level, "%s%s", self._prefix, line)

    def join(self) -> list[str]:
        self._thread.join()
        return self.lines


def failure_from_output(lines: Sequence[str]) -> tuple[dict, str | None]:
    """What the harness said about a failed Spark program whose output is
    *lines* (its failure line's JSON, or ``{}``), and the Python traceback
    of the user's code. Spark wraps a worker's traceback in Java
    exceptions (``PythonException: Traceback ...``), so a traceback is
    looked for wherever it starts on a line, and the last one that is not
    Py4J's own is taken."""
    said: dict = {}
    for line in lines:
        if line.startswith(FAILURE_MARKER):
            try:
                said = json.loads(line[len(FAILURE_MARKER):])
            except ValueError:
                said = {"reason": line[len(FAILURE_MARKER):].strip()}
    return said, _user_traceback(lines)


def _user_traceback(lines: Sequence[str]) -> str | None:
    starts = [num for num, line in enumerate(lines) if "Traceback (most recent call last):" in line]
    best = None
    for begin, end in zip(starts, starts[1:] + [len(lines)]):
        head = lines[begin]
        found = find_python_traceback([head[head.index("Traceback"):], *lines[begin + 1:end]])
        if not found:
            continue
        if any("py4j" in line for line in found):
            # the driver's view of a Java call that failed: the cause is
            # a worker's traceback, or nowhere
            best = best or found
            continue
        best = found
    return None if best is None else "\n".join(_without_spark_frames(best))


def _without_spark_frames(lines: list) -> list:
    """A traceback's lines less the frames in pyspark's own files (the
    worker that called the job's code), which say nothing to its author."""
    kept: list = []
    skipping = False
    for line in lines:
        if line.startswith("  File "):
            skipping = "/pyspark/" in line or "pyspark.zip" in line
        elif not line.startswith("    "):
            skipping = False
        if not skipping:
            kept.append(line)
    return kept


#: seconds spark-submit has to stop (its shutdown stops the Spark
#: application: a cluster's executors, a local master's workers) before
#: its process group is killed
STOP_SECONDS = 30


def run_spark_submit(argv: Sequence[str], *, env: dict | None = None,
                     log_prefix: str = "spark-submit: ", step_num: int | None = None,
                     num_steps: int | None = None) -> None:
    """Run the command line *argv* (from :func:`spark_submit_argv`),
    logging what it writes as it runs. When it fails, raise
    :class:`StepFailedException` with the probable cause: the user's
    Python traceback found in its output, and the line saying which step
    and task failed."""
    log.debug("running %s", " ".join(argv))
    run_env = dict(os.environ if env is None else env)
    # workers must run the same Python as the driver unless told otherwise
    run_env.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        # a group of its own: spark-submit's JVM, the Python driver it
        # starts and a local master's workers are stopped together
        proc = start_group(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, env=run_env)
    except OSError as exc:
        raise UsageError("cannot run %s: %s (install Spark with: %s)"
                         % (argv[0], exc.strerror or exc, INSTALL_HINT)) from None
    try:
        output = _Output(proc.stdout, log_prefix)
        status = proc.wait()
    except BaseException:  # Ctrl-C, or a signal that stops the run
        stop_group(proc, grace=STOP_SECONDS)
        raise
    lines = output.join()
    if status == 0:
        return
    said, traceback_text = failure_from_output(lines)
    traceback_text = said.get("details") or traceback_text
    reason = said.get("reason")
    if said.get("step_num") is not None:
        step_num, num_steps = said["step_num"], said.get("num_steps", num_steps)
    if reason is None:
        last = summarize_java_exception(lines) or last_plain_line(lines)
        reason = "spark-submit exited with status %d%s" % (
            status, " (%s)" % last if last and not traceback_text else "")
    raise StepFailedException(reason=reason, step_num=step_num, num_steps=num_steps,
                              details=traceback_text)
