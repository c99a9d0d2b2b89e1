"""Input that is compressed though its name has no compression suffix: its
first bytes give it away, it is read decompressed, and one warning per file
says so (issue 19, item 17)."""

from __future__ import annotations

import bz2
import gzip
import lzma

import pytest

from streamr.errors import CorruptInputError
from streamr.fs.compression import decompressing_reader, sniff, sniff_file
from streamr.inputs import compression_of, open_input
from tests.support.jobs import EXAMPLES, ok, run_job

TEXT = b"the quick brown fox\njumps over the lazy dog\nthe end\n"


def _zstd(data: bytes) -> bytes:
    from backports import zstd  # installed with smart_open[zst]

    return zstd.compress(data)


COMPRESSORS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_each_format_is_known_by_its_first_bytes(suffix):
    assert sniff(COMPRESSORS[suffix](TEXT)[:10]) == suffix


def test_zstd_is_known_by_its_first_bytes():
    assert sniff(_zstd(TEXT)[:10]) == ".zst"


@pytest.mark.parametrize("head", [b"", b"BZh", b"BZh9 and some text", b"\x1f plain",
                                  b"plain text\n", b"\xfd7zX"])
def test_text_is_not_taken_for_compressed(head):
    assert sniff(head) is None


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_open_input_reads_an_unsuffixed_file_decompressed(tmp_path, suffix):
    path = tmp_path / "data"
    path.write_bytes(COMPRESSORS[suffix](TEXT))
    with open_input(str(path)) as stream:
        assert stream.read() == TEXT


def test_open_input_reads_unsuffixed_zstd(tmp_path):
    path = tmp_path / "data"
    path.write_bytes(_zstd(TEXT))
    with open_input(str(path)) as stream:
        assert stream.read() == TEXT


def test_plain_text_stays_as_it_is(tmp_path):
    path = tmp_path / "data"
    path.write_bytes(TEXT)
    with open_input(str(path)) as stream:
        assert stream.read() == TEXT
    assert sniff_file(str(path)) is None
    assert compression_of(str(path)) is None


def test_compression_of_warns_once_in_one_line(tmp_path, caplog):
    path = tmp_path / "logs-2024"
    path.write_bytes(gzip.compress(TEXT))
    assert compression_of(str(path), "logs-2024") == ".gz"
    [record] = caplog.records
    assert record.getMessage() == ("input file logs-2024 is gzip-compressed though its name"
                                   " does not end in .gz; reading it decompressed")


def test_a_suffixed_name_is_taken_at_its_word(tmp_path, caplog):
    path = tmp_path / "data.gz"
    path.write_bytes(gzip.compress(TEXT))
    assert compression_of(str(path)) == ".gz"
    assert not caplog.records


def test_zstd_without_a_module_is_one_line(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_zstd(name, *args, **kwargs):
        if name in ("compression", "backports", "zstandard"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    path = tmp_path / "data"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + b"\0" * 20)
    monkeypatch.setattr(builtins, "__import__", no_zstd)
    with open(path, "rb") as raw, \
            pytest.raises(CorruptInputError, match="zstd-compressed and no zstd module"):
        decompressing_reader(raw, ".zst")


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["inline", "local"])
def test_a_job_counts_the_words_of_an_unsuffixed_gzip_file(tmp_path, runner):
    gz = tmp_path / "words"
    gz.write_bytes(gzip.compress(TEXT))
    plain = tmp_path / "words.txt"
    plain.write_bytes(TEXT)
    script = EXAMPLES / "mr_word_freq_count.py"
    got = run_job(script, "-r", runner, "--no-conf", gz)
    want = run_job(script, "-r", runner, "--no-conf", plain)
    assert ok(got) == ok(want)
    warnings = [line for line in got.stderr.decode().splitlines() if "compressed" in line]
    assert warnings == ["input file %s is gzip-compressed though its name does not end in .gz;"
                        " reading it decompressed" % gz]


@pytest.mark.slow
def test_a_damaged_unsuffixed_gzip_file_is_one_line(tmp_path):
    gz = tmp_path / "words"
    gz.write_bytes(gzip.compress(TEXT * 100)[:60])
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "inline", "--no-conf", gz)
    assert proc.returncode == 1
    last = proc.stderr.decode().strip().splitlines()[-1]
    assert "cannot decompress it" in last and str(gz) in last
    assert "Traceback" not in proc.stderr.decode()
