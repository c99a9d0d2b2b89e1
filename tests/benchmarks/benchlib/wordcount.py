"""The word-count benchmarks: ``-r local`` against the plain one-process
script and mrjob 0.7.4 at each comparison size, ``-r inline`` against
both, and the CPU a single map task costs from exec to exit."""

from __future__ import annotations

import os
import statistics

from . import data
from .contenders import WORD_COUNT, bench_file, check_same, part_sizes
from .measure import Measurement, task_costs
from .report import Block
from .session import Session

PLAIN = bench_file("plain_word_count.py")

#: the goals of the issue that set them (word count on 2 cores)
LOCAL_WALL_VS_PLAIN = 1.0
LOCAL_CPU_VS_PLAIN = 2.0
LOCAL_VS_MRJOB = 8.0
INLINE_VS_MRJOB = 6.0
INLINE_VS_PLAIN = 2.0
MAP_TASK_CPU = 0.060


def text(s: Session, megabytes: float) -> str:
    return data.make_text(s.path("text-%gmb.txt" % megabytes), megabytes)


def local_word_count(s: Session, megabytes: float) -> tuple:
    """streamr ``-r local`` word count over the text of *megabytes*:
    (cost, stdout file, output directory). Measured once per run."""
    out_dir = s.output_dir("wc-local-%g" % megabytes)
    stdout = s.stdout_file("wc-local-%g" % megabytes)
    cost = s.measure("streamr -r local word count %g MB" % megabytes,
                     [s.python, WORD_COUNT, *s.runner_args("local"),
                      text(s, megabytes), "-o", out_dir, "--cat-output"],
                     stdout, fresh=(out_dir,))
    return cost, stdout, out_dir


def plain_word_count(s: Session, megabytes: float) -> tuple:
    stdout = s.stdout_file("wc-plain-%g" % megabytes)
    cost = s.measure("plain word count %g MB" % megabytes,
                     [s.python, PLAIN, text(s, megabytes)], stdout)
    return cost, stdout


def word_count(s: Session) -> Block:
    block = Block("word-count", "Word count, -r local, against the plain script and mrjob",
                  s.command, "`examples/mr_word_freq_count.py` on generated English-like "
                  "text (Zipf-distributed words); the plain script is "
                  "`tests/benchmarks/plain_word_count.py` (one process, `Counter`).")
    mrjob_job = s.mrjob_job(WORD_COUNT)
    for mb in s.compare_sizes:
        plain, plain_out = plain_word_count(s, mb)
        local, local_out, _ = local_word_count(s, mb)
        mrjob_out = s.stdout_file("wc-mrjob-local-%g" % mb)
        mrjob = s.measure("mrjob -r local word count %g MB" % mb,
                          [s.mrjob, mrjob_job, *s.runner_args("local"), text(s, mb)],
                          mrjob_out)
        check_same(plain_out, {"streamr -r local": local_out, "mrjob -r local": mrjob_out},
                   sorted_names=("mrjob -r local",))
        block.run("%g MB, plain script (1 process)" % mb, plain)
        block.run("%g MB, streamr -r local" % mb, local, ratios_note(local, plain, mrjob))
        block.run("%g MB, mrjob 0.7.4 -r local" % mb, mrjob)
        block.goal("%g MB: streamr -r local wall / plain wall" % mb,
                   local.wall / plain.wall, "<=", LOCAL_WALL_VS_PLAIN)
        block.goal("%g MB: streamr -r local CPU / plain CPU" % mb,
                   local.cpu / plain.cpu, "<=", LOCAL_CPU_VS_PLAIN)
        block.goal("%g MB: mrjob -r local wall / streamr -r local wall" % mb,
                   mrjob.wall / local.wall, ">=", LOCAL_VS_MRJOB)
    return block


