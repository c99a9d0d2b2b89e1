"""The table of runner options: the one place that says what each option is.

Each :class:`Option` names its command-line switches, how a value is parsed
and checked, how values from several sources combine (built-in default, config
files, the job class, the command line), which runners accept it, its
default and its help text. The job's argument parser, the config-file loader,
the ``streamr`` command and the option reference in the docs are all built
from :data:`OPTIONS`, so they cannot disagree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = [
    "ALL_RUNNERS",
    "OPTIONS",
    "Option",
    "OptionValueError",
    "combine_values",
    "option",
    "options_for_runner",
]

ALL_RUNNERS = frozenset({"inline", "local", "emr"})
LOCAL_RUNNERS = frozenset({"inline", "local"})
SUBPROCESS_RUNNERS = frozenset({"local", "emr"})

CLEANUP_CHOICES = ("ALL", "CLOUD_TMP", "CLUSTER", "JOB", "LOCAL_TMP", "LOGS", "NONE", "TMP")

# environment variables whose values are lists of paths: when two sources set
# one, the later value goes first and the earlier one is kept after it
_PATH_LIKE_ENV = {"PATH", "PYTHONPATH", "LD_LIBRARY_PATH", "CLASSPATH", "MANPATH"}


class OptionValueError(ValueError):
    """A value that does not fit its option. ``str()`` is one line that says
    what was expected."""


# --- value kinds: each checks and normalises one value --------------------------


def _check_str(name: str, value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise OptionValueError("%s must be a string, not %s" % (name, _describe(value)))
    return value


def _check_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise OptionValueError("%s must be a whole number, not %s" % (name, _describe(value)))
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise OptionValueError("%s must be a whole number, not %s" % (name, _describe(value)))


def _check_float(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise OptionValueError("%s must be a number, not %s" % (name, _describe(value)))
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise OptionValueError("%s must be a number, not %s" % (name, _describe(value)))


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
    checked = {}
    for key, item in value.items():
        if item is not None and not isinstance(item, str):
            if isinstance(item, bool):
                item = "true" if item else "false"
            elif isinstance(item, (int, float)):
                item = str(item)
            else:
                raise OptionValueError("%s: value of %r must be a string or number, not %s"
                                       % (name, key, _describe(item)))
        checked[str(key)] = item
    return checked


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
    if isinstance(value, (dict, list)):
        return "a %s" % ("mapping" if isinstance(value, dict) else "list")
    return repr(value)


_KINDS: dict[str, Callable[[str, Any], Any]] = {
    "str": _check_str,
    "path": _check_str,
    "int": _check_int,
    "float": _check_float,
    "bool": _check_bool,
    "list": _check_list,
    "path_list": _check_list,
    "dict": _check_dict,
    "env": _check_dict,
    "any": _check_any,
    "cleanup": _check_cleanup,
}


def expand_path(path: str | None) -> str | None:
    """``~`` and ``$VARS`` expanded; URIs (``s3://...``) are left alone
    except for ``$VARS``."""
    if path is None:
        return None
    return os.path.expanduser(os.path.expandvars(path))


# --- how values from several sources combine ---------------------------------


def _combine_replace(values: list) -> Any:
    result = None
    for value in values:
        if value is not None:
            result = value
    return result


def _combine_lists(values: list) -> list:
    result: list = []
    for value in values:
        if value:
            result.extend(value)
    return result


def _combine_dicts(values: list) -> dict:
    result: dict = {}
    for value in values:
        for key, item in (value or {}).items():
            if item is None:
                result.pop(key, None)
            else:
                result[key] = item
    return result


def _combine_envs(values: list) -> dict:
    result: dict = {}
    for value in values:
        for key, item in (value or {}).items():
            if item is None:
                result.pop(key, None)
            elif key in _PATH_LIKE_ENV and result.get(key):
                result[key] = item + os.pathsep + result[key]
            else:
                result[key] = item
    return result


_COMBINERS: dict[str, Callable[[list], Any]] = {
    "replace": _combine_replace,
    "list": _combine_lists,
    "dict": _combine_dicts,
    "env": _combine_envs,
}

# the combiner each kind uses unless an option says otherwise
_DEFAULT_COMBINE = {
    "list": "list", "path_list": "list", "dict": "dict", "env": "env",
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
    #: topic used to group options in the reference docs
    topic: str = "general"
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError("unknown kind %r for option %s" % (self.kind, self.name))
        if not self.combine:
            object.__setattr__(self, "combine", _DEFAULT_COMBINE.get(self.kind, "replace"))

    def check(self, value: Any, where: str = "") -> Any:
        """*value* checked and normalised, or :class:`OptionValueError`."""
        if value is None:
            return None
        label = "%s: %s" % (where, self.name) if where else self.name
        value = _KINDS[self.kind](label, value)
        if self.choices and value not in self.choices:
            raise OptionValueError("%s must be one of %s, not %r"
                                   % (label, ", ".join(map(str, self.choices)), value))
        if self.kind == "path":
            value = expand_path(value)
        elif self.kind == "path_list":
            value = [expand_path(item) for item in value]
        return value

    def combine_values(self, values: list) -> Any:
        """Combine values from sources in order, lowest precedence first."""
        return _COMBINERS[self.combine](values)


def combine_values(name: str, values: list) -> Any:
    return option(name).combine_values(values)


_CLEANUP_HELP = ("what to remove after the job: %s (several may be given, comma-separated)"
                 % ", ".join(CLEANUP_CHOICES))

OPTIONS: tuple[Option, ...] = (
    # -- tasks: what they see ---------------------------------------------------------
    Option("jobconf", "dict", "Hadoop property for every step, as NAME=VALUE (repeatable);"
           " tasks read them with jobconf_from_env()", switches=("-D", "--jobconf"),
           metavar="NAME=VALUE", topic="tasks"),
    Option("cmdenv", "env", "environment variable for every task, as NAME=VALUE (repeatable);"
           " PATH-like variables from several sources are joined",
           switches=("--cmdenv",), metavar="NAME=VALUE", topic="tasks"),
    Option("files", "path_list", "file to copy into each task's working directory; use"
           " path#name to rename it (repeatable, or comma-separated)",
           switches=("--files",), metavar="PATH[#NAME]", topic="tasks"),
    Option("dirs", "path_list", "directory to copy into each task's working directory as a"
           " directory of the same name, or path#name (repeatable)",
           switches=("--dirs",), metavar="PATH[#NAME]", topic="tasks"),
    Option("archives", "path_list", "archive (.tar.gz, .tgz, .zip, ...) to unpack into each"
           " task's working directory as a directory of its name, or path#name (repeatable)",
           switches=("--archives",), metavar="PATH[#NAME]", topic="tasks"),
    Option("setup", "list", "shell command run in each task's working directory before the"
           " task starts (repeatable)", runners=SUBPROCESS_RUNNERS,
           switches=("--setup",), metavar="CMD", topic="tasks"),
    Option("task_python_bin", "str", "Python interpreter that runs tasks (default: the one"
           " running streamr locally, python3 on clusters)",
           runners=SUBPROCESS_RUNNERS, switches=("--task-python-bin",), metavar="PYTHON",
           topic="tasks"),
    Option("skip_malformed_records", "bool", "skip (and count) input or intermediate lines"
           " the job's protocol cannot read, instead of stopping the job",
           switches=("--skip-malformed-records",), false_switch="--no-skip-malformed-records",
           default=False, topic="tasks"),
    # -- the run ----------------------------------------------------------------------
    Option("check_input_paths", "bool", "stop before starting if an input path does not exist",
           switches=("--check-input-paths",), false_switch="--no-check-input-paths",
           default=True, topic="run"),
    Option("cleanup", "cleanup", _CLEANUP_HELP + " after success", switches=("--cleanup",),
           default=["ALL"], metavar="MODE", combine="replace", topic="run"),
    Option("cleanup_on_failure", "cleanup", _CLEANUP_HELP + " after failure",
           switches=("--cleanup-on-failure",), default=["NONE"], metavar="MODE",
           combine="replace", topic="run"),
    Option("local_tmp_dir", "path", "directory for temporary files (default: the system's"
           " temporary directory)", switches=("--local-tmp-dir",), metavar="DIR", topic="run"),
    Option("label", "str", "label for the job's name (default: the job script's name)",
           switches=("--label",), topic="run"),
    Option("owner", "str", "owner for the job's name (default: your user name)",
           switches=("--owner",), topic="run"),
    # -- local parallelism ------------------------------------------------------------
    Option("num_cores", "int", "how many tasks run at once (default: every core)",
           runners=frozenset({"local"}), switches=("--num-cores",), metavar="N",
           topic="local"),
)

_BY_NAME = {opt.name: opt for opt in OPTIONS}


def option(name: str) -> Option:
    """The option called *name*, or ``KeyError``."""
    return _BY_NAME[name]


def options_for_runner(alias: str) -> list[Option]:
    """Options that runner *alias* accepts, in table order."""
    return [opt for opt in OPTIONS if alias in opt.runners]

