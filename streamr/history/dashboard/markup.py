"""Escaping and templates for the dashboard's pages.

A value from a record (a job name, a cause, a command line) is text that
anyone who could start a job chose, so it must never reach a page as markup.
Templates here are :class:`string.Template` strings, and :func:`fill`
escapes every value put into one unless it is already :class:`Html` (markup
built by this package from escaped parts). Escaping is therefore the
default, and only markup built here can skip it.
"""

from __future__ import annotations

import html
import string
import time

__all__ = ["Html", "escape", "fill", "how_long", "join", "size", "when"]


class Html(str):
    """Text that is already markup: :func:`fill` puts it in as it is."""


def escape(value: object) -> Html:
    """*value* as text safe anywhere in a page: in an element or in a
    quoted attribute (``None`` as an empty string)."""
    if isinstance(value, Html):
        return value
    return Html(html.escape("" if value is None else str(value), quote=True))


def fill(template: str, **values: object) -> Html:
    """*template* (``$name`` placeholders) with each value escaped,
    except :class:`Html` values."""
    return Html(string.Template(template).substitute(
        {name: escape(value) for name, value in values.items()}))


def join(parts, separator: str = "") -> Html:
    """Pieces of markup (each escaped unless :class:`Html`) as one."""
    return Html(escape(separator).join(escape(part) for part in parts))


def when(seconds: float | None) -> str:
    """A unix time as local date and time to the second, ``-`` for none."""
    if seconds is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def how_long(seconds: float | None) -> str:
    """A duration the way people say it: ``4s``, ``3m05s``, ``2h07m``."""
    if seconds is None:
        return "-"
    whole = int(round(seconds))
    if whole < 60:
        return "%ds" % whole
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return "%dm%02ds" % (minutes, secs)
    hours, minutes = divmod(minutes, 60)
    return "%dh%02dm" % (hours, minutes)


def size(count: int | None) -> str:
    """A number of bytes with a binary unit: ``812 B``, ``1.5 MiB``."""
    if count is None:
        return "-"
    if count < 1024:
        return "%d B" % count
    amount = count / 1024
    for unit in ("KiB", "MiB", "GiB"):
        if amount < 1024:
            return "%.1f %s" % (amount, unit)
        amount /= 1024
    return "%.1f TiB" % amount
