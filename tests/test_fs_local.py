"""The local filesystem (streamr.fs.local), and the logic every filesystem
shares (streamr.fs.base: files, size, cat) seen through it."""

import bz2
import gzip
import hashlib
import os

import pytest

from streamr.fs.base import Entry, is_hidden_name
from streamr.fs.local import LocalFilesystem, file_md5, local_path


@pytest.fixture()
def fs():
    return LocalFilesystem()


def write(path, data=b"x"):
    path = str(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def read(path):
    with open(str(path), "rb") as handle:
        return handle.read()


def job_output(root):
    """A directory as a Hadoop job leaves it."""
    out = root / "out"
    write(out / "part-00001", b"b\n")
    write(out / "part-00000", b"a\n")
    write(out / "_SUCCESS", b"")
    write(out / ".part-00000.crc", b"crc")
    write(out / "_logs" / "history.txt", b"log")
    return out


# --- glob --------------------------------------------------------------------------------


def test_glob_plain_file(fs, tmp_path):
    path = write(tmp_path / "a.txt")
    assert fs.glob(path) == [Entry(path, False)]


def test_glob_plain_directory_is_flagged(fs, tmp_path):
    write(tmp_path / "d" / "a.txt")
    assert fs.glob(str(tmp_path / "d")) == [Entry(str(tmp_path / "d"), True)]


def test_glob_missing_path(fs, tmp_path):
    assert fs.glob(str(tmp_path / "missing")) == []
    assert fs.glob(str(tmp_path / "missing-*")) == []
    assert not fs.exists(str(tmp_path / "missing"))


def test_glob_wildcard_is_sorted_and_flags_dirs(fs, tmp_path):
    write(tmp_path / "log-2.txt")
    write(tmp_path / "log-1.txt")
    write(tmp_path / "log-3" / "x")
    write(tmp_path / "other.txt")
    assert fs.glob(str(tmp_path / "log-*")) == [
        Entry(str(tmp_path / "log-1.txt"), False),
        Entry(str(tmp_path / "log-2.txt"), False),
        Entry(str(tmp_path / "log-3"), True),
    ]


def test_glob_star_does_not_cross_directories(fs, tmp_path):
    write(tmp_path / "a" / "b" / "c.txt")
    assert fs.glob(str(tmp_path / "*" / "c.txt")) == []
    assert fs.glob(str(tmp_path / "*" / "*" / "c.txt")) == [
        Entry(str(tmp_path / "a" / "b" / "c.txt"), False)]


def test_glob_braces(fs, tmp_path):
    for name in ("2024-01", "2024-02", "2024-03"):
        write(tmp_path / name / "part-00000")
    pattern = str(tmp_path / "2024-{01,03}")
    assert fs.glob(pattern) == [Entry(str(tmp_path / "2024-01"), True),
                                Entry(str(tmp_path / "2024-03"), True)]


def test_glob_overlapping_braces_give_each_match_once(fs, tmp_path):
    write(tmp_path / "ab")
    assert fs.glob(str(tmp_path / "{a*,*b}")) == [Entry(str(tmp_path / "ab"), False)]


def test_glob_character_class(fs, tmp_path):
    for name in ("part-a", "part-b", "part-c"):
        write(tmp_path / name)
    assert [e.path for e in fs.glob(str(tmp_path / "part-[!b]"))] == [
        str(tmp_path / "part-a"), str(tmp_path / "part-c")]


def test_exists(fs, tmp_path):
    write(tmp_path / "d" / "a.txt")
    assert fs.exists(str(tmp_path / "d"))
    assert fs.exists(str(tmp_path / "d" / "*.txt"))
    assert not fs.exists(str(tmp_path / "d" / "*.gz"))


# --- files and size ----------------------------------------------------------------------


def test_is_hidden_name():
    assert is_hidden_name("_SUCCESS")
    assert is_hidden_name(".part-00000.crc")
    assert not is_hidden_name("part-00000")
    assert not is_hidden_name("x_y.z")


def test_files_skips_hidden_names_under_a_directory(fs, tmp_path):
    out = job_output(tmp_path)
    assert fs.files(str(out)) == [str(out / "part-00000"), str(out / "part-00001")]


def test_files_keeps_hidden_names_when_asked(fs, tmp_path):
    out = job_output(tmp_path)
    assert sorted(fs.files(str(out), skip_hidden=False)) == sorted([
        str(out / ".part-00000.crc"), str(out / "_SUCCESS"),
        str(out / "_logs" / "history.txt"), str(out / "part-00000"),
        str(out / "part-00001")])


def test_files_keeps_a_hidden_file_named_directly(fs, tmp_path):
    out = job_output(tmp_path)
    assert fs.files(str(out / "_SUCCESS")) == [str(out / "_SUCCESS")]
    assert fs.files(str(out / "_logs" / "history.txt")) == [str(out / "_logs" / "history.txt")]


def test_files_of_a_hidden_directory_named_directly(fs, tmp_path):
    out = job_output(tmp_path)
    # the directory itself is named, so only the parts below it count
    assert fs.files(str(out / "_logs")) == [str(out / "_logs" / "history.txt")]


def test_files_leaves_hidden_names_out_of_glob_matches(fs, tmp_path):
    out = job_output(tmp_path)
    assert fs.files(str(out / "*")) == [str(out / "part-00000"), str(out / "part-00001")]
    assert fs.files(str(out / "_*")) == []
    assert sorted(fs.files(str(out / "_*"), skip_hidden=False)) == [
        str(out / "_SUCCESS"), str(out / "_logs" / "history.txt")]
    # size counts hidden files, globbed or not
    assert fs.size(str(out / "_*")) == 3


def test_files_with_trailing_slash(fs, tmp_path):
    out = job_output(tmp_path)
    assert [os.path.basename(p) for p in fs.files(str(out) + "/")] == [
        "part-00000", "part-00001"]


def test_files_in_sorted_order(fs, tmp_path):
    names = ["part-%05d" % n for n in (7, 3, 11, 0, 5, 1)]
    for name in names:
        write(tmp_path / "d" / name)
    assert fs.files(str(tmp_path / "d")) == [str(tmp_path / "d" / n) for n in sorted(names)]


def test_files_of_a_glob_in_match_order(fs, tmp_path):
    write(tmp_path / "b" / "part-00000")
    write(tmp_path / "a" / "part-00001")
    write(tmp_path / "a" / "part-00000")
    write(tmp_path / "a" / "_SUCCESS")
    assert fs.files(str(tmp_path / "[ab]")) == [
        str(tmp_path / "a" / "part-00000"), str(tmp_path / "a" / "part-00001"),
        str(tmp_path / "b" / "part-00000")]


def test_files_of_missing_path_is_empty(fs, tmp_path):
    assert fs.files(str(tmp_path / "missing")) == []


def test_files_without_glob_takes_brackets_literally(fs, tmp_path):
    literal = write(tmp_path / "a[1].txt", b"literal")
    write(tmp_path / "a1.txt", b"globbed")
    pattern = str(tmp_path / "a[1].txt")
    assert fs.files(pattern) == [str(tmp_path / "a1.txt")]
    assert fs.files(pattern, use_glob=False) == [literal]
    assert b"".join(fs.cat(pattern, use_glob=False)) == b"literal"


def test_files_with_sizes(fs, tmp_path):
    write(tmp_path / "d" / "a", b"123")
    write(tmp_path / "d" / "b", b"12345")
    assert fs.files_with_sizes(str(tmp_path / "d")) == [
        (str(tmp_path / "d" / "a"), 3), (str(tmp_path / "d" / "b"), 5)]


def test_size_counts_every_file_hidden_ones_too(fs, tmp_path):
    out = job_output(tmp_path)
    assert fs.size(str(out)) == 2 + 2 + 0 + 3 + 3
    assert fs.size(str(out / "part-*")) == 4
    assert fs.size(str(tmp_path / "missing")) == 0


def test_ls_includes_hidden_files(fs, tmp_path):
    out = job_output(tmp_path)
    assert str(out / "_SUCCESS") in list(fs.ls(str(out)))
    assert list(fs.ls(str(out / "part-00000"))) == [str(out / "part-00000")]
    assert list(fs.ls(str(tmp_path / "missing"))) == []


# --- reading -----------------------------------------------------------------------------

TEXT = b"".join(b"line %d\n" % n for n in range(1000))


def test_open_read_plain(fs, tmp_path):
    path = write(tmp_path / "a.txt", TEXT)
    with fs.open_read(path) as stream:
        assert stream.read() == TEXT


def test_open_read_decompresses_gzip(fs, tmp_path):
    path = write(tmp_path / "a.gz", gzip.compress(TEXT))
    with fs.open_read(path) as stream:
        assert stream.read() == TEXT


def test_open_read_decompresses_bz2(fs, tmp_path):
    path = write(tmp_path / "a.bz2", bz2.compress(TEXT))
    with fs.open_read(path) as stream:
        assert stream.read() == TEXT


def test_open_read_decompresses_zst(fs, tmp_path):
    import smart_open

    path = str(tmp_path / "a.zst")
    with smart_open.open(path, "wb") as stream:
        stream.write(TEXT)
    assert read(path)[:4] == b"\x28\xb5\x2f\xfd"  # zstd's magic number: really compressed
    with fs.open_read(path) as stream:
        assert stream.read() == TEXT


def test_open_read_suffix_is_case_insensitive(fs, tmp_path):
    path = write(tmp_path / "A.GZ", gzip.compress(TEXT))
    with fs.open_read(path) as stream:
        assert stream.read() == TEXT


def test_open_read_without_decompress_gives_raw_bytes(fs, tmp_path):
    raw = gzip.compress(TEXT)
    path = write(tmp_path / "a.gz", raw)
    with fs.open_read(path, decompress=False) as stream:
        assert stream.read() == raw


def test_open_read_missing_file(fs, tmp_path):
    with pytest.raises(FileNotFoundError):
        fs.open_read(str(tmp_path / "missing.txt"))


# --- writing -----------------------------------------------------------------------------


def test_open_write_appears_when_closed(fs, tmp_path):
    path = str(tmp_path / "sub" / "out.txt")
    with fs.open_write(path) as stream:
        stream.write(b"hello ")
        stream.write(b"world")
        assert not os.path.exists(path)  # not before it is complete
    assert read(path) == b"hello world"
    assert os.listdir(str(tmp_path / "sub")) == ["out.txt"]


def test_open_write_file_permissions_follow_umask(fs, tmp_path):
    path = str(tmp_path / "out.txt")
    old = os.umask(0o027)
    try:
        with fs.open_write(path) as stream:
            stream.write(b"x")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o640


def test_open_write_replaces_existing_file(fs, tmp_path):
    path = write(tmp_path / "out.txt", b"old contents, longer")
    with fs.open_write(path) as stream:
        stream.write(b"new")
    assert read(path) == b"new"


class Boom(Exception):
    pass


def test_open_write_leaves_nothing_when_body_raises(fs, tmp_path):
    path = str(tmp_path / "out.txt")
    with pytest.raises(Boom), fs.open_write(path) as stream:
        stream.write(b"partial")
        raise Boom()
    assert not os.path.exists(path)
    assert os.listdir(str(tmp_path)) == []


def test_open_write_keeps_old_file_when_body_raises(fs, tmp_path):
    path = write(tmp_path / "out.txt", b"old")
    with pytest.raises(Boom), fs.open_write(path) as stream:
        stream.write(b"partial")
        raise Boom()
    assert read(path) == b"old"
    assert os.listdir(str(tmp_path)) == ["out.txt"]


def test_open_write_gzip_round_trip(fs, tmp_path):
    path = str(tmp_path / "out.gz")
    with fs.open_write(path) as stream:
        stream.write(TEXT)
    assert gzip.decompress(read(path)) == TEXT
    with fs.open_read(path) as stream:
        assert stream.read() == TEXT
    assert os.listdir(str(tmp_path)) == ["out.gz"]


def test_open_write_bz2_by_suffix(fs, tmp_path):
    path = str(tmp_path / "out.bz2")
    with fs.open_write(path) as stream:
        stream.write(TEXT)
    assert bz2.decompress(read(path)) == TEXT


def test_open_write_compressed_leaves_nothing_when_body_raises(fs, tmp_path):
    path = str(tmp_path / "out.gz")
    with pytest.raises(Boom), fs.open_write(path) as stream:
        stream.write(TEXT)
        raise Boom()
    assert os.listdir(str(tmp_path)) == []


def test_open_write_without_compress_writes_raw(fs, tmp_path):
    path = str(tmp_path / "out.gz")
    with fs.open_write(path, compress=False) as stream:
        stream.write(b"not gzip")
    assert read(path) == b"not gzip"


# --- put, get, mkdir, rm, checksum, join -------------------------------------------------


def test_put_makes_parent_directories(fs, tmp_path):
    source = write(tmp_path / "src.bin", bytes(range(256)) * 10)
    target = str(tmp_path / "a" / "b" / "dst.bin")
    fs.put(source, target)
    assert read(target) == read(source)


def test_get_copies_bytes_as_is(fs, tmp_path):
    raw = gzip.compress(TEXT)
    source = write(tmp_path / "src.gz", raw)
    target = str(tmp_path / "dst.gz")
    fs.get(source, target)
    assert read(target) == raw


def test_mkdir_makes_parents_and_is_idempotent(fs, tmp_path):
    path = str(tmp_path / "a" / "b" / "c")
    fs.mkdir(path)
    fs.mkdir(path)
    assert os.path.isdir(path)


def test_rm_file(fs, tmp_path):
    path = write(tmp_path / "a.txt")
    keep = write(tmp_path / "b.txt")
    fs.rm(path)
    assert not os.path.exists(path)
    assert os.path.exists(keep)


def test_rm_directory(fs, tmp_path):
    out = job_output(tmp_path)
    keep = write(tmp_path / "keep.txt")
    fs.rm(str(out))
    assert not os.path.exists(str(out))
    assert os.path.exists(keep)


def test_rm_missing_path_is_fine(fs, tmp_path):
    fs.rm(str(tmp_path / "missing"))
    assert not os.path.exists(str(tmp_path / "missing"))


def test_rm_symlink_to_directory_removes_only_the_link(fs, tmp_path):
    target = write(tmp_path / "real" / "a.txt")
    link = str(tmp_path / "link")
    os.symlink(str(tmp_path / "real"), link)
    fs.rm(link)
    assert not os.path.lexists(link)
    assert os.path.exists(target)


def test_checksum_is_md5(fs, tmp_path):
    data = os.urandom(3 << 20)
    path = write(tmp_path / "a.bin", data)
    assert fs.checksum(path) == hashlib.md5(data).hexdigest()
    assert file_md5(path) == hashlib.md5(data).hexdigest()


def test_checksum_of_empty_file(fs, tmp_path):
    path = write(tmp_path / "empty", b"")
    assert fs.checksum(path) == hashlib.md5(b"").hexdigest()


def test_checksum_is_of_bytes_as_stored(fs, tmp_path):
    raw = gzip.compress(TEXT)
    path = write(tmp_path / "a.gz", raw)
    assert fs.checksum(path) == hashlib.md5(raw).hexdigest()


def test_join(fs, tmp_path):
    assert fs.join(str(tmp_path), "a", "b.txt") == os.path.join(str(tmp_path), "a", "b.txt")
    assert fs.join("file://" + str(tmp_path), "x") == os.path.join(str(tmp_path), "x")


# --- file:// URIs ------------------------------------------------------------------------


def test_handles():
    fs = LocalFilesystem()
    assert fs.handles("/tmp/x")
    assert fs.handles("relative/x")
    assert fs.handles("file:///tmp/x")
    assert not fs.handles("s3://bucket/x")
    assert not fs.handles("hdfs://host/x")


def test_local_path():
    assert local_path("file:///tmp/x") == "/tmp/x"
    assert local_path("/tmp/x") == "/tmp/x"
    assert local_path("~/x") == os.path.expanduser("~/x")


def test_file_uris(fs, tmp_path):
    out = job_output(tmp_path)
    uri = "file://" + str(out)
    assert fs.exists(uri)
    assert fs.glob(uri) == [Entry(str(out), True)]
    assert fs.files(uri) == [str(out / "part-00000"), str(out / "part-00001")]
    assert fs.files("file://" + str(out / "part-*")) == [
        str(out / "part-00000"), str(out / "part-00001")]
    assert fs.size(uri) == 10
    assert b"".join(fs.cat(uri)) == b"a\nb\n"
    with fs.open_read(uri + "/part-00000") as stream:
        assert stream.read() == b"a\n"
    assert fs.checksum(uri + "/part-00000") == hashlib.md5(b"a\n").hexdigest()


def test_file_uri_writes(fs, tmp_path):
    uri = "file://" + str(tmp_path / "w")
    fs.mkdir(uri)
    assert os.path.isdir(str(tmp_path / "w"))
    with fs.open_write(uri + "/out.gz") as stream:
        stream.write(b"zipped")
    assert gzip.decompress(read(tmp_path / "w" / "out.gz")) == b"zipped"
    source = write(tmp_path / "src", b"copied")
    fs.put(source, uri + "/copy")
    assert read(tmp_path / "w" / "copy") == b"copied"
    fs.get(uri + "/copy", str(tmp_path / "back"))
    assert read(tmp_path / "back") == b"copied"
    fs.rm(uri)
    assert not os.path.exists(str(tmp_path / "w"))


# --- cat ---------------------------------------------------------------------------------


def test_cat_reads_output_in_name_order(fs, tmp_path):
    out = job_output(tmp_path)
    assert b"".join(fs.cat(str(out))) == b"a\nb\n"


def test_cat_decompresses_and_skips_empty_files(fs, tmp_path):
    out = tmp_path / "out"
    write(out / "part-00000.gz", gzip.compress(b"one\n"))
    write(out / "part-00001.bz2", b"")  # empty: bz2 would fail to decompress it
    write(out / "part-00002.bz2", bz2.compress(b"three\n"))
    write(out / "part-00003", b"")
    write(out / "part-00004", b"five\n")
    write(out / "_SUCCESS", b"not output\n")
    write(out / ".part-00004.crc", b"not output\n")
    assert b"".join(fs.cat(str(out))) == b"one\nthree\nfive\n"


def test_cat_of_a_glob(fs, tmp_path):
    write(tmp_path / "a.txt", b"A")
    write(tmp_path / "b.txt", b"B")
    write(tmp_path / "c.log", b"C")
    assert b"".join(fs.cat(str(tmp_path / "*.txt"))) == b"AB"


def test_cat_of_large_file_comes_in_chunks(fs, tmp_path):
    data = os.urandom(200_000)
    path = write(tmp_path / "big", data)
    chunks = list(fs.cat(path))
    assert len(chunks) > 1
    assert b"".join(chunks) == data


def test_cat_of_missing_path_is_empty(fs, tmp_path):
    assert list(fs.cat(str(tmp_path / "missing"))) == []


def test_files_under_subdirectories_are_in_path_order(fs, tmp_path):
    # os.walk gives a directory's own files before its subdirectories'
    write(tmp_path / "d" / "b")
    write(tmp_path / "d" / "a" / "x")
    assert fs.files(str(tmp_path / "d")) == [str(tmp_path / "d" / "a" / "x"),
                                             str(tmp_path / "d" / "b")]
