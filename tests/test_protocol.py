"""Unit tests of the wire protocols in streamr.protocol."""

import math

import pytest

from streamr import protocol
from streamr.protocol import (
    BytesProtocol,
    BytesValueProtocol,
    JSONProtocol,
    JSONValueProtocol,
    PickleProtocol,
    PickleValueProtocol,
    RawProtocol,
    RawValueProtocol,
    ReprProtocol,
    ReprValueProtocol,
    StandardJSONProtocol,
    StandardJSONValueProtocol,
    TextProtocol,
    TextValueProtocol,
    safe_eval,
)

# protocols that encode both key and value and join them with a tab
KEYED_PROTOCOLS = [JSONProtocol, PickleProtocol, ReprProtocol]
# protocols that only carry a value
VALUE_PROTOCOLS = [JSONValueProtocol, PickleValueProtocol, ReprValueProtocol]


def test_all_names_exist():
    for name in protocol.__all__:
        assert hasattr(protocol, name), name


def test_aliases():
    assert JSONProtocol is StandardJSONProtocol
    assert JSONValueProtocol is StandardJSONValueProtocol
    assert RawProtocol is TextProtocol
    assert RawValueProtocol is TextValueProtocol


# --- JSON -------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, value, line",
    [
        ("a", 1, b'"a"\t1'),
        (None, None, b"null\tnull"),
        (True, False, b"true\tfalse"),
        ([1, "b"], {"c": None}, b'[1, "b"]\t{"c": null}'),
        ("\u00e9", "\t\n\\\"", b'"\\u00e9"\t"\\t\\n\\\\\\""'),
        ("\U0001f600", "\u65e5", b'"\\ud83d\\ude00"\t"\\u65e5"'),
        (2**100, -1.5, b"1267650600228229401496703205376\t-1.5"),
        (float("inf"), float("nan"), b"Infinity\tNaN"),
        ((1, 2), {1: 2}, b'[1, 2]\t{"1": 2}'),
    ],
)
def test_json_write_exact_bytes(key, value, line):
    assert JSONProtocol().write(key, value) == line


@pytest.mark.parametrize(
    "key, value",
    [
        ("k", "v"),
        (1, 2.5),
        (None, True),
        ([1, [2, []]], {"a": {"b": [None, False]}}),
        ("caf\u00e9 \u65e5\u672c \U0001f389", "\ud800 lone"),
        ("tab\tin key", "new\nline\r\x00\x7f"),
        (-(2**70), 2**100),
        ({}, []),
    ],
)
def test_json_round_trip(key, value):
    p = JSONProtocol()
    assert p.read(p.write(key, value)) == (key, value)


def test_json_tuple_reads_back_as_list():
    p = JSONProtocol()
    assert p.read(p.write((1, "a"), ((2,), 3))) == ([1, "a"], [[2], 3])


def test_json_int_dict_keys_read_back_as_str():
    p = JSONProtocol()
    assert p.read(p.write({1: "a"}, {2: {3: 4}})) == ({"1": "a"}, {"2": {"3": 4}})


def test_json_special_floats_round_trip():
    key, value = JSONProtocol().read(JSONProtocol().write(float("-inf"), float("nan")))
    assert key == float("-inf")
    assert math.isnan(value)


def test_json_negative_zero_keeps_sign():
    _, value = JSONProtocol().read(JSONProtocol().write(None, -0.0))
    assert value == 0.0
    assert math.copysign(1.0, value) == -1.0


def test_json_output_is_ascii():
    line = JSONProtocol().write("\u00e9\U0001f600", ["\u65e5"])
    assert line.isascii()
    assert b"\n" not in line


def test_json_read_splits_on_first_tab_only():
    # the second tab is JSON whitespace inside the value
    assert JSONProtocol().read(b"1\t[2,\t3]") == (1, [2, 3])


def test_json_read_without_tab_raises():
    with pytest.raises(ValueError):
        JSONProtocol().read(b'"no tab here"')


@pytest.mark.parametrize("line", [b"[\t1", b"1\t{", b"nope\t1", b"1\t'single'", b"\t1"])
def test_json_read_bad_json_raises(line):
    with pytest.raises(ValueError):
        JSONProtocol().read(line)


def test_json_read_invalid_utf8_raises():
    with pytest.raises(ValueError):
        JSONProtocol().read(b'"\xff"\t1')


def test_json_write_unencodable_raises():
    with pytest.raises(TypeError):
        JSONProtocol().write({1, 2}, 1)
    with pytest.raises(TypeError):
        JSONProtocol().write(1, b"bytes")


def test_json_value_write_drops_key():
    assert JSONValueProtocol().write("ignored", [1, "\u00e9"]) == b'[1, "\\u00e9"]'


