"""The job's command line: the argument parser every job starts from.

It holds the job-level switches (``-r``, ``-o``, task mode, logging), one
switch per runner option from :mod:`streamr.options`, and whatever the job
adds in ``configure_args()``. It also turns parsed pass-through and file
options back into arguments for tasks.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable

__all__ = ["JobArgumentParser", "add_job_switches", "args_for_task", "parse_name_value"]


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
    job.add_argument("-c", "--conf-path", dest="conf_paths", action="append", metavar="PATH",
                     help="read this config file instead of the default ones (repeatable)")
    job.add_argument("--no-conf", dest="conf_paths", action="store_const", const=[],
                     help="read no config file")
    job.add_argument("-v", "--verbose", dest="verbose", action="store_true", default=False,
                     help="log debug messages")
    job.add_argument("-q", "--quiet", dest="quiet", action="store_true", default=False,
                     help="log nothing but errors")

    task = parser.add_argument_group("task mode (how runners call the job)")
    task.add_argument("--step-num", dest="step_num", type=int, default=0, metavar="N",
                      help="which step to run (0-based)")
    task.add_argument("--mapper", dest="run_mapper", action="store_true", default=False,
                      help="run the mapper of step N on stdin")
    task.add_argument("--combiner", dest="run_combiner", action="store_true", default=False,
                      help="run the combiner of step N on stdin")
    task.add_argument("--reducer", dest="run_reducer", action="store_true", default=False,
                      help="run the reducer of step N on stdin")

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
    elif opt.kind in ("dict", "env"):
        group.add_argument(*opt.switches, action="append", type=parse_name_value,
                           metavar=opt.metavar or "NAME=VALUE", **common)
    elif opt.kind == "path_list":
        group.add_argument(*opt.switches, action="append", type=_split_commas,
                           metavar=opt.metavar or "PATH", **common)
    elif opt.kind in ("list", "cleanup"):
        group.add_argument(*opt.switches, action="append", metavar=opt.metavar or "VALUE",
                           **common)
    else:
        group.add_argument(*opt.switches, metavar=opt.metavar or opt.kind.upper(), **common)


def normalize_option_values(namespace: argparse.Namespace, options: tuple) -> None:
    """Turn what argparse collected for runner options into option values:
    ``-D a=1 -D b=2`` into a dict, comma-split path lists into one list."""
    for opt in options:
        value = getattr(namespace, opt.name, None)
        if value is None:
            continue
        if opt.kind in ("dict", "env"):
            setattr(namespace, opt.name, dict(value))
        elif opt.kind == "path_list":
            setattr(namespace, opt.name, [path for group in value for path in group])


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
