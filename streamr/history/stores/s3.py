"""Run records under an S3 prefix, for a team whose jobs run on several
machines (``history_uri: s3://bucket/prefix/``).

Each run writes its own object, ``PREFIX/RUN_ID.json``, replaced whole on
each change: no two runs ever write the same key, so no lock and no shared
database server is needed, and a reader lists the prefix. An object whose
body does not parse (a stranger's file under the prefix) is skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator

from streamr.history.record import RunRecord

__all__ = ["S3Store"]

log = logging.getLogger(__name__)

_SUFFIX = ".json"


class S3Store:
    """Run records under the S3 prefix *uri*, reached with the AWS options
    in *aws_options* (``s3_endpoint``, ``region``, credentials...)."""

    def __init__(self, uri: str, aws_options: dict | None = None):
        from streamr.fs.s3 import parse_s3_uri

        _, self.bucket, prefix = parse_s3_uri(uri)
        self.prefix = prefix.rstrip("/") + "/" if prefix.strip("/") else ""
        self.uri = "s3://%s/%s" % (self.bucket, self.prefix)
        self._aws_options = dict(aws_options or {})
        self._client = None

    def __repr__(self) -> str:
        return "S3Store(%r)" % self.uri

    @property
    def client(self):
        if self._client is None:
            from streamr.aws import AWSConnection

            self._client = AWSConnection(self._aws_options).client("s3")
        return self._client

    def _key(self, run_id: str) -> str:
        return self.prefix + run_id + _SUFFIX

    def save(self, record: RunRecord) -> None:
        """Write *record* as its run's object (replacing the last one)."""
        body = json.dumps(record.to_json(), sort_keys=True).encode("utf_8")
        self.client.put_object(Bucket=self.bucket, Key=self._key(record.run_id), Body=body,
                               ContentType="application/json")

    def load(self, run_id: str) -> RunRecord | None:
        """The record of run *run_id*, or ``None``."""
        if "/" in run_id:
            return None
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(run_id))["Body"]
        except self.client.exceptions.NoSuchKey:
            return None
        return _parse(body.read(), self._key(run_id))

    def _keys(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents") or ():
                key = item["Key"]
                # only this prefix's own run objects, not a deeper folder's
                if key.endswith(_SUFFIX) and "/" not in key[len(self.prefix):]:
                    yield key

    def records(self, *, job: str | None = None, runner: str | None = None,
                since: float | None = None) -> Iterator[RunRecord]:
        """Records of runs started at or after *since*, of *job* and
        *runner* when given, newest first."""
        found = []
        for key in self._keys():
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            record = _parse(body, key)
            if record is None:
                continue
            if (job is not None and record.job != job
                    or runner is not None and record.runner != runner
                    or since is not None and record.started < since):
                continue
            found.append(record)
        found.sort(key=lambda record: (record.started, record.run_id), reverse=True)
        return iter(found)

    def delete(self, run_ids: Iterable[str]) -> int:
        """Remove the objects of *run_ids*; how many there were."""
        keys = [self._key(run_id) for run_id in run_ids]
        for start in range(0, len(keys), 1000):  # S3 deletes at most 1000 at once
            batch = keys[start:start + 1000]
            self.client.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": key} for key in batch], "Quiet": True})
        return len(keys)


def _parse(body: bytes, key: str) -> RunRecord | None:
    try:
        return RunRecord.from_json(json.loads(body))
    except (ValueError, TypeError, KeyError) as exc:
        log.warning("skipping %s: not a run record (%s)", key, exc)
        return None
