"""The S3 filesystem (streamr.fs.s3) against moto: Hadoop-style globs over
key prefixes, paginated listings and batched deletes, compressed reads and
atomic writes, multipart uploads and checksums, buckets, endpoints and
retry settings (streamr.aws), and the composite filesystem routing paths."""

import bz2
import gzip
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from streamr.aws import AWSConnection
from streamr.errors import AWSError, UsageError
from streamr.fs.base import Entry
from streamr.fs.composite import CompositeFilesystem, make_filesystem
from streamr.fs.local import LocalFilesystem
from streamr.fs.s3 import TMP_BUCKET_PREFIX, S3Filesystem, parse_s3_uri

MiB = 1 << 20


@pytest.fixture()
def s3fs(aws):
    return S3Filesystem(AWSConnection({"s3_endpoint": aws.endpoint}))


@pytest.fixture()
def bkt(aws):
    return aws.bucket("bkt")


def put_many(aws, uris_and_data):
    """Put objects several at a time (moto answers one request at a time
    per connection)."""
    def put(item):
        aws.put(*item)

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(put, uris_and_data))


def job_output(aws, prefix):
    put_many(aws, [
        (prefix + "/part-00000", b"a\n"),
        (prefix + "/part-00001", b"b\n"),
        (prefix + "/_SUCCESS", b""),
        (prefix + "/.part-00000.crc", b"crc"),
        (prefix + "/_logs/history.txt", b"log"),
    ])


def count_calls(client, operation):
    """A list that gets the parameters of every *operation* call *client* makes."""
    calls = []
    client.meta.events.register("before-parameter-build.s3.%s" % operation,
                                lambda params, **kwargs: calls.append(params))
    return calls


# --- URIs --------------------------------------------------------------------------------


def test_parse_s3_uri():
    assert parse_s3_uri("s3://bkt/a/b") == ("s3://", "bkt", "a/b")
    assert parse_s3_uri("s3a://bkt/a") == ("s3a://", "bkt", "a")
    assert parse_s3_uri("s3n://bkt") == ("s3n://", "bkt", "")
    for bad in ("s3://", "s3:///key", "/local/path", "hdfs://x/y"):
        with pytest.raises(AWSError):
            parse_s3_uri(bad)


def test_handles():
    fs = S3Filesystem(AWSConnection({}))
    assert fs.handles("s3://bkt/k")
    assert fs.handles("s3a://bkt/k")
    assert fs.handles("s3n://bkt/k")
    assert not fs.handles("/tmp/k")
    assert not fs.handles("file:///tmp/k")


# --- glob --------------------------------------------------------------------------------


def test_glob_plain_key(aws, bkt, s3fs):
    aws.put("s3://bkt/logs/a.gz", b"x")
    assert s3fs.glob("s3://bkt/logs/a.gz") == [Entry("s3://bkt/logs/a.gz", False)]
    assert s3fs.glob("s3://bkt/logs/b.gz") == []


def test_glob_other_schemes_keep_their_scheme(aws, bkt, s3fs):
    aws.put("s3://bkt/logs/a.gz", b"x")
    assert s3fs.glob("s3a://bkt/logs/a.gz") == [Entry("s3a://bkt/logs/a.gz", False)]
    assert s3fs.glob("s3n://bkt/logs/*") == [Entry("s3n://bkt/logs/a.gz", False)]


def test_glob_prefix_is_a_directory(aws, bkt, s3fs):
    put_many(aws, [("s3://bkt/logs/a", b"1"), ("s3://bkt/logs/sub/b", b"2")])
    assert s3fs.glob("s3://bkt/logs") == [Entry("s3://bkt/logs", True)]
    assert s3fs.glob("s3://bkt/logs/") == [Entry("s3://bkt/logs", True)]
    assert s3fs.glob("s3://bkt/logs/sub") == [Entry("s3://bkt/logs/sub", True)]
    assert s3fs.exists("s3://bkt/logs")


