"""Config files: finding and reading them, checking what they set, and
merging every source of a runner's options.

Unless paths are given (``--conf-path``, or none with ``--no-conf``), the
first that exists of ``$STREAMR_CONF``, ``~/.streamr.conf`` and
``/etc/streamr.conf`` is read; with none of them, an mrjob config file
(:mod:`streamr.mrjob_conf`). The format is YAML (JSON is accepted too)::

    include: base.conf          # or a list; relative to this file
    runners:
      local:
        num_cores: 4
        cmdenv: !clear          # forget what included files set
          TZ: UTC

Values combine as :mod:`streamr.options` says, lowest precedence first:
built-in defaults, included files, the file itself, the job class, the
command line.

Mistakes are reported in one line naming the file, line and column: YAML
syntax errors and values of the wrong type stop with :class:`UsageError`;
unknown keys and options a runner does not take are logged as warnings on
the ``streamr.conf`` logger and ignored.
"""

from __future__ import annotations

import copy
import difflib
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from streamr.errors import UsageError
from streamr.mrjob_conf import translate_runner_sections, use_mrjob_conf
from streamr.options import (
    ALL_RUNNERS,
    OPTIONS,
    Cleared,
    Option,
    OptionValueError,
    expand_path,
    options_for_runner,
)

__all__ = [
    "ConfFile",
    "Level",
    "MergedOptions",
    "Problem",
    "Setting",
    "Source",
    "check_conf_file",
    "default_conf_paths",
    "load_conf_files",
    "load_runner_options",
    "merge_runner_options",
    "read_conf_files",
    "runner_levels",
]

log = logging.getLogger("streamr.conf")

CONF_ENV_VAR = "STREAMR_CONF"
USER_CONF_PATH = "~/.streamr.conf"
SYSTEM_CONF_PATH = "/etc/streamr.conf"
TOP_LEVEL_KEYS = ("include", "runners")

_BY_NAME = {opt.name: opt for opt in OPTIONS}


