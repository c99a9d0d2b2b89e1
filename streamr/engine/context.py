"""What one task knows about its job, worked out once per task.

A task needs its step (the functions to call), the step descriptions (to
know which tasks run Python code, hence which protocols apply), the
protocols, the policy for lines a protocol cannot read, and where the
record being read came from (for error messages). :class:`TaskContext`
holds all of it: ``steps()`` is called once, when the context is made, and
the engine asks the context, never the job's internals.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import sys
from typing import Callable

from streamr.compat import jobconf_from_env
from streamr.engine.properties import SKIP_MALFORMED_PROPERTY
from streamr.engine.records import Position
from streamr.engine.skipping import RecordSkipper, skipper_from_env
from streamr.errors import MalformedRecordError
from streamr.protocol import RawValueProtocol
from streamr.step import MRStep

__all__ = ["TaskContext", "context_of", "current_context", "script_task_order"]

# where a job instance keeps its task's context (a job instance runs one task)
_ATTR = "_streamr_task_context"



def script_task_order(descriptions: list) -> dict:
    """``{(step_num, kind): index}`` of the mappers and reducers that run
    the job's Python code, numbered in order through the job."""
    order: dict = {}
    for step_num, desc in enumerate(descriptions):
        for kind in ("mapper", "reducer"):
            if (desc.get(kind) or {}).get("type") == "script":
                order[(step_num, kind)] = len(order)
    return order


class TaskContext:
    """Step *step_num* of *job* as one task sees it. See the module docstring.

    *job* is used as a value: its ``steps()`` (once), its protocol methods
    and ``increment_counter``."""

    def __init__(self, job, step_num: int):
        self.job = job
        self.step_num = step_num
        #: the job's steps, from its one call of ``steps()``
        self.steps = list(job.steps())
        #: their descriptions (:meth:`streamr.step.MRStep.description`)
        self.descriptions = [step.description(num) for num, step in enumerate(self.steps)]
        #: where the record being read came from
        self.position = Position()
        #: for ``mapper_raw``: the URIs a manifest input listed
        self.raw_inputs: list | None = None
        self._protocols: dict = {}
        self._on_malformed: list = []
        self._skippers: dict = {}

    # --- the step ---------------------------------------------------------------------

    def _check_range(self) -> None:
        if not 0 <= self.step_num < len(self.steps):
            raise ValueError("Out-of-range step: %d" % self.step_num)

    @property
    def step(self) -> MRStep:
        """The task's step, which must be an :class:`~streamr.step.MRStep`."""
        self._check_range()
        step = self.steps[self.step_num]
        if not isinstance(step, MRStep):
            raise TypeError("Step %d is not a %s" % (self.step_num, MRStep.__name__))
        return step

    @property
    def description(self) -> dict:
        """The description of the task's step."""
        self._check_range()
        return self.descriptions[self.step_num]

    # --- protocols --------------------------------------------------------------------

    def protocols(self, kind: str) -> tuple:
        """``(read, write)`` for the *kind* task (``'mapper'``,
        ``'combiner'`` or ``'reducer'``) of this step.

        The first task that runs the job's Python code reads with the input
        protocol, the last writes with the output protocol, all others use
        the internal protocol. A combiner reads and writes what its mapper
        writes."""
        if kind not in self._protocols:
            self._protocols[kind] = self._choose_protocols(kind)
        return self._protocols[kind]

    def _choose_protocols(self, kind: str) -> tuple:
        job = self.job
        order = script_task_order(self.descriptions)
        last = len(order) - 1
        if kind == "combiner":
            index = order.get((self.step_num, "mapper"))
            if index is None:
                proto = RawValueProtocol()
            elif index == last:
                proto = job.output_protocol()
            else:
                proto = job.internal_protocol()
            return proto.read, proto.write
        index = order.get((self.step_num, kind))
        if index is None:
            raise ValueError("step %d has no %s that runs the job's Python code"
                             % (self.step_num, kind))
        reader = job.input_protocol() if index == 0 else job.internal_protocol()
        writer = job.output_protocol() if index == last else job.internal_protocol()
        return reader.read, writer.write

    # --- records whose processing raises ---------------------------------------------

    def guarded(self, kind: str, func):
        """``(func, skipper)``: *func* itself and ``None``, unless the task
        skips records whose *kind* call raises; then *func* guarded by the
        task's :class:`~streamr.engine.skipping.RecordSkipper` for *kind*,
        and that skipper (whose ``finish()`` is for when records run out)."""
        if kind not in self._skippers:
            self._skippers[kind] = skipper_from_env(self.job, kind, self._record_words(kind))
        skipper: RecordSkipper | None = self._skippers[kind]
        return (func, None) if skipper is None else (skipper.guard(func), skipper)

    def _record_words(self, kind: str):
        """How a skip report names the record of a *kind* call."""
        if kind == "mapper":
            return lambda args: str(self.position)
        return lambda args: "key %s" % _short(repr(args[0]))

    # --- malformed records ------------------------------------------------------------

    def on_malformed(self) -> Callable[[MalformedRecordError], None] | None:
        """What to do with a line the protocol cannot read: ``None`` (fail)
        unless the runner asked tasks to skip and count such lines."""
        if not self._on_malformed:
            skip = (jobconf_from_env(SKIP_MALFORMED_PROPERTY) or "").lower() == "true"
            self._on_malformed.append(self._count_malformed if skip else None)
        return self._on_malformed[0]

    def _count_malformed(self, error: MalformedRecordError) -> None:
        self.job.increment_counter("streamr", "malformed records skipped")
        sys.stderr.write("streamr: skipped %s\n" % error)


def _short(text: str, most: int = 80) -> str:
    return text if len(text) <= most else text[:most - 3] + "..."


def context_of(job, step_num: int) -> TaskContext:
    """*job*'s context for step *step_num*, made on first use and kept on
    the job (a task is one job instance, so ``steps()`` runs once a task)."""
    ctx = job.__dict__.get(_ATTR)
    if ctx is None or ctx.step_num != step_num:
        ctx = TaskContext(job, step_num)
        job.__dict__[_ATTR] = ctx
    return ctx


def current_context(job) -> TaskContext | None:
    """The context *job* made last, if any (for error messages)."""
    return job.__dict__.get(_ATTR)
