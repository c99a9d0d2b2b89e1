"""What the ``aws`` and ``hadoop`` stand-ins share: S3 through boto3 (the
moto server, found through ``AWS_ENDPOINT_URL``), local paths, and the
call log. Run on simulated EMR nodes; never imported by tests."""

from __future__ import annotations

import os
import sys

SCHEMES = ("s3://", "s3n://", "s3a://")


class NotFound(Exception):
    """No such key, prefix or local file."""


def log_call(argv: list[str]) -> None:
    path = os.environ.get("STREAMR_SIM_CALL_LOG")
    name = os.environ.get("STREAMR_SIM_STANDIN") or os.path.basename(sys.argv[0])
    if path:
        with open(path, "a") as out:
            out.write(" ".join([name, *argv]) + "\n")


def is_s3(uri: str) -> bool:
    return uri.startswith(SCHEMES)


def split(uri: str) -> tuple[str, str]:
    for scheme in SCHEMES:
        if uri.startswith(scheme):
            bucket, _, key = uri[len(scheme):].partition("/")
            return bucket, key
    raise ValueError(uri)


def local_path(path: str) -> str:
    return path[len("file://"):] if path.startswith("file://") else path


_CLIENT = None


def client():
    global _CLIENT
    if _CLIENT is None:
        import boto3

        _CLIENT = boto3.client("s3")
    return _CLIENT


def listing(uri: str) -> list[tuple[str, int, object]]:
    """``(key, size, last modified)`` of every object under *uri*'s key."""
    bucket, prefix = split(uri)
    found = []
    for page in client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", ()):
            found.append((item["Key"], item["Size"], item["LastModified"]))
    return found


def children(uri: str) -> tuple[list[tuple[str, int, object]], list[str]]:
    """What ``ls`` shows for *uri*: the object itself if it is one, else the
    files and the subdirectory names right under it."""
    bucket, key = split(uri)
    everything = listing(uri)
    exact = [item for item in everything if item[0] == key]
    if exact and key and not key.endswith("/"):
        return exact, []
    base = key if not key or key.endswith("/") else key + "/"
    files, dirs = [], []
    for name, size, modified in everything:
        if not name.startswith(base):
            continue
        rest = name[len(base):]
        if "/" in rest:
            sub = base + rest.split("/", 1)[0] + "/"
            if sub not in dirs:
                dirs.append(sub)
        elif rest:
            files.append((name, size, modified))
    if not files and not dirs:
        raise NotFound(uri)
    return files, dirs


def read(uri: str) -> bytes:
    from botocore.exceptions import ClientError

    bucket, key = split(uri)
    try:
        return client().get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            raise NotFound(uri) from None
        raise


def write(uri: str, data: bytes) -> None:
    bucket, key = split(uri)
    client().put_object(Bucket=bucket, Key=key, Body=data)


def delete(uri: str) -> None:
    bucket, key = split(uri)
    client().delete_object(Bucket=bucket, Key=key)


def download(uri: str, dest: str) -> str:
    """Copy one object to local *dest* (into it, when it is a directory)."""
    data = read(uri)
    dest = local_path(dest)
    if os.path.isdir(dest) or dest.endswith("/"):
        os.makedirs(dest, exist_ok=True)
        dest = os.path.join(dest, split(uri)[1].rstrip("/").rsplit("/", 1)[-1])
    with open(dest, "wb") as out:
        out.write(data)
    return dest


def upload(path: str, dest_uri: str) -> str:
    """Copy local file *path* to *dest_uri* (under it, when it ends with /)."""
    path = local_path(path)
    if not os.path.isfile(path):
        raise NotFound(path)
    if dest_uri.endswith("/"):
        dest_uri += os.path.basename(path)
    with open(path, "rb") as data:
        write(dest_uri, data.read())
    return dest_uri
