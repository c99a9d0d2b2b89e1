"""streamr.util, streamr.parse and streamr.cat against mrjob 0.7.4's
modules of the same names: a job that imports a helper from streamr instead
of mrjob gets the same answers, edge cases included."""

import bz2
import gzip
import importlib
import io
import logging
import os
import stat
import tarfile
import zipfile
from datetime import timedelta

import pytest

import streamr.cat
import streamr.parse
import streamr.util
from streamr.errors import UsageError

pytestmark = pytest.mark.mrjob


class _MrjobModules:
    """``mrjob.cat``, ``mrjob.parse``, ``mrjob.util``, each imported on first
    use: from Python 3.12 on mrjob cannot be installed, and this module must
    still collect there (its tests are deselected with -m "not mrjob")."""

    def __getattr__(self, name):
        return importlib.import_module("mrjob." + name)


mrjob = _MrjobModules()


def _outcome(function, *args):
    """``("ok", result)`` or ``("error", exception type)``."""
    try:
        result = function(*args)
        if hasattr(result, "__next__"):
            result = list(result)
        return "ok", result
    except Exception as exc:  # any failure is an outcome to compare
        return "error", type(exc)


def _same_as_mrjob(name, theirs, ours, *args):
    assert _outcome(getattr(ours, name), *args) == _outcome(getattr(theirs, name), *args)


# --- streamr.util ------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["ls", "-l"], ["echo", "a b", "it's", ""], ["x", 1, 2.5, None], [], ["$HOME", "*", "a\nb"],
])
def test_cmd_line(args):
    _same_as_mrjob("cmd_line", mrjob.util, streamr.util, args)


@pytest.mark.parametrize("text", [
    "a b  c", "'a b' \"c d\"", "a\\ b", "", "  ", "'unclosed", "x # not a comment?", "é ü",
])
def test_shlex_split(text):
    _same_as_mrjob("shlex_split", mrjob.util, streamr.util, text)


@pytest.mark.parametrize("name", [
    "foo.tar.gz", ".emacs", ".mrjob.conf", "noext", "", "...", "a.", "dir.d/file", "..a.b",
])
def test_file_ext(name):
    _same_as_mrjob("file_ext", mrjob.util, streamr.util, name)


