"""Date aliases in input paths, so a nightly job's command line never changes.

``$[days_ago:N]``
    the one date N days before today (0 is today, 1 yesterday).
``$[last_days:N]``
    the N days before today, oldest first: yesterday and the N-1 days
    before it (today, which is not over yet, is left out).
``$[last_days_from:YYYY-MM-DD:N]``
    the N days ending with the given date, oldest first.

Each date is written with the ``date_format`` option (default
``%Y-%m-%d``). A path holding aliases becomes one path per date (per
combination of dates, when there are several aliases); the rest of the
path, globs included, is kept. ``--as-of YYYY-MM-DD`` says which day
"today" is, to rerun a night that failed.
"""

from __future__ import annotations

import datetime
import itertools
import re
from typing import NamedTuple

from streamr.errors import UsageError

__all__ = ["DEFAULT_DATE_FORMAT", "DatedPath", "expand_date_aliases", "has_date_alias",
           "parse_as_of"]

#: how dates are written unless the ``date_format`` option says otherwise
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
#: longest run of days one alias may stand for (about ten years)
MAX_DAYS = 3660

_ALIAS = re.compile(r"\$\[([^\]]*)\]")
_FORMS = "$[days_ago:N], $[last_days:N] or $[last_days_from:YYYY-MM-DD:N]"


class DatedPath(NamedTuple):
    """One path an aliased path became, and the dates written into it."""

    path: str
    dates: tuple


def has_date_alias(path: str) -> bool:
    return bool(_ALIAS.search(path))


def parse_as_of(value: str | None) -> datetime.date:
    """The day *value* (``YYYY-MM-DD``) names, or today when it is empty."""
    if not value:
        return datetime.date.today()
    try:
        return datetime.datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise UsageError("--as-of takes a date as YYYY-MM-DD, not %r" % value) from None


def _count(text: str, path: str) -> int:
    if not text.strip().isdigit():
        raise UsageError("%s: the number of days in a date alias must be a whole number,"
                         " not %r" % (path, text))
    count = int(text)
    if count > MAX_DAYS:
        raise UsageError("%s: a date alias may cover at most %d days, not %d"
                         % (path, MAX_DAYS, count))
    return count


def _dates_for(alias: str, today: datetime.date, path: str) -> list:
    name, _, rest = alias.partition(":")
    name = name.strip()
    day = datetime.timedelta(days=1)
    if name == "days_ago":
        return [today - _count(rest, path) * day]
    if name == "last_days":
        count = _count(rest, path)
        if count < 1:
            raise UsageError("%s: $[last_days:N] needs N of at least 1" % path)
        return [today - n * day for n in range(count, 0, -1)]
    if name == "last_days_from":
        start, _, number = rest.partition(":")
        try:
            end = datetime.datetime.strptime(start.strip(), "%Y-%m-%d").date()
        except ValueError:
            raise UsageError("%s: $[last_days_from:DATE:N] takes DATE as YYYY-MM-DD, not %r"
                             % (path, start)) from None
        count = _count(number, path)
        if count < 1:
            raise UsageError("%s: $[last_days_from:DATE:N] needs N of at least 1" % path)
        return [end - n * day for n in range(count - 1, -1, -1)]
    raise UsageError("%s: unknown date alias $[%s]; use %s" % (path, alias, _FORMS))


def expand_date_aliases(path: str, today: datetime.date,
                        date_format: str = DEFAULT_DATE_FORMAT) -> list:
    """*path* as :class:`DatedPath` items, one per date (or combination of
    dates); a path without aliases gives itself with no dates."""
    aliases = _ALIAS.findall(path)
    if not aliases:
        return [DatedPath(path, ())]
    pieces = _ALIAS.split(path)  # text, alias, text, alias, ..., text
    choices = [_dates_for(alias, today, path) for alias in aliases]
    result = []
    for dates in itertools.product(*choices):
        text = pieces[0]
        for num, date in enumerate(dates):
            text += date.strftime(date_format) + pieces[2 * num + 2]
        result.append(DatedPath(text, tuple(dates)))
    return result
