"""Amazon S3 (``s3://bucket/key``; ``s3a://`` and ``s3n://`` too) through
boto3, with paginated listings, multipart uploads for large files and AWS's
refusals turned into :class:`~streamr.errors.AWSError`."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import IO

from streamr.aws import AWSConnection, aws_errors, describe_aws_error
from streamr.errors import AWSError
from streamr.fs.base import Entry, Filesystem, GuardedReader
from streamr.fs.compression import is_compressed, smart_open_compression
from streamr.fs.globs import glob_regex, has_glob, literal_prefix
from streamr.fs.local import file_md5

__all__ = ["S3Filesystem", "TMP_BUCKET_PREFIX", "parse_s3_uri"]

log = logging.getLogger(__name__)

SCHEMES = ("s3://", "s3a://", "s3n://")
#: temporary buckets streamr makes are named this, then random hex
TMP_BUCKET_PREFIX = "streamr-tmp-"


def tmp_bucket_name(key_id: str, region: str) -> str:
    """The temporary bucket's name for the credentials with access key id
    *key_id* in *region*: the same for every job started with them there,
    and not guessable from outside."""
    import hashlib  # here: it loads OpenSSL, which a run without S3 never needs

    digest = hashlib.sha256(("%s/%s" % (key_id, region)).encode("utf-8")).hexdigest()
    return TMP_BUCKET_PREFIX + digest[:16]
#: metadata key holding the MD5 of objects streamr uploads
MD5_METADATA = "streamr-md5"
_BUFFER = 1 << 20


def parse_s3_uri(uri: str) -> tuple:
    """``(scheme, bucket, key)`` of an S3 URI; :class:`AWSError` if it is not one."""
    for scheme in SCHEMES:
        if uri.startswith(scheme):
            bucket, _, key = uri[len(scheme):].partition("/")
            if not bucket:
                break
            return scheme, bucket, key
    raise AWSError("%s is not an S3 URI (s3://bucket/key)" % uri)


class S3Filesystem(Filesystem):
    """S3 through one :class:`~streamr.aws.AWSConnection`.

    Files larger than *multipart_threshold* bytes are uploaded in parts of
    *multipart_chunksize* bytes, several at once."""

    def __init__(self, connection: AWSConnection, multipart_threshold: int = 16 << 20,
                 multipart_chunksize: int = 16 << 20):
        self.connection = connection
        self.multipart_threshold = multipart_threshold
        self.multipart_chunksize = multipart_chunksize

    @property
    def client(self):
        return self.connection.client("s3")

    def handles(self, path: str) -> bool:
        return path.startswith(SCHEMES)

    def _translate(self, what: str):
        """A function turning an AWS refusal about *what* into :class:`AWSError`."""

        def translate(exc: BaseException):
            message = describe_aws_error(exc, what, self.connection, "s3")
            return AWSError(message) if message is not None else None

        return translate

    def _errors(self, what: str):
        return aws_errors(what, self.connection, "s3")

    # --- listing ----------------------------------------------------------------------

    def _objects(self, bucket: str, prefix: str) -> Iterator[tuple]:
        """``(key, size)`` of every object under *prefix*, in key order,
        a page of up to 1,000 at a time."""
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", ()):
                yield item["Key"], item["Size"]

    def _file_size(self, bucket: str, key: str) -> int | None:
        """Bytes in the object *key*, or None when there is none."""
        import botocore.exceptions

        if not key or key.endswith("/"):
            return None
        try:
            head = self.client.head_object(Bucket=bucket, Key=key)
        except botocore.exceptions.ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey",
                                                                  "NotFound"):
                return None
            raise
        return head["ContentLength"]

    def _dir_prefix(self, key: str) -> str:
        return key.rstrip("/") + "/" if key.rstrip("/") else ""

    def _has_objects(self, bucket: str, prefix: str) -> bool:
        page = self.client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
        return bool(page.get("Contents"))

    def glob(self, pattern: str) -> list:
        return [entry for entry, _ in self._glob_with_sizes(pattern)]

    def _glob_with_sizes(self, pattern: str) -> list:
        scheme, bucket, key = parse_s3_uri(pattern)
        base = scheme + bucket + "/"
        with self._errors(pattern):
            if not has_glob(key):
                size = self._file_size(bucket, key)
                if size is not None:
                    return [(Entry(pattern, False), size)]
                if self._has_objects(bucket, self._dir_prefix(key)):
                    return [(Entry(base + key.rstrip("/"), True), None)]
                return []
            key = key.rstrip("/")
            regex = glob_regex(key)
            matches: dict = {}  # matched path -> size of the file, or None for a directory
            for found, size in self._objects(bucket, literal_prefix(key)):
                parts = found.split("/")
                # the shortest leading run of path parts the pattern matches
                for count in range(1, len(parts) + 1):
                    head = "/".join(parts[:count])
                    if regex.fullmatch(head):
                        is_dir = count < len(parts)
                        if is_dir or head not in matches:
                            matches[head] = None if is_dir else size
                        break
            return [(Entry(base + head, size is None), size)
                    for head, size in sorted(matches.items())]

    def ls_sizes(self, path: str) -> Iterator[tuple]:
        scheme, bucket, key = parse_s3_uri(path)
        with self._errors(path):
            size = self._file_size(bucket, key)
            if size is not None:
                yield path, size
                return
            for found, size in self._objects(bucket, self._dir_prefix(key)):
                if found.endswith("/"):
                    continue  # a "directory marker" some tools make, not a file
                yield scheme + bucket + "/" + found, size

    # --- reading and writing ----------------------------------------------------------

    def _smart_open(self, path: str, mode: str, compression: bool) -> IO[bytes]:
        import smart_open

        return smart_open.open(
            path, mode, compression=smart_open_compression(path) if compression else "disable",
            transport_params={"client": self.client})

    def open_read(self, path: str, decompress: bool = True) -> IO[bytes]:
        parse_s3_uri(path)
        with self._errors(path):
            stream = self._smart_open(path, "rb", decompress)
        return GuardedReader(stream, path, self._translate(path),
                             decompressing=decompress and is_compressed(path))

    @contextlib.contextmanager
    def open_write(self, path: str, compress: bool = True) -> Iterator[IO[bytes]]:
        parse_s3_uri(path)
        # smart_open uploads in parts and completes the object on a clean
        # close only; an error inside the block aborts the upload
        with self._errors(path), self._smart_open(path, "wb", compress) as stream:
            yield stream

    def _transfer_config(self):
        from boto3.s3.transfer import TransferConfig

        return TransferConfig(multipart_threshold=self.multipart_threshold,
                              multipart_chunksize=self.multipart_chunksize)

    def put(self, local_source: str, path: str) -> None:
        _, bucket, key = parse_s3_uri(path)
        digest = file_md5(local_source)
        with self._errors(path):
            self.client.upload_file(local_source, bucket, key, Config=self._transfer_config(),
                                    ExtraArgs={"Metadata": {MD5_METADATA: digest}})

    def get(self, path: str, local_target: str) -> None:
        _, bucket, key = parse_s3_uri(path)
        with self._errors(path):
            self.client.download_file(bucket, key, local_target,
                                      Config=self._transfer_config())

    def check_can_write(self, path: str) -> None:
        bucket = parse_s3_uri(path)[1]
        if not self.bucket_exists(bucket):
            raise AWSError("bucket %r does not exist (for the output %s): check the name, or"
                           " create the bucket first" % (bucket, path))

    def mkdir(self, path: str) -> None:
        parse_s3_uri(path)  # S3 has no directories: a prefix exists once a key is under it

    def rm(self, path: str) -> None:
        _, bucket, key = parse_s3_uri(path)
        with self._errors(path):
            if self._file_size(bucket, key) is not None:
                self.client.delete_object(Bucket=bucket, Key=key)
                return
            batch: list = []
            for found, _ in self._objects(bucket, self._dir_prefix(key)):
                batch.append({"Key": found})
                if len(batch) == 1000:
                    self._delete(bucket, batch)
                    batch = []
            if batch:
                self._delete(bucket, batch)

    def _delete(self, bucket: str, batch: list) -> None:
        answer = self.client.delete_objects(Bucket=bucket, Delete={"Objects": batch,
                                                                   "Quiet": True})
        errors = answer.get("Errors") or []
        if errors:
            first = errors[0]
            raise AWSError("could not remove s3://%s/%s (and %d more): %s %s" % (
                bucket, first.get("Key"), len(errors) - 1, first.get("Code"),
                first.get("Message")))

    def checksum(self, path: str) -> str:
        _, bucket, key = parse_s3_uri(path)
        with self._errors(path):
            head = self.client.head_object(Bucket=bucket, Key=key)
            stored = (head.get("Metadata") or {}).get(MD5_METADATA)
            if stored:
                return stored
            etag = head.get("ETag", "").strip('"')
            if etag and "-" not in etag:  # single-part upload without encryption by KMS
                return etag
            import hashlib

            digest = hashlib.md5(usedforsecurity=False)
            with self._smart_open(path, "rb", False) as stream:
                for block in iter(lambda: stream.read(_BUFFER), b""):
                    digest.update(block)
            return digest.hexdigest()

    def join(self, path: str, *names: str) -> str:
        return "/".join([path.rstrip("/")] + [name.strip("/") for name in names])

    # --- buckets ------------------------------------------------------------------------

    def bucket_exists(self, bucket: str) -> bool:
        import botocore.exceptions

        with self._errors("s3://%s/" % bucket):
            try:
                self.client.head_bucket(Bucket=bucket)
            except botocore.exceptions.ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchBucket"):
                    return False
                raise
        return True

    def create_bucket(self, bucket: str, region: str | None = None) -> None:
        """Make *bucket* in *region* (default: the connection's region)."""
        region = region or self.connection.region
        params: dict = {"Bucket": bucket}
        if region != "us-east-1":  # the one region S3 refuses a LocationConstraint for
            params["CreateBucketConfiguration"] = {"LocationConstraint": region}
        with self._errors("s3://%s/" % bucket):
            # S3 takes a bucket's region only from a client of that region
            self.connection.client("s3", region).create_bucket(**params)
        log.info("made bucket s3://%s/ in %s", bucket, region)

    def bucket_region(self, bucket: str) -> str:
        with self._errors("s3://%s/" % bucket):
            answer = self.client.get_bucket_location(Bucket=bucket)
        return answer.get("LocationConstraint") or "us-east-1"

    def tmp_bucket(self, region: str | None = None) -> str:
        """A bucket of this account for streamr's temporary files in
        *region*: an existing ``streamr-tmp-...`` bucket there, else the
        one named after the credentials and region (:func:`tmp_bucket_name`).
        Jobs started together with no bucket yet all pick that same name, and
        creating it is safe when another job already has: so they share one
        bucket, and one place for pool locks."""
        region = region or self.connection.region
        with self._errors("the list of buckets"):
            buckets = sorted(b["Name"] for b in self.client.list_buckets().get("Buckets", ())
                             if b["Name"].startswith(TMP_BUCKET_PREFIX))
        for bucket in buckets:
            if self.bucket_region(bucket) == region:
                return bucket
        bucket = tmp_bucket_name(self._credentials_id(), region)
        self._create_shared_bucket(bucket, region)
        return bucket

    def _credentials_id(self) -> str:
        """The access key id in use: what jobs started together share,
        known without a request (STS is not there behind every S3
        endpoint). Only the first jobs need it: later ones find the bucket."""
        credentials = self.connection.session.get_credentials()
        return getattr(credentials, "access_key", None) or "anonymous"

    def _create_shared_bucket(self, bucket: str, region: str) -> None:
        """Make *bucket*, unless this account made it meanwhile."""
        import botocore.exceptions

        try:
            self.create_bucket(bucket, region)
        except AWSError as exc:
            cause = exc.__cause__
            code = (cause.response.get("Error", {}).get("Code")
                    if isinstance(cause, botocore.exceptions.ClientError) else None)
            if code == "BucketAlreadyOwnedByYou":
                log.debug("bucket s3://%s/ was made by another job meanwhile", bucket)
                return
            if code == "BucketAlreadyExists":
                raise AWSError("bucket %s, streamr's temporary bucket for this account in %s,"
                               " belongs to another account; set cloud_tmp_dir to a bucket of"
                               " yours" % (bucket, region)) from None
            raise
