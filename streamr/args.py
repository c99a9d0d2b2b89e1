"""The job's command line: the argument parser every job starts from.

It holds the job-level switches (``-r``, ``-o``, task mode, logging), one
switch per runner option from :mod:`streamr.options`, and whatever the job
adds in ``configure_args()``. It also turns parsed pass-through and file
options back into arguments for tasks.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from typing import Any, Callable, NamedTuple

__all__ = [
    "CONF_PATH_SWITCH",
    "NO_CONF_SWITCH",
    "QUIET_SWITCH",
    "VERBOSE_SWITCH",
    "JobArgumentParser",
    "Switch",
    "add_job_switches",
    "args_for_task",
    "parse_name_value",
    "switch_parser",
    "switch_repeats",
    "switch_value",
]


class Switch(NamedTuple):
    """A switch that a job's command line and the ``streamr`` command both
    have: its spellings, help and metavar, declared once so the two cannot
    drift apart. (Each parser decides where the value goes.)"""

    flags: tuple
    help: str
    metavar: str | None = None


CONF_PATH_SWITCH = Switch(("-c", "--conf-path"),
                          "read this config file instead of the default one (repeatable)",
                          "PATH")
NO_CONF_SWITCH = Switch(("--no-conf",), "read no config file")
VERBOSE_SWITCH = Switch(("-v", "--verbose"), "log debug messages")
QUIET_SWITCH = Switch(("-q", "--quiet"), "log nothing but errors")


class JobArgumentParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose errors are one line on
    stderr and exit status 2 (instead of the usage block)."""

    def error(self, message: str):  # type: ignore[override]
        sys.stderr.write("%s: error: %s (try --help)\n" % (self.prog, message))
        sys.exit(2)


def parse_name_value(text: str) -> tuple:
    """``NAME=VALUE`` as a pair; used by ``-D`` and ``--cmdenv``."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected NAME=VALUE, got %r" % text)
    return name, value


def _split_commas(text: str) -> list:
    return [part for part in text.split(",") if part]


def add_job_switches(parser: argparse.ArgumentParser, options: tuple) -> None:
    """Add the switches every job has: input paths, runner choice, output,
    config files, logging, task mode, and one switch per runner option."""
    parser.add_argument("args", nargs="*", metavar="INPUT",
                        help="input paths: files, directories, globs, - for stdin")

    job = parser.add_argument_group("running the job")
    job.add_argument("-r", "--runner", dest="runner", metavar="RUNNER",
                     help="where to run: inline (default), local, emr, or a plug-in runner")
    job.add_argument("-o", "--output-dir", dest="output_dir", metavar="DIR",
                     help="write output part files here (local path or URI)")
    job.add_argument("--cat-output", dest="cat_output", action="store_true", default=None,
                     help="print the output to stdout (default unless -o is given)")
    job.add_argument("--no-cat-output", dest="cat_output", action="store_false",
                     help="do not print the output to stdout")
    job.add_argument("--no-output", dest="cat_output", action="store_false",
                     help=argparse.SUPPRESS)
    job.add_argument(*CONF_PATH_SWITCH.flags, dest="conf_paths", action="append",
                     metavar=CONF_PATH_SWITCH.metavar, help=CONF_PATH_SWITCH.help)
    # --no-conf is an empty list of config files (a later -c adds to it)
    job.add_argument(*NO_CONF_SWITCH.flags, dest="conf_paths", action="store_const", const=[],
                     help=NO_CONF_SWITCH.help)
    job.add_argument(*VERBOSE_SWITCH.flags, dest="verbose", action="store_true", default=False,
                     help=VERBOSE_SWITCH.help)
    job.add_argument(*QUIET_SWITCH.flags, dest="quiet", action="store_true", default=False,
                     help=QUIET_SWITCH.help)

    task = parser.add_argument_group("task mode (how runners call the job)")
    task.add_argument("--step-num", dest="step_num", type=int, default=0, metavar="N",
                      help="which step to run (0-based)")
    task.add_argument("--mapper", dest="run_mapper", action="store_true", default=False,
                      help="run the mapper of step N on stdin")
    task.add_argument("--combiner", dest="run_combiner", action="store_true", default=False,
                      help="run the combiner of step N on stdin")
    task.add_argument("--reducer", dest="run_reducer", action="store_true", default=False,
                      help="run the reducer of step N on stdin")
    task.add_argument("--spark", dest="run_spark", action="store_true", default=False,
                      help="run the Spark code of step N on INPUT, writing OUTPUT"
                           " (under spark-submit)")

    task.add_argument("--local-task", dest="local_task", metavar="SPEC", help=argparse.SUPPRESS)

    runner = parser.add_argument_group("runner options (also settable in config files)")
    for opt in options:
        _add_option_switch(runner, opt)


def _add_option_switch(group: Any, opt: Any) -> None:
    if not opt.switches:
        return
    common: dict = {"dest": opt.name, "help": opt.help, "default": None}
    if opt.kind == "bool":
        group.add_argument(*opt.switches, action="store_true", **common)
        if opt.false_switch:
            group.add_argument(opt.false_switch, dest=opt.name, action="store_false",
                               default=None, help="do not: " + opt.help)
        return
    kwargs = dict(common, metavar=switch_metavar(opt))
    parse = switch_parser(opt)
    if parse is not None:
        kwargs["type"] = parse
    if switch_repeats(opt):
        kwargs["action"] = "append"
    group.add_argument(*opt.switches, **kwargs)


def parse_name_json(text: str) -> tuple:
    """``NAME=VALUE`` as a pair, VALUE read as JSON when it is JSON (else
    kept as a string); used by ``--extra-cluster-param``."""
    name, value = parse_name_value(text)
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def parse_json_mappings(text: str) -> list:
    """A JSON object or list of objects, as a list; used by switches of
    options that take structures (``--emr-configuration``)."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected JSON, got %r (%s)" % (text, exc)) from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise argparse.ArgumentTypeError("expected a JSON object or a list of objects,"
                                         " got %r" % text)
    return value


