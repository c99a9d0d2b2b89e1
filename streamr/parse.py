"""The URI helpers of ``mrjob.parse`` that jobs import, under the same names.

Thin faces over :mod:`streamr.fs`, which owns what a path or URI is: S3
URIs are split by :func:`streamr.fs.s3.parse_s3_uri` (imported only when
called, so importing this module loads no AWS code).
"""

from __future__ import annotations

import os
import urllib.parse
from urllib.request import pathname2url

from streamr.errors import AWSError

__all__ = ["is_s3_uri", "is_uri", "parse_s3_uri", "to_uri", "urlparse"]


def urlparse(urlstring: str, scheme: str = "", allow_fragments: bool = True, *args, **kwargs
             ) -> urllib.parse.ParseResult:
    """:func:`urllib.parse.urlparse`, splitting a ``#fragment`` off the path
    whatever the scheme."""
    parts = urllib.parse.urlparse(urlstring, scheme, allow_fragments, *args, **kwargs)
    if allow_fragments and "#" in parts.path and not parts.fragment:
        path, fragment = parts.path.split("#", 1)
        parts = parts._replace(path=path, fragment=fragment)
    return parts


def is_uri(uri: str) -> bool:
    """True when *uri* has a scheme and ``://`` (``s3://b/k``,
    ``file:///tmp/x``), not for plain paths."""
    return "://" in uri and bool(urlparse(uri).scheme)


def parse_s3_uri(uri: str) -> tuple:
    """``(bucket, key)`` of an ``s3://``, ``s3n://`` or ``s3a://`` URI;
    ``ValueError`` for anything else. The key leaves out any ``?query`` or
    ``#fragment``; ``s3://bucket/`` has the key ``""``, ``s3://bucket`` is
    not an S3 URI (no key at all)."""
    from streamr.fs.s3 import parse_s3_uri as split_s3_uri

    parts = urlparse(uri)
    if "/" not in parts.path:
        raise ValueError("Invalid S3 URI: %s" % uri)
    bare = "%s://%s%s" % (parts.scheme, parts.netloc, parts.path)
    try:
        _scheme, bucket, key = split_s3_uri(bare)
    except AWSError:
        raise ValueError("Invalid S3 URI: %s" % uri) from None
    return bucket, key


def is_s3_uri(uri: str) -> bool:
    """True when :func:`parse_s3_uri` can split *uri*."""
    try:
        parse_s3_uri(uri)
    except ValueError:
        return False
    return True


def to_uri(path_or_uri: str) -> str:
    """*path_or_uri* unchanged when it is a URI, else its absolute
    ``file:///`` URI."""
    if is_uri(path_or_uri):
        return path_or_uri
    return urllib.parse.urljoin("file:", pathname2url(os.path.abspath(path_or_uri)))
