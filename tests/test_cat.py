"""``streamr cat``: a job's output, local or on S3, as one stream or one file."""

import bz2
import gzip
import os
import subprocess
import sys

from streamr.fs import make_filesystem
from streamr.output import write_output
from tests.support.jobs import ROOT


def streamr(*args, env=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "streamr.cli", *args], capture_output=True,
                          cwd=ROOT, env=full_env, timeout=120)


def make_output(aws, prefix, success=True):
    """An output directory as a job leaves it: parts (one gzipped, one
    empty), _SUCCESS, and a hidden .crc file."""
    aws.put(prefix + "part-00000", b"a\t1\n")
    aws.put(prefix + "part-00001.gz", gzip.compress(b"b\t2\n"))
    aws.put(prefix + "part-00002", b"")
    aws.put(prefix + "part-00003.bz2", b"")  # empty: would not decompress
    aws.put(prefix + "part-00004.bz2", bz2.compress(b"c\t3\n"))
    aws.put(prefix + ".part-00000.crc", b"junk")
    if success:
        aws.put(prefix + "_SUCCESS", b"")


def test_cat_prints_parts_in_order_decompressed(aws):
    aws.bucket("out-bkt")
    make_output(aws, "s3://out-bkt/run/")
    result = streamr("cat", "--no-conf", "--s3-endpoint", aws.endpoint, "s3://out-bkt/run/")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"a\t1\nb\t2\nc\t3\n"
    assert result.stderr == b""


def test_cat_of_several_directories_and_a_glob(aws, monkeypatch):
    aws.bucket("out-bkt")
    make_output(aws, "s3://out-bkt/one/")
    aws.put("s3://out-bkt/two/part-00000", b"z\t9\n")
    aws.put("s3://out-bkt/two/_SUCCESS", b"")
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    result = streamr("cat", "--no-conf", "s3://out-bkt/two", "s3://out-bkt/one/part-0000[01]*")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"z\t9\na\t1\nb\t2\n"


