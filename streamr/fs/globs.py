"""Hadoop-style glob patterns, for filesystems that have no glob of their own.

``*`` and ``?`` never cross a ``/``; ``[abc]``, ``[a-z]`` and ``[!abc]``
(or ``[^abc]``) match one character; ``{a,b}`` matches either alternative.
"""

from __future__ import annotations

import re

__all__ = ["expand_braces", "glob_regex", "has_glob", "literal_prefix"]

_GLOB_CHARS = frozenset("*?[{")


def has_glob(path: str) -> bool:
    """True when *path* holds a wildcard."""
    return bool(_GLOB_CHARS & set(path))


def literal_prefix(pattern: str) -> str:
    """The part of *pattern* before its first wildcard."""
    for index, char in enumerate(pattern):
        if char in _GLOB_CHARS:
            return pattern[:index]
    return pattern


def expand_braces(pattern: str) -> list:
    """*pattern* with each ``{a,b}`` group replaced by each alternative:
    ``log-{1,2}.gz`` gives ``log-1.gz`` and ``log-2.gz``. Nested groups work;
    an unclosed ``{`` is kept as a literal character."""
    start = pattern.find("{")
    while start >= 0:
        depth, index, cuts = 0, start, []
        for index in range(start, len(pattern)):
            char = pattern[index]
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    break
            elif char == "," and depth == 1:
                cuts.append(index)
        else:
            start = pattern.find("{", start + 1)
            continue
        bounds = [start] + cuts + [index]
        head, tail = pattern[:start], pattern[index + 1:]
        results = []
        for left, right in zip(bounds, bounds[1:]):
            results.extend(expand_braces(head + pattern[left + 1:right] + tail))
        return results
    return [pattern]


def _class_regex(body: str) -> str:
    if body[:1] in ("!", "^"):
        body = "^" + body[1:]
    # a class matches one character of a path part, never the / between parts
    return "(?!/)[" + body.replace("\\", "\\\\") + "]"


def glob_regex(pattern: str) -> re.Pattern:
    """A compiled regex matching exactly what *pattern* matches."""
    out = []
    for alternative in expand_braces(pattern):
        parts, index = [], 0
        while index < len(alternative):
            char = alternative[index]
            if char == "*":
                parts.append("[^/]*")
            elif char == "?":
                parts.append("[^/]")
            elif char == "[":
                close = alternative.find("]", index + 2)
                if close < 0:
                    parts.append(re.escape(char))
                else:
                    parts.append(_class_regex(alternative[index + 1:close]))
                    index = close
            else:
                parts.append(re.escape(char))
            index += 1
        out.append("".join(parts))
    return re.compile("(?:%s)" % "|".join(out), re.DOTALL)