# --- where values come from ---------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a value came from: a config file (and line), or ``"default"``,
    ``"job class"``, ``"command line"``."""

    name: str
    line: int | None = None

    def __str__(self) -> str:
        return "%s line %d" % (self.name, self.line) if self.line else self.name


DEFAULT = Source("default")


@dataclass
class Setting:
    """One option's value from one source. *value* is checked; it is a
    :class:`~streamr.options.Cleared` when tagged ``!clear``. *key_lines*
    gives the line of each key of a mapping value read from a file."""

    name: str
    value: Any
    source: Source
    key_lines: dict = field(default_factory=dict)


@dataclass
class Level:
    """What one source (a config file, the job class, the command line)
    sets for one runner."""

    name: str
    settings: list


@dataclass
class Problem:
    """A mistake found in a config file: ``"error"`` or ``"warning"``."""

    level: str
    message: str

    def __str__(self) -> str:
        return "%s: %s" % (self.level, self.message)


class _Report:
    """Where problems go: raised and logged (while running a job), or
    collected (``streamr conf check``)."""

    def __init__(self, collect: bool = False):
        self.collect = collect
        self.problems: list = []

    def warn(self, message: str) -> None:
        if self.collect:
            self.problems.append(Problem("warning", message))
        else:
            log.warning("%s", message)

    def fail(self, message: str) -> None:
        if self.collect:
            self.problems.append(Problem("error", message))
        else:
            raise UsageError(message)


def _where(path: str, mapping: Any, key: Any, value: bool = False) -> str:
    """``path line L column C`` of *key* (or of its value) in *mapping*."""
    marks = getattr(mapping, "marks", {}).get(key)
    if not marks:
        return path
    line, column = marks[2:] if value else marks[:2]
    return "%s line %d column %d" % (path, line, column)


def _line_of(mapping: Any, key: Any) -> int | None:
    marks = getattr(mapping, "marks", {}).get(key)
    return marks[0] if marks else None


def _describe(value: Any) -> str:
    if isinstance(value, Cleared):
        return "a !clear-tagged value"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _did_you_mean(word: Any, choices: Any) -> str:
    text = str(word)
    choices = sorted(choices)
    if text.replace("-", "_") in choices:
        return " (did you mean %r?)" % text.replace("-", "_")
    close = difflib.get_close_matches(text, choices, n=1, cutoff=0.6)
    return " (did you mean %r?)" % close[0] if close else ""


# --- reading files -------------------------------------------------------------------


@dataclass
class ConfFile:
    """One config file, read: its path and its top-level mapping."""

    path: str
    data: dict
    #: an mrjob config file, read because there was no streamr one
    from_mrjob: bool = False


def load_conf_files(paths: list, report: _Report | None = None) -> list:
    """The :class:`ConfFile` of each of *paths* and of the files they
    include, lowest precedence first: a file's includes come before it.
    A file is read once even when included twice; an include that would
    read a file already being read (a cycle) is reported and not followed."""
    report = report or _Report()
    loaded: list = []
    seen: set = set()
    for path in paths:
        missing = "config file %s does not exist; check the path" % path
        _load(path, [], missing, loaded, seen, report)
    return loaded


def _load(path: str, chain: list, missing: str, loaded: list, seen: set,
          report: _Report) -> None:
    real = os.path.realpath(path)
    if real in seen:
        log.debug("%s was read already; not reading it again", path)
        return
    # YAML's parser is imported only when there is a file to read: a run
    # without one (--no-conf, none found) starts sooner
    from streamr.conf_yaml import parse_conf_text, read_conf_text

    text = read_conf_text(path, missing, report)
    data = None if text is None else parse_conf_text(path, text, report)
    if data is None:
        return
    seen.add(real)
    for include, where in _includes(path, data, report):
        if os.path.realpath(include) in {os.path.realpath(p) for p in chain + [path]}:
            report.warn("%s: including %s makes a cycle (%s); not followed"
                        % (where, include, " -> ".join(chain + [path, include])))
            continue
        missing = ("%s: included file %s does not exist; fix the path (a relative path is"
                   " relative to the including file)" % (where, include))
        _load(include, chain + [path], missing, loaded, seen, report)
    loaded.append(ConfFile(path, data))


def _includes(path: str, data: dict, report: _Report) -> list:
    """``[(path of included file, where it is named)]`` from ``include:``."""
    value = data.get("include")
    if value is None:
        return []
    where = _where(path, data, "include", value=True)
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        report.fail("%s: include must be a path or a list of paths, not %s"
                    % (where, _describe(value)))
        return []
    base = os.path.dirname(path)
    return [(os.path.normpath(os.path.join(base, expand_path(item))), where)
            for item in items if item]


# --- checking what a file sets ------------------------------------------------------


def _known_runners() -> set:
    # names only: config checking never imports a runner
    from streamr.plugins import registered_runner_names

    return set(ALL_RUNNERS) | registered_runner_names()


def _check_top_level(conf: ConfFile, report: _Report) -> dict:
    """The ``runners:`` mapping of *conf* (empty if none), after warning
    about keys that are not ``include`` or ``runners`` and about runner
    names no runner has."""
    for key in conf.data:
        if key not in TOP_LEVEL_KEYS:
            report.warn("%s: unknown top-level key %r%s; only include: and runners: are read"
                        % (_where(conf.path, conf.data, key), key,
                           _did_you_mean(key, TOP_LEVEL_KEYS)))
    runners = conf.data.get("runners")
    if runners is None:
        return {}
    if not isinstance(runners, dict):
        report.fail("%s: runners must be a mapping of runner names to options, not %s"
                    % (_where(conf.path, conf.data, "runners", value=True), _describe(runners)))
        return {}
    unknown = [name for name in runners if name not in ALL_RUNNERS]
    known = _known_runners() if unknown else ALL_RUNNERS
    for name in unknown:
        if name not in known:
            report.warn("%s: unknown runner %r%s; its options are ignored"
                        % (_where(conf.path, runners, name), name, _did_you_mean(name, known)))
    return runners


def _runner_section(conf: ConfFile, runners: dict, alias: str, report: _Report) -> dict:
    section = runners.get(alias)
    if section is None:
        return {}
    if not isinstance(section, dict):
        report.fail("%s: runners: %s: must be a mapping of option names to values, not %s"
                    % (_where(conf.path, runners, alias, value=True), alias,
                       _describe(section)))
        return {}
    return section


def _check_section(conf: ConfFile, alias: str, section: dict, report: _Report) -> list:
    """:class:`Setting` objects for what *section* (``runners: alias:`` of
    *conf*) sets, warning about keys that are not options of *alias*."""
    settings = []
    for key, value in section.items():
        opt = _BY_NAME.get(key)
        where = _where(conf.path, section, key)
        if opt is None:
            report.warn("%s: unknown option %r%s; ignored"
                        % (where, key, _did_you_mean(key, _BY_NAME)))
            continue
        if alias not in opt.runners:
            report.warn("%s: the %s runner does not take %s; ignored (it belongs under %s)"
                        % (where, alias, key, " or ".join("runners: %s:" % name
                                                          for name in sorted(opt.runners))))
            continue
        try:
            checked = opt.check(value)
        except OptionValueError as exc:
            report.fail("%s: %s" % (_where(conf.path, section, key, value=True), exc))
            continue
        inner = value.value if isinstance(value, Cleared) else value
        key_lines = {k: line for k, (line, *_rest) in getattr(inner, "marks", {}).items()}
        settings.append(Setting(key, checked, Source(conf.path, _line_of(section, key)),
                                key_lines))
    return settings


def _runner_list(opt: Option) -> str:
    names = sorted(opt.runners)
    return "the %s runner%s" % (", ".join(names), "s" if len(names) > 1 else "")


def read_conf_files(conf_paths: list | None = None) -> list:
    """The :class:`ConfFile` of each config file to read, includes first.
    *conf_paths* ``None`` means the default file; ``[]`` means none. Raises
    :class:`UsageError` on syntax errors; logs warnings about top-level keys
    it ignores."""
    report = _Report()
    paths = resolve_conf_paths(conf_paths)
    from_mrjob = None if conf_paths is not None or paths else use_mrjob_conf()
    paths = [from_mrjob] if from_mrjob else paths
    files = load_conf_files(paths, report)
    for conf in files:
        if from_mrjob:
            translate_runner_sections(conf.path, conf.data)
            conf.from_mrjob = True
        _check_top_level(conf, report)
    return files


def runner_levels(files: list, alias: str) -> list:
    """A :class:`Level` for each of *files* (from :func:`read_conf_files`)
    with what it sets for runner *alias*. Raises :class:`UsageError` on bad
    values; logs warnings about keys it ignores."""
    report = _Report()
    levels = []
    for conf in files:
        runners = conf.data.get("runners")
        runners = runners if isinstance(runners, dict) else {}
        section = _runner_section(conf, runners, alias, report)
        levels.append(Level(conf.path, _check_section(conf, alias, section, report)))
    return levels


def load_runner_options(alias: str, conf_paths: list | None = None) -> list:
    """:func:`runner_levels` of the files :func:`read_conf_files` reads."""
    return runner_levels(read_conf_files(conf_paths), alias)


def check_conf_file(path: str) -> list:
    """Every :class:`Problem` in config file *path* and the files it
    includes, for every runner it sets options for (empty: all is well)."""
    report = _Report(collect=True)
    for conf in load_conf_files([path], report):
        runners = _check_top_level(conf, report)
        for alias in runners:
            if alias in ALL_RUNNERS:
                section = _runner_section(conf, runners, alias, report)
                _check_section(conf, alias, section, report)
    return report.problems


# --- finding files --------------------------------------------------------------------


def default_conf_paths() -> list:
    """The config file read when none is named: the first that exists of
    ``$STREAMR_CONF``, ``~/.streamr.conf``, ``/etc/streamr.conf``."""
    named = os.environ.get(CONF_ENV_VAR)
    if named:
        path = expand_path(named)
        if os.path.isfile(path):
            return [path]
        log.warning("$%s names %s, which is not a file; looking for %s and %s instead",
                    CONF_ENV_VAR, named, USER_CONF_PATH, SYSTEM_CONF_PATH)
    for path in (expand_path(USER_CONF_PATH), SYSTEM_CONF_PATH):
        if os.path.isfile(path):
            return [path]
    return []


def resolve_conf_paths(conf_paths: list | None) -> list:
    """*conf_paths* with ``~`` and ``$VARS`` expanded, or the default file
    when ``None``."""
    if conf_paths is None:
        return default_conf_paths()
    return [expand_path(path) for path in conf_paths if path]


# --- merging ------------------------------------------------------------------------


@dataclass
class MergedOptions:
    """A runner's effective options. *settings* keeps, for each option, the
    settings that count (after ``!clear``), default first."""

    alias: str
    values: dict
    settings: dict
    files: list

    def sources(self, name: str) -> list:
        """The :class:`Source` of each setting that shaped option *name*'s
        value: the winner for options that replace, every contributor for
        lists and mappings; ``[default]`` when nothing else set it."""
        chain = self.settings[name]
        fallback = _BY_NAME[name].fallback
        if fallback and all(s.value is None for s in chain[1:]):
            return self.sources(fallback)
        if _BY_NAME[name].combine == "replace":
            found = [s.source for s in chain[1:] if s.value is not None]
            return found[-1:] or [DEFAULT]
        return [s.source for s in chain[1:] if s.value not in (None, [], {})] or [DEFAULT]


def _python_level(name: str, given: dict, accepted: set, alias: str) -> Level:
    """A level for values given in Python (the job class, the command line)."""
    source = Source(name)
    settings = []
    for key, value in given.items():
        if value is None:
            continue
        opt = _BY_NAME.get(key)
        if opt is None:
            log.warning("%s: %s is not an option; ignored", name, key)
            continue
        if key not in accepted:
            if value not in ([], {}):
                shown = opt.switches[-1] if name == "command line" and opt.switches else key
                log.warning("%s: the %s runner does not take %s; ignored (it is for %s)",
                            name, alias, shown, _runner_list(opt))
            continue
        settings.append(Setting(key, opt.check(value, where=name), source))
    return Level(name, settings)


def merge_runner_options(alias: str, file_levels: list, job_options: dict | None = None,
                         cli_options: dict | None = None, accepted: list | None = None
                         ) -> MergedOptions:
    """Combine built-in defaults, *file_levels* (from
    :func:`load_runner_options`), the job class's values and the command
    line's into runner *alias*'s options. *accepted* is the options the
    runner takes (default: the table's for *alias*); values of others are
    ignored with a warning. A bad value from Python raises
    :class:`~streamr.options.OptionValueError`."""
    if accepted is None:
        accepted = options_for_runner(alias)
    names = {opt.name for opt in accepted}
    levels = list(file_levels)
    levels.append(_python_level("job class", job_options or {}, names, alias))
    levels.append(_python_level("command line", cli_options or {}, names, alias))
    by_name: dict = {opt.name: [] for opt in OPTIONS}
    for level in levels:
        for setting in level.settings:
            by_name[setting.name].append(setting)
    values, kept = {}, {}
    for opt in OPTIONS:
        chain = [Setting(opt.name, copy.deepcopy(opt.default), DEFAULT)]
        chain += _after_clear(by_name[opt.name])
        values[opt.name] = opt.combine_values([s.value for s in chain])
        kept[opt.name] = chain
    for opt in OPTIONS:
        if opt.fallback and values[opt.name] is None:
            values[opt.name] = values[opt.fallback]
    files = [level.name for level in file_levels]
    return MergedOptions(alias, values, kept, files)


def _after_clear(settings: list) -> list:
    """*settings* from the last ``!clear`` on, that one unwrapped."""
    for index in range(len(settings) - 1, -1, -1):
        setting = settings[index]
        if isinstance(setting.value, Cleared):
            unwrapped = Setting(setting.name, setting.value.value, setting.source,
                                setting.key_lines)
            return [unwrapped] + settings[index + 1:]
    return list(settings)
