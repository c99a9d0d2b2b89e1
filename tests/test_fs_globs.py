"""Hadoop-style glob patterns (streamr.fs.globs): what ``*``, ``?``,
character classes and brace alternatives match, and the helpers the S3
filesystem uses to list as little as it can."""

import pytest

from streamr.fs.globs import expand_braces, glob_regex, has_glob, literal_prefix


def matches(pattern, path):
    return glob_regex(pattern).fullmatch(path) is not None


# --- * and ? -----------------------------------------------------------------------------


@pytest.mark.parametrize("path, expected", [
    ("logs/a.gz", True),
    ("logs/.gz", True),  # * matches nothing too
    ("logs/x/a.gz", False),  # never crosses a /
    ("logs/a.gzip", False),  # the whole path must match
    ("xlogs/a.gz", False),
])
def test_star_stays_within_one_part(path, expected):
    assert matches("logs/*.gz", path) is expected


def test_star_alone_matches_one_part_only():
    assert matches("*", "part-00000")
    assert matches("*", "")
    assert not matches("*", "a/b")


@pytest.mark.parametrize("path, expected", [
    ("part-1", True),
    ("part-x", True),
    ("part-", False),  # ? is exactly one character
    ("part-12", False),
    ("part-/", False),  # never a /
])
def test_question_mark_is_one_character(path, expected):
    assert matches("part-?", path) is expected


def test_question_mark_does_not_match_slash():
    assert matches("a?c", "abc")
    assert not matches("a?c", "a/c")


def test_other_regex_characters_are_literal():
    assert matches("a.b+(c)|d$", "a.b+(c)|d$")
    assert not matches("a.b", "axb")
    assert matches("x\\y", "x\\y")


# --- character classes -------------------------------------------------------------------


@pytest.mark.parametrize("pattern, path, expected", [
    ("part-[0-9]", "part-7", True),
    ("part-[0-9]", "part-a", False),
    ("part-[abc]", "part-b", True),
    ("part-[abc]", "part-d", False),
    ("part-[abc]", "part-ab", False),  # one character only
    ("part-[!a]", "part-b", True),
    ("part-[!a]", "part-a", False),
    ("part-[^a]", "part-b", True),
    ("part-[^a]", "part-a", False),
    ("part-[!a-c]", "part-d", True),
    ("part-[!a-c]", "part-b", False),
    ("x[]a]", "x]", True),  # a ] first is part of the class, as in fnmatch
    ("x[]a]", "xa", True),
    ("x[]a]", "xb", False),
])
def test_character_classes(pattern, path, expected):
    assert matches(pattern, path) is expected


def test_unclosed_bracket_is_literal():
    assert matches("a[b", "a[b")
    assert not matches("a[b", "ab")
    assert matches("a[]", "a[]")


def test_backslash_inside_a_class_is_literal():
    assert matches("a[\\x]", "a\\")
    assert matches("a[\\x]", "ax")
    assert not matches("a[\\x]", "ay")


# --- braces ------------------------------------------------------------------------------


def test_expand_braces_simple():
    assert expand_braces("log-{1,2}.gz") == ["log-1.gz", "log-2.gz"]


def test_expand_braces_keeps_order_and_expands_every_group():
    assert expand_braces("{a,b}-{1,2}") == ["a-1", "a-2", "b-1", "b-2"]


def test_expand_braces_nested():
    assert expand_braces("a{b,c{d,e}}f") == ["abf", "acdf", "acef"]


def test_expand_braces_single_alternative_and_empty():
    assert expand_braces("a{b}c") == ["abc"]
    assert expand_braces("a{,b}c") == ["ac", "abc"]


def test_expand_braces_without_braces():
    assert expand_braces("logs/*.gz") == ["logs/*.gz"]


@pytest.mark.parametrize("pattern, expected", [
    ("a{b,c", ["a{b,c"]),  # unclosed: literal
    ("a{b,c}{x", ["ab{x", "ac{x"]),  # a later unclosed one stays literal
    ("{x{a,b}", ["{xa", "{xb"]),  # an unclosed outer one around a closed one
    ("a}b", ["a}b"]),
])
def test_expand_braces_unclosed(pattern, expected):
    assert expand_braces(pattern) == expected


def test_braces_in_regex():
    assert matches("logs/{2024,2025}-*/x", "logs/2024-01/x")
    assert matches("logs/{2024,2025}-*/x", "logs/2025-12/x")
    assert not matches("logs/{2024,2025}-*/x", "logs/2026-01/x")
    assert not matches("logs/{2024,2025}-*/x", "logs/2024-01/y/x")


def test_braces_alternatives_may_hold_slashes_and_wildcards():
    assert matches("{a/b,c*}", "a/b")
    assert matches("{a/b,c*}", "cat")
    assert not matches("{a/b,c*}", "c/t")


def test_unclosed_brace_in_regex_is_literal():
    assert matches("a{b,c", "a{b,c")
    assert not matches("a{b,c", "ab")


# --- has_glob and literal_prefix ---------------------------------------------------------


@pytest.mark.parametrize("path, expected", [
    ("s3://bucket/logs/part-00000", False),
    ("/tmp/a]b}c", False),
    ("logs/*", True),
    ("logs/part-?", True),
    ("logs/[ab]", True),
    ("logs/{a,b}", True),
    ("", False),
])
def test_has_glob(path, expected):
    assert has_glob(path) is expected


@pytest.mark.parametrize("pattern, expected", [
    ("logs/2024-*/part-*", "logs/2024-"),
    ("logs/part-?", "logs/part-"),
    ("logs/[ab]/x", "logs/"),
    ("logs/{a,b}/x", "logs/"),
    ("*", ""),
    ("logs/plain", "logs/plain"),
    ("", ""),
])
def test_literal_prefix(pattern, expected):
    assert literal_prefix(pattern) == expected