def test_glob_prefix_needs_a_whole_part(aws, bkt, s3fs):
    aws.put("s3://bkt/logs2/a", b"1")
    assert s3fs.glob("s3://bkt/logs") == []
    assert s3fs.glob("s3://bkt/log") == []
    assert not s3fs.exists("s3://bkt/logs")
    aws.put("s3://bkt/logs/b", b"2")
    assert s3fs.files("s3://bkt/logs") == ["s3://bkt/logs/b"]


def test_glob_wildcards_do_not_cross_slashes(aws, bkt, s3fs):
    put_many(aws, [(uri, b"x") for uri in (
        "s3://bkt/logs/a.gz", "s3://bkt/logs/b.gz", "s3://bkt/logs/c.txt",
        "s3://bkt/logs/deep/d.gz", "s3://bkt/other/a.gz")])
    assert s3fs.glob("s3://bkt/logs/*.gz") == [Entry("s3://bkt/logs/a.gz", False),
                                               Entry("s3://bkt/logs/b.gz", False)]
    assert s3fs.glob("s3://bkt/*/a.gz") == [Entry("s3://bkt/logs/a.gz", False),
                                            Entry("s3://bkt/other/a.gz", False)]
    assert s3fs.glob("s3://bkt/logs/?.gz") == [Entry("s3://bkt/logs/a.gz", False),
                                               Entry("s3://bkt/logs/b.gz", False)]
    assert s3fs.glob("s3://bkt/*/d.gz") == []
    assert s3fs.glob("s3://bkt/*/*/d.gz") == [Entry("s3://bkt/logs/deep/d.gz", False)]


def test_glob_braces_and_classes(aws, bkt, s3fs):
    put_many(aws, [("s3://bkt/logs/2024-%02d/part-00000" % month, b"x")
                   for month in (1, 2, 3, 11)])
    assert s3fs.glob("s3://bkt/logs/2024-{01,03}/part-00000") == [
        Entry("s3://bkt/logs/2024-01/part-00000", False),
        Entry("s3://bkt/logs/2024-03/part-00000", False)]
    assert s3fs.glob("s3://bkt/logs/2024-{0{1,2},11}") == [
        Entry("s3://bkt/logs/2024-01", True), Entry("s3://bkt/logs/2024-02", True),
        Entry("s3://bkt/logs/2024-11", True)]
    assert [e.path for e in s3fs.glob("s3://bkt/logs/2024-0[!2]")] == [
        "s3://bkt/logs/2024-01", "s3://bkt/logs/2024-03"]


def test_glob_pattern_matching_directories(aws, bkt, s3fs):
    put_many(aws, [(uri, b"x") for uri in (
        "s3://bkt/logs/2024-01/part-00000", "s3://bkt/logs/2024-01/part-00001",
        "s3://bkt/logs/2024-02/sub/part-00000", "s3://bkt/logs/2024-03.txt")])
    assert s3fs.glob("s3://bkt/logs/2024-*") == [
        Entry("s3://bkt/logs/2024-01", True), Entry("s3://bkt/logs/2024-02", True),
        Entry("s3://bkt/logs/2024-03.txt", False)]
    # a trailing slash on a pattern changes nothing
    assert s3fs.glob("s3://bkt/logs/2024-*/") == s3fs.glob("s3://bkt/logs/2024-*")
    assert s3fs.files("s3://bkt/logs/2024-0[12]") == [
        "s3://bkt/logs/2024-01/part-00000", "s3://bkt/logs/2024-01/part-00001",
        "s3://bkt/logs/2024-02/sub/part-00000"]


def test_glob_bucket_root(aws, bkt, s3fs):
    put_many(aws, [("s3://bkt/a", b"1"), ("s3://bkt/d/b", b"22")])
    assert s3fs.glob("s3://bkt") == [Entry("s3://bkt/", True)]
    assert s3fs.glob("s3://bkt/") == [Entry("s3://bkt/", True)]
    assert s3fs.glob("s3://bkt/*") == [Entry("s3://bkt/a", False), Entry("s3://bkt/d", True)]
    assert s3fs.files("s3://bkt/") == ["s3://bkt/a", "s3://bkt/d/b"]
    assert s3fs.files("s3://bkt") == ["s3://bkt/a", "s3://bkt/d/b"]
    assert s3fs.size("s3://bkt") == 3


