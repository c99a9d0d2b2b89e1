"""Config files as text and as YAML: reading a file safely and parsing it
with PyYAML's safe loader, plus the ``!clear`` tag and the line and column
of every key (so a message can point at it).

Reading refuses anything but a regular file of at most
:data:`MAX_CONF_BYTES` (``include: /dev/zero`` or a FIFO must not hang or
fill memory); parsing turns every way a file can be malformed (control
characters, bad tags, values a tag cannot make) into one line through the
caller's *report* (its ``fail`` and ``warn``), never a traceback. What the
values mean is :mod:`streamr.conf`'s business."""

from __future__ import annotations

import json
import os
import re
import stat
from typing import Any

import yaml

from streamr.options import Cleared

__all__ = ["MAX_CONF_BYTES", "ConfLoader", "parse_conf_text", "read_conf_text"]


# --- YAML with !clear and positions ---------------------------------------------------


class _Mapping(dict):
    """A mapping read from a config file that remembers where each key and
    value is: ``marks[key] = (key line, key column, value line, value column)``."""

    marks: dict


class ConfLoader(yaml.SafeLoader):
    """PyYAML's safe loader plus the ``!clear`` tag and positions of keys."""

    def __init__(self, stream: Any):
        super().__init__(stream)
        self.duplicate_keys: list = []


def _construct_mapping(loader: ConfLoader, node: yaml.MappingNode):
    data = _Mapping()
    data.marks = {}
    yield data
    data.update(loader.construct_mapping(node))
    start, end = node.start_mark.index, node.end_mark.index
    written_here: set = set()  # keys written in this mapping (not merged in with <<)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        km, vm = key_node.start_mark, value_node.start_mark
        if start <= km.index <= end:
            if key in written_here:
                loader.duplicate_keys.append((key, km.line + 1))
            written_here.add(key)
        data.marks[key] = (km.line + 1, km.column + 1, vm.line + 1, vm.column + 1)


def _construct_clear(loader: ConfLoader, node: yaml.Node) -> Cleared:
    if isinstance(node, yaml.ScalarNode):
        implicit = (node.style is None, node.style is not None)
        tag = loader.resolve(yaml.ScalarNode, node.value, implicit)
        inner: yaml.Node = yaml.ScalarNode(tag, node.value, node.start_mark, node.end_mark,
                                           node.style)
    elif isinstance(node, yaml.SequenceNode):
        inner = yaml.SequenceNode("tag:yaml.org,2002:seq", node.value, node.start_mark,
                                  node.end_mark, node.flow_style)
    else:
        inner = yaml.MappingNode("tag:yaml.org,2002:map", node.value, node.start_mark,
                                 node.end_mark, node.flow_style)
    return Cleared(loader.construct_object(inner, deep=True))


ConfLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
ConfLoader.add_constructor("!clear", _construct_clear)



def parse_conf_text(path: str, text: str, report) -> dict | None:
    bad = _control_character(text)
    if bad:
        report.fail("%s: control character %s; remove it (a config file is plain text)"
                    % (path, bad))
        return None
    try:
        loader = ConfLoader(text)
    except yaml.YAMLError as exc:
        report.fail(_syntax_message(path, exc))
        return None
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        data = _json_or_none(text)
        if data is None:
            report.fail(_syntax_message(path, exc))
            return None
    except (ValueError, TypeError, OverflowError, RecursionError, KeyError, IndexError,
            AttributeError) as exc:
        # a tag PyYAML knows, on a value it cannot make (!!int abc, !!bool maybe)
        report.fail("%s: not valid YAML (a tagged value that cannot be made: %s); fix the"
                    " value there" % (path, _one_line(exc)))
        return None
    finally:
        loader.dispose()
    for key, line in loader.duplicate_keys:
        report.warn("%s line %d: %r is given twice in one mapping; the later one wins"
                    % (path, line, key))
    if data is None:
        return {}
    if not isinstance(data, dict):
        report.fail("%s: a config file must be a mapping with runners: (and include:), not %s"
                    % (path, "a list" if isinstance(data, list) else repr(data)))
        return None
    return data


#: characters YAML does not allow in a file: control characters other than tab
#: and line breaks, surrogates, and the two non-characters U+FFFE and U+FFFF
_NOT_YAML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f"
                       "\ud800-\udfff\ufffe\uffff]")


def _control_character(text: str) -> str:
    """Where *text* has a character YAML does not allow, as ``U+0001 at
    line L column C``; empty when there is none."""
    match = _NOT_YAML.search(text)
    if match is None:
        return ""
    index = match.start()
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return "U+%04X at line %d column %d" % (ord(match.group()), line, column)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _json_or_none(text: str) -> dict | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _syntax_message(path: str, exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark and mark and context_mark.line != mark.line:
        problem = "%s, %s at line %d" % (problem, context, context_mark.line + 1)
    where = "%s line %d column %d" % (path, mark.line + 1, mark.column + 1) if mark else path
    fix = "indent with spaces, not tabs" if "'\\t'" in problem else "fix the syntax there"
    return "%s: not valid YAML (%s); %s" % (where, problem, fix)


#: the largest config file read (a config file is a few kilobytes; past this it is
#: the wrong file, and reading it whole could exhaust memory)
MAX_CONF_BYTES = 1 << 20


def read_conf_text(path: str, missing: str, report) -> str | None:
    """The text of the config file *path*: a regular file of at most
    :data:`MAX_CONF_BYTES`, in UTF-8. Anything else (a directory, a FIFO, a
    device such as ``/dev/zero``) is refused without being read."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        report.fail(missing)
        return None
    except OSError as exc:
        report.fail("cannot read config file %s (%s)" % (path, exc.strerror or exc))
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            report.fail("config file %s is not a regular file (%s); name a file"
                        % (path, _file_type(info.st_mode)))
            return None
        try:
            data = handle.read(MAX_CONF_BYTES + 1)
        except OSError as exc:
            report.fail("cannot read config file %s (%s)" % (path, exc.strerror or exc))
            return None
    if len(data) > MAX_CONF_BYTES:
        report.fail("config file %s is larger than %d KiB; is it the right file?"
                    % (path, MAX_CONF_BYTES // 1024))
        return None
    try:
        return data.decode("utf_8")
    except UnicodeDecodeError:
        report.fail("%s is not UTF-8 text; save it as UTF-8" % path)
    return None


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"
