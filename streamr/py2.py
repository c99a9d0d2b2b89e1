"""The names of ``mrjob.py2`` that jobs import, for Python 3 only.

mrjob kept one code base for Python 2 and 3 and gave jobs a few names that
meant the right thing on either. streamr runs on Python 3 alone, so each
name here is simply the Python 3 thing; the module exists so that a job
moving from mrjob keeps working after its imports change
(``from streamr.py2 import urlparse, to_unicode``). New code should use the
standard library directly.

Task side: standard library only. ``urlopen`` and ``pathname2url`` are
looked up on first use, so importing this module in every task does not load
:mod:`urllib.request` (and with it the HTTP and e-mail packages).
"""

from __future__ import annotations

from io import StringIO
from urllib.parse import ParseResult, urljoin, urlparse

# urlopen and pathname2url are offered too, through __getattr__ below
__all__ = ["PY2", "ParseResult", "StringIO", "integer_types", "string_types", "to_unicode",
           "urljoin", "urlparse", "xrange"]

#: always False: streamr runs on Python 3 only
PY2 = False

#: for ``isinstance(x, string_types)``
string_types = (str,)

#: for ``isinstance(x, integer_types)``
integer_types = (int,)

#: Python 3's ``range`` is what Python 2 called ``xrange``
xrange = range

# named here so linters see them used
_REEXPORTED = (ParseResult, StringIO, urljoin, urlparse)

_LAZY = {"urlopen", "pathname2url"}


def __getattr__(name: str):
    if name in _LAZY:
        import urllib.request

        return getattr(urllib.request, name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def to_unicode(s) -> str:
    """*s* as text: bytes decoded as UTF-8, or as Latin-1 when they are not
    UTF-8 (every byte string decodes as Latin-1); text as it is. Anything
    else is a ``TypeError``."""
    if isinstance(s, bytes):
        try:
            return s.decode("utf_8")
        except UnicodeDecodeError:
            return s.decode("latin_1")
    if isinstance(s, str):
        return s
    raise TypeError("to_unicode takes bytes or str, not %s" % type(s).__name__)
