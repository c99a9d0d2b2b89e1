"""The Option type: what one row of the option table says, and how an
option's values are checked and combined.

An :class:`Option` names its switches, the *kind* of its value (which
decides how a value from a config file, the job class or the command line
is checked and normalised), how values from several sources combine, which
runners take it, its default and its help. The rows themselves are in
:mod:`streamr.options`; this module is the machinery they share, so that
the table reads as a table.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import json
import math
import os
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable

from streamr.errors import OptionValueError

__all__ = [
    "ALL_RUNNERS",
    "MAX_WHOLE_NUMBER",
    "CLEANUP_CHOICES",
    "COMBINE_DESCRIPTIONS",
    "KIND_DESCRIPTIONS",
    "PATH_LIKE_ENV",
    "Cleared",
    "Option",
    "check_range",
    "expand_path",
    "looks_secret",
    "masked",
    "unwrap",
]

#: the built-in runners; an option takes all of them unless it says otherwise
ALL_RUNNERS = frozenset({"inline", "local", "emr", "hadoop", "spark", "emr-serverless"})

CLEANUP_CHOICES = ("ALL", "CLOUD_TMP", "CLUSTER", "JOB", "LOCAL_TMP", "LOGS", "NONE", "TMP")

# environment variables whose values are lists of paths: when two sources set
# one, the later value goes first and the earlier one is kept after it
PATH_LIKE_ENV = frozenset({"PATH", "PYTHONPATH", "LD_LIBRARY_PATH", "CLASSPATH", "MANPATH"})


class Cleared:
    """A value that replaces everything lower-precedence sources gave (what
    the ``!clear`` tag makes in config files). For an option, the built-in
    default still applies underneath; for one key of a ``cmdenv`` mapping, a
    PATH-like variable is replaced instead of joined."""

    __slots__ = ("value",)

    def __init__(self, value: Any = None):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cleared) and other.value == self.value

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Cleared(%r)" % (self.value,)


#: parts of a variable's name that mark its value as a secret: such values of
#: ``cmdenv`` (and other mappings) are masked wherever streamr prints them
SECRET_NAME_PARTS = ("SECRET", "TOKEN", "PASSWORD", "KEY")

#: what streamr prints instead of a secret value
MASK = "********"


def looks_secret(name: Any) -> bool:
    """Whether the variable or key *name* looks like it holds a secret."""
    upper = str(name).upper()
    return any(part in upper for part in SECRET_NAME_PARTS)


def masked(mapping: dict) -> dict:
    """*mapping* with the values of secret-looking keys masked."""
    return {key: MASK if looks_secret(key) and value is not None else value
            for key, value in mapping.items()}


def unwrap(value: Any) -> Any:
    """*value* without a :class:`Cleared` wrapper."""
    return value.value if isinstance(value, Cleared) else value


# --- value kinds: each checks and normalises one value --------------------------


def _check_str(name: str, value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise OptionValueError("%s must be a string, not %s" % (name, _describe(value)))
    return value


#: the largest whole number an option takes unless its row says otherwise: past
#: this a value is a typo, and would crash the run far from where it was given
MAX_WHOLE_NUMBER = 2 ** 31 - 1


def _check_number(name: str, value: Any, convert: Callable, what: str) -> Any:
    number = None
    if isinstance(value, float) and not math.isfinite(value):
        number = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if convert(value) == value:
            number = convert(value)
    elif isinstance(value, str):
        try:
            number = convert(value.strip())
        except ValueError:
            pass
    if number is None:
        raise OptionValueError("%s must be %s, not %s" % (name, what, _describe(value)))
    if isinstance(number, float) and not math.isfinite(number):
        raise OptionValueError("%s must be a finite number, not %s" % (name, _describe(value)))
    if abs(number) > MAX_WHOLE_NUMBER:
        raise OptionValueError("%s must be between %d and %d, not %s" % (
            name, -MAX_WHOLE_NUMBER, MAX_WHOLE_NUMBER, _describe_number(value)))
    return number


def _describe_number(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 24 else "%s... (%d digits)" % (text[:12], len(text))


def check_range(name: str, number: Any, low: Any, high: Any) -> None:
    """Refuse *number* outside ``low..high`` (either may be None)."""
    if low is not None and number < low:
        raise OptionValueError("%s must be at least %s, not %s" % (name, low, number))
    if high is not None and number > high:
        raise OptionValueError("%s must be at most %s, not %s" % (name, high, number))


def _check_int(name: str, value: Any) -> int:
    return _check_number(name, value, int, "a whole number")


def _check_float(name: str, value: Any) -> float:
    return _check_number(name, value, float, "a number")


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _check_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise OptionValueError("%s must be true or false, not %s" % (name, _describe(value)))


def _check_list(name: str, value: Any) -> list:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [_check_str(name, item) for item in value]
    raise OptionValueError("%s must be a list of strings, not %s" % (name, _describe(value)))


def _check_dict(name: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise OptionValueError("%s must be a mapping of names to values, not %s"
                               % (name, _describe(value)))
    return {str(key): _check_dict_item(name, key, item) for key, item in value.items()}


def _check_dict_item(name: str, key: Any, item: Any) -> Any:
    if isinstance(item, Cleared):
        return Cleared(_check_dict_item(name, key, item.value))
    if item is None or isinstance(item, str):
        return item
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, (int, float)):
        return str(item)
    raise OptionValueError("%s: value of %r must be a string or number, not %s"
                           % (name, key, _describe(item)))


def _check_command(name: str, value: Any) -> list:
    if isinstance(value, str):
        try:
            words = shlex.split(value)
        except ValueError as exc:
            raise OptionValueError("%s: cannot split %r like a shell would (%s)"
                                   % (name, value, exc)) from None
    elif isinstance(value, (list, tuple)):
        words = [_check_str(name, item) for item in value]
    else:
        raise OptionValueError("%s must be a command (a string or a list of words), not %s"
                               % (name, _describe(value)))
    if not words:
        raise OptionValueError("%s must not be an empty command" % name)
    return words


def _parse_json_text(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise OptionValueError("%s must be JSON (or YAML in a config file), not %r"
                               % (name, value)) from None


def _check_json_list(name: str, value: Any) -> list:
    value = _parse_json_text(name, value)
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, dict) for v in value):
        raise OptionValueError("%s must be a list of mappings, not %s" % (name, _describe(value)))
    return [_plain(item) for item in value]


def _check_json_dict(name: str, value: Any) -> dict:
    value = _parse_json_text(name, value)
    if not isinstance(value, dict):
        raise OptionValueError("%s must be a mapping of names to values, not %s"
                               % (name, _describe(value)))
    return {str(key): _plain(item) for key, item in value.items()}


def _plain(value: Any) -> Any:
    """*value* as plain dicts, lists and scalars (config-file mappings are
    dict subclasses that remember line numbers)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Cleared):
        raise OptionValueError("!clear may tag an option's value or one key of a mapping"
                               " option, not a value inside a structure")
    return value