def test_glob_empty_bucket(aws, bkt, s3fs):
    assert s3fs.glob("s3://bkt/") == []
    assert s3fs.glob("s3://bkt/*") == []
    assert not s3fs.exists("s3://bkt/anything")


def test_glob_missing_bucket_is_an_aws_error(aws, s3fs):
    with pytest.raises(AWSError, match="does not exist"):
        s3fs.glob("s3://no-such-bucket/x")


def test_files_skips_hidden_names(aws, bkt, s3fs):
    job_output(aws, "s3://bkt/out")
    assert s3fs.files("s3://bkt/out") == ["s3://bkt/out/part-00000", "s3://bkt/out/part-00001"]
    assert s3fs.files("s3://bkt/out/") == ["s3://bkt/out/part-00000",
                                           "s3://bkt/out/part-00001"]
    assert s3fs.files("s3://bkt/out", skip_hidden=False) == [
        "s3://bkt/out/.part-00000.crc", "s3://bkt/out/_SUCCESS",
        "s3://bkt/out/_logs/history.txt", "s3://bkt/out/part-00000",
        "s3://bkt/out/part-00001"]
    # named directly, a hidden file is kept; matched by a glob, it is not
    assert s3fs.files("s3://bkt/out/_SUCCESS") == ["s3://bkt/out/_SUCCESS"]
    assert s3fs.files("s3://bkt/out/*") == ["s3://bkt/out/part-00000",
                                            "s3://bkt/out/part-00001"]
    assert s3fs.files("s3://bkt/out/_*") == []
    assert s3fs.size("s3://bkt/out/_*") == 3
    assert s3fs.files_with_sizes("s3://bkt/out") == [("s3://bkt/out/part-00000", 2),
                                                     ("s3://bkt/out/part-00001", 2)]
    assert s3fs.size("s3://bkt/out") == 2 + 2 + 0 + 3 + 3
    assert b"".join(s3fs.cat("s3://bkt/out")) == b"a\nb\n"


def test_files_in_key_order_across_prefixes(aws, bkt, s3fs):
    put_many(aws, [("s3://bkt/m/b", b"1"), ("s3://bkt/m/a/x", b"2"), ("s3://bkt/m/a-b", b"3")])
    assert s3fs.files("s3://bkt/m") == ["s3://bkt/m/a-b", "s3://bkt/m/a/x", "s3://bkt/m/b"]


# --- thousands of keys -------------------------------------------------------------------


def test_thousands_of_keys(aws, bkt, s3fs):
    count = 2500
    keys = ["many/part-%05d" % n for n in range(count)]
    aws.seed("bkt", keys, lambda key: key.encode())
    aws.put("s3://bkt/many-not/x", b"not under many/")
    expected = ["s3://bkt/" + key for key in keys]

    pages = count_calls(s3fs.client, "ListObjectsV2")
    assert list(s3fs.ls("s3://bkt/many")) == expected
    assert len(pages) == 3  # 1,000 keys a page
    assert s3fs.files("s3://bkt/many") == expected
    assert s3fs.glob("s3://bkt/many/part-0[01]*") == [Entry(uri, False)
                                                       for uri in expected[:2000]]
    assert s3fs.size("s3://bkt/many") == sum(len(key) for key in keys)

    deletes = count_calls(s3fs.client, "DeleteObjects")
    s3fs.rm("s3://bkt/many")
    assert [len(call["Delete"]["Objects"]) for call in deletes] == [1000, 1000, 500]
    assert aws.keys("s3://bkt/many/") == []
    assert aws.keys("s3://bkt/") == ["many-not/x"]


# --- reading -----------------------------------------------------------------------------

TEXT = b"".join(b"line %d\n" % n for n in range(1000))


def test_open_read_plain(aws, bkt, s3fs):
    aws.put("s3://bkt/a.txt", TEXT)
    with s3fs.open_read("s3://bkt/a.txt") as stream:
        assert stream.read() == TEXT


