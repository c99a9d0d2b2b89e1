"""The map side of a step: collecting mapper output, combining it and
cutting it into sorted runs.

Output is kept grouped by encoded key, so sorting costs one sort of the
distinct keys, and the combiner sees each key's values at once. When the
internal protocol is :class:`~streamr.protocol.JSONProtocol`, plain values
(numbers, strings, booleans, ``None``) are kept as Python objects, since a
trip through JSON gives them back unchanged; other values are passed
through the protocol right away so the combiner sees what a cluster would
show it. With any other protocol, or output from a shell command, records
stay encoded lines.

When the buffer reaches its memory budget it is combined and handed to
*emit_run* as one sorted run of lines (each ending in ``\\n``).

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from streamr.engine.context import TaskContext
from streamr.engine.records import Position, decode_lines, split_key
from streamr.protocol import JSONProtocol

__all__ = ["MapSide"]

# bytes of memory a buffered record costs beyond its own bytes, measured on
# CPython 3.11 (object headers, dict slots with their spare room, list slots)
_RECORD_OVERHEAD = 120
_GROUP_OVERHEAD = 200
_CACHED_KEY_OVERHEAD = 160
_VALUE_OVERHEAD = 48
# a list slot (with its share of the list's spare room), and an int object
_SLOT = 9
_INT_VALUE = 41
_JSON_STABLE = (int, str, float, bool, type(None))
_UNLIMITED = 1 << 62


def _protocol_trip(value: object) -> object:
    """What *value* (of a type not in ``_JSON_STABLE``) becomes after a trip
    through :class:`~streamr.protocol.JSONProtocol`. A list or tuple of
    plain values (the usual way to send several numbers) becomes a new list
    of the same items without being encoded: each item comes back as it was.
    Anything else is encoded and decoded."""
    if type(value) is list or type(value) is tuple:
        for item in value:
            if type(item) not in _JSON_STABLE:
                break
        else:
            return list(value)
    return JSONProtocol._loads(JSONProtocol._dumps(value))


def _encode_str(key: str) -> bytes:
    """A ``str`` key as JSON, as :class:`~streamr.protocol.JSONProtocol`
    writes it."""
    return JSONProtocol._dumps(key)


# marks an entry of a spill's order whose key is known only encoded
_NOT_DECODED = object()


class MapSide:
    """Collects the output of one map task of *ctx*'s step."""

    def __init__(self, ctx: TaskContext, emit_run: Callable[[list], None],
                 sort_values: bool = False, budget: int | None = None,
                 pipe_through: Callable | None = None):
        self.ctx = ctx
        self.desc = ctx.description
        self.step = ctx.step
        self.emit_run = emit_run
        self.sort_values = sort_values
        self.budget = budget or _UNLIMITED
        self.pipe_through = pipe_through
        self.runs = 0

    def fast_path_ok(self) -> bool:
        """True when pairs can be kept as objects (see module docstring)."""
        mapper = self.desc.get("mapper") or {}
        combiner = self.desc.get("combiner")
        if mapper.get("type") != "script":
            return False
        if combiner is not None and (combiner["type"] != "script" or combiner.get("pre_filter")):
            return False
        _, write = self.ctx.protocols("mapper")
        return type(getattr(write, "__self__", None)) is JSONProtocol

    def consume_pairs(self, pairs: Iterable) -> None:
        """Take the mapper's ``(key, value)`` pairs (best as
        :func:`~streamr.engine.streaming.map_pairs` gives them: then the
        grouping loop runs over each mapper call's output directly)."""
        if self.fast_path_ok():
            chunks = getattr(pairs, "chunks", None)
            chunks = chunks() if callable(chunks) else None
            self._group_chunks(chunks if chunks is not None else (pairs,))
        else:
            _, write = self.ctx.protocols("mapper")
            self.consume_lines(write(k, v) + b"\n" for k, v in pairs)

    # --- encoded lines ------------------------------------------------------------------

    def consume_lines(self, lines: Iterable[bytes]) -> None:
        """Take encoded records (from a shell command, or another protocol)."""
        buffer: list = []
        used = 0
        budget = self.budget
        for line in lines:
            if not line.endswith(b"\n"):
                line += b"\n"
            buffer.append(line)
            used += len(line) + _RECORD_OVERHEAD
            if used >= budget:
                self._spill_lines(buffer)
                buffer, used = [], 0
        if buffer or not self.runs:
            self._spill_lines(buffer)

    def _sort(self, lines: list) -> None:
        if self.sort_values:
            lines.sort()
        else:
            lines.sort(key=split_key)

    def _spill_lines(self, lines: list) -> None:
        self._sort(lines)
        combiner = self.desc.get("combiner")
        if combiner:
            if combiner["type"] == "command":
                lines = list(self.pipe_through(combiner["command"], lines))
            else:
                if combiner.get("pre_filter"):
                    lines = list(self.pipe_through(combiner["pre_filter"], lines, check=False))
                read, write = self.ctx.protocols("combiner")
                pairs = decode_lines(lines, read, Position("map output"))
                lines = [write(k, v) + b"\n"
                         for k, v in self.ctx.job.combine_pairs(pairs, self.ctx.step_num)]
            self._sort(lines)
        self._emit(lines)

    def _emit(self, lines: list) -> None:
        self.runs += 1
        self.emit_run(lines)

    # --- grouped objects --------------------------------------------------------------------

    def _group_chunks(self, chunks: Iterable) -> None:
        """Group the pairs of each of *chunks* (iterables of pairs) by key.

        While every key is a ``str`` (the usual case) the groups are keyed
        by the string itself, with one dictionary lookup per pair; the key
        is encoded once per spill. The first key of another type turns the
        groups into ones keyed by encoded key and the rest goes through
        :meth:`_group_encoded`, so values keep their order either way."""
        stable = _JSON_STABLE
        budget = self.budget
        groups: dict = {}
        used = 0
        chunks = iter(chunks)
        for chunk in chunks:
            pairs = iter(chunk)
            for key, value in pairs:
                if type(key) is not str:
                    encoded = {_encode_str(k): values for k, values in groups.items()}
                    rest = itertools.chain(((key, value),), pairs,
                                           itertools.chain.from_iterable(chunks))
                    self._group_encoded(rest, encoded, used)
                    return
                if type(value) is int:
                    # a small int is shared: only its list slot costs
                    used += _SLOT if -6 < value < 257 else _INT_VALUE
                else:
                    if type(value) not in stable:
                        value = _protocol_trip(value)
                    used += _VALUE_OVERHEAD
                try:
                    groups[key].append(value)
                except KeyError:
                    groups[key] = [value]
                    # the key, its encoding at spill time, its list
                    used += 3 * len(key) + _GROUP_OVERHEAD + _CACHED_KEY_OVERHEAD
                if used >= budget:
                    self._spill_str_groups(groups)
                    groups, used = {}, 0
        if groups or not self.runs:
            self._spill_str_groups(groups)

    def _group_encoded(self, pairs: Iterable, groups: dict, used: int) -> None:
        """Group *pairs* by encoded key into *groups* (already holding
        *used* bytes), spilling when full."""
        dumps = JSONProtocol._dumps
        stable = _JSON_STABLE
        encoded: dict = {}
        budget = self.budget
        for key, value in pairs:
            kb = encoded.get(key) if type(key) is str else None
            if kb is None:
                kb = dumps(key)
                if type(key) is str:
                    encoded[key] = kb
                    used += 2 * len(kb) + _CACHED_KEY_OVERHEAD
            if type(value) not in stable:
                value = _protocol_trip(value)
            values = groups.get(kb)
            if values is None:
                groups[kb] = [value]
                used += len(kb) + _GROUP_OVERHEAD
            else:
                values.append(value)
                used += _VALUE_OVERHEAD
            if used >= budget:
                self._spill_encoded_groups(groups)
                groups, encoded, used = {}, {}, 0
        if groups or not self.runs:
            self._spill_encoded_groups(groups)

    def _spill_str_groups(self, groups: dict) -> None:
        """:meth:`_spill_groups` for groups keyed by ``str`` keys."""
        self._spill_groups(groups, sorted([(_encode_str(key), key) for key in groups]))

    def _spill_encoded_groups(self, groups: dict) -> None:
        """:meth:`_spill_groups` for groups keyed by encoded keys."""
        loads = JSONProtocol._loads
        self._spill_groups(groups, [(kb, _NOT_DECODED) for kb in sorted(groups)], loads)

    def _spill_groups(self, groups: dict, order: list, loads=None) -> None:
        """Combine and emit *groups* as one sorted run. *order* lists
        ``(encoded key, key)`` in encoded-key order, the key being how
        *groups* knows it (or ``_NOT_DECODED``: then *groups* is keyed by
        the encoded key, and *loads* decodes it for the combiner)."""
        dumps = JSONProtocol._dumps
        lines: list = []
        if self.desc.get("combiner"):
            _, write = self.ctx.protocols("combiner")
            func, skipper = self.ctx.guarded("combiner", self.step["combiner"])
            init, final = self.step["combiner_init"], self.step["combiner_final"]
            append = lines.append
            if init:
                lines.extend(write(k, v) + b"\n" for k, v in init() or ())
            for kb, key in order:
                if key is _NOT_DECODED:
                    values, key = groups[kb], loads(kb)
                else:
                    values = groups[key]
                for k, v in func(key, iter(values)) or ():
                    append(write(k, v) + b"\n")
            if skipper is not None:
                skipper.finish()
            if final:
                lines.extend(write(k, v) + b"\n" for k, v in final() or ())
            self._sort(lines)
        elif self.sort_values:
            for kb, key in order:
                prefix = kb + b"\t"
                values = groups[kb if key is _NOT_DECODED else key]
                lines.extend(sorted([prefix + dumps(v) + b"\n" for v in values]))
        else:
            for kb, key in order:
                prefix = kb + b"\t"
                values = groups[kb if key is _NOT_DECODED else key]
                lines.extend([prefix + dumps(v) + b"\n" for v in values])
        self._emit(lines)
