"""Locks on pooled clusters: S3 objects written with conditional requests.

A job that has chosen a pooled cluster holds its lock until the job's
first step is running there; no other job joins the cluster meanwhile, and
``streamr terminate-idle-clusters`` leaves it alone.

A lock is the object ``<lock dir><cluster id>``. Taking it is one
``PutObject`` with ``If-None-Match: *``, which S3 lets only one writer win:
every other gets ``412 Precondition Failed`` (or ``409`` when the writes
overlap). The body names the holder and how many seconds the lock lasts;
the lock expires that long after the object's ``LastModified``, with "now"
read from the ``Date`` S3 answers with, so the clocks of the machines
involved do not matter. An expired lock is taken over with
``If-Match: <its ETag>``, so of several jobs that find it expired only one
gets it. Releasing is a ``DeleteObject`` with ``If-Match`` on the holder's
own ETag: a lock that expired and was taken over is not deleted by its old
holder. A job that dies holding a lock blocks the cluster for at most the
lock's lifetime.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from streamr.aws import aws_errors
from streamr.fs.s3 import parse_s3_uri

__all__ = ["ClusterLock", "LockInfo", "lock_uri", "read_lock"]

log = logging.getLogger(__name__)

#: answers that mean another writer got there first
_LOST = ("PreconditionFailed", "412", "ConditionalRequestConflict", "409")
_MISSING = ("NoSuchKey", "404", "NotFound")


def lock_uri(lock_dir: str, name: str) -> str:
    """The URI of the lock called *name* (a cluster id) under *lock_dir*."""
    return lock_dir.rstrip("/") + "/" + name


@dataclass(frozen=True)
class LockInfo:
    """A lock as read from S3."""

    owner: str
    purpose: str
    seconds: float
    etag: str
    age: float  # seconds since it was written, by S3's clock

    @property
    def left(self) -> float:
        """Seconds until it expires (0 or less: expired)."""
        return self.seconds - self.age

    @property
    def expired(self) -> bool:
        return self.left <= 0

    def describe(self) -> str:
        if self.expired:
            return "expired lock of %s (%s)" % (self.owner, self.purpose)
        return "locked by %s (%s) for %ds more" % (self.owner, self.purpose, self.left)


def _code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _server_now(answer: dict) -> datetime:
    headers = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    try:
        return parsedate_to_datetime(headers["date"])
    except (KeyError, TypeError, ValueError):
        return datetime.now(timezone.utc)


def _call(connection, uri: str, call, expected: tuple):
    """``(call(), None)``, or ``(None, code)`` when S3 refuses with one of
    the *expected* codes; any other refusal is one line of AWSError."""
    import botocore.exceptions

    with aws_errors("lock %s" % uri, connection, "s3"):
        try:
            return call(), None
        except botocore.exceptions.ClientError as exc:
            if _code(exc) in expected:
                return None, _code(exc)
            raise


def read_lock(connection, uri: str) -> LockInfo | None:
    """The lock at *uri*, or None when there is none."""
    _, bucket, key = parse_s3_uri(uri)
    s3 = connection.client("s3")
    answer, _ = _call(connection, uri, lambda: s3.get_object(Bucket=bucket, Key=key), _MISSING)
    if answer is None:
        return None
    body = answer["Body"].read()
    try:
        fields = json.loads(body.decode("utf-8"))
        seconds = float(fields.get("seconds", 0))
        owner = str(fields.get("owner", "?"))
        purpose = str(fields.get("purpose", "?"))
    except (ValueError, AttributeError, UnicodeDecodeError):
        # not a lock streamr wrote; treat it as expired rather than block forever
        seconds, owner, purpose = 0.0, "?", "unreadable lock"
    modified = answer.get("LastModified")
    now = _server_now(answer)
    age = (now - modified).total_seconds() if modified else float("inf")
    return LockInfo(owner=owner, purpose=purpose, seconds=seconds,
                    etag=answer.get("ETag", ""), age=max(age, 0.0))


class ClusterLock:
    """The lock at *uri*, taken by *owner* for *seconds* at a time."""

    def __init__(self, connection, uri: str, *, owner: str, seconds: float,
                 purpose: str = "joining"):
        self.connection = connection
        self.uri = uri
        self.owner = owner
        self.seconds = float(seconds)
        self.purpose = purpose
        self.etag: str | None = None
        self.taken_at = 0.0  # time.monotonic() of the last write
        self.refused_by: LockInfo | None = None  # who held it when acquire() failed

    @property
    def held(self) -> bool:
        return self.etag is not None

    def _body(self) -> bytes:
        return json.dumps({"owner": self.owner, "purpose": self.purpose,
                           "seconds": self.seconds, "host": socket.gethostname(),
                           "pid": os.getpid()}).encode("utf-8")

    def _put(self, **condition) -> bool:
        """One conditional write; False when another writer won."""
        _, bucket, key = parse_s3_uri(self.uri)
        s3 = self.connection.client("s3")
        lost = _LOST + (_MISSING if "IfMatch" in condition else ())
        answer, _ = _call(self.connection, self.uri, lambda: s3.put_object(
            Bucket=bucket, Key=key, Body=self._body(), ContentType="application/json",
            **condition), lost)
        if answer is None:
            return False
        self.etag = answer.get("ETag")
        self.taken_at = time.monotonic()
        return True

    def acquire(self) -> bool:
        """Take the lock; False when someone else holds it (see
        :attr:`refused_by`). An expired lock is taken over."""
        self.refused_by = None
        for _ in range(3):  # the lock may change hands between our looks
            if self._put(IfNoneMatch="*"):
                return True
            current = read_lock(self.connection, self.uri)
            if current is None:
                continue
            if not current.expired:
                self.refused_by = current
                return False
            if self._put(IfMatch=current.etag):
                log.debug("took over %s: %s", self.uri, current.describe())
                return True
        self.refused_by = read_lock(self.connection, self.uri)
        return False

    def renew(self) -> bool:
        """Write the lock again so it lasts another :attr:`seconds`; False
        when it is no longer ours."""
        if not self.held:
            return False
        if self._put(IfMatch=self.etag):
            return True
        self.etag = None
        return False

    def renew_if_half_gone(self) -> None:
        """Renew once half the lock's life has passed."""
        due = self.held and time.monotonic() - self.taken_at > self.seconds / 2
        if due and not self.renew():
            log.warning("lost the lock %s (it expired before the step started)", self.uri)

    def release(self) -> None:
        """Delete the lock if it is still ours. Never raises: a lock left
        behind expires by itself."""
        if not self.held:
            return
        _, bucket, key = parse_s3_uri(self.uri)
        try:
            self.connection.client("s3").delete_object(Bucket=bucket, Key=key,
                                                       IfMatch=self.etag)
            log.debug("released %s", self.uri)
        except Exception as exc:  # it expires by itself
            if _code(exc) in _LOST + _MISSING:
                log.debug("lock %s was no longer ours", self.uri)
            else:
                log.warning("could not release lock %s (it expires by itself): %s",
                            self.uri, exc)
        # Forgotten only once the delete has an answer: a Ctrl-C during the
        # request leaves the lock held, so the interrupted run's clean-up
        # deletes it again rather than leaving it to expire.
        self.etag = None