def _check_any(name: str, value: Any) -> Any:
    return value


def _check_cleanup(name: str, value: Any) -> list:
    modes = []
    for item in _check_list(name, value):
        for part in item.split(","):
            part = part.strip().upper()
            if part not in CLEANUP_CHOICES:
                raise OptionValueError("%s must be among %s, not %r"
                                       % (name, ", ".join(CLEANUP_CHOICES), part))
            modes.append(part)
    return modes


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "%s (a boolean)" % str(value).lower()
    if isinstance(value, (dict, list, tuple)):
        return "a %s" % ("mapping" if isinstance(value, dict) else "list")
    if isinstance(value, Cleared):
        return "a !clear-tagged value"
    return repr(value)


_KINDS: dict[str, Callable[[str, Any], Any]] = {
    "str": _check_str,
    "path": _check_str,
    "int": _check_int,
    "float": _check_float,
    "bool": _check_bool,
    "list": _check_list,
    "args": _check_list,
    "path_list": _check_list,
    "dict": _check_dict,
    "env": _check_dict,
    "command": _check_command,
    "json_list": _check_json_list,
    "json_dict": _check_json_dict,
    "any": _check_any,
    "cleanup": _check_cleanup,
}

#: how each kind reads, for help and the reference docs
KIND_DESCRIPTIONS = {
    "str": "string",
    "path": "path or URI (~ and $VARS expanded)",
    "int": "whole number",
    "float": "number",
    "bool": "true or false",
    "list": "list of strings",
    "args": "list of arguments (each switch's text split like a shell does)",
    "path_list": "list of paths (~ and $VARS expanded)",
    "dict": "mapping of names to strings",
    "env": "mapping of environment variables to strings",
    "command": "command (a string split like a shell does, or a list of words)",
    "json_list": "list of mappings (YAML, or JSON on the command line)",
    "json_dict": "mapping of names to any values (JSON values on the command line)",
    "any": "any value",
    "cleanup": "list of cleanup modes",
}


def expand_path(path: str | None) -> str | None:
    """``~`` and ``$VARS`` expanded; URIs (``s3://...``) are left alone
    except for ``$VARS``."""
    if path is None:
        return None
    return os.path.expanduser(os.path.expandvars(path))


# --- how values from several sources combine ---------------------------------


def _after_last_clear(values: list) -> list:
    for index in range(len(values) - 1, -1, -1):
        if isinstance(values[index], Cleared):
            return [values[index].value] + list(values[index + 1:])
    return list(values)


def _combine_replace(values: list) -> Any:
    result = None
    for value in _after_last_clear(values):
        if value is not None:
            result = value
    return result


def _combine_lists(values: list) -> list:
    result: list = []
    for value in _after_last_clear(values):
        if value:
            result.extend(value)
    return result