def test_json_value_read_has_none_key():
    assert JSONValueProtocol().read(b'{"a": [1,\t2]}') == (None, {"a": [1, 2]})


@pytest.mark.parametrize(
    "value", ["s", "\t\n\ud800", 0, -(2**70), 0.1, 1e300, None, False, [[]], {"k": {"j": []}}]
)
def test_json_value_round_trip(value):
    p = JSONValueProtocol()
    assert p.read(p.write(None, value)) == (None, value)


@pytest.mark.parametrize("line", [b"", b"not json", b"[1,", b"1 2", b'"\xff"'])
def test_json_value_read_bad_input_raises(line):
    with pytest.raises(ValueError):
        JSONValueProtocol().read(line)


def test_json_str_and_int_fast_paths_match_generic_encoding():
    # str and int take a shortcut; the result must match other containers' items
    for value in ["x\u00e9\t\ud800", 7, -(2**100)]:
        list_line = JSONValueProtocol().write(None, [value])
        assert list_line == b"[" + JSONValueProtocol().write(None, value) + b"]"


def test_json_bool_is_not_written_as_int():
    assert JSONValueProtocol().write(None, True) == b"true"


# --- key caching ------------------------------------------------------------


@pytest.mark.parametrize("cls", KEYED_PROTOCOLS)
def test_key_cache_returns_correct_keys_as_they_change(cls):
    pairs = [(1, "a"), (1, "b"), ("1", "c"), (2, "d"), (2, "e"), (1, "f"), (1.5, "g")]
    lines = [cls().write(k, v) for k, v in pairs]
    reader = cls()
    got = [reader.read(line) for line in lines]
    assert got == pairs
    assert [type(k) for k, _ in got] == [type(k) for k, _ in pairs]


@pytest.mark.parametrize("cls", KEYED_PROTOCOLS)
def test_key_cache_reuses_decoded_key(cls):
    reader = cls()
    first_key, _ = reader.read(cls().write(["k"], 1))
    second_key, second_value = reader.read(cls().write(["k"], 2))
    assert second_key is first_key
    assert second_value == 2


@pytest.mark.parametrize("cls", KEYED_PROTOCOLS)
def test_key_cache_is_per_instance(cls):
    one, two = cls(), cls()
    assert one.read(cls().write("x", 1)) == ("x", 1)
    assert two.read(cls().write("y", 2)) == ("y", 2)
    assert one.read(cls().write("z", 3)) == ("z", 3)


def test_key_cache_not_poisoned_by_undecodable_key():
    p = JSONProtocol()
    assert p.read(b"1\t2") == (1, 2)
    for _ in range(2):
        with pytest.raises(ValueError):
            p.read(b"[\t3")
    assert p.read(b"1\t4") == (1, 4)
    assert p.read(b"[5]\t6") == ([5], 6)


def test_key_cache_keeps_key_when_value_is_bad():
    p = JSONProtocol()
    with pytest.raises(ValueError):
        p.read(b'"k"\t{')
    assert p.read(b'"k"\t1') == ("k", 1)


# --- Text / Raw ---------------------------------------------------------------


@pytest.mark.parametrize("cls", [TextProtocol, RawProtocol])
@pytest.mark.parametrize(
    "line, expected",
    [
        (b"k\tv", ("k", "v")),
        (b"k\tv\tw", ("k", "v\tw")),
        (b"no tab", ("no tab", None)),
        (b"", ("", None)),
        (b"\t", ("", "")),
        (b"\tv", ("", "v")),
        (b"k\t", ("k", "")),
        ("caf\u00e9\t\u65e5\U0001f600".encode(), ("caf\u00e9", "\u65e5\U0001f600")),
    ],
)
def test_text_read(cls, line, expected):
    assert cls().read(line) == expected


def test_text_read_falls_back_to_latin1():
    assert TextProtocol().read(b"caf\xe9\t\xff\xfe") == ("caf\u00e9", "\u00ff\u00fe")


def test_text_read_latin1_fallback_applies_to_whole_line():
    # one invalid byte anywhere makes the valid UTF-8 part decode as latin-1 too
    assert TextProtocol().read(b"\xc3\xa9\t\xff") == ("\u00c3\u00a9", "\u00ff")


@pytest.mark.parametrize(
    "key, value, line",
    [
        ("k", "v", b"k\tv"),
        (None, "v", b"v"),
        ("k", None, b"k"),
        (None, None, b""),
        ("", "", b"\t"),
        ("\u00e9", "\U0001f600", "\u00e9\t\U0001f600".encode()),
        ("a\tb", "c\nd", b"a\tb\tc\nd"),
    ],
)
def test_text_write(key, value, line):
    assert TextProtocol().write(key, value) == line


