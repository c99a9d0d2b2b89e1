"""Which run history a ``streamr`` command reads: the switches that name it
(the same ones a job takes) and opening the one the config files and
switches name. ``streamr runs`` and ``streamr dashboard`` share them."""

from __future__ import annotations

import click

from streamr.cli.switches import (
    conf_paths_from,
    conf_switches,
    table_option_values,
    table_options,
)
from streamr.errors import UsageError
from streamr.options import OPTIONS

__all__ = ["CONF_RUNNERS", "STORE_OPTIONS", "history_store_switches", "open_named_history"]

#: the options that say where the history is and how to reach it
STORE_OPTIONS = [opt for opt in OPTIONS
                 if opt.name in ("history_db", "history_uri", "history_lost_after")
                 or opt.topic == "aws" and "local" in opt.runners]

#: runner sections of the config files looked at for the history's place, in order
CONF_RUNNERS = ("local", "inline", "emr")


def open_named_history(ctx: click.Context, kwargs: dict, conf_paths: tuple, no_conf: bool):
    """The history the config files and switches name: the first runner
    section of :data:`CONF_RUNNERS` that names one (``history_db`` or
    ``history_uri``), else the default. A bad value is one
    :class:`~streamr.errors.UsageError`."""
    from streamr.conf import load_runner_options, merge_runner_options
    from streamr.errors import OptionValueError
    from streamr.history.reading import open_history
    from streamr.options import options_for_runner

    given = dict((ctx.obj or {}).get("store") or {})
    given.update(table_option_values(ctx, kwargs))
    paths = conf_paths_from(conf_paths, no_conf)
    if paths is None and (ctx.obj or {}).get("conf") is not None:
        paths = ctx.obj["conf"]
    chosen = None
    for alias in CONF_RUNNERS:
        try:
            values = merge_runner_options(alias, load_runner_options(alias, paths), {}, given,
                                          accepted=options_for_runner(alias)).values
        except OptionValueError as exc:
            raise UsageError(str(exc)) from None
        chosen = chosen or values
        if values.get("history_uri") or values.get("history_db"):
            chosen = values
            break
    return open_history(history_db=chosen.get("history_db"),
                        history_uri=chosen.get("history_uri"),
                        lost_after=chosen.get("history_lost_after"), aws_options=chosen)


def history_store_switches(command):
    """Give *command* the switches naming the history (the store options
    of the option table, ``-c``/``--conf-path`` and ``--no-conf``)."""
    return conf_switches(table_options(STORE_OPTIONS)(command))
