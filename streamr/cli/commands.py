"""The ``streamr`` command: its top-level group and, in :data:`COMMANDS`,
the one list of its subcommands.

Each subcommand lives in the module of its concern (:mod:`~streamr.cli.run`,
:mod:`~streamr.cli.conf`, :mod:`~streamr.cli.cat`,
:mod:`~streamr.cli.clusters`) and knows nothing of the group; this module
adds them all here, so adding a subcommand is one line in :data:`COMMANDS`.
"""

from __future__ import annotations

import sys

import click

import streamr
from streamr.args import QUIET_SWITCH, VERBOSE_SWITCH
from streamr.cli.cat import cat
from streamr.cli.clusters import CLUSTER_COMMANDS
from streamr.cli.conf import conf
from streamr.cli.dashboard import dashboard
from streamr.cli.failure import StreamrGroup
from streamr.cli.run import run
from streamr.cli.runs import runs
from streamr.console import set_up_logging

__all__ = ["COMMANDS", "cli", "main"]


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time (so log records go
    where click's test runner, or the real terminal, expects them)."""

    def write(self, text: str) -> None:
        sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


@click.group("streamr", cls=StreamrGroup,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(streamr.__version__, "--version", prog_name="streamr",
                      message="%(prog)s %(version)s")
@click.option(*VERBOSE_SWITCH.flags, "verbose", is_flag=True, help=VERBOSE_SWITCH.help)
@click.option(*QUIET_SWITCH.flags, "quiet", is_flag=True, help=QUIET_SWITCH.help)
def cli(verbose: bool, quiet: bool) -> None:
    """Write MapReduce jobs once in Python; run them inline, on every core,
    or on Amazon EMR."""
    set_up_logging(quiet=quiet, verbose=verbose, stream=_CurrentStderr())


#: every subcommand of ``streamr``
COMMANDS = [run, conf, cat, *CLUSTER_COMMANDS, runs, dashboard]

for _command in COMMANDS:
    cli.add_command(_command)


def main(argv: list | None = None) -> None:
    """Entry point of the ``streamr`` console script."""
    cli.main(args=argv, prog_name="streamr")