def test_text_write_lone_surrogate_raises():
    with pytest.raises(UnicodeEncodeError):
        TextProtocol().write("\ud800", "v")


def test_text_value_read_keeps_tabs():
    assert TextValueProtocol().read(b"a\tb\tc") == (None, "a\tb\tc")


def test_text_value_read_falls_back_to_latin1():
    assert TextValueProtocol().read(b"\xe9t\xe9") == (None, "\u00e9t\u00e9")


def test_text_value_read_utf8():
    assert RawValueProtocol().read("\u65e5\U0001f600".encode()) == (None, "\u65e5\U0001f600")


def test_text_value_write_drops_key():
    assert TextValueProtocol().write("ignored", "\u00e9\tx") == "\u00e9\tx".encode()


# --- Bytes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, expected",
    [
        (b"k\tv", (b"k", b"v")),
        (b"k\tv\tw", (b"k", b"v\tw")),
        (b"no tab", (b"no tab", None)),
        (b"", (b"", None)),
        (b"\t", (b"", b"")),
        (b"\xff\tbad\xc3", (b"\xff", b"bad\xc3")),
    ],
)
def test_bytes_read(line, expected):
    assert BytesProtocol().read(line) == expected


@pytest.mark.parametrize(
    "key, value, line",
    [
        (b"k", b"v", b"k\tv"),
        (None, b"v", b"v"),
        (b"k", None, b"k"),
        (None, None, b""),
        (b"\xff", b"\x00\n", b"\xff\t\x00\n"),
    ],
)
def test_bytes_write(key, value, line):
    assert BytesProtocol().write(key, value) == line


def test_bytes_value_read_is_whole_line():
    assert BytesValueProtocol().read(b"a\tb\xff") == (None, b"a\tb\xff")


def test_bytes_value_write_drops_key():
    assert BytesValueProtocol().write(b"ignored", b"v\t\xfe") == b"v\t\xfe"


# --- Pickle -------------------------------------------------------------------

PICKLE_VALUES = [
    None,
    "caf\u00e9 \U0001f600 \ud800",
    b"\x00\t\n\r\\\xff",
    -(2**70),
    {1, 2},
    frozenset({"a"}),
    (1, [2, {"three": (4.0,)}]),
    {(1, 2): {3: None}},
    1 + 2j,
]


@pytest.mark.parametrize("value", PICKLE_VALUES)
def test_pickle_round_trip(value):
    p = PickleProtocol()
    assert p.read(p.write(value, value)) == (value, value)


@pytest.mark.parametrize("value", PICKLE_VALUES)
def test_pickle_value_round_trip(value):
    p = PickleValueProtocol()
    assert p.read(p.write("ignored", value)) == (None, value)


@pytest.mark.parametrize("cls", [PickleProtocol, PickleValueProtocol])
def test_pickle_output_has_no_line_breaking_bytes(cls):
    line = cls().write("\t\n\r", b"\t\n\r\x00\xff")
    assert line.isascii()
    for byte in b"\n\r\x00":
        assert byte not in line
    if cls is PickleProtocol:
        assert line.count(b"\t") == 1
    else:
        assert b"\t" not in line


def test_pickle_read_without_tab_raises():
    line = PickleValueProtocol().write(None, 1)
    with pytest.raises(ValueError):
        PickleProtocol().read(line)


def test_pickle_reads_hand_escaped_line():
    # protocol 0 pickles of None and 42, with the newline escaped
    assert PickleProtocol().read(b"N.\tI42\\n.") == (None, 42)


def test_pickle_special_floats_round_trip():
    key, value = PickleProtocol().read(PickleProtocol().write(float("inf"), float("nan")))
    assert key == float("inf")
    assert math.isnan(value)


# --- Repr ---------------------------------------------------------------------

REPR_VALUES = [
    None,
    True,
    0,
    -7,
    2**100,
    -0.5,
    1e300,
    float("inf"),
    float("-inf"),
    1 + 2j,
    -1 - 2.5j,
    "caf\u00e9 \u65e5 \U0001f600 \ud800 \t\n\\'\"",
    b"\x00\t\n\xff'",
    (),
    (1,),
    [1, [2, (3, {"a": {4}})]],
    {1: "a", (2, 3): [None]},
    set(),
    {1, 2},
    frozenset(),
    frozenset({1}),
    range(0, 3),
    range(5, -5, -2),
]


@pytest.mark.parametrize("value", REPR_VALUES)
def test_repr_round_trip(value):
    p = ReprProtocol()
    assert p.read(p.write(value, value)) == (value, value)


@pytest.mark.parametrize("value", REPR_VALUES)
def test_repr_value_round_trip(value):
    p = ReprValueProtocol()
    assert p.read(p.write("ignored", value)) == (None, value)