@pytest.mark.parametrize("path", ["~/x", "$HOME/y", "${NOPE_NOT_SET}/z", "plain", None])
def test_expand_path(path, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NOPE_NOT_SET", raising=False)
    _same_as_mrjob("expand_path", mrjob.util, streamr.util, path)


@pytest.mark.parametrize("delta", [
    timedelta(0), timedelta(seconds=1, microseconds=999999), timedelta(days=-1, microseconds=5),
    timedelta(days=3, hours=2, microseconds=1),
])
def test_strip_microseconds(delta):
    _same_as_mrjob("strip_microseconds", mrjob.util, streamr.util, delta)


@pytest.mark.parametrize("items", [[], [1, 1, 2, 1, 3], ["b", "a", "b"], [(1,), (1,), None]])
def test_unique(items):
    _same_as_mrjob("unique", mrjob.util, streamr.util, items)


def test_unique_of_unhashable_fails_as_mrjob():
    _same_as_mrjob("unique", mrjob.util, streamr.util, [[1], [1]])


@pytest.mark.parametrize("chunks", [
    [], [b""], [b"a\nb\n"], [b"a", b"b\nc", b"\n"], [b"no newline"],
    [b"end of one", b"", b"start of two\n"], [b"x\n", b"", b"", b"y"],
    [b"\r\n\n", b"a\rb"], [b"a\nb", b"", b"c"],
])
def test_to_lines(chunks):
    _same_as_mrjob("to_lines", mrjob.util, streamr.util, chunks)


def test_to_lines_passes_open_files_through():
    handle = io.BytesIO(b"a\nb")
    assert streamr.util.to_lines(handle) is handle


@pytest.mark.parametrize("text", [
    "1", "[1, 'a', None, True]", "{'k': (1, 2.5)}", "set([1, 2])", "range(3)", "b'x'",
    "1 +", "", "x y",
])
def test_safeeval_values(text):
    _same_as_mrjob("safeeval", mrjob.util, streamr.util, text)


def test_safeeval_names_from_globals_and_locals():
    for module in (mrjob.util, streamr.util):
        assert module.safeeval("[a, b]", {"a": 1, "b": 2}, {"b": 3}) == [1, 3]


@pytest.mark.parametrize("text", ["open('/etc/passwd')", "__import__('os')", "len([1])"])
def test_safeeval_refuses_code(text):
    with pytest.raises((TypeError, NameError)):
        mrjob.util.safeeval(text)
    with pytest.raises(TypeError):
        streamr.util.safeeval(text)


def test_safeeval_cannot_escape_through_attributes():
    # mrjob's eval-based version runs this and hands out every class in the
    # interpreter; streamr's reads values only
    escape = "().__class__.__bases__[0].__subclasses__()"
    assert isinstance(mrjob.util.safeeval(escape), list)
    with pytest.raises(TypeError):
        streamr.util.safeeval(escape)


def test_random_identifier_shape():
    seen = {streamr.util.random_identifier() for _ in range(50)}
    assert len(seen) == 50
    for ident in seen:
        assert len(ident) == len(mrjob.util.random_identifier()) == 16
        int(ident, 16)


def test_which(tmp_path):
    program = tmp_path / "my-tool"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    (tmp_path / "not-executable").write_text("")
    for name in ("my-tool", "not-executable", "missing"):
        assert streamr.util.which(name, path=str(tmp_path)) == \
            mrjob.util.which(name, path=str(tmp_path))
    assert streamr.util.which("my-tool", path=str(tmp_path)) == str(program)


def _capture_logger(function, name, **kwargs):
    stream = io.StringIO()
    logger = logging.getLogger(name)
    saved = logger.handlers[:], logger.level, logger.propagate
    try:
        logger.propagate = False
        function(name, stream=stream, **kwargs)
        logger.debug("debug line")
        logger.info("info %s", "line")
        return stream.getvalue(), logger.level
    finally:
        logger.handlers, logger.level, logger.propagate = saved[0], saved[1], saved[2]


@pytest.mark.parametrize("kwargs", [{}, {"debug": True}, {"format": "[%(levelname)s] %(message)s"},
                                    {"level": logging.WARNING}])
def test_log_to_stream(kwargs):
    assert _capture_logger(streamr.util.log_to_stream, "test.helpers.ours", **kwargs) == \
        _capture_logger(mrjob.util.log_to_stream, "test.helpers.theirs", **kwargs)


def test_log_to_null_swallows_records(capsys):
    logger = logging.getLogger("test.helpers.null")
    logger.propagate = False
    streamr.util.log_to_null("test.helpers.null")
    logger.error("nothing to see")
    assert capsys.readouterr().err == ""
    assert [type(h).__name__ for h in logger.handlers] == ["NullHandler"]


def _tree(root):
    return sorted((os.path.relpath(os.path.join(folder, name), root),
                   open(os.path.join(folder, name), "rb").read())
                  for folder, _, names in os.walk(root) for name in names)


def _make_source(tmp_path):
    source = tmp_path / "src"
    (source / "sub" / "deeper").mkdir(parents=True)
    (source / "top.txt").write_bytes(b"top\n")
    (source / "sub" / "a.py").write_bytes(b"print(1)\n")
    (source / "sub" / "deeper" / "b.txt").write_bytes(b"b")
    (source / "link.txt").symlink_to("top.txt")
    return source


@pytest.mark.parametrize("prefix, keep", [("", None), ("pkg", None),
                                          ("", lambda path: path.endswith(".py"))])
def test_zip_dir(tmp_path, prefix, keep):
    source = _make_source(tmp_path)
    names = {}
    for module in (mrjob.util, streamr.util):
        out = tmp_path / (module.__name__ + ".zip")
        module.zip_dir(str(source), str(out), filter=keep, prefix=prefix)
        with zipfile.ZipFile(out) as archive:
            names[module] = sorted((n, archive.read(n)) for n in archive.namelist())
    assert names[streamr.util] == names[mrjob.util]
    assert names[streamr.util]  # something was written


def test_zip_dir_of_missing_dir(tmp_path):
    for module in (mrjob.util, streamr.util):
        with pytest.raises(OSError):
            module.zip_dir(str(tmp_path / "missing"), str(tmp_path / "out.zip"))


@pytest.mark.parametrize("kind", ["zip", "tar", "tar.gz", "tar.bz2"])
def test_unarchive_unpacks_as_mrjob(tmp_path, kind):
    source = _make_source(tmp_path)
    archive = tmp_path / ("a." + kind)
    if kind == "zip":
        mrjob.util.zip_dir(str(source), str(archive))
    else:
        mode = {"tar": "w", "tar.gz": "w:gz", "tar.bz2": "w:bz2"}[kind]
        with tarfile.open(archive, mode) as tar:
            tar.add(source, arcname=".")
    mrjob.util.unarchive(str(archive), str(tmp_path / "theirs"))
    streamr.util.unarchive(str(archive), str(tmp_path / "ours" / "made"))
    assert _tree(tmp_path / "ours" / "made") == _tree(tmp_path / "theirs")


def test_unarchive_of_something_else(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_bytes(b"not an archive")
    for module in (mrjob.util, streamr.util):
        with pytest.raises(OSError, match="Unknown archive type"):
            module.unarchive(str(path), str(tmp_path / "out"))


def _evil_tar(path, member):
    data = b"owned\n"
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def _evil_zip(path, member):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, b"owned\n")


@pytest.mark.parametrize("make", [_evil_tar, _evil_zip])
def test_unarchive_refuses_members_escaping_the_target(tmp_path, make):
    archive = tmp_path / "evil.bin"
    make(archive, "../escaped.txt")
    target = tmp_path / "work" / "dest"
    target.mkdir(parents=True)
    # mrjob's writes the file outside its target
    mrjob.util.unarchive(str(archive), str(target))
    assert (tmp_path / "work" / "escaped.txt").exists()
    (tmp_path / "work" / "escaped.txt").unlink()
    with pytest.raises(UsageError, match="outside"):
        streamr.util.unarchive(str(archive), str(target / "again"))
    assert not (target / "escaped.txt").exists()
    assert not (tmp_path / "work" / "escaped.txt").exists()


def test_unarchive_refuses_tar_link_out_of_the_target(tmp_path):
    archive = tmp_path / "link.tar"
    with tarfile.open(archive, "w") as tar:
        link = tarfile.TarInfo("out")
        link.type = tarfile.SYMTYPE
        link.linkname = str(tmp_path)
        tar.addfile(link)
        data = b"owned\n"
        info = tarfile.TarInfo("out/planted.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(UsageError, match="outside"):
        streamr.util.unarchive(str(archive), str(tmp_path / "dest"))
    assert not (tmp_path / "planted.txt").exists()


def test_unarchive_keeps_modes(tmp_path):
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    with tarfile.open(tmp_path / "s.tar", "w") as tar:
        tar.add(script, arcname="run.sh")
    streamr.util.unarchive(str(tmp_path / "s.tar"), str(tmp_path / "out"))
    assert os.stat(tmp_path / "out" / "run.sh").st_mode & stat.S_IXUSR


# --- streamr.parse -----------------------------------------------------------------

URIS = [
    "s3://walrus/tmp/", "s3://walrus/tmp/file.txt", "s3n://b/k", "s3a://b/k/", "S3://b/k",
    "s3://walrus", "s3://walrus/", "s3://b/k#frag", "s3://b/k?x=1", "s3://b//k",
    "hdfs://nn/path", "gs://b/k", "file:///tmp/x", "/tmp/x", "relative/x", "",
    "C:\\windows", "s3://b/a b", "://nothing", "http://host/p#f",
]


@pytest.mark.parametrize("uri", URIS)
@pytest.mark.parametrize("name", ["is_uri", "is_s3_uri", "parse_s3_uri", "urlparse"])
def test_parse(name, uri):
    _same_as_mrjob(name, mrjob.parse, streamr.parse, uri)


@pytest.mark.parametrize("uri", ["s3:///key", "s3:/b/k"])
def test_s3_uri_without_bucket_is_refused(uri):
    # mrjob splits these into an empty bucket name and a key
    assert mrjob.parse.parse_s3_uri(uri)[0] == ""
    assert not streamr.parse.is_s3_uri(uri)
    with pytest.raises(ValueError, match="Invalid S3 URI"):
        streamr.parse.parse_s3_uri(uri)


@pytest.mark.parametrize("args", [("s3://b/k#f", "", False), ("b/k", "s3"), ("x#y", "", True)])
def test_urlparse_arguments(args):
    _same_as_mrjob("urlparse", mrjob.parse, streamr.parse, *args)


@pytest.mark.parametrize("path", ["/tmp/x", "rel/a b.txt", "s3://b/k", "file:///x", "~/x", "."])
def test_to_uri(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _same_as_mrjob("to_uri", mrjob.parse, streamr.parse, path)


def test_import_of_parse_and_util_loads_no_aws_code():
    import subprocess
    import sys

    code = ("import sys, streamr.util, streamr.parse, streamr.cat;"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in"
            " ('boto3', 'botocore', 'smart_open', 'yaml', 'click') or m in"
            " ('streamr.aws', 'streamr.fs.s3', 'streamr.conf', 'streamr.runners.base')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# --- streamr.cat -------------------------------------------------------------------

DATA = b"first line\nsecond line\n" * 300 + b"no newline at the end"


@pytest.mark.parametrize("path", ["x.gz", "x.bz2", "x.txt", "x", "x.gz.txt", "dir.gz/x",
                                  "x.tar.gz"])
def test_is_compressed(path):
    _same_as_mrjob("is_compressed", mrjob.cat, streamr.cat, path)


def test_is_compressed_knows_more_formats_and_upper_case():
    # streamr reads these decompressed everywhere else, so it says so here too
    for path in ("x.xz", "x.zst", "x.GZ"):
        assert streamr.cat.is_compressed(path)
        assert not mrjob.cat.is_compressed(path)


@pytest.mark.parametrize("path, data", [("x.gz", gzip.compress(DATA)),
                                        ("x.bz2", bz2.compress(DATA)), ("x.txt", DATA)])
@pytest.mark.parametrize("as_chunks", [False, True])
@pytest.mark.parametrize("bufsize", [1, 7, 1024])
def test_decompress(path, data, as_chunks, bufsize):
    def readable():
        if as_chunks:
            return iter([data[i:i + 333] for i in range(0, len(data), 333)])
        return io.BytesIO(data)

    ours = b"".join(streamr.cat.decompress(readable(), path, bufsize))
    theirs = b"".join(mrjob.cat.decompress(readable(), path, bufsize))
    assert ours == theirs == DATA


def test_decompress_lines_match():
    data = gzip.compress(DATA)
    ours = list(streamr.util.to_lines(streamr.cat.decompress(io.BytesIO(data), "x.gz")))
    theirs = list(mrjob.util.to_lines(mrjob.cat.decompress(io.BytesIO(data), "x.gz")))
    assert ours == theirs


@pytest.mark.parametrize("bufsize", [1, 5, 1024])
def test_to_chunks(bufsize):
    for source in (lambda: io.BytesIO(DATA), lambda: [b"a", b"bc"], lambda: io.BytesIO(b"")):
        assert list(streamr.cat.to_chunks(source(), bufsize)) == \
            list(mrjob.cat.to_chunks(source(), bufsize))
