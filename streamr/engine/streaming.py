"""A task as Hadoop streaming runs it, and the job's functions over pairs.

``python job.py --step-num=N --mapper`` reads lines from stdin (or the
files named as arguments), decodes them with the task's protocol, runs the
step's functions and writes encoded lines to stdout. The functions here do
that for :class:`~streamr.job.MRJob`'s task-mode methods; the local runner's
tasks (:mod:`streamr.engine.tasks`) and the inline runner call the same
``map_pairs`` / ``group_and_run`` through a :class:`TaskContext`.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import itertools
import operator
import os
import sys
from collections.abc import Iterable, Iterator

from streamr.compat import jobconf_from_env
from streamr.engine.context import TaskContext, current_context
from streamr.engine.records import Position, decode_lines
from streamr.engine.tracebacks import user_traceback
from streamr.errors import StreamrError

__all__ = ["MappedPairs", "group_and_run", "map_pairs", "run_streaming_task", "run_task"]


# --- the step's functions over pairs --------------------------------------------------


class MappedPairs:
    """What :func:`map_pairs` returns: an iterator of the mapper's pairs
    that also offers them as :meth:`chunks`, one iterable per mapper call.

    Iterating it chains the chunks in C, so the pairs take one generator
    hop (the mapper's own) instead of two; the map side
    (:class:`~streamr.engine.mapside.MapSide`) takes the chunks themselves
    and loops over each in its grouping loop."""

    __slots__ = ("_chunks", "_pairs")

    def __init__(self, chunks: Iterator):
        self._chunks = chunks
        self._pairs: Iterator | None = None

    def chunks(self) -> Iterator | None:
        """The chunks, or ``None`` once pairs have been taken one by one
        (then only iterating gives the rest)."""
        return self._chunks if self._pairs is None else None

    def __iter__(self) -> Iterator:
        if self._pairs is None:
            self._pairs = itertools.chain.from_iterable(self._chunks)
        return self._pairs

    def __next__(self):
        return next(iter(self))


def map_pairs(ctx: TaskContext, pairs: Iterable, args: list) -> MappedPairs:
    """Run ``mapper_init``, the mapper (or ``mapper_raw``) over *pairs*, and
    ``mapper_final``, yielding what they yield. *args* are the task's
    positional arguments (a ``mapper_raw`` task may be given a file's
    local path and URI that way)."""
    return MappedPairs(_map_chunks(ctx, pairs, args))


def _map_chunks(ctx: TaskContext, pairs: Iterable, args: list) -> Iterator:
    """What each call of the step's mapper functions returned, in order
    (``()`` for ``None``)."""
    step = ctx.step
    mapper, mapper_raw = step["mapper"], step["mapper_raw"]
    init, final = step["mapper_init"], step["mapper_final"]
    if init:
        yield init() or ()
    if mapper_raw:
        for path, uri in _raw_input_files(ctx, pairs, args):
            yield mapper_raw(path, uri) or ()
    else:
        mapper, skipper = ctx.guarded("mapper", mapper)
        for key, value in pairs:
            yield mapper(key, value) or ()
        if skipper is not None:
            skipper.finish()
    if final:
        yield final() or ()


def _raw_input_files(ctx: TaskContext, pairs: Iterable, args: list) -> Iterator[tuple]:
    """``(local path, uri)`` of each file a ``mapper_raw`` task reads: the
    two positional arguments when given (how the inline and local runners
    call it), else the URIs listed in the manifest input."""
    for _ in pairs:
        pass
    if len(args) == 2 and not ctx.raw_inputs:
        yield tuple(args)
        return
    from streamr.inputs import local_copy_of

    for uri in ctx.raw_inputs or []:
        with local_copy_of(uri) as path:
            yield path, uri


# the key and the value of a pair, taken in C (no Python call per pair)
_first = operator.itemgetter(0)
_second = operator.itemgetter(1)


def group_and_run(ctx: TaskContext, pairs: Iterable, kind: str) -> Iterator:
    """Run the *kind* (``'combiner'`` or ``'reducer'``) of the step over
    sorted *pairs*, one call per key, between its ``_init`` and ``_final``."""
    step = ctx.step
    func, init, final = step[kind], step[kind + "_init"], step[kind + "_final"]
    if func is None:
        raise ValueError("No %s in step %d" % (kind, ctx.step_num))
    if init:
        yield from init() or ()
    func, skipper = ctx.guarded(kind, func)
    for key, group in itertools.groupby(pairs, _first):
        yield from func(key, map(_second, group)) or ()
    if skipper is not None:
        skipper.finish()
    if final:
        yield from final() or ()


# --- reading and writing a streaming task's lines -----------------------------------


def _input_lines(job, position: Position) -> Iterator[bytes]:
    """Lines of the task's input: the files named as arguments, else stdin."""
    paths = job.options.args or ["-"]
    for path in paths:
        if path != "-" or not position.source:
            position.source = "<stdin>" if path == "-" else path
        position.line = 0
        if path == "-":
            yield from job.stdin
        else:
            from streamr.inputs import open_input

            with open_input(path) as stream:
                yield from stream


def _decoded_input(job, ctx: TaskContext, read) -> Iterator:
    position = ctx.position
    position.source = jobconf_from_env("mapreduce.map.input.file") or "<stdin>"
    position.line = 0
    return decode_lines(_input_lines(job, position), read, position, ctx.on_malformed())


def _manifest_input(job, ctx: TaskContext) -> Iterator:
    """For ``mapper_raw``: each input line names one file (its URI, maybe
    after a byte offset and a tab); yield nothing, but remember them."""
    ctx.raw_inputs = []
    for line in _input_lines(job, Position()):
        uri = line.rstrip(b"\r\n").split(b"\t")[-1].decode("utf_8")
        if uri:
            ctx.raw_inputs.append(uri)
    return iter(())


def _write_pairs(job, pairs: Iterable, write) -> None:
    out = job.stdout
    for key, value in pairs:
        out.write(write(key, value) + b"\n")
    out.flush()


def run_streaming_task(job, ctx: TaskContext, kind: str) -> None:
    """Run the *kind* task of *ctx*'s step over the job's input lines,
    writing encoded pairs to the job's stdout."""
    read, write = ctx.protocols(kind)
    args = list(job.options.args)
    if kind == "mapper":
        if ctx.step["mapper_raw"]:
            pairs = map_pairs(ctx, _manifest_input(job, ctx), args)
        else:
            pairs = map_pairs(ctx, _decoded_input(job, ctx, read), args)
    else:
        pairs = group_and_run(ctx, _decoded_input(job, ctx, read), kind)
    _write_pairs(job, pairs, write)


# --- task mode ------------------------------------------------------------------------


def run_task(job, kind: str, run) -> None:
    """Task mode (``--mapper``, ``--combiner`` or ``--reducer``): run the
    task, by *run(step_num)* or from a local runner's ``--local-task`` spec,
    turning a user's mistake in the data into one line and exit status 1."""
    opts = job.options
    try:
        if opts.local_task:
            from streamr.engine.tasks import run_local_task

            run_local_task(job, opts.local_task)
        else:
            run(opts.step_num)
    except StreamrError as exc:
        sys.stderr.write("streamr: %s\n" % exc)
        sys.exit(1)
    except BrokenPipeError:
        # whoever reads our output stopped early; nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except Exception as exc:
        # the job's own code raised: where, then its traceback without
        # streamr's frames, as the inline runner shows it
        ctx = current_context(job)
        sys.stderr.write("streamr: %s of step %d failed at %s\n%s"
                         % (kind, opts.step_num + 1, ctx.position if ctx else Position(),
                            user_traceback(exc)))
        sys.stderr.flush()
        sys.exit(1)
