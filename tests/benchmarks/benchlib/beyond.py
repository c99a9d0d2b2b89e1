"""Benchmarks beyond word count, each against a plain one-process script
written for it and against mrjob 0.7.4: a JSON-lines group-by, a job of
three steps, 10,000 small input files and gzipped input.

No goals of their own are set for these; the word-count goals (``-r local``
at most the plain script's wall time and at least 8x faster than mrjob,
``-r inline`` at least 6x faster than mrjob) are applied as the yardstick."""

from __future__ import annotations

from . import data
from .contenders import WORD_COUNT, bench_file, check_same
from .measure import Measurement
from .report import Block
from .session import Session
from .wordcount import (
    INLINE_VS_MRJOB,
    LOCAL_VS_MRJOB,
    LOCAL_WALL_VS_PLAIN,
    PLAIN,
    ratios_note,
    text,
)

GZIP_PIECES = 8


def _side_by_side(s: Session, block: Block, name: str, *, plain: list, job: str,
                  inputs: list, runners: tuple = ("local",), limit: bool = False) -> None:
    """Run the plain script, then *job* under streamr and mrjob with each of
    *runners*; check outputs; add runs and goals to *block*. With *limit*,
    mrjob runs are stopped after ``--mrjob-timeout`` seconds."""
    plain_out = s.stdout_file(name + "-plain")
    plain_cost = s.measure(name + ": plain script", [s.python] + plain, plain_out)
    block.run("plain script (1 process)", plain_cost)
    outputs, sorted_names, unfinished = {}, [], []
    for runner in runners:
        out = s.stdout_file("%s-streamr-%s" % (name, runner))
        ours = s.measure("%s: streamr -r %s" % (name, runner),
                         [s.python, job, *s.runner_args(runner), *inputs], out)
        outputs["streamr -r " + runner] = out
        mrjob_out = s.stdout_file("%s-mrjob-%s" % (name, runner))
        theirs = s.measure("%s: mrjob -r %s" % (name, runner),
                           [s.mrjob, s.mrjob_job(job), *s.runner_args(runner), *inputs],
                           mrjob_out, timeout=s.mrjob_timeout if limit else None)
        block.run("streamr -r " + runner, ours, ratios_note(ours, plain_cost, theirs))
        block.run("mrjob 0.7.4 -r " + runner, theirs)
        if theirs.timed_out:
            unfinished.append(runner)
        else:
            outputs["mrjob -r " + runner] = mrjob_out
            sorted_names.append("mrjob -r " + runner)
        _goals(block, runner, plain_cost, ours, theirs)
    check_same(plain_out, outputs, sorted_names=tuple(sorted_names))
    for runner in unfinished:
        block.notes.append("mrjob -r %s was stopped after %.0f s, so its output was not "
                           "compared and its ratio is a lower bound." % (runner,
                                                                        s.mrjob_timeout))


def _goals(block: Block, runner: str, plain: Measurement, ours: Measurement,
           theirs: Measurement) -> None:
    if runner == "local":
        block.goal("streamr -r local wall / plain wall (word-count goal as yardstick)",
                   ours.wall / plain.wall, "<=", LOCAL_WALL_VS_PLAIN)
    block.goal("mrjob -r %s wall / streamr -r %s wall%s" % (
        runner, runner, " (at least: mrjob stopped)" if theirs.timed_out else ""),
        theirs.wall / ours.wall, ">=", LOCAL_VS_MRJOB if runner == "local" else INLINE_VS_MRJOB)


def json_orders(s: Session) -> Block:
    mb = s.beyond_mb
    path = data.make_orders(s.path("orders-%gmb.jsonl" % mb), mb)
    block = Block("json-lines", "JSON lines: nested records grouped by user", s.command,
                  "`tests/benchmarks/mr_json_orders.py` over %g MB of generated orders "
                  "(`JSONValueProtocol` input; a user and a list of items in each), "
                  "against `plain_json_orders.py`." % mb)
    _side_by_side(s, block, "json", plain=[bench_file("plain_json_orders.py"), path],
                  job=bench_file("mr_json_orders.py"), inputs=[path])
    return block


def three_steps(s: Session) -> Block:
    mb = s.beyond_mb
    path = text(s, mb)
    block = Block("three-steps", "Three steps", s.command,
                  "`tests/benchmarks/mr_three_steps.py` over %g MB of the word-count text "
                  "(word counts, then frequencies of counts, then buckets of those), against "
                  "`plain_three_steps.py`." % mb)
    _side_by_side(s, block, "three-steps", plain=[bench_file("plain_three_steps.py"), path],
                  job=bench_file("mr_three_steps.py"), inputs=[path])
    return block


def small_files(s: Session) -> Block:
    count = s.small_files
    directory = s.path("small-files-%d" % count)
    total = data.make_small_files(directory, count)
    block = Block("small-files", "Many small input files, side by side", s.command,
                  "Word count over %d files of about %d bytes each (one directory), "
                  "under both runners; mrjob's runs stop after %.0f s."
                  % (count, total // count, s.mrjob_timeout))
    _side_by_side(s, block, "small-files", plain=[PLAIN, directory], job=WORD_COUNT,
                  inputs=[directory], runners=("local", "inline"), limit=True)
    return block


def gzip_input(s: Session) -> Block:
    mb = s.beyond_mb
    pieces = data.make_gzip_pieces(text(s, mb), s.path("gzip-%gmb" % mb), GZIP_PIECES)
    block = Block("gzip", "Gzipped input", s.command,
                  "Word count over the %g MB text cut into %d gzipped files." % (
                      mb, GZIP_PIECES))
    _side_by_side(s, block, "gzip", plain=[PLAIN] + pieces, job=WORD_COUNT, inputs=pieces)
    return block
