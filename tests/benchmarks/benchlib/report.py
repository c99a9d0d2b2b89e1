"""The report: one Markdown block per benchmark in docs/performance.md.

Each block sits between ``<!-- benchmark: NAME -->`` and
``<!-- end of benchmark: NAME -->`` and holds the command that produced
it, the machine's facts, a table of runs and a table of goals with
PASS/MISS. Writing a block replaces only that block, so running one
benchmark (``--only``) leaves the others' numbers, and the rest of the page
(text, other benchmarks' sections), as they were. A block seen for the first
time goes just before the end of the benchmark section.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from typing import NamedTuple

from .measure import Measurement

#: the benchmark section of the page; new blocks are added before its end
SECTION_END = "<!-- end of benchmark results -->"


def start_marker(name: str) -> str:
    return "<!-- benchmark: %s -->" % name


def end_marker(name: str) -> str:
    return "<!-- end of benchmark: %s -->" % name


class Goal(NamedTuple):
    """One goal: *measured* compared with *target* by *op* (``<=``/``>=``)."""

    what: str
    measured: float
    op: str
    target: float
    unit: str = "x"

    @property
    def met(self) -> bool:
        if self.op == "<=":
            return self.measured <= self.target
        if self.op == ">=":
            return self.measured >= self.target
        raise ValueError("unknown comparison %r" % self.op)


class Run(NamedTuple):
    """One row of the runs table."""

    what: str
    cost: Measurement
    note: str = ""


class Block:
    """Everything one benchmark reports."""

    def __init__(self, name: str, title: str, command: str, intro: str = "") -> None:
        self.name = name
        self.title = title
        self.command = command
        self.intro = intro
        self.runs: list = []
        self.goals: list = []
        self.notes: list = []

    def run(self, what: str, cost: Measurement, note: str = "") -> Measurement:
        self.runs.append(Run(what, cost, note))
        return cost

    def goal(self, what: str, measured: float, op: str, target: float, unit: str = "x") -> Goal:
        goal = Goal(what, measured, op, target, unit)
        self.goals.append(goal)
        return goal


def machine_facts(busy_note: str = "") -> str:
    """One sentence: when, on what machine and Python, how loaded, and
    which commit of streamr was measured."""
    load = " / ".join("%.1f" % n for n in os.getloadavg())
    text = "Measured %s UTC on %d cores%s (load average %s when written), Python %s%s" % (
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        os.cpu_count() or 1, _cpu_model(), load, platform.python_version(), _commit())
    return text + (". " + busy_note if busy_note else ".")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf_8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return " of " + line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _commit() -> str:
    """``, streamr at commit abc1234`` (``+`` when the tree has changes)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                              capture_output=True, text=True, check=True).stdout.strip()
        # the page this run writes does not count as a change to what was measured
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                ".", ":!docs/performance.md"],
                               cwd=root, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return ", streamr at commit %s%s" % (head, "+" if dirty else "")


def _number(value: float, unit: str) -> str:
    if unit == "x":
        return "%.2fx" % value
    if unit == "ms":
        return "%.0f ms" % (value * 1000)
    if unit == "MB":
        return "%d MB" % (value / (1 << 20))
    return "%.3g %s" % (value, unit)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(block: Block, facts: str) -> str:
    """The block's Markdown, markers included."""
    lines = [start_marker(block.name), "", "### " + block.title, ""]
    if block.intro:
        lines += [block.intro, ""]
    lines += [facts + " Command:", "", "```sh", block.command, "```", ""]
    if block.runs:
        lines += ["| run | wall s | CPU s (all processes) | peak memory (process tree) | notes |",
                  "|-----|-------:|----------------------:|---------------------------:|-------|"]
        for run in block.runs:
            cost = run.cost
            limit = "at least " if cost.timed_out else ""
            lines.append("| %s | %s%.2f | %s%.2f | %s | %s |" % (
                _cell(run.what), limit, cost.wall, limit, cost.cpu,
                "%d MB" % (cost.peak_rss >> 20) if cost.peak_rss else "",
                _cell("; ".join(filter(None, [
                    "stopped at the time limit" if cost.timed_out else "", run.note])))))
        lines.append("")
    if block.goals:
        lines += ["| goal | measured | target | result |", "|------|---------:|-------:|:------:|"]
        for goal in block.goals:
            lines.append("| %s | %s | %s %s | %s |" % (
                _cell(goal.what), _number(goal.measured, goal.unit), goal.op,
                _number(goal.target, goal.unit), "PASS" if goal.met else "MISS"))
        lines.append("")
    for note in block.notes:
        lines += [note, ""]
    lines.append(end_marker(block.name))
    return "\n".join(lines)


def replace_block(page: str, name: str, rendered: str) -> str:
    """*page* with the block called *name* replaced by *rendered* (or, when
    it has none yet, *rendered* added before the end of the benchmark
    section, or at the end of the page when there is no such section)."""
    start, end = start_marker(name), end_marker(name)
    if start in page:
        head, _, rest = page.partition(start)
        if end not in rest:
            raise ValueError("block %r has no end marker" % name)
        _, _, tail = rest.partition(end)
        return head + rendered + tail
    if SECTION_END in page:
        head, _, tail = page.partition(SECTION_END)
        return head + rendered + "\n\n" + SECTION_END + tail
    return page.rstrip("\n") + "\n\n" + rendered + "\n"


def write_blocks(path: str, blocks: list, facts: str) -> None:
    """Put every block into the page at *path*."""
    with open(path, encoding="utf_8") as handle:
        page = handle.read()
    for block in blocks:
        page = replace_block(page, block.name, render(block, facts))
    with open(path + ".tmp", "w", encoding="utf_8") as handle:
        handle.write(page)
    os.replace(path + ".tmp", path)


def write_between(path: str, start: str, end: str, lines: list, heading: str = "") -> None:
    """Put *lines* between the markers *start* and *end* of the page at
    *path* (the text around them is not the benchmark's). A page without
    them gets them at its end, under *heading* when given."""
    with open(path, encoding="utf_8") as handle:
        page = handle.read()
    if start not in page:
        page = page.rstrip("\n") + "\n\n" + (heading + "\n\n" if heading else "") \
            + start + "\n" + end + "\n"
    head, _, rest = page.partition(start)
    _, found, tail = rest.partition(end)
    if not found:
        raise ValueError("%s has no end marker %s" % (path, end))
    with open(path + ".tmp", "w", encoding="utf_8") as handle:
        handle.write(head + "\n".join(lines) + "\n\n" + end + tail)
    os.replace(path + ".tmp", path)
