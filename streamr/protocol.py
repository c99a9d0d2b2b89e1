"""Wire protocols: how keys and values become lines of bytes and back.

Every record that crosses a task boundary (input to a mapper, mapper to
reducer, step to step, final output) is one line. A protocol instance has
``read(line) -> (key, value)`` and ``write(key, value) -> line``; the line
never includes its trailing newline.

The bytes written for a given key and value are the same as those of the
protocols of mrjob 0.7.4 with only the standard library installed, so the
output of a job does not change when it moves to streamr.

This module runs inside tasks: it uses the standard library only and stays
importable on Python 3.9.
"""

from __future__ import annotations

import json
import json.scanner
import pickle

__all__ = [
    "BytesProtocol",
    "BytesValueProtocol",
    "JSONProtocol",
    "JSONValueProtocol",
    "PickleProtocol",
    "PickleValueProtocol",
    "RawProtocol",
    "RawValueProtocol",
    "ReprProtocol",
    "ReprValueProtocol",
    "StandardJSONProtocol",
    "StandardJSONValueProtocol",
    "TextProtocol",
    "TextValueProtocol",
    "safe_eval",
]

# json.dumps(x) with no arguments is exactly this encoder's encode(); calling it
# directly skips the keyword handling json.dumps does on every call.
_json_encode = json.JSONEncoder().encode
_json_encode_str = json.encoder.encode_basestring_ascii
_json_loads = json.loads


def _dumps_json(value: object) -> bytes:
    """Encode *value* as ``json.dumps(value)`` would, as UTF-8 bytes."""
    kind = type(value)
    if kind is str:
        return _json_encode_str(value).encode("ascii")
    if kind is int:
        return int.__repr__(value).encode("ascii")
    return _json_encode(value).encode("utf_8")


# the C scanner json.loads itself ends in; calling it directly skips the
# whitespace handling json.loads does around every document
_json_scan = json.scanner.make_scanner(json.JSONDecoder())


def _loads_json(raw: bytes) -> object:
    """Decode as ``json.loads(raw.decode("utf_8"))`` would, errors included."""
    if raw.isdigit() and len(raw) < 19 and (raw[0] != 48 or len(raw) == 1):
        # a plain non-negative integer (counts, mostly): what JSON makes of
        # it, without decoding to text first; JSON allows no leading zero
        return int(raw)
    text = raw.decode("utf_8")
    try:
        value, end = _json_scan(text, 0)
    except (StopIteration, ValueError):
        return _json_loads(text)  # raises the error json.loads gives
    if end != len(text):
        return _json_loads(text)
    return value


class _KeyCachingProtocol:
    """Base for protocols that encode key and value the same way, joined by a
    tab. Consecutive lines usually share a key (reducer input is sorted), so
    the last decoded key is remembered instead of decoded again."""

    _last_key_raw: bytes | None = None
    _last_key: object = None

    def _loads(self, raw: bytes) -> object:  # pragma: no cover - abstract
        raise NotImplementedError

    def _dumps(self, value: object) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def read(self, line: bytes) -> tuple:
        raw_key, raw_value = line.split(b"\t", 1)
        if raw_key != self._last_key_raw:
            self._last_key = self._loads(raw_key)
            self._last_key_raw = raw_key
        return self._last_key, self._loads(raw_value)

    def write(self, key: object, value: object) -> bytes:
        return self._dumps(key) + b"\t" + self._dumps(value)


class JSONProtocol(_KeyCachingProtocol):
    """Key and value as JSON (standard library ``json``), joined by a tab."""

    _loads = staticmethod(_loads_json)
    _dumps = staticmethod(_dumps_json)


class JSONValueProtocol:
    """Value as one JSON document per line; the key is ``None`` on read and
    dropped on write."""

    def read(self, line: bytes) -> tuple:
        return None, _loads_json(line)

    def write(self, key: object, value: object) -> bytes:
        return _dumps_json(value)


#: The same protocols under the names mrjob gives its standard-library versions.
StandardJSONProtocol = JSONProtocol
StandardJSONValueProtocol = JSONValueProtocol


class PickleProtocol(_KeyCachingProtocol):
    """Key and value pickled, with bytes that could break a line escaped.
    Only for data that streamr itself wrote: unpickling runs code."""

    def _loads(self, raw: bytes) -> object:
        return pickle.loads(raw.decode("unicode_escape").encode("latin_1"))

    def _dumps(self, value: object) -> bytes:
        return pickle.dumps(value).decode("latin_1").encode("unicode_escape")


class PickleValueProtocol:
    """Value pickled (escaped as in :class:`PickleProtocol`), key ignored."""

    def read(self, line: bytes) -> tuple:
        return None, pickle.loads(line.decode("unicode_escape").encode("latin_1"))

    def write(self, key: object, value: object) -> bytes:
        return pickle.dumps(value).decode("latin_1").encode("unicode_escape")


