"""Click switches for the ``streamr`` subcommands, built from declarations
the job's own command line uses too.

:func:`table_options` gives a command one switch per runner option of the
option table (:mod:`streamr.options`), parsed as the job's argument parser
parses it (:mod:`streamr.args`), so a subcommand's help is the table's
help. :func:`conf_switches` adds ``-c``/``--conf-path`` and ``--no-conf``
as :mod:`streamr.args` declares them for jobs.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable

import click

from streamr.args import (
    CONF_PATH_SWITCH,
    NO_CONF_SWITCH,
    switch_metavar,
    switch_parser,
    switch_repeats,
    switch_value,
)
from streamr.options import OPTIONS, Option, option

__all__ = [
    "RUNNER_ORDER",
    "conf_paths_from",
    "conf_switches",
    "table_option_values",
    "table_options",
]

#: built-in runners in the order ``conf show`` prints them
RUNNER_ORDER = ("inline", "local", "emr")


class _SwitchText(click.ParamType):
    """One occurrence of a runner option's switch, read as the job's
    argument parser reads it."""

    def __init__(self, opt: Option):
        self.opt = opt
        self.name = opt.kind

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        parse = switch_parser(self.opt)
        if parse is None or not isinstance(value, str):
            return value
        try:
            return parse(value)
        except (argparse.ArgumentTypeError, ValueError) as exc:
            self.fail(str(exc), param, ctx)


def _click_option(opt: Option) -> click.Option:
    if opt.kind == "bool":
        first = opt.switches[0]
        if opt.false_switch:
            first = "%s/%s" % (first, opt.false_switch)
        return click.Option([first, *opt.switches[1:], opt.name], is_flag=True, default=None,
                            help=opt.help)
    return click.Option([*opt.switches, opt.name], type=_SwitchText(opt), default=None,
                        multiple=switch_repeats(opt), metavar=switch_metavar(opt),
                        help=opt.help)


def table_options(options: list) -> Callable:
    """Decorator that gives a click command a switch for each of *options*
    (:class:`~streamr.options.Option` objects or names) that has one, with
    the table's switches and help. Read the values with
    :func:`table_option_values`."""
    opts = [option(o) if isinstance(o, str) else o for o in options]

    def decorate(command: Callable) -> Callable:
        new = [_click_option(opt) for opt in opts if opt.switches]
        if isinstance(command, click.Command):  # applied above @click.command()
            command.params.extend(new)
            return command
        # click reverses the parameters gathered on a function
        params = getattr(command, "__click_params__", [])
        params.extend(reversed(new))
        command.__click_params__ = params  # type: ignore[attr-defined]
        return command

    return decorate


def table_option_values(ctx: click.Context, kwargs: dict) -> dict:
    """Option values given on the command line for switches added by
    :func:`table_options` (removed from *kwargs*), as the job's parser gives
    them."""
    values = {}
    for opt in OPTIONS:
        if opt.name not in kwargs:
            continue
        collected = kwargs.pop(opt.name)
        if ctx.get_parameter_source(opt.name) != click.core.ParameterSource.COMMANDLINE:
            continue
        values[opt.name] = switch_value(opt, collected)
    return values


def conf_switches(command: Callable) -> Callable:
    """Decorator adding ``-c``/``--conf-path`` (parameter ``conf_paths``)
    and ``--no-conf`` (``no_conf``); :func:`conf_paths_from` reads them."""
    # applied in reverse, so that -c comes first in the help
    command = click.option(*NO_CONF_SWITCH.flags, "no_conf", is_flag=True,
                           help=NO_CONF_SWITCH.help)(command)
    return click.option(*CONF_PATH_SWITCH.flags, "conf_paths", multiple=True,
                        metavar=CONF_PATH_SWITCH.metavar, help=CONF_PATH_SWITCH.help)(command)


def conf_paths_from(conf_paths: tuple, no_conf: bool) -> list | None:
    """The config files to read: none with ``--no-conf``, those given with
    ``-c``, or ``None`` for the default one."""
    if no_conf:
        return []
    return list(conf_paths) if conf_paths else None
