"""Differential tests: streamr's protocols against those of mrjob 0.7.4.

mrjob is a declared test dependency on the Pythons where it can be imported
(up to 3.11); these tests must fail, not skip, when it is missing there. From
Python 3.12 on they are deselected (``-m "not mrjob"``), so this module must
still collect without mrjob: mrjob's classes are named here and imported only
when a test first makes one (:class:`_Theirs`).
"""

import importlib
import math

import pytest

import streamr.protocol as ours

pytestmark = pytest.mark.mrjob


class _Theirs:
    """mrjob's protocol class *name*; calling it imports ``mrjob.protocol``
    (an ImportError, and so a failure, where mrjob is missing) and returns a
    new instance, as calling the class would."""

    def __init__(self, name):
        self.name = name

    def __call__(self):
        return getattr(importlib.import_module("mrjob.protocol"), self.name)()


class _TheirProtocols:
    """``theirs.JSONProtocol`` names mrjob's class without importing mrjob."""

    def __getattr__(self, name):
        return _Theirs(name)


theirs = _TheirProtocols()


def _same(a, b):
    """Equality that is strict about types, treats NaN as equal to NaN,
    tells -0.0 from 0.0 and compares dict order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, complex):
        return _same(a.real, b.real) and _same(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            _same(ka, kb) and _same(a[ka], b[kb]) for ka, kb in zip(a, b)
        )
    return a == b


def _outcome(proto, line):
    """What reading *line* gives: ("ok", result) or ("error", exception type)."""
    try:
        return "ok", proto.read(line)
    except Exception as exc:  # any failure is an outcome to compare
        return "error", type(exc)


def _ident(value):
    text = ascii(value)
    return text if len(text) <= 40 else text[:37] + "..."


def test_same_helper():
    assert _same(float("nan"), float("nan"))
    assert _same([1, {"a": (2.0,)}], [1, {"a": (2.0,)}])
    assert not _same(0.0, -0.0)
    assert not _same(1, 1.0)
    assert not _same(True, 1)
    assert not _same([1], (1,))
    assert not _same({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert not _same([float("nan")], [1.0])


def test_mrjob_version():
    import mrjob

    assert mrjob.__version__ == "0.7.4"


def test_mrjob_json_protocol_is_standard_library_json():
    # otherwise mrjob would be using ujson/rapidjson/simplejson and the
    # comparison with its JSONProtocol would not be meaningful
    import mrjob.protocol as classes

    assert classes.JSONProtocol is classes.StandardJSONProtocol
    assert classes.JSONValueProtocol is classes.StandardJSONValueProtocol


# --- values -------------------------------------------------------------------

STRINGS = [
    "",
    "plain",
    "caf\u00e9 na\u00efve \u00dcber",
    "\u65e5\u672c\u8a9e \ud55c\uad6d\uc5b4 \u4e2d\u6587",
    "emoji \U0001f600\U0001f389\U0001f468\u200d\U0001f469",
    "tab\there",
    "new\nline",
    "cr\rlf\r\n",
    "back\\slash\\",
    "\"double\" 'single'",
    "\x00\x01\x1b\x1f",
    "del\x7f",
    "\x85\xa0\u2028\u2029\ufeff",
    "mix \t\n\\\"\u00e9\U0001f600\x7f",
]
LONE_SURROGATES = ["\ud800", "\udfff", "a\ud83dz", "\udc80\udcff"]
NUMBERS = [0, 1, -1, 2**63, 2**100, -(2**70), 0.1, -2.5, 1e300, 5e-324, -0.0]
SPECIAL_FLOATS = [float("inf"), float("-inf"), float("nan")]
CONSTANTS = [None, True, False]
CONTAINERS = [
    [],
    {},
    (),
    [1, [2, [3, []]]],
    {"a": {"b": [1, {"c": None}]}, "d": []},
    (1, "two", (3.0, ())),
    [("x", 1), ("y", [2])],
    ["\u00e9", {"\U0001f600": "\t"}],
]

JSON_VALUES = (
    STRINGS
    + LONE_SURROGATES
    + NUMBERS
    + SPECIAL_FLOATS
    + CONSTANTS
    + CONTAINERS
    + [
        {1: "int key", -2: [3]},
        {2**100: 1},
        {True: 1, None: 2, 1.5: 3},
        {"z": 1, "a": 2, 1: 3},
        [float("nan"), float("inf"), -0.0],
    ]
)

PICKLE_VALUES = (
    JSON_VALUES
    + [
        b"",
        b"\x00\t\n\r\\\xff\x80",
        {1, 2, 3},
        set(),
        frozenset({"a"}),
        {(1, 2): {3: (None,)}},
        1 + 2j,
        range(0, 3),
    ]
)

# Values whose repr mrjob's safeeval can read back.
REPR_VALUES = (
    STRINGS
    + LONE_SURROGATES
    + NUMBERS
    + CONSTANTS
    + CONTAINERS
    + [
        {1: "int key", (2, 3): [None]},
        b"",
        b"\x00\t\n\r\\\xff'\"",
        {1, 2, 3},
        set(),
        1 + 2j,
        -1.5 - 0.5j,
        3j,
        range(0, 3),
        range(5, -5, -2),
    ]
)
# Values whose repr is written identically, but that mrjob cannot read back.
REPR_WRITE_ONLY_VALUES = SPECIAL_FLOATS + [frozenset(), frozenset({1})]

JSON_PAIRS = [
    ("JSONProtocol-vs-StandardJSONProtocol", ours.JSONProtocol, theirs.StandardJSONProtocol),
    ("JSONProtocol-vs-JSONProtocol", ours.JSONProtocol, theirs.JSONProtocol),
    ("StandardJSONProtocol", ours.StandardJSONProtocol, theirs.StandardJSONProtocol),
]
JSON_VALUE_PAIRS = [
    ("JSONValueProtocol", ours.JSONValueProtocol, theirs.JSONValueProtocol),
    (
        "StandardJSONValueProtocol",
        ours.StandardJSONValueProtocol,
        theirs.StandardJSONValueProtocol,
    ),
]
TEXT_PAIRS = [
    ("TextProtocol", ours.TextProtocol, theirs.TextProtocol),
    ("RawProtocol", ours.RawProtocol, theirs.RawProtocol),
]
TEXT_VALUE_PAIRS = [
    ("TextValueProtocol", ours.TextValueProtocol, theirs.TextValueProtocol),
    ("RawValueProtocol", ours.RawValueProtocol, theirs.RawValueProtocol),
]
BYTES_PAIRS = [("BytesProtocol", ours.BytesProtocol, theirs.BytesProtocol)]
BYTES_VALUE_PAIRS = [
    ("BytesValueProtocol", ours.BytesValueProtocol, theirs.BytesValueProtocol)
]
PICKLE_PAIRS = [("PickleProtocol", ours.PickleProtocol, theirs.PickleProtocol)]
PICKLE_VALUE_PAIRS = [
    ("PickleValueProtocol", ours.PickleValueProtocol, theirs.PickleValueProtocol)
]
REPR_PAIRS = [("ReprProtocol", ours.ReprProtocol, theirs.ReprProtocol)]
REPR_VALUE_PAIRS = [("ReprValueProtocol", ours.ReprValueProtocol, theirs.ReprValueProtocol)]

TEXT_KEY_VALUES = [
    ("key", "value"),
    ("", ""),
    (None, "value only"),
    ("key only", None),
    (None, None),
    ("caf\u00e9", "\u65e5\u672c\u8a9e \U0001f600"),
    ("a\tb", "c"),
    ("k", "v\tw\tx"),
    ("k", "line\nbreak\r\n"),
    ("back\\slash", "\"quoted\" 'x'"),
    ("\x00\x7f", "\x1b[0m\x85"),
]
BYTES_KEY_VALUES = [
    (b"key", b"value"),
    (b"", b""),
    (None, b"value only"),
    (b"key only", None),
    (None, None),
    (b"\xff\xfe", b"\x80\xc3"),
    ("caf\u00e9".encode(), "\U0001f600".encode()),
    (b"a\tb", b"c"),
    (b"k", b"v\tw\tx"),
    (b"\x00\x7f", b"line\nbreak\r"),
    (b"\\", b"\"'"),
]


def _cases(pairs, key_values):
    return [
        pytest.param(mine, other, key, value, id=f"{name}-{_ident(key)}-{_ident(value)}")
        for name, mine, other in pairs
        for key, value in key_values
    ]


def _value_cases(pairs, values):
    # protocols without keys are given a key they must ignore
    return _cases(pairs, [("ignored key", value) for value in values])


def _keyed_cases(pairs, values):
    # each value is written both as a key and as a value, next to a fixed partner
    return _cases(pairs, [(value, "partner") for value in values]) + _cases(
        pairs, [(["partner"], value) for value in values]
    )


ROUND_TRIP_CASES = (
    _keyed_cases(JSON_PAIRS, JSON_VALUES)
    + _value_cases(JSON_VALUE_PAIRS, JSON_VALUES)
    + _cases(TEXT_PAIRS, TEXT_KEY_VALUES)
    + _value_cases(TEXT_VALUE_PAIRS, STRINGS)
    + _cases(BYTES_PAIRS, BYTES_KEY_VALUES)
    + _value_cases(BYTES_VALUE_PAIRS, [v for _, v in BYTES_KEY_VALUES if v is not None])
    + _keyed_cases(PICKLE_PAIRS, PICKLE_VALUES)
    + _value_cases(PICKLE_VALUE_PAIRS, PICKLE_VALUES)
    + _keyed_cases(REPR_PAIRS, REPR_VALUES)
    + _value_cases(REPR_VALUE_PAIRS, REPR_VALUES)
)

WRITE_ONLY_CASES = _keyed_cases(REPR_PAIRS, REPR_WRITE_ONLY_VALUES) + _value_cases(
    REPR_VALUE_PAIRS, REPR_WRITE_ONLY_VALUES
)


# --- write and read the same values -------------------------------------------


@pytest.mark.parametrize("mine, other, key, value", ROUND_TRIP_CASES + WRITE_ONLY_CASES)
def test_write_gives_same_bytes(mine, other, key, value):
    line = mine().write(key, value)
    assert type(line) is bytes
    assert line == other().write(key, value)


@pytest.mark.parametrize("mine, other, key, value", ROUND_TRIP_CASES)
def test_read_of_own_output_gives_same_values(mine, other, key, value):
    my_result = mine().read(mine().write(key, value))
    their_result = other().read(other().write(key, value))
    assert type(my_result) is tuple
    assert _same(my_result, their_result)


@pytest.mark.parametrize("mine, other, key, value", ROUND_TRIP_CASES)
def test_read_of_mrjob_output_gives_same_values(mine, other, key, value):
    line = other().write(key, value)
    assert _same(mine().read(line), other().read(line))


def test_streamr_reads_repr_values_mrjob_cannot():
    # streamr's safe_eval also knows inf, nan and frozenset; mrjob's does not
    for value in [float("inf"), float("-inf"), frozenset({1})]:
        line = theirs.ReprValueProtocol().write(None, value)
        assert ours.ReprValueProtocol().read(line) == (None, value)
        assert _outcome(theirs.ReprValueProtocol(), line)[0] == "error"


# --- writes that fail ---------------------------------------------------------


@pytest.mark.parametrize(
    "mine, other, key, value",
    _cases(TEXT_PAIRS, [(s, "v") for s in LONE_SURROGATES] + [("k", s) for s in LONE_SURROGATES])
    + _value_cases(TEXT_VALUE_PAIRS, LONE_SURROGATES)
    + _keyed_cases(JSON_PAIRS, [{1, 2}, b"bytes", {(1, 2): 3}, object()])
    + _value_cases(JSON_VALUE_PAIRS, [{1, 2}, b"bytes", {(1, 2): 3}, object()]),
)
def test_write_errors_match(mine, other, key, value):
    # the exception types are compared below
    with pytest.raises(Exception) as my_error:
        mine().write(key, value)
    with pytest.raises(Exception) as their_error:
        other().write(key, value)
    assert my_error.type is their_error.type


# --- key caching over a stream ------------------------------------------------

STREAM = [
    (1, "a"),
    (1, "b"),
    ("1", "c"),
    (1.0, "d"),
    (2, "e"),
    (2, "f"),
    ([2], "g"),
    (1, "h"),
    (None, "i"),
    (None, "j"),
]


@pytest.mark.parametrize(
    "mine, other",
    [pytest.param(mine, other, id=name) for name, mine, other in JSON_PAIRS + PICKLE_PAIRS]
    + [pytest.param(mine, other, id=name) for name, mine, other in REPR_PAIRS],
)
def test_stream_of_mrjob_lines_reads_the_same(mine, other):
    writer = other()
    lines = [writer.write(key, value) for key, value in STREAM]
    my_reader, their_reader = mine(), other()
    my_results = [my_reader.read(line) for line in lines]
    their_results = [their_reader.read(line) for line in lines]
    assert _same(my_results, their_results)
    assert [key for key, _ in my_results][:4] == [1, 1, "1", 1.0]


# --- hand-written lines -------------------------------------------------------

PLAIN_LINES = [
    b"",
    b"no tab",
    b"key\tvalue",
    b"key\tvalue\tmore\ttabs",
    b"\t",
    b"\t\t",
    b"\tvalue",
    b"key\t",
    b"caf\xc3\xa9\t\xe6\x97\xa5\xf0\x9f\x98\x80",
    b"caf\xe9\tlatin-1",
    b"\xff\xfe\tnot utf-8",
    b"ok\t\xc3",
    b"\xed\xa0\x80\tencoded surrogate",
    b"\xc0\xaf\toverlong",
    b"nul\x00del\x7f\tesc\x1b",
    b"key\r\tvalue\r",
    b"back\\slash\t\"quoted\"",
]

JSON_LINES = [
    b"1\t2",
    b'"a"\t[1, 2]',
    b'{"a": 1}\t{"b": [true, false, null]}',
    b"1\t[2,\t3]",
    b" 1 \t 2 ",
    b"NaN\tInfinity",
    b"-Infinity\t-0.0",
    b'"\\ud800"\t"\\u00e9\\t"',
    b'"caf\xc3\xa9"\t"\xf0\x9f\x98\x80"',
    b"12345678901234567890123456789\t1e400",
    b'{"a": 1, "a": 2}\t[]',
    b"no tab",
    b"",
    b"\t",
    b"[\t1",
    b"1\t{",
    b"1\t2\t3",
    b"'single'\t1",
    b'"\xff"\t1',
    b'"raw\ttab"',
]

JSON_VALUE_LINES = [
    b"1",
    b"[1,\t2]",
    b'"a\\tb"',
    b'  {"k": [null]}  ',
    b"NaN",
    b'"\xc3\xa9"',
    b"",
    b"not json",
    b"1\t2",
    b'"\xff"',
    b'"raw\ttab"',
]

REPR_LINES = [
    b"1\t2",
    b"'a'\t[1, 2]",
    b"(1+2j)\t{1, 2}",
    b"range(0, 3)\tset()",
    b"b'\\xff'\t'\\u00e9'",
    "'caf\u00e9'\t'\U0001f600'".encode(),
    b" 1 \t 2 ",
    b"{'a': (1,)}\tNone",
    b"-1\t-0.0",
    b"no tab",
    b"1\t2\t3",
    b"[\t1",
    b"__import__('os')\t1",
    b"1\tlen([1])",
    b"'\xff'\t1",
]

PICKLE_LINES = [
    b"N.\tI42\\n.",
    b"I1\\n.\tS'a'\\np0\\n.",
    b"N.",
    b"garbage\tgarbage",
    b"",
]
PICKLE_VALUE_LINES = [b"N.", b"I42\\n.", b"garbage", b""]


def _line_cases(pairs, lines):
    return [
        pytest.param(mine, other, line, id=f"{name}-{_ident(line)}")
        for name, mine, other in pairs
        for line in lines
    ]


@pytest.mark.parametrize(
    "mine, other, line",
    _line_cases(TEXT_PAIRS + TEXT_VALUE_PAIRS + BYTES_PAIRS + BYTES_VALUE_PAIRS, PLAIN_LINES)
    + _line_cases(JSON_PAIRS, JSON_LINES)
    + _line_cases(JSON_VALUE_PAIRS, JSON_VALUE_LINES)
    + _line_cases(PICKLE_PAIRS, PICKLE_LINES)
    + _line_cases(PICKLE_VALUE_PAIRS, PICKLE_VALUE_LINES),
)
def test_hand_written_line_reads_the_same(mine, other, line):
    my_outcome = _outcome(mine(), line)
    their_outcome = _outcome(other(), line)
    assert my_outcome[0] == their_outcome[0]
    assert _same(my_outcome[1], their_outcome[1])


@pytest.mark.parametrize(
    "mine, other, line",
    _line_cases(REPR_PAIRS, REPR_LINES)
    + _line_cases(REPR_VALUE_PAIRS, [line.replace(b"\t", b", ") for line in REPR_LINES]),
)
def test_hand_written_repr_line_reads_the_same(mine, other, line):
    # both accept, or both refuse with the same exception type: jobs that
    # catch mrjob's SyntaxError or TypeError keep working
    my_outcome = _outcome(mine(), line)
    their_outcome = _outcome(other(), line)
    assert my_outcome[0] == their_outcome[0]
    if my_outcome[0] == "ok":
        assert _same(my_outcome[1], their_outcome[1])
    else:
        assert my_outcome[1] is their_outcome[1]


@pytest.mark.parametrize("line", ["1", "[1, 'a']", "{'k': (None, 2.5)}", "1 +", "len([1])"])
def test_repr_value_reads_str_as_mrjob_does(line):
    my_outcome = _outcome(ours.ReprValueProtocol(), line)
    their_outcome = _outcome(theirs.ReprValueProtocol(), line)
    assert my_outcome[0] == their_outcome[0]
    if my_outcome[0] == "ok":
        assert _same(my_outcome[1], their_outcome[1])
    else:
        assert my_outcome[1] is their_outcome[1]