def test_cat_into_one_local_file(aws, tmp_path):
    aws.bucket("out-bkt")
    make_output(aws, "s3://out-bkt/run/")
    target = tmp_path / "merged" / "result.tsv"
    result = streamr("cat", "--no-conf", "--s3-endpoint", aws.endpoint, "s3://out-bkt/run/",
                     "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert target.read_bytes() == b"a\t1\nb\t2\nc\t3\n"
    assert b"wrote 12 bytes from 3 file(s) to" in result.stderr
    assert os.listdir(target.parent) == ["result.tsv"]  # no temporary file left


def test_cat_into_one_compressed_s3_object(aws):
    aws.bucket("out-bkt")
    make_output(aws, "s3://out-bkt/run/")
    result = streamr("cat", "--no-conf", "--s3-endpoint", aws.endpoint, "s3://out-bkt/run/",
                     "-o", "s3://out-bkt/merged/all.gz")
    assert result.returncode == 0, result.stderr
    assert gzip.decompress(aws.get("s3://out-bkt/merged/all.gz")) == b"a\t1\nb\t2\nc\t3\n"


def test_cat_of_a_local_output_directory(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-00001").write_bytes(b"2\n")
    (out / "part-00000").write_bytes(b"1\n")
    (out / "_SUCCESS").write_bytes(b"")
    result = streamr("cat", "--no-conf", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"1\n2\n"


def test_cat_warns_when_the_job_did_not_finish(aws):
    aws.bucket("out-bkt")
    make_output(aws, "s3://out-bkt/run/", success=False)
    result = streamr("cat", "--no-conf", "--s3-endpoint", aws.endpoint, "s3://out-bkt/run/")
    assert result.returncode == 0
    assert result.stdout == b"a\t1\nb\t2\nc\t3\n"
    assert result.stderr.decode().strip() == (
        "s3://out-bkt/run/ has no _SUCCESS file: the job that wrote it may not have finished")


def test_cat_of_nothing_is_one_line(aws, tmp_path):
    aws.bucket("out-bkt")
    result = streamr("cat", "--no-conf", "--s3-endpoint", aws.endpoint, "s3://out-bkt/none/")
    assert result.returncode == 2
    assert result.stderr.decode() == (
        "streamr: error: nothing at s3://out-bkt/none/; check the path\n")
    result = streamr("cat", "--no-conf", str(tmp_path / "missing"))
    assert result.returncode == 2 and b"nothing at" in result.stderr


def test_cat_aws_refusal_is_one_line_with_exit_1(aws):
    result = streamr("cat", "--no-conf", "--s3-endpoint", aws.endpoint, "s3://no-such-bkt/x/")
    assert result.returncode == 1
    assert result.stderr.decode() == (
        "streamr: error: bucket 'no-such-bkt' does not exist (for s3://no-such-bkt/x/): check"
        " the name, or create the bucket first\n")


def test_failed_cat_leaves_no_result_file(aws, tmp_path):
    aws.bucket("out-bkt")
    aws.put("s3://out-bkt/run/part-00000", b"fine\n")
    aws.put("s3://out-bkt/run/part-00001.gz", b"not gzip at all")
    target = tmp_path / "result.txt"
    result = streamr("cat", "--no-conf", "--s3-endpoint", aws.endpoint, "s3://out-bkt/run/",
                     "-o", str(target))
    assert result.returncode == 1
    assert result.stderr.decode().splitlines()[-1] + "\n" == (
        "streamr: error: s3://out-bkt/run/part-00001.gz: cannot decompress it (Not a gzipped"
        " file (b'no')); the file is damaged, cut short or not in the format its name says\n")
    assert not target.exists()
    assert os.listdir(tmp_path) == []


def test_cat_takes_aws_options_from_the_config_file(aws, tmp_path):
    aws.bucket("out-bkt")
    make_output(aws, "s3://out-bkt/run/")
    conf = tmp_path / "streamr.conf"
    conf.write_text("runners:\n  emr:\n    s3_endpoint: %s\n" % aws.endpoint)
    result = streamr("cat", "-c", str(conf), "s3://out-bkt/run/")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"a\t1\nb\t2\nc\t3\n"


def test_write_output_in_python(aws, tmp_path):
    aws.bucket("out-bkt")
    make_output(aws, "s3://out-bkt/run/")
    fs = make_filesystem({"s3_endpoint": aws.endpoint})
    total = write_output(["s3://out-bkt/run/"], {}, str(tmp_path / "r.txt"), fs=fs)
    assert total == 12
    assert (tmp_path / "r.txt").read_bytes() == b"a\t1\nb\t2\nc\t3\n"


def test_corrupt_compressed_input_is_one_line(tmp_path):
    bad = tmp_path / "in.gz"
    bad.write_bytes(gzip.compress(b"a b c\n" * 1000)[:-20])  # cut short
    result = subprocess.run([sys.executable, os.path.join(ROOT, "examples",
                                                          "mr_word_freq_count.py"),
                             "-r", "inline", "--no-conf", str(bad)],
                            capture_output=True, timeout=120)
    assert result.returncode == 1
    err = result.stderr.decode().strip()
    assert err.count("\n") == 0, err
    assert "in.gz: cannot decompress it (Compressed file ended before the end-of-stream" in err


def test_corrupt_compressed_input_in_a_local_task_is_named(tmp_path):
    bad = tmp_path / "in.bz2"
    bad.write_bytes(bz2.compress(b"a b c\n" * 1000)[:-20])
    result = subprocess.run([sys.executable, os.path.join(ROOT, "examples",
                                                          "mr_word_freq_count.py"),
                             "-r", "local", "--no-conf", str(bad)],
                            capture_output=True, timeout=120)
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "Traceback" not in err
    # one line: the task, then the reason it gave
    assert err.strip().splitlines()[-1].startswith("Step 1 of 1 failed: mapper task 0 reading")
    assert err.strip().endswith("(exit status 1): %s: cannot decompress it (Compressed file"
                                " ended before the end-of-stream marker was reached); the file"
                                " is damaged,"
                                " cut short or not in the format its name says" % bad)


def test_cat_result_file_has_ordinary_permissions(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-00000").write_bytes(b"1\n")
    target = tmp_path / "result.txt"
    result = streamr("cat", "--no-conf", str(out), "-o", str(target))
    assert result.returncode == 0, result.stderr
    reference = tmp_path / "reference"
    reference.write_bytes(b"")  # what open() makes under the same umask
    assert target.stat().st_mode & 0o777 == reference.stat().st_mode & 0o777