def test_open_read_lines(aws, bkt, s3fs):
    aws.put("s3://bkt/a.txt", b"one\ntwo\nthree")
    with s3fs.open_read("s3://bkt/a.txt") as stream:
        assert stream.readline() == b"one\n"
        assert list(stream) == [b"two\n", b"three"]


def test_open_read_decompresses_gzip(aws, bkt, s3fs):
    aws.put("s3://bkt/a.gz", gzip.compress(TEXT))
    with s3fs.open_read("s3://bkt/a.gz") as stream:
        assert stream.read() == TEXT


def test_open_read_decompresses_bz2(aws, bkt, s3fs):
    aws.put("s3://bkt/a.bz2", bz2.compress(TEXT))
    with s3fs.open_read("s3://bkt/a.bz2") as stream:
        assert stream.read() == TEXT


def test_open_read_decompresses_zst(aws, bkt, s3fs, tmp_path):
    import smart_open

    local = str(tmp_path / "a.zst")
    with smart_open.open(local, "wb") as stream:
        stream.write(TEXT)
    with open(local, "rb") as handle:
        raw = handle.read()
    assert raw[:4] == b"\x28\xb5\x2f\xfd"  # zstd's magic number
    aws.put("s3://bkt/a.zst", raw)
    with s3fs.open_read("s3://bkt/a.zst") as stream:
        assert stream.read() == TEXT


def test_open_read_without_decompress_gives_raw_bytes(aws, bkt, s3fs):
    raw = gzip.compress(TEXT)
    aws.put("s3://bkt/a.gz", raw)
    with s3fs.open_read("s3://bkt/a.gz", decompress=False) as stream:
        assert stream.read() == raw


def test_open_read_missing_key_is_an_aws_error(aws, bkt, s3fs):
    with pytest.raises(AWSError), s3fs.open_read("s3://bkt/missing.txt") as stream:
        stream.read()


def test_cat_decompresses_and_skips_empty_and_hidden(aws, bkt, s3fs):
    put_many(aws, [
        ("s3://bkt/out/part-00000.gz", gzip.compress(b"one\n")),
        ("s3://bkt/out/part-00001.bz2", b""),
        ("s3://bkt/out/part-00002.bz2", bz2.compress(b"three\n")),
        ("s3://bkt/out/part-00003", b"four\n"),
        ("s3://bkt/out/_SUCCESS", b"not output\n"),
    ])
    assert b"".join(s3fs.cat("s3://bkt/out")) == b"one\nthree\nfour\n"


# --- writing -----------------------------------------------------------------------------


class Boom(Exception):
    pass


def test_open_write_appears_complete_on_close(aws, bkt, s3fs):
    with s3fs.open_write("s3://bkt/out/a.txt") as stream:
        stream.write(b"hello ")
        stream.write(b"world")
        assert aws.keys("s3://bkt/") == []  # not before it is complete
    assert aws.get("s3://bkt/out/a.txt") == b"hello world"


def test_open_write_leaves_nothing_when_body_raises(aws, bkt, s3fs):
    with pytest.raises(Boom), s3fs.open_write("s3://bkt/out/a.txt") as stream:
        stream.write(b"partial")
        raise Boom()
    assert aws.keys("s3://bkt/") == []


def test_open_write_compressed_leaves_nothing_when_body_raises(aws, bkt, s3fs):
    with pytest.raises(Boom), s3fs.open_write("s3://bkt/out/a.gz") as stream:
        stream.write(TEXT)
        raise Boom()
    assert aws.keys("s3://bkt/") == []


def test_open_write_gzip_by_suffix(aws, bkt, s3fs):
    with s3fs.open_write("s3://bkt/out/a.gz") as stream:
        stream.write(TEXT)
    assert gzip.decompress(aws.get("s3://bkt/out/a.gz")) == TEXT
    with s3fs.open_read("s3://bkt/out/a.gz") as stream:
        assert stream.read() == TEXT


def test_open_write_bz2_by_suffix(aws, bkt, s3fs):
    with s3fs.open_write("s3://bkt/out/a.bz2") as stream:
        stream.write(TEXT)
    assert bz2.decompress(aws.get("s3://bkt/out/a.bz2")) == TEXT


