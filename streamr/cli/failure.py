"""How the ``streamr`` command ends on an error a user can fix.

Every subcommand runs inside :class:`StreamrGroup`, which turns any
:class:`~streamr.errors.StreamrError` into :class:`CommandFailed`: one line,
``streamr: error: ...``, and the exit status the error's class declares.
This is the one place the command reads an exit status; anything else that
escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from streamr.errors import StreamrError

__all__ = ["CommandFailed", "StreamrGroup"]


class CommandFailed(click.ClickException):
    """A :class:`~streamr.errors.StreamrError` as click shows and exits on it."""

    def __init__(self, error: StreamrError):
        super().__init__(str(error))
        self.error = error
        self.exit_code = error.exit_status

    def show(self, file: Any = None) -> None:
        click.echo("streamr: error: %s" % self.format_message(), file=file or sys.stderr)


class StreamrGroup(click.Group):
    """A group whose subcommands' user errors end as :class:`CommandFailed`."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StreamrError as exc:
            raise CommandFailed(exc) from None
