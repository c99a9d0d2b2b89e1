"""How long a word count over many small input files takes: the number of
map tasks should follow the bytes, not the files.

Run on demand (not part of the test suite)::

    .venv/bin/python tests/benchmarks/many_small_files.py [--files 10000] [--work DIR]
        [--runners local,inline] [--write]

It makes *files* text files of about 150 bytes each, runs
``examples/mr_word_freq_count.py`` over the directory with each runner,
checks that the runners' outputs are the same bytes, prints the time each
took and the number of map tasks, and with ``--write`` puts the table into
docs/performance.md.
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
sys.path.insert(0, HERE)

from benchlib.data import make_small_files  # noqa: E402
from benchlib.report import write_between  # noqa: E402

WORD_COUNT = os.path.join(ROOT, "examples", "mr_word_freq_count.py")
PERFORMANCE_MD = os.path.join(ROOT, "docs", "performance.md")
MARKER = "<!-- many small files results -->"
END_MARKER = "<!-- end of many small files results -->"


def run(runner: str, directory: str, out: str) -> tuple:
    """Seconds the job took with *runner*, and its stderr."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, WORD_COUNT, "-r", runner, "--no-conf", "-v",
                           directory, "-o", out], capture_output=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(proc.stderr.decode("utf_8", "replace"))
    return seconds, proc.stderr.decode("utf_8", "replace")


def parts(out: str) -> bytes:
    data = b""
    for name in sorted(os.listdir(out)):
        if name.startswith("part-"):
            with open(os.path.join(out, name), "rb") as handle:
                data += handle.read()
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--work", default="/tmp/streamr-many-small-files")
    parser.add_argument("--runners", default="local,inline")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    directory = os.path.join(args.work, "in-%d" % args.files)
    total = make_small_files(directory, args.files)
    rows, outputs = [], {}
    for runner in args.runners.split(","):
        out = os.path.join(args.work, "out-%s-%d-%d" % (runner, args.files, os.getpid()))
        seconds, log = run(runner, directory, out)
        outputs[runner] = parts(out)
        packed = [line for line in log.splitlines() if line.startswith("packed ")]
        rows.append((runner, seconds, packed[0] if packed else ""))
        print("%s: %d files, %d bytes: %.1f s %s" % (runner, args.files, total, seconds,
                                                     packed[0] if packed else ""))
    if len(set(outputs.values())) > 1:
        sys.exit("the runners' outputs differ")
    if args.write:
        write_table(args, total, rows)


def write_table(args, total: int, rows: list) -> None:
    lines = [MARKER, "", "Measured on %s, %d cores, Python %s, with:" % (
        datetime.date.today().isoformat(), os.cpu_count() or 1, platform.python_version()),
        "", "```sh", "python tests/benchmarks/many_small_files.py --files %d --write" % args.files,
        "```", "", "| run | seconds | notes |", "|-----|--------:|-------|"]
    for runner, seconds, packed in rows:
        lines.append("| word count, %d files of about %d bytes, -r %s | %.1f | %s |"
                     % (args.files, total // args.files, runner, seconds, packed))
    write_between(PERFORMANCE_MD, MARKER, END_MARKER, lines)


if __name__ == "__main__":
    main()