def inline(s: Session) -> Block:
    mb = min(s.compare_sizes)
    block = Block("inline", "Word count, -r inline, against the plain script and mrjob",
                  s.command, "The same job and text as above, %g MB, every task in "
                  "the one process." % mb)
    plain, plain_out = plain_word_count(s, mb)
    out = s.stdout_file("wc-inline-%g" % mb)
    ours = s.measure("streamr -r inline word count %g MB" % mb,
                     [s.python, WORD_COUNT, *s.runner_args("inline"), text(s, mb)], out)
    mrjob_out = s.stdout_file("wc-mrjob-inline-%g" % mb)
    mrjob = s.measure("mrjob -r inline word count %g MB" % mb,
                      [s.mrjob, s.mrjob_job(WORD_COUNT), *s.runner_args("inline"),
                       text(s, mb)], mrjob_out)
    check_same(plain_out, {"streamr -r inline": out, "mrjob -r inline": mrjob_out},
               sorted_names=("mrjob -r inline",))
    block.run("%g MB, plain script (1 process)" % mb, plain)
    block.run("%g MB, streamr -r inline" % mb, ours, ratios_note(ours, plain, mrjob))
    block.run("%g MB, mrjob 0.7.4 -r inline" % mb, mrjob)
    block.goal("mrjob -r inline wall / streamr -r inline wall", mrjob.wall / ours.wall,
               ">=", INLINE_VS_MRJOB)
    block.goal("streamr -r inline wall / plain wall", ours.wall / plain.wall,
               "<=", INLINE_VS_PLAIN)
    return block


def ratios_note(ours: Measurement, plain: Measurement, mrjob: Measurement) -> str:
    """Wall and CPU against the plain script and mrjob; on a busy machine
    the CPU ratios move less than the wall ones."""
    return "wall %.2fx plain, CPU %.2fx plain; mrjob takes %s%.1fx the wall, %.1fx the CPU" % (
        ours.wall / plain.wall, ours.cpu / plain.cpu, "at least " if mrjob.timed_out else "",
        mrjob.wall / ours.wall, mrjob.cpu / ours.cpu)


def startup(s: Session) -> Block:
    """CPU of ``job.py --step-num=0 --mapper`` over a one-line split."""
    one_line = s.path("one-line.txt")
    with open(one_line, "w", encoding="utf_8") as out:
        out.write("The river ran past the mill and the mill wheel turned.\n")
    runs = s.startup_runs
    block = Block("map-task-start-up", "Map-task start-up", s.command,
                  "CPU (user + system, from exec to exit) of one map task of "
                  "`examples/mr_word_freq_count.py` over a one-line split "
                  "(`python job.py --step-num=0 --mapper < one_line`), median of %d runs."
                  % runs)
    medians = {}
    for name, python, job in (("streamr", s.python, WORD_COUNT),
                              ("mrjob 0.7.4", s.mrjob, s.mrjob_job(WORD_COUNT))):
        costs = task_costs([python, job, "--step-num=0", "--mapper"], one_line, runs)
        wall = statistics.median(c[0] for c in costs)
        cpu = statistics.median(c[1] for c in costs)
        medians[name] = cpu
        block.run("%s map task, one line" % name, Measurement(wall, cpu, 0),
                  "median of %d; CPU from %.0f to %.0f ms" % (
                      runs, 1000 * min(c[1] for c in costs), 1000 * max(c[1] for c in costs)))
    block.goal("streamr map task CPU, one-line split (median)", medians["streamr"], "<=",
               MAP_TASK_CPU, "ms")
    return block


def spread_ratio(out_dir: str) -> float:
    """Smallest over largest part file of a job's output: 1.0 is an even
    spread of the reduce work, 0.0 a reduce task with nothing to do."""
    sizes = part_sizes(out_dir)
    if not sizes or max(sizes) == 0:
        return 0.0
    return min(sizes) / max(sizes)


def file_megabytes(path: str) -> float:
    return os.path.getsize(path) / (1 << 20)