def _split_on_tab(line):
    parts = line.split(b"\t" if isinstance(line, bytes) else "\t", 1)
    if len(parts) == 1:
        return parts[0], None
    return parts[0], parts[1]


class BytesProtocol:
    """Key and value as raw bytes split on the first tab. A line without a
    tab reads as ``(line, None)``; a ``None`` key or value is left out on
    write, together with its tab."""

    def read(self, line: bytes) -> tuple:
        return _split_on_tab(line)

    def write(self, key: bytes | None, value: bytes | None) -> bytes:
        return b"\t".join(part for part in (key, value) if part is not None)


class BytesValueProtocol:
    """The whole line as bytes is the value; the key is ``None``."""

    def read(self, line: bytes) -> tuple:
        return None, line

    def write(self, key: object, value: bytes) -> bytes:
        return value


def _decode_text(line: bytes) -> str:
    try:
        return line.decode("utf_8")
    except UnicodeDecodeError:
        return line.decode("latin_1")


class TextProtocol:
    """Like :class:`BytesProtocol` but with ``str``: lines are decoded as
    UTF-8, falling back to latin-1 for lines that are not valid UTF-8."""

    def read(self, line: bytes) -> tuple:
        return _split_on_tab(_decode_text(line))

    def write(self, key: str | None, value: str | None) -> bytes:
        return b"\t".join(part.encode("utf_8") for part in (key, value) if part is not None)


class TextValueProtocol:
    """The whole line, decoded as in :class:`TextProtocol`, is the value.
    The default input protocol."""

    def read(self, line: bytes) -> tuple:
        return None, _decode_text(line)

    def write(self, key: object, value: str) -> bytes:
        return value.encode("utf_8")


#: Key and value as ``str`` split on the first tab.
RawProtocol = TextProtocol
#: The whole line as ``str``; the default :attr:`MRJob.INPUT_PROTOCOL`.
RawValueProtocol = TextValueProtocol


# --- repr ------------------------------------------------------------------

_SAFE_CALLS = {"set": set, "frozenset": frozenset, "range": range}
_SAFE_NAMES = {"inf": float("inf"), "nan": float("nan")}


def _safe_nodes() -> tuple:
    """The kinds of syntax node a basic value is built of."""
    import ast

    return (ast.Expression, ast.Constant, ast.Tuple, ast.List, ast.Dict, ast.Set,
            ast.UnaryOp, ast.UAdd, ast.USub, ast.BinOp, ast.Add, ast.Sub, ast.Load)


def _is_number(node) -> bool:
    import ast

    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float, complex)) \
        and not isinstance(node.value, bool)


def safe_eval(text: str | bytes, names: dict | None = None) -> object:
    """Evaluate the ``repr()`` of a basic value: literals, containers, and the
    calls ``set()``, ``frozenset(...)``, ``range(...)``; *names* may give
    more names a value. Text that is not Python raises ``SyntaxError`` (as
    ``eval`` would); anything else (attribute access, other names or calls,
    arithmetic) raises ``TypeError``, without running any of it."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf_8")
        except UnicodeDecodeError as exc:
            raise SyntaxError("not UTF-8 text: %s" % exc) from None
    # imported here: only Repr protocols need it, and every task imports this module
    import ast

    tree = ast.parse(text.strip(), mode="eval")
    scope = dict(_SAFE_CALLS, **_SAFE_NAMES)
    scope.update(names or {})
    _check_basic(tree, text, scope)
    code = compile(tree, "<repr>", "eval")
    return eval(code, {"__builtins__": {}}, scope)


def _check_basic(tree, text: str, scope: dict) -> None:
    """Raise ``TypeError`` unless *tree* (an ``ast`` tree) only builds a
    basic value."""
    import ast

    safe_nodes = _safe_nodes()
    call_names = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            ok = (isinstance(node.func, ast.Name) and node.func.id in _SAFE_CALLS
                  and not node.keywords)
        elif isinstance(node, ast.Name):
            # set, frozenset and range only as calls, never as values
            ok = id(node) in call_names if node.id in _SAFE_CALLS else node.id in scope
        elif isinstance(node, ast.BinOp):
            # only complex literals such as (1+2j) combine numbers
            ok = (_is_number(node.left) and _is_number(node.right)
                  and isinstance(node.right, ast.Constant)
                  and isinstance(node.right.value, complex))
        else:
            ok = isinstance(node, safe_nodes)
        if not ok:
            raise TypeError("not a basic value: %r" % text)


class ReprProtocol(_KeyCachingProtocol):
    """Key and value as Python ``repr()``, read back with :func:`safe_eval`."""

    def _loads(self, raw: bytes) -> object:
        return safe_eval(raw)

    def _dumps(self, value: object) -> bytes:
        return repr(value).encode("utf_8")


class ReprValueProtocol:
    """Value as Python ``repr()``, key ignored. Reads ``bytes`` or ``str``."""

    def read(self, line: bytes | str) -> tuple:
        return None, safe_eval(line)

    def write(self, key: object, value: object) -> bytes:
        return repr(value).encode("utf_8")