def _combine_dicts(values: list) -> dict:
    result: dict = {}
    for value in _after_last_clear(values):
        for key, item in (value or {}).items():
            item = unwrap(item)
            if item is None:
                result.pop(key, None)
            else:
                result[key] = item
    return result


def _combine_envs(values: list) -> dict:
    result: dict = {}
    for value in _after_last_clear(values):
        for key, item in (value or {}).items():
            if isinstance(item, Cleared) or key not in PATH_LIKE_ENV or not result.get(key):
                item = unwrap(item)
            else:
                item = item if item is None else item + os.pathsep + result[key]
            if item is None:
                result.pop(key, None)
            else:
                result[key] = item
    return result


_COMBINERS: dict[str, Callable[[list], Any]] = {
    "replace": _combine_replace,
    "list": _combine_lists,
    "dict": _combine_dicts,
    "env": _combine_envs,
}

#: how each combiner reads, for help and the reference docs
COMBINE_DESCRIPTIONS = {
    "replace": "the highest-precedence value replaces the others",
    "list": "lists from every source are joined, lowest precedence first",
    "dict": "mappings merge; a later source's key wins; a null value removes the key",
    "env": "mappings merge, later keys winning, except that PATH-like variables are joined"
           " with the later value first; a null value removes the variable",
}

# the combiner each kind uses unless an option says otherwise
_DEFAULT_COMBINE = {
    "list": "list", "args": "list", "path_list": "list", "dict": "dict", "env": "env",
    "json_dict": "dict",
}


@dataclass(frozen=True)
class Option:
    """One runner option. See the module docstring."""

    name: str
    kind: str
    help: str
    runners: frozenset = ALL_RUNNERS
    switches: tuple = ()
    default: Any = None
    combine: str = ""
    choices: tuple = ()
    metavar: str = ""
    #: for a ``bool`` option: the switch that sets it false (``--no-...``)
    false_switch: str = ""
    #: topic used to group options in the reference docs (a key of :data:`TOPICS`)
    topic: str = "general"
    #: a credential: ``streamr conf show`` does not print its value
    secret: bool = False
    #: the option whose value this one takes when nothing sets it
    fallback: str = ""
    #: for a number option: the smallest and largest value it takes (None: no limit)
    low: Any = None
    high: Any = None
    #: for a mapping option: ``(key, low, high)`` of keys whose values must be
    #: whole numbers in that range (the Hadoop properties streamr reads itself)
    item_ranges: tuple = ()
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError("unknown kind %r for option %s" % (self.kind, self.name))
        if not self.combine:
            object.__setattr__(self, "combine", _DEFAULT_COMBINE.get(self.kind, "replace"))
        if self.combine not in _COMBINERS:
            raise ValueError("unknown combiner %r for option %s" % (self.combine, self.name))

    def check(self, value: Any, where: str = "") -> Any:
        """*value* checked and normalised, or :class:`OptionValueError`.
        A :class:`Cleared` value stays wrapped, its content checked."""
        if isinstance(value, Cleared):
            return Cleared(self.check(value.value, where))
        if value is None:
            return None
        label = "%s: %s" % (where, self.name) if where else self.name
        value = _KINDS[self.kind](label, value)
        if self.kind in ("int", "float"):
            check_range(label, value, self.low, self.high)
        for key, low, high in self.item_ranges:
            if isinstance(value, dict) and unwrap(value.get(key)) is not None:
                item = _check_int("%s: %s" % (label, key), unwrap(value[key]))
                check_range("%s: %s" % (label, key), item, low, high)
        if self.choices:
            value = self._pick_choice(label, value)
        if self.kind == "path":
            value = expand_path(value)
        elif self.kind == "path_list":
            value = [expand_path(item) for item in value]
        return value

    def _pick_choice(self, label: str, value: Any) -> Any:
        for choice in self.choices:
            same_text = isinstance(value, str) and isinstance(choice, str)
            if value == choice or same_text and value.lower() == choice.lower():
                return choice
        raise OptionValueError("%s must be one of %s, not %r"
                               % (label, ", ".join(map(str, self.choices)), value))

    def combine_values(self, values: list) -> Any:
        """Combine values from sources in order, lowest precedence first. A
        :class:`Cleared` value drops every value before it."""
        return _COMBINERS[self.combine](values)

    @property
    def kind_description(self) -> str:
        text = KIND_DESCRIPTIONS[self.kind]
        if self.choices:
            text += ", one of " + ", ".join(map(str, self.choices))
        if self.low is not None and self.high is not None:
            text += ", %s to %s" % (self.low, self.high)
        elif self.low is not None:
            text += ", at least %s" % self.low
        for key, low, high in self.item_ranges:
            text += "; %s: %s%s" % (key, low, " to %s" % high if high is not None else " or more")
        return text

    @property
    def combine_description(self) -> str:
        return COMBINE_DESCRIPTIONS[self.combine]