# what turns one occurrence of a switch's text into a piece of the value
_SWITCH_PARSERS: dict = {
    "dict": parse_name_value,
    "env": parse_name_value,
    "json_dict": parse_name_json,
    "path_list": _split_commas,
    "json_list": parse_json_mappings,
    "args": shlex.split,
}
# kinds whose switch may be given several times, each adding to the value
_REPEATED_KINDS = frozenset({"dict", "env", "json_dict", "list", "args", "path_list",
                             "json_list", "cleanup"})


def switch_parser(opt: Any) -> Callable[[str], Any] | None:
    """The function that reads one occurrence of *opt*'s switch (``None``:
    the text as it is; the option's check converts it)."""
    return _SWITCH_PARSERS.get(opt.kind)


def switch_repeats(opt: Any) -> bool:
    """True when *opt*'s switch may be repeated, each time adding to the value."""
    return opt.kind in _REPEATED_KINDS


def switch_metavar(opt: Any) -> str:
    if opt.metavar:
        return opt.metavar
    if opt.kind in ("dict", "env", "json_dict"):
        return "NAME=VALUE"
    if opt.kind == "path_list":
        return "PATH"
    if opt.kind in ("list", "cleanup"):
        return "VALUE"
    return opt.kind.upper()


def switch_value(opt: Any, collected: Any) -> Any:
    """The option value for what *opt*'s switch collected: pairs from
    ``-D a=1 -D b=2`` as a dict, comma-split or JSON lists as one list."""
    if collected is None:
        return None
    if opt.kind in ("dict", "env", "json_dict"):
        return dict(collected)
    if opt.kind in ("path_list", "json_list", "args"):
        return [item for group in collected for item in group]
    if switch_repeats(opt):
        return list(collected)
    return collected


def normalize_option_values(namespace: argparse.Namespace, options: tuple) -> None:
    """Turn what argparse collected for runner options into option values:
    ``-D a=1 -D b=2`` into a dict, comma-split path lists into one list."""
    for opt in options:
        value = getattr(namespace, opt.name, None)
        if value is not None:
            setattr(namespace, opt.name, switch_value(opt, value))


def _switch_of(action: argparse.Action) -> str:
    longs = [s for s in action.option_strings if s.startswith("--")]
    return (longs or action.option_strings)[0]


def args_for_task(parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                  dests: set, rename_file: Callable[[str], str] | None = None,
                  file_dests: frozenset = frozenset()) -> list:
    """Arguments that reproduce the values of the options in *dests* (and
    *file_dests*, whose local paths are replaced by ``rename_file(path)``)."""
    args: list = []
    for action in parser._actions:
        dest = action.dest
        if dest not in dests and dest not in file_dests or not action.option_strings:
            continue
        value = getattr(namespace, dest, None)
        if value == action.default:
            continue
        if dest in file_dests and rename_file is not None and value is not None:
            value = ([rename_file(v) for v in value] if isinstance(value, list)
                     else rename_file(value))
        args.extend(_args_for_action(action, value))
    return args


def _args_for_action(action: argparse.Action, value: Any) -> list:
    switch = _switch_of(action)
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction,
                           argparse._StoreConstAction)):
        return [switch] if value == action.const else []
    if isinstance(action, argparse._CountAction):
        return [switch] * int(value or 0)
    if isinstance(action, (argparse._AppendAction, argparse._ExtendAction)):
        result: list = []
        for item in value or []:
            result.extend(_store_args(switch, item))
        return result
    if value is None:
        return []
    return _store_args(switch, value)


def _store_args(switch: str, value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return [switch] + [str(v) for v in value]
    if switch.startswith("--"):
        return ["%s=%s" % (switch, value)]
    return [switch, str(value)]


def expand_local_path(path: str) -> str:
    return os.path.expanduser(os.path.expandvars(path))
