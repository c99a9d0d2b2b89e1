"""How much slower the 200 MB word count is under ``-r spark`` (a
``local[*]`` master) than under ``-r local``, on the same machine.

Run on demand (not part of the test suite)::

    .venv/bin/python tests/benchmarks/spark_word_count.py [--megabytes 200] [--work DIR]
        [--write]

It makes the same English-like text as run_benchmarks.py, runs
``examples/mr_word_freq_count.py`` over it with each runner (local first),
checks that the part files are the same bytes, prints the seconds each took
and how long starting and stopping Spark alone takes, and with ``--write``
puts the table into docs/performance.md between its two markers.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORD_COUNT = os.path.join(ROOT, "examples", "mr_word_freq_count.py")
PERFORMANCE_MD = os.path.join(ROOT, "docs", "performance.md")
MARKER = "<!-- spark word count results -->"
END_MARKER = "<!-- end of spark word count results -->"

sys.path.insert(0, HERE)
from benchlib.data import make_text  # noqa: E402 - beside this script, not a package
from benchlib.report import write_between  # noqa: E402


def run(runner: str, path: str, out: str) -> tuple:
    """Seconds the job took with *runner*, and its log."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, WORD_COUNT, "-r", runner, "--no-conf", "-v",
                           "--no-cat-output", path, "-o", out], capture_output=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(proc.stderr.decode("utf_8", "replace"))
    return seconds, proc.stderr.decode("utf_8", "replace")


def parts(out: str) -> list:
    found = []
    for name in sorted(os.listdir(out)):
        with open(os.path.join(out, name), "rb") as handle:
            found.append((name, handle.read()))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--work", default="/tmp/streamr-spark-benchmark")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    path = os.path.join(args.work, "text-%dmb.txt" % args.megabytes)
    make_text(path, args.megabytes)
    rows, outputs = [], {}
    for runner in ("local", "spark"):
        out = os.path.join(args.work, "out-%s-%d" % (runner, os.getpid()))
        seconds, _ = run(runner, path, out)
        outputs[runner] = parts(out)
        rows.append(("word count, %d MB, -r %s" % (args.megabytes, runner), seconds))
        print("%s: %.1f s" % (runner, seconds), flush=True)
    if outputs["local"] != outputs["spark"]:
        sys.exit("the runners' outputs differ")
    print("outputs are the same bytes (%d files)" % len(outputs["local"]))
    alone = spark_alone()
    rows.append(("starting and stopping Spark (local[*]) alone", alone))
    print("Spark alone: %.1f s" % alone)
    if args.write:
        write_table(args, rows)


def spark_alone() -> float:
    """Seconds to start a ``local[*]`` Spark session and stop it, with no
    work: the fixed cost every ``-r spark`` run pays."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from pyspark.sql import SparkSession;"
                    " SparkSession.builder.master('local[*]').getOrCreate().stop()"],
                   check=True, capture_output=True)
    return time.perf_counter() - started


def write_table(args, rows: list) -> None:
    local = rows[0][1]
    lines = [MARKER, "", "Measured on %s, %d cores, Python %s, with:" % (
        datetime.date.today().isoformat(), os.cpu_count() or 1, platform.python_version()),
        "", "```sh", "python tests/benchmarks/spark_word_count.py --megabytes %d --write"
        % args.megabytes, "```", "", "| run | seconds | against -r local |",
        "|-----|--------:|-----------------:|"]
    for what, seconds in rows:
        lines.append("| %s | %.1f | %.2fx |" % (what, seconds, seconds / local))
    write_between(PERFORMANCE_MD, MARKER, END_MARKER, lines)


if __name__ == "__main__":
    main()
