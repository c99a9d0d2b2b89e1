"""The scale benchmarks: time per MB and peak memory of ``-r local`` from
the smallest to the largest size asked for, for word count (few keys, most
records folded by the combiner) and for a job whose every key is distinct
(nothing folds: every record goes through the sort and the reducers), and
how evenly the reduce work is spread over the reduce tasks."""

from __future__ import annotations

from . import data
from .contenders import bench_file
from .report import Block
from .session import Session
from .wordcount import file_megabytes, local_word_count, spread_ratio, text

DISTINCT = bench_file("mr_distinct_keys.py")

#: slowest time per MB over the fastest, across the sizes
FLAT_WITHIN = 1.10
#: resident memory of the whole process tree, at every size
PEAK_MEMORY = 250 << 20
#: smallest reduce task's output over the largest's; our reading of "evenly"
EVEN_SPREAD = 0.5


def _per_mb_note(cost, size: float, spread: float) -> str:
    return "%.1f MB in; %.3f s/MB wall, %.3f s/MB CPU; reduce outputs smallest/largest %.2f" % (
        size, cost.wall / size, cost.cpu / size, spread)


def _fixed_and_marginal(block: Block, walls: dict) -> None:
    """A note splitting the wall times (*walls*: nominal MB -> (MB in,
    seconds)) into a fixed part and a part per MB (least squares), and the
    extra time per extra MB between consecutive sizes: what is start-up and
    what grows with the input."""
    if len(walls) < 2:
        return
    points = [walls[mb] for mb in sorted(walls)]
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    slope = (sum((x - mean_x) * (y - mean_y) for x, y in points)
             / sum((x - mean_x) ** 2 for x, _ in points))
    steps = ", ".join("%g to %g MB: %.4f s/MB" % (a, b, (walls[b][1] - walls[a][1])
                                                  / (walls[b][0] - walls[a][0]))
                      for a, b in zip(sorted(walls), sorted(walls)[1:]))
    block.notes.append("Fitted over these sizes, a run takes about %.2f s plus %.4f s per MB. "
                       "Extra time per extra MB between sizes: %s." % (
                           mean_y - slope * mean_x, slope, steps))


def _goals(block: Block, label: str, per_mb: dict, peaks: dict, spreads: dict) -> None:
    for mb in sorted(peaks):
        block.goal("%s, %g MB: peak memory of the process tree" % (label, mb), peaks[mb],
                   "<=", PEAK_MEMORY, "MB")
    for mb in sorted(spreads):
        block.goal("%s, %g MB: smallest / largest reduce task output" % (label, mb),
                   spreads[mb], ">=", EVEN_SPREAD)
    if len(per_mb) >= 2:
        block.goal("%s: slowest / fastest time per MB over %s MB" % (
            label, ", ".join("%g" % mb for mb in sorted(per_mb))),
            max(per_mb.values()) / min(per_mb.values()), "<=", FLAT_WITHIN)


def _report_sizes(block: Block, label: str, runs) -> None:
    """A row per run of *runs* (``(nominal MB, cost, MB in, output
    directory)``), then the goals and the fixed/marginal note."""
    per_mb, peaks, spreads, walls = {}, {}, {}, {}
    for mb, cost, size, out_dir in runs:
        per_mb[mb] = cost.wall / size
        walls[mb] = (size, cost.wall)
        peaks[mb] = cost.peak_rss
        spreads[mb] = spread_ratio(out_dir)
        block.run("%g MB, streamr -r local" % mb, cost, _per_mb_note(cost, size, spreads[mb]))
    _goals(block, label, per_mb, peaks, spreads)
    _fixed_and_marginal(block, walls)


def scale(s: Session) -> Block:
    block = Block("scale", "Scale: word count, -r local", s.command,
                  "Time per MB, peak memory of the whole process tree (runner and every "
                  "task, sampled every 50 ms) and the spread of the output over the reduce "
                  "tasks (part file sizes). Inputs past %d MB repeat the first %d MB of "
                  "generated text." % (data.TEXT_BLOCK_MB, data.TEXT_BLOCK_MB))

    def runs():
        for mb in s.sizes:
            cost, _, out_dir = local_word_count(s, mb)
            yield mb, cost, file_megabytes(text(s, mb)), out_dir

    _report_sizes(block, "word count", runs())
    return block


def distinct_keys(s: Session) -> Block:
    block = Block("distinct-keys", "Scale: every key distinct, -r local", s.command,
                  "`tests/benchmarks/mr_distinct_keys.py`: every input line `key<TAB>1` "
                  "with a different key, summed per key, so every record is sorted, "
                  "merged and reduced.")

    def runs():
        for mb in s.distinct_sizes:
            path = data.make_distinct(s.path("distinct-%gmb.txt" % mb), mb)
            out_dir = s.output_dir("distinct-%g" % mb)
            cost = s.measure("streamr -r local distinct keys %g MB" % mb,
                             [s.python, DISTINCT, *s.runner_args("local"), path,
                              "-o", out_dir, "--no-cat-output"],
                             s.stdout_file("distinct-%g" % mb), fresh=(out_dir,))
            yield mb, cost, file_megabytes(path), out_dir

    _report_sizes(block, "distinct keys", runs())
    return block