def test_repr_write_exact_bytes():
    assert ReprProtocol().write("\u00e9", [1, b"x"]) == "'\u00e9'\t[1, b'x']".encode()
    assert ReprValueProtocol().write("k", (1,)) == b"(1,)"


def test_repr_nan_round_trip():
    key, value = ReprProtocol().read(ReprProtocol().write(float("nan"), 1))
    assert math.isnan(key)
    assert value == 1


def test_repr_negative_zero_keeps_sign():
    _, value = ReprValueProtocol().read(ReprValueProtocol().write(None, -0.0))
    assert math.copysign(1.0, value) == -1.0


def test_repr_read_without_tab_raises():
    with pytest.raises(ValueError):
        ReprProtocol().read(b"[1, 2]")


@pytest.mark.parametrize(
    "line", [b"__import__('os')\t1", b"1\topen('x')", b"().__class__\t1", b"x\t1"]
)
def test_repr_read_refuses_code(line):
    with pytest.raises(TypeError):
        ReprProtocol().read(line)


def test_repr_value_read_refuses_code():
    with pytest.raises(TypeError):
        ReprValueProtocol().read(b"len([1])")


# --- safe_eval ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("set()", set()),
        ("{1, 2}", {1, 2}),
        ("frozenset({1})", frozenset({1})),
        ("frozenset()", frozenset()),
        ("range(0, 3)", range(0, 3)),
        ("range(3)", range(3)),
        ("[1, (2, {'a': [{3}, frozenset({4})]}), []]", [1, (2, {"a": [{3}, frozenset({4})]}), []]),
        ("{(1, 2): {'k': (None,)}}", {(1, 2): {"k": (None,)}}),
        ("-5", -5),
        ("-2.5e-3", -2.5e-3),
        ("+4", 4),
        ("(1+2j)", 1 + 2j),
        ("(1-2j)", 1 - 2j),
        ("(-1.5-0.5j)", -1.5 - 0.5j),
        ("3j", 3j),
        ("None", None),
        ("True", True),
        ("False", False),
        ("'s\\t\\n\\u00e9'", "s\t\n\u00e9"),
        ("b'\\xff\\x00'", b"\xff\x00"),
        ("()", ()),
        ("{}", {}),
        ("  [1]  ", [1]),
        ("inf", float("inf")),
        ("-inf", float("-inf")),
        ("123456789012345678901234567890", 123456789012345678901234567890),
    ],
)
def test_safe_eval_accepts_basic_values(text, expected):
    result = safe_eval(text)
    assert result == expected
    assert type(result) is type(expected)


def test_safe_eval_nan():
    assert math.isnan(safe_eval("nan"))


@pytest.mark.parametrize(
    "text",
    [
        "__import__",
        "__import__('os')",
        "__import__('os').system('true')",
        "open('/etc/passwd')",
        "().__class__",
        "().__class__.__bases__[0].__subclasses__()",
        "set.__doc__",
        "{1}.pop()",
        "x",
        "len",
        "len([1])",
        "globals()",
        "eval('1')",
        "set()()",
        "set(iterable=[1])",
        "range(*[3])",
        "(lambda: 1)()",
        "[x for x in (1, 2)]",
        "[1][0]",
        "2 ** 8",
        "1 * 2",
        "~1",
        "not True",
        "1 if True else 2",
        "1 < 2",
        "f'{1}'",
        "(y := 1)",
    ],
)
def test_safe_eval_refuses(text):
    with pytest.raises(TypeError):
        safe_eval(text)


def test_safe_eval_refusal_has_no_side_effect(tmp_path):
    target = tmp_path / "created"
    text = f"__import__('pathlib').Path({str(target)!r}).touch()"
    with pytest.raises(TypeError):
        safe_eval(text)
    assert not target.exists()


@pytest.mark.parametrize("text", ["[1,", "", "1 2", "'unterminated"])
def test_safe_eval_malformed_raises(text):
    with pytest.raises(SyntaxError):
        safe_eval(text)


def test_safe_eval_names_give_values_but_not_calls():
    assert safe_eval("[x, y]", {"x": 1, "y": "b"}) == [1, "b"]
    with pytest.raises(TypeError):
        safe_eval("f(1)", {"f": len})


def test_repr_value_reads_str_like_bytes():
    assert ReprValueProtocol().read("{'a': (1, 2.5)}") == (None, {"a": (1, 2.5)})
    assert ReprValueProtocol().read(b"{'a': (1, 2.5)}") == (None, {"a": (1, 2.5)})


def test_repr_undecodable_line_is_a_syntax_error():
    with pytest.raises(SyntaxError):
        ReprValueProtocol().read(b"\xff")