def test_open_write_without_compress_writes_raw(aws, bkt, s3fs):
    with s3fs.open_write("s3://bkt/out/a.gz", compress=False) as stream:
        stream.write(b"not gzip")
    assert aws.get("s3://bkt/out/a.gz") == b"not gzip"


def test_open_write_to_missing_bucket_is_an_aws_error(aws, s3fs):
    with pytest.raises(AWSError), s3fs.open_write("s3://no-such-bucket/a.txt") as stream:
        stream.write(b"x")


# --- put, get, checksum ------------------------------------------------------------------


@pytest.fixture()
def small_parts_fs(aws):
    return S3Filesystem(AWSConnection({"s3_endpoint": aws.endpoint}),
                        multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    data = os.urandom(12 * MiB)
    path = tmp_path_factory.mktemp("big") / "big.bin"
    path.write_bytes(data)
    return str(path), hashlib.md5(data).hexdigest()


def test_put_large_file_is_multipart(aws, bkt, small_parts_fs, big_file):
    path, md5 = big_file
    small_parts_fs.put(path, "s3://bkt/big.bin")
    head = aws.s3.head_object(Bucket="bkt", Key="big.bin")
    assert head["ETag"].strip('"').endswith("-3")  # 12 MiB in 5 MiB parts
    assert head["Metadata"]["streamr-md5"] == md5
    assert hashlib.md5(aws.get("s3://bkt/big.bin")).hexdigest() == md5
    assert small_parts_fs.checksum("s3://bkt/big.bin") == md5
    assert small_parts_fs.size("s3://bkt/big.bin") == 12 * MiB


def test_put_small_file(aws, bkt, s3fs, tmp_path):
    local = tmp_path / "small.txt"
    local.write_bytes(b"small")
    s3fs.put(str(local), "s3://bkt/dir/small.txt")
    assert aws.get("s3://bkt/dir/small.txt") == b"small"
    head = aws.s3.head_object(Bucket="bkt", Key="dir/small.txt")
    assert "-" not in head["ETag"]
    assert s3fs.checksum("s3://bkt/dir/small.txt") == hashlib.md5(b"small").hexdigest()


def test_put_to_missing_bucket_is_an_aws_error(aws, s3fs, tmp_path):
    local = tmp_path / "small.txt"
    local.write_bytes(b"small")
    with pytest.raises(AWSError):
        s3fs.put(str(local), "s3://no-such-bucket/small.txt")


def test_checksum_of_single_part_object_without_metadata(aws, bkt, s3fs):
    data = os.urandom(100_000)
    aws.s3.put_object(Bucket="bkt", Key="plain.bin", Body=data)
    assert aws.s3.head_object(Bucket="bkt", Key="plain.bin")["Metadata"] == {}
    assert s3fs.checksum("s3://bkt/plain.bin") == hashlib.md5(data).hexdigest()


def test_checksum_of_multipart_object_without_metadata(aws, bkt, s3fs, big_file):
    from boto3.s3.transfer import TransferConfig

    path, md5 = big_file
    aws.s3.upload_file(path, "bkt", "other.bin",
                       Config=TransferConfig(multipart_threshold=5 * MiB,
                                             multipart_chunksize=5 * MiB))
    head = aws.s3.head_object(Bucket="bkt", Key="other.bin")
    assert "-" in head["ETag"]
    assert head["Metadata"] == {}
    assert s3fs.checksum("s3://bkt/other.bin") == md5


def test_checksum_of_missing_key_is_an_aws_error(aws, bkt, s3fs):
    with pytest.raises(AWSError, match="does not exist"):
        s3fs.checksum("s3://bkt/missing")


def test_get_downloads_bytes_exactly(aws, bkt, s3fs, tmp_path):
    raw = gzip.compress(TEXT) + bytes(range(256))
    aws.put("s3://bkt/a.gz", raw)
    target = tmp_path / "a.gz"
    s3fs.get("s3://bkt/a.gz", str(target))
    assert target.read_bytes() == raw


def test_get_large_object(aws, bkt, small_parts_fs, big_file, tmp_path):
    path, md5 = big_file
    small_parts_fs.put(path, "s3://bkt/big.bin")
    target = tmp_path / "back.bin"
    small_parts_fs.get("s3://bkt/big.bin", str(target))
    assert hashlib.md5(target.read_bytes()).hexdigest() == md5


def test_get_missing_key_is_an_aws_error(aws, bkt, s3fs, tmp_path):
    with pytest.raises(AWSError):
        s3fs.get("s3://bkt/missing", str(tmp_path / "x"))


# --- mkdir, rm, exists, join -------------------------------------------------------------


def test_mkdir_is_a_no_op(aws, bkt, s3fs):
    s3fs.mkdir("s3://bkt/new/dir")
    s3fs.mkdir("s3://bkt/new/dir/")
    assert aws.keys("s3://bkt/") == []
    assert not s3fs.exists("s3://bkt/new/dir")


def test_rm_single_key_leaves_neighbours(aws, bkt, s3fs):
    put_many(aws, [("s3://bkt/a", b"1"), ("s3://bkt/a2", b"2"), ("s3://bkt/a/b", b"3")])
    s3fs.rm("s3://bkt/a")
    assert aws.keys("s3://bkt/") == ["a/b", "a2"]


def test_rm_prefix_leaves_neighbours(aws, bkt, s3fs):
    put_many(aws, [("s3://bkt/d/a", b"1"), ("s3://bkt/d/e/b", b"2"), ("s3://bkt/d2", b"3")])
    s3fs.rm("s3://bkt/d/")
    assert aws.keys("s3://bkt/") == ["d2"]


def test_rm_missing_path_is_fine(aws, bkt, s3fs):
    aws.put("s3://bkt/keep", b"1")
    s3fs.rm("s3://bkt/missing")
    assert aws.keys("s3://bkt/") == ["keep"]


def test_exists(aws, bkt, s3fs):
    aws.put("s3://bkt/logs/a.gz", b"x")
    assert s3fs.exists("s3://bkt/logs/a.gz")
    assert s3fs.exists("s3://bkt/logs")
    assert s3fs.exists("s3://bkt/logs/*.gz")
    assert not s3fs.exists("s3://bkt/logs/*.txt")
    assert not s3fs.exists("s3://bkt/logs/a")


def test_join():
    fs = S3Filesystem(AWSConnection({}))
    assert fs.join("s3://bkt/dir", "a", "b.txt") == "s3://bkt/dir/a/b.txt"
    assert fs.join("s3://bkt/dir/", "/a/", "b.txt") == "s3://bkt/dir/a/b.txt"
    assert fs.join("s3://bkt", "x") == "s3://bkt/x"


# --- buckets -----------------------------------------------------------------------------


def test_bucket_exists(aws, bkt, s3fs):
    assert s3fs.bucket_exists("bkt")
    assert not s3fs.bucket_exists("no-such-bucket")


def test_create_bucket_in_the_connection_region(aws, s3fs):
    s3fs.create_bucket("made-here")
    assert s3fs.bucket_exists("made-here")
    assert s3fs.bucket_region("made-here") == "us-west-2"


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_create_bucket_and_bucket_region(aws, region):
    # us-east-1 is the one region that takes no LocationConstraint
    fs = S3Filesystem(AWSConnection({"s3_endpoint": aws.endpoint, "region": region}))
    fs.create_bucket("made-in-" + region, region)
    assert fs.bucket_exists("made-in-" + region)
    assert fs.bucket_region("made-in-" + region) == region
    assert aws.s3.get_bucket_location(Bucket="made-in-" + region).get(
        "LocationConstraint") in ((None, "") if region == "us-east-1" else (region,))


def test_bucket_region_of_buckets_made_elsewhere(aws, s3fs):
    import boto3

    boto3.client("s3", endpoint_url=aws.endpoint, region_name="us-east-1").create_bucket(
        Bucket="in-virginia")
    boto3.client("s3", endpoint_url=aws.endpoint, region_name="eu-west-1").create_bucket(
        Bucket="in-ireland", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert s3fs.bucket_region("in-virginia") == "us-east-1"
    assert s3fs.bucket_region("in-ireland") == "eu-west-1"


def test_bucket_region_of_missing_bucket_is_an_aws_error(aws, s3fs):
    with pytest.raises(AWSError, match="does not exist"):
        s3fs.bucket_region("no-such-bucket")


def test_tmp_bucket_is_made_once_per_region(aws, s3fs):
    aws.bucket("unrelated")
    first = s3fs.tmp_bucket()
    assert first.startswith(TMP_BUCKET_PREFIX)
    assert s3fs.bucket_region(first) == "us-west-2"
    assert s3fs.tmp_bucket() == first
    assert s3fs.tmp_bucket("us-west-2") == first
    # a fresh connection finds the same bucket rather than making another
    again = S3Filesystem(AWSConnection({"s3_endpoint": aws.endpoint}))
    assert again.tmp_bucket() == first
    buckets = [b["Name"] for b in aws.s3.list_buckets()["Buckets"]]
    assert sorted(buckets) == sorted(["unrelated", first])


def test_tmp_bucket_differs_between_regions(aws, s3fs):
    west = s3fs.tmp_bucket()
    eu = S3Filesystem(AWSConnection({"s3_endpoint": aws.endpoint, "region": "eu-west-1"}))
    ireland = eu.tmp_bucket()
    assert ireland != west
    assert ireland.startswith(TMP_BUCKET_PREFIX)
    assert s3fs.bucket_region(ireland) == "eu-west-1"
    assert eu.tmp_bucket() == ireland
    assert s3fs.tmp_bucket() == west


# --- endpoints ---------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"])
def test_endpoint_from_environment(aws, bkt, monkeypatch, variable):
    monkeypatch.setenv(variable, aws.endpoint)
    aws.put("s3://bkt/a.txt", b"found")
    fs = make_filesystem({})
    assert fs.files("s3://bkt/") == ["s3://bkt/a.txt"]
    assert b"".join(fs.cat("s3://bkt/a.txt")) == b"found"


def test_endpoint_from_environment_is_used(aws, monkeypatch):
    # nothing listens on port 9: the failure shows the variable was followed
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    fs = make_filesystem({"aws_max_attempts": 1})
    with pytest.raises(AWSError, match="cannot connect"):
        fs.exists("s3://bkt/a.txt")


def test_endpoint_option_wins_over_environment(aws, bkt, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    aws.put("s3://bkt/a.txt", b"found")
    fs = make_filesystem({"s3_endpoint": aws.endpoint})
    assert fs.files("s3://bkt/") == ["s3://bkt/a.txt"]


# --- the composite filesystem ------------------------------------------------------------


def test_composite_routes_by_scheme(aws):
    fs = make_filesystem({"s3_endpoint": aws.endpoint})
    assert isinstance(fs, CompositeFilesystem)
    assert isinstance(fs.for_path("s3://bkt/k"), S3Filesystem)
    assert isinstance(fs.for_path("s3a://bkt/k"), S3Filesystem)
    assert isinstance(fs.for_path("/tmp/k"), LocalFilesystem)
    assert isinstance(fs.for_path("relative/k"), LocalFilesystem)
    assert isinstance(fs.for_path("file:///tmp/k"), LocalFilesystem)
    assert fs.handles("s3://bkt/k")
    assert not fs.handles("gs://x")


def test_composite_refuses_unknown_schemes_in_one_line(aws):
    fs = make_filesystem({"s3_endpoint": aws.endpoint})
    with pytest.raises(UsageError) as caught:
        fs.for_path("gs://x")
    message = str(caught.value)
    assert "gs://x" in message
    assert "\n" not in message
    with pytest.raises(UsageError):
        fs.exists("gs://bkt/k")


def test_composite_copies_between_local_and_s3(aws, bkt, tmp_path):
    fs = make_filesystem({"s3_endpoint": aws.endpoint})
    local = tmp_path / "in" / "part-00000"
    fs.mkdir(str(tmp_path / "in"))
    with fs.open_write(str(local)) as stream:
        stream.write(b"local bytes\n")
    fs.put(str(local), fs.join("s3://bkt/up", "part-00000"))
    assert aws.get("s3://bkt/up/part-00000") == b"local bytes\n"
    assert fs.files("s3://bkt/up") == ["s3://bkt/up/part-00000"]
    assert fs.files(str(tmp_path / "in")) == [str(local)]
    assert fs.checksum("s3://bkt/up/part-00000") == fs.checksum(str(local))
    assert fs.size("s3://bkt/up") == fs.size(str(local)) == 12
    fs.get("s3://bkt/up/part-00000", str(tmp_path / "down"))
    assert (tmp_path / "down").read_bytes() == b"local bytes\n"
    with fs.open_write("s3://bkt/up/part-00001.gz") as stream:
        stream.write(b"more\n")
    assert b"".join(fs.cat("s3://bkt/up")) == b"local bytes\nmore\n"
    assert [path for path, _ in fs.ls_sizes("s3://bkt/up")] == [
        "s3://bkt/up/part-00000", "s3://bkt/up/part-00001.gz"]
    with fs.open_read("s3://bkt/up/part-00001.gz") as stream:
        assert stream.read() == b"more\n"
    assert fs.glob("s3://bkt/up/*.gz") == [Entry("s3://bkt/up/part-00001.gz", False)]
    fs.rm("s3://bkt/up")
    fs.rm(str(tmp_path / "in"))
    assert not fs.exists("s3://bkt/up")
    assert not fs.exists(str(tmp_path / "in"))


# --- retry settings ----------------------------------------------------------------------


def test_retry_options(aws):
    connection = AWSConnection({"aws_retry_mode": "adaptive", "aws_max_attempts": 4})
    retries = connection.client("s3").meta.config.retries
    assert retries["mode"] == "adaptive"
    assert retries["total_max_attempts"] == 4


def test_legacy_retry_mode_becomes_standard(aws, monkeypatch):
    monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    retries = AWSConnection({}).client("s3").meta.config.retries
    assert retries["mode"] == "standard"


def test_retry_mode_from_environment(aws, monkeypatch):
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "6")
    retries = AWSConnection({}).client("emr").meta.config.retries
    assert retries == {"mode": "adaptive", "total_max_attempts": 6}


def test_default_retries(aws):
    connection = AWSConnection({})
    assert connection.client("emr").meta.config.retries == {"mode": "standard",
                                                            "total_max_attempts": 8}
    assert connection.client("s3").meta.config.retries == {"mode": "standard"}
    assert connection.client("s3") is connection.client("s3")


# --- fixed after review: each of these failed before -----------------------------------


def test_buckets_are_made_in_other_regions_than_the_connections(aws, s3fs):
    for region in ("us-east-1", "eu-west-1"):
        s3fs.create_bucket("other-" + region, region)
        assert s3fs.bucket_region("other-" + region) == region
    ireland = s3fs.tmp_bucket("eu-west-1")
    assert s3fs.bucket_region(ireland) == "eu-west-1"
    assert s3fs.tmp_bucket("eu-west-1") == ireland
    assert s3fs.tmp_bucket() != ireland


def test_negated_class_never_matches_a_slash(aws, bkt, s3fs):
    put_many(aws, [("s3://bkt/a/c/file", b"x"), ("s3://bkt/axc/file", b"y")])
    assert s3fs.glob("s3://bkt/a[!b]c") == [Entry("s3://bkt/axc", True)]
    assert s3fs.glob("s3://bkt/a[.-0]c") == []


def test_directory_markers_are_not_files(aws, bkt, s3fs):
    put_many(aws, [("s3://bkt/dir/", b""), ("s3://bkt/dir/f", b"data\n")])
    assert s3fs.files("s3://bkt/dir") == ["s3://bkt/dir/f"]


def test_glob_matches_need_no_request_per_file(aws, bkt, s3fs):
    aws.seed("bkt", ["logs/part-%05d" % n for n in range(50)], b"12345")
    heads = count_calls(s3fs.client, "HeadObject")
    found = s3fs.files_with_sizes("s3://bkt/logs/part-*")
    assert len(found) == 50 and {size for _, size in found} == {5}
    assert heads == []  # the sizes come from the listing
