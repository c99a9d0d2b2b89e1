"""HDFS as a filesystem of streamr's fs layer, through ``hadoop fs``: the
``-ls`` lines of Hadoop 3 read right, and every operation against the
stand-in Hadoop (:mod:`tests.hadoop_standin`); ``streamr cat`` reads
``hdfs://`` paths."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys

import pytest

from streamr.errors import HadoopError
from streamr.fs import make_filesystem
from streamr.fs.hdfs import HdfsFilesystem, parse_ls_line
from tests.hadoop_standin import install
from tests.support.jobs import ROOT


def test_ls_lines_of_hadoop_3_are_read():
    line = "-rw-r--r--   3 alice supergroup    1234567 2026-11-29 17:00 hdfs://nn:8020/a/b c.txt"
    entry = parse_ls_line(line)
    assert entry == ("hdfs://nn:8020/a/b c.txt", False, 1234567)
    folder = parse_ls_line("drwxr-xr-x   - alice supergroup          0 2026-11-29 17:00 /a")
    assert folder == ("/a", True, 0)
    assert parse_ls_line("drwxrwxrwt+  - hdfs  hadoop 0 2026-01-02 03:04 /tmp").is_dir
    assert parse_ls_line("Found 3 items") is None
    assert parse_ls_line("2026-11-29 17:00:01,000 WARN util.NativeCodeLoader: no") is None


@pytest.fixture
def hdfs(tmp_path):
    hadoop = install(str(tmp_path / "hadoop"))
    return hadoop, HdfsFilesystem([hadoop.hadoop])


@pytest.mark.slow
def test_put_ls_cat_get_rm(hdfs, tmp_path):
    hadoop, fs = hdfs
    local = tmp_path / "a.txt"
    local.write_bytes(b"one\ntwo\n")
    packed = tmp_path / "b.txt.gz"
    packed.write_bytes(gzip.compress(b"three\n"))
    fs.put(str(local), "hdfs:///data/in/a.txt")
    fs.put(str(packed), "hdfs:///data/in/sub/b.txt.gz")
    fs.put(str(local), "hdfs:///data/in/_SUCCESS")
    assert os.path.exists(hadoop.hdfs_path("/data/in/a.txt"))

    assert list(fs.ls_sizes("hdfs:///data/in")) == [
        ("hdfs:///data/in/_SUCCESS", 8), ("hdfs:///data/in/a.txt", 8),
        ("hdfs:///data/in/sub/b.txt.gz", len(packed.read_bytes()))]
    # hidden files are left out, compressed ones read decompressed
    assert b"".join(fs.cat("hdfs:///data/in")) == b"one\ntwo\nthree\n"
    assert fs.exists("hdfs:///data/in/a.txt") and not fs.exists("hdfs:///data/nothing")
    assert list(fs.ls_sizes("hdfs:///data/nothing")) == []

    fs.get("hdfs:///data/in/a.txt", str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_bytes() == b"one\ntwo\n"

    fs.rm("hdfs:///data/in/sub")
    assert not fs.exists("hdfs:///data/in/sub")
    fs.mkdir("hdfs:///data/empty/deeper")
    assert os.path.isdir(hadoop.hdfs_path("/data/empty/deeper"))
    assert ["-rm", "-r", "-f", "-skipTrash", "hdfs:///data/in/sub"] in [
        call[2:] for call in hadoop.calls()]


@pytest.mark.slow
def test_globs_are_hadoops_and_keep_the_callers_form(hdfs, tmp_path):
    hadoop, fs = hdfs
    local = tmp_path / "x"
    local.write_bytes(b"x\n")
    for name in ("2026-01-01/a", "2026-01-02/a", "2026-02-01/a"):
        fs.put(str(local), "hdfs://localhost:8020/logs/" + name)
    found = fs.files("hdfs://localhost:8020/logs/2026-01-*")
    assert found == ["hdfs://localhost:8020/logs/2026-01-01/a",
                     "hdfs://localhost:8020/logs/2026-01-02/a"]
    assert fs.size("hdfs://localhost:8020/logs/{2026-01-01,2026-02-01}") == 4
    with fs.open_write("hdfs:///logs/written.txt") as out:
        out.write(b"whole\n")
    assert b"".join(fs.cat("hdfs:///logs/written.txt")) == b"whole\n"


@pytest.mark.slow
def test_a_failing_hadoop_fs_is_one_line(hdfs, tmp_path):
    _, fs = hdfs
    with pytest.raises(HadoopError) as raised:
        fs.get("hdfs:///no/such/file", str(tmp_path / "x"))
    assert "No such file or directory" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_hdfs_is_among_the_filesystems_and_found_only_when_used(tmp_path):
    fs = make_filesystem({"hadoop_bin": ["/nowhere/hadoop"]})
    assert fs.for_path("hdfs:///x").hadoop_bin == ["/nowhere/hadoop"]
    assert fs.exists(str(tmp_path))  # a local path never runs hadoop


@pytest.mark.slow
def test_streamr_cat_reads_hdfs(hdfs, tmp_path):
    hadoop, fs = hdfs
    local = tmp_path / "part"
    local.write_bytes(b"k\t1\n")
    fs.put(str(local), "hdfs:///out/part-00000")
    env = dict(os.environ, HADOOP_HOME=hadoop.home, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-m", "streamr.cli", "cat", "hdfs:///out"],
                          capture_output=True, env=env, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b"k\t1\n"
