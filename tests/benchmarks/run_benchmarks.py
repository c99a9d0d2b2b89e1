"""Speed and memory benchmarks of the inline and local runners, side by
side with mrjob 0.7.4 and plain one-process scripts.

Run on demand (not part of the test suite)::

    .venv/bin/python tests/benchmarks/run_benchmarks.py [--sizes 50,200,1024,2048]
        [--only word-count,inline,...] [--quick] [--work DIR]

It generates its data (deterministically), finds or installs mrjob 0.7.4,
runs every contender in turn on the same machine, checks that their
outputs agree before keeping any number, and writes one block per
benchmark into docs/performance.md (with the command, the machine's facts
and PASS/MISS per goal). ``--quick`` runs every benchmark on small inputs
to check the harness itself and prints the blocks instead of writing them
(add ``--write`` to write them anyway).
"""

from __future__ import annotations

import argparse
import glob
import os
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from benchlib import beyond, report, scale, wordcount  # noqa: E402
from benchlib.session import Session  # noqa: E402

PERFORMANCE_MD = os.path.join(ROOT, "docs", "performance.md")
#: the lock files mrjob's local tasks make, one per run
MRJOB_LOCKS = "/tmp/wrapper.lock.*"

#: every benchmark, by the name ``--only`` takes, in the order they run
BENCHMARKS = {
    "word-count": wordcount.word_count,
    "inline": wordcount.inline,
    "map-task-start-up": wordcount.startup,
    "scale": scale.scale,
    "distinct-keys": scale.distinct_keys,
    "json-lines": beyond.json_orders,
    "three-steps": beyond.three_steps,
    "small-files": beyond.small_files,
    "gzip": beyond.gzip_input,
}

#: option: (full run, --quick); given on the command line, they win
SETTINGS = {
    "sizes": ("50,200,1024,2048", "2,4,8"),
    "compare_sizes": ("50,200", "2,4"),
    "distinct_sizes": ("50,200,1024,2048", "1,2"),
    "beyond_mb": (50.0, 1.0),
    "small_files": (10000, 300),
    "startup_runs": (21, 5),
    "mrjob_timeout": (600.0, 120.0),
}


def _sizes(text: str) -> list:
    try:
        sizes = [float(part) for part in text.split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError("expected sizes in MB like 50,200: %r" % text) from None
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError("expected positive sizes in MB: %r" % text)
    return sizes


def _names(text: str) -> list:
    names = [name for name in text.split(",") if name]
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        raise argparse.ArgumentTypeError("unknown benchmark %s (known: %s)" % (
            ", ".join(unknown), ", ".join(BENCHMARKS)))
    return names


def parse_args(argv: list) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default=os.path.join(HERE, "_data"),
                        help="where data, outputs and (if needed) the mrjob virtualenv go")
    parser.add_argument("--only", type=_names, default=list(BENCHMARKS),
                        help="comma-separated benchmarks to run: " + ", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true",
                        help="small inputs, to check the harness; prints instead of writing")
    parser.add_argument("--write", action="store_true",
                        help="write docs/performance.md even with --quick")
    parser.add_argument("--note", default="",
                        help="a sentence added to every block (e.g. that the machine was busy)")
    parser.add_argument("--cores", type=int, default=2,
                        help="cores -r local runs use, under both frameworks (default 2, "
                        "the machine the goals are set for)")
    parser.add_argument("--sizes", type=_sizes,
                        help="MB of text for the scale benchmark (full: 50,200,1024,2048)")
    parser.add_argument("--compare-sizes", type=_sizes,
                        help="MB of text for word count against plain and mrjob (full: 50,200)")
    parser.add_argument("--distinct-sizes", type=_sizes,
                        help="MB of input for the distinct-keys job (full: 50,200,1024,2048)")
    parser.add_argument("--beyond-mb", type=float, help="MB of input for json-lines, "
                        "three-steps and gzip (full: 50)")
    parser.add_argument("--small-files", type=int, help="number of small files (full: 10000)")
    parser.add_argument("--startup-runs", type=int, help="map-task start-up runs (full: 21)")
    parser.add_argument("--mrjob-timeout", type=float,
                        help="seconds before an mrjob run over small files is stopped (full: 600)")
    args = parser.parse_args(argv)
    for name, (full, quick) in SETTINGS.items():
        if getattr(args, name) is None:
            value = quick if args.quick else full
            setattr(args, name, _sizes(value) if isinstance(value, str) else value)
    return args


def main(argv: list | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    session = Session(
        os.path.abspath(args.work),
        command=" ".join(["python tests/benchmarks/run_benchmarks.py"]
                         + [shlex.quote(arg) for arg in argv]),
        sizes=args.sizes, compare_sizes=args.compare_sizes,
        distinct_sizes=args.distinct_sizes, beyond_mb=args.beyond_mb,
        small_files=args.small_files, startup_runs=args.startup_runs,
        mrjob_timeout=args.mrjob_timeout, cores=args.cores, busy_note=args.note)
    locks_before = set(glob.glob(MRJOB_LOCKS))
    try:
        _run(args, session)
    finally:
        # mrjob's local runs leave a lock file each in /tmp
        for lock in set(glob.glob(MRJOB_LOCKS)) - locks_before:
            os.remove(lock)


def _run(args: argparse.Namespace, session: Session) -> None:
    for name in (name for name in BENCHMARKS if name in args.only):
        block = BENCHMARKS[name](session)
        facts = report.machine_facts(args.note)
        print(report.render(block, facts) + "\n", flush=True)
        # each block is written as soon as its outputs agreed: a long run
        # stopped part way keeps what it finished
        if args.write or not args.quick:
            report.write_blocks(PERFORMANCE_MD, [block], facts)
            print("wrote the %s block into %s" % (name, os.path.relpath(PERFORMANCE_MD, ROOT)),
                  file=sys.stderr)


if __name__ == "__main__":
    main()
