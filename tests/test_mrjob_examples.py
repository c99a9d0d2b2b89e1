"""Every example job bundled with mrjob 0.7.4 that needs neither Spark nor
a Hadoop cluster, run with only its imports changed, gives mrjob's output
under ``-r inline`` and ``-r local``: the same part files, byte for byte
(mrjob streams them to stdout in directory order, streamr in name order,
so the files are compared). Each case runs mrjob itself on the same input.

Examples left out: the Spark ones and ``mr_jar_step_example`` (a Hadoop
jar step)."""

from __future__ import annotations

import io
import json
import re

import pytest

from tests.support.mrjob_examples import mrjob_examples, run_example, streamr_copy

pytestmark = [pytest.mark.mrjob, pytest.mark.slow]

TEXT = (b"the quick brown fox\njumps over the lazy dog\nunder a blue sun\nyou and uu\n" * 3)
MORE = b"hello world\nthe fox is quick\nno match here\n"



def _wet_file(path):
    """A small WET file (Common Crawl's text extracts) with phone numbers."""
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        pages = [("http://www.example.com/contact", b"Call us at (415) 555-0100 today."),
                 ("http://www.example.com/about", b"Our office: 415.555.0100, or 1-212-555-0199"),
                 ("http://shop.example.org/", b"Orders: +1 212 555 0199")]
        for url, text in pages:
            record = writer.create_warc_record(
                url, "conversion", payload=io.BytesIO(text),
                warc_headers_dict={"Content-Type": "text/plain"})
            writer.write_record(record)


# (example, extra arguments, reason it is expected to fail under streamr or None)
CASES = [
    ("mr_wc.py", ["in1.txt", "in2.txt"], None),
    ("mr_word_freq_count.py", ["in1.txt", "in2.txt"], None),
    ("mr_count_lines_right.py", ["in1.txt", "in2.txt"], None),
    ("mr_count_lines_wrong.py", ["in1.txt", "in2.txt"], None),
    ("mr_count_lines_by_file.py", ["{tmp}/in1.txt", "{tmp}/in2.txt"], None),
    ("mr_words_containing_u_freq_count.py", ["in1.txt", "in2.txt"], None),
    ("mr_most_used_word.py", ["in1.txt", "in2.txt"], None),
    ("mr_next_word_stats.py", ["in1.txt", "in2.txt"], None),
    ("mr_log_sampler.py", ["--sample-size", "100", "in1.txt"], None),
    ("mr_nick_nack.py", ["in1.txt"], None),
    ("mr_nick_nack_input_format.py", ["in1.txt"], None),
    ("mr_boom.py", ["in1.txt"], None),
    ("mr_grep.py", ["-e", "fox", "in1.txt", "in2.txt"], None),
    ("mr_phone_to_url.py", ["crawl.wet.gz"], None),
    # mapper_raw reads files: each document is named (mrjob cannot take the directory)
    ("mr_text_classifier.py", ["{docs}"], None),
]


def _params():
    for name, args, reason in CASES:
        for runner in ("inline", "local"):
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, args, runner, id="%s-%s" % (name[:-3], runner), marks=marks)


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    """(directory of streamr's copy, directory holding the inputs)."""
    copy = streamr_copy(tmp_path_factory.mktemp("streamr_examples"))
    data = tmp_path_factory.mktemp("inputs")
    (data / "in1.txt").write_bytes(TEXT)
    (data / "in2.txt").write_bytes(MORE)
    _wet_file(data / "crawl.wet.gz")
    (data / "docs-to-classify").symlink_to(mrjob_examples() / "docs-to-classify")
    return copy, data


@pytest.mark.parametrize("name, args, runner", list(_params()))
def test_example_gives_mrjobs_output(examples, tmp_path, name, args, runner):
    copy, data = examples
    docs = sorted(str(path) for path in (data / "docs-to-classify").iterdir())
    args = [item for arg in args
            for item in (docs if arg == "{docs}" else [arg.format(tmp=data)])]
    theirs = run_example(mrjob_examples() / name, runner, args, data, tmp_path / "mrjob")
    ours = run_example(copy / name, runner, args, data, tmp_path / "streamr")
    if theirs.returncode != 0:
        # what mrjob cannot run fails under streamr too, for the same reason
        # (the job's own exception, or a runner refusing a command step),
        # not because streamr lacks something the job imports
        err = ours.stderr.decode()
        assert ours.returncode != 0, err
        assert not re.search(r"^(ModuleNotFoundError|ImportError|AttributeError):", err,
                             re.MULTILINE), err
        return
    assert ours.returncode == 0, ours.stderr.decode()
    if name == "mr_log_sampler.py":
        # the lines come in random order, under both
        assert sorted(b"".join(ours.parts).splitlines()) == sorted(
            b"".join(theirs.parts).splitlines())
        return
    if name == "mr_text_classifier.py":
        # its score mappings are built from sets: the order of their keys
        # follows string hashing, which changes from run to run under both
        assert _decoded(ours.parts) == _decoded(theirs.parts)
        return
    assert ours.parts == theirs.parts


def _decoded(parts):
    """Each part file as a list of (key, value) decoded from JSON lines."""
    return [[tuple(json.loads(field) for field in line.split(b"\t", 1))
             for line in part.splitlines()] for part in parts]
