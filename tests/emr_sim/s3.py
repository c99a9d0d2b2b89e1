"""The simulator's own S3 access (fetching inputs, scripts and ``-files``;
writing outputs and logs): boto3 against the moto server, with requests
marked internal so they are neither recorded nor failed by injected faults
(:mod:`tests.emr_sim.faults`). ``s3n://`` and ``s3a://`` URIs are read as
``s3://``."""

from __future__ import annotations

import re
import threading
from typing import NamedTuple

from tests.emr_sim.faults import INTERNAL_HEADER

__all__ = ["S3Object", "SimS3", "glob_to_regex", "is_s3_uri", "split_uri"]

_SCHEMES = ("s3://", "s3n://", "s3a://")


class S3Object(NamedTuple):
    """A key and its size, with the ``s3://`` URI naming it."""

    bucket: str
    key: str
    size: int

    @property
    def uri(self) -> str:
        return "s3://%s/%s" % (self.bucket, self.key)


def is_s3_uri(uri: str) -> bool:
    return uri.startswith(_SCHEMES)


def split_uri(uri: str) -> tuple[str, str]:
    """``(bucket, key)`` of an S3 URI."""
    for scheme in _SCHEMES:
        if uri.startswith(scheme):
            bucket, _, key = uri[len(scheme):].partition("/")
            return bucket, key
    raise ValueError("not an S3 URI: %r" % uri)


def glob_to_regex(pattern: str) -> re.Pattern:
    """A Hadoop path glob as a regex over keys: ``*`` and ``?`` stay within
    one path segment, ``[...]`` is a character class, ``{a,b}`` picks one."""
    out = []
    i = 0
    depth = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1:end]
                if body[:1] in ("^", "!"):
                    out.append("[^/%s]" % body[1:])
                else:
                    out.append("[%s]" % body)
                i = end
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        elif char == "," and depth:
            out.append("|")
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


class SimS3:
    """Reading and writing S3 through the moto server at *endpoint*.

    The streaming emulation (:mod:`tests.emr_sim.streaming`) reads and
    writes through this interface only; :meth:`canonical`, :meth:`split`
    and :meth:`make_uri` let another store (the Hadoop stand-in's HDFS)
    take its place."""

    #: what Hadoop's "File System Counters" call this filesystem
    counter_name = "S3"

    def canonical(self, uri: str) -> str | None:
        """*uri* as Hadoop names it (``s3n://``, ``s3a://`` read as
        ``s3://``); None for a path this store does not hold."""
        return "s3://" + uri.split("://", 1)[1] if is_s3_uri(uri) else None

    def split(self, uri: str) -> tuple[str, str]:
        """``(bucket, key)`` of *uri*."""
        return split_uri(uri)

    def make_uri(self, bucket: str, key: str) -> str:
        return "s3://%s/%s" % (bucket, key)

    def __init__(self, endpoint: str, region: str = "us-west-2"):
        import boto3
        from botocore.config import Config

        session = boto3.session.Session(aws_access_key_id="testing",
                                        aws_secret_access_key="testing",
                                        region_name=region)
        self._client = session.client(
            "s3", endpoint_url=endpoint,
            config=Config(retries={"max_attempts": 5, "mode": "standard"},
                          max_pool_connections=32))
        self._client.meta.events.register("before-sign.s3.*", _mark_internal)
        self._lock = threading.Lock()

    def get(self, uri: str) -> bytes:
        bucket, key = split_uri(uri)
        return self._client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def put(self, uri: str, data: bytes) -> None:
        bucket, key = split_uri(uri)
        self._client.put_object(Bucket=bucket, Key=key, Body=data)

    def download(self, uri: str, path: str) -> None:
        with open(path, "wb") as out:
            out.write(self.get(uri))

    def size(self, uri: str) -> int | None:
        """The object's size, or None when there is no such key."""
        from botocore.exceptions import ClientError

        bucket, key = split_uri(uri)
        if not key:
            return None
        try:
            return self._client.head_object(Bucket=bucket, Key=key)["ContentLength"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def bucket_exists(self, bucket: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.head_bucket(Bucket=bucket)
        except ClientError:
            return False
        return True

    def list(self, uri: str) -> list[S3Object]:
        """Every object whose key starts with the key of *uri* (no bucket:
        an empty list)."""
        from botocore.exceptions import ClientError

        bucket, prefix = split_uri(uri)
        found = []
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", ()):
                    found.append(S3Object(bucket, item["Key"], item["Size"]))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NoSuchBucket":
                return []
            raise
        return found

    def glob(self, uri: str) -> list[str]:
        """URIs of the files and directories a glob matches, sorted."""
        bucket, pattern = split_uri(uri)
        literal = re.split(r"[*?\[{]", pattern, maxsplit=1)[0]
        regex = glob_to_regex(pattern.rstrip("/"))
        matched = set()
        for obj in self.list("s3://%s/%s" % (bucket, literal)):
            parts = obj.key.split("/")
            for depth in range(1, len(parts) + 1):
                candidate = "/".join(parts[:depth])
                if regex.match(candidate):
                    matched.add(candidate)
        return ["s3://%s/%s" % (bucket, key) for key in sorted(matched)]


def _mark_internal(request, **_kwargs) -> None:
    request.headers[INTERNAL_HEADER] = "1"
