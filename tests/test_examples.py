"""End-to-end tests of the jobs in examples/, run as a user runs them.

Each example is started as ``python examples/<job>.py <data>`` from the
repository root. Its output is checked against the same answer worked out
here in plain Python from the bundled data, never against numbers written
into the test. The compatibility tests run each example a second time under
mrjob 0.7.4 (imports rewritten, nothing else changed) and require the same
output bytes.
"""

import collections
import gzip
import json
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = EXAMPLES / "data"

TEXT = "examples/data/river-tales.txt"
ACCESS_LOG = "examples/data/access.log"
EVENTS = "examples/data/events.jsonl.gz"

WORD_RE = re.compile(r"[\w']+")

# every test here runs example scripts as subprocesses
pytestmark = pytest.mark.slow


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_once(run_script):
    """Like ``run_script`` from the repository root, but each distinct
    command runs only once per module (several tests read the same run)."""
    cache = {}

    def run(script, *args):
        key = (script, *map(str, args))
        if key not in cache:
            cache[key] = run_script(script, *args)
        return cache[key]

    return run


def succeeded(proc):
    """Assert *proc* exited 0, showing its stderr if not; return stdout."""
    assert proc.returncode == 0, proc.stderr.decode("utf_8", "replace")
    return proc.stdout


def decode_output(data):
    """The job output *data* (JSON key, tab, JSON value per line) as a list
    of ``(key, value)``; list keys become tuples so they can be dict keys."""
    pairs = []
    for line in data.decode("utf_8").splitlines():
        raw_key, raw_value = line.split("\t")
        key = json.loads(raw_key)
        pairs.append((tuple(key) if isinstance(key, list) else key, json.loads(raw_value)))
    return pairs


def words_of(path):
    """Every word of the text file at *path*, lower-cased, in order."""
    text = Path(path).read_text(encoding="utf_8")
    return [word.lower() for word in WORD_RE.findall(text)]


def stop_words():
    return {line.strip() for line in (DATA / "stop_words.txt").read_text("utf_8").splitlines()
            if line.strip()}


def read_events():
    with gzip.open(DATA / "events.jsonl.gz", "rt", encoding="utf_8") as handle:
        return [json.loads(line) for line in handle]


def parse_log_entry(line):
    """``(method, target)`` of a Common/Combined Log Format line, or ``None``
    when the line is not one. Written with string methods on purpose, so it
    does not share a regular expression with the job under test."""
    prefix, sep, rest = line.partition(" [")
    if not sep or len(prefix.split(" ")) != 3:
        return None
    when, sep, rest = rest.partition('] "')
    if not sep or not when:
        return None
    request, sep, rest = rest.partition('" ')
    if not sep:
        return None
    parts = request.split(" ")
    if len(parts) != 3 or not parts[0].isalpha() or not parts[2].startswith("HTTP/"):
        return None
    fields = rest.split(" ")
    if len(fields) < 2 or not (len(fields[0]) == 3 and fields[0].isdigit()):
        return None
    if not (fields[1] == "-" or fields[1].isdigit()):
        return None
    return parts[0], parts[1]


def concatenated_parts(out_dir):
    """Bytes of every ``part-*`` file of *out_dir*, in file-name order."""
    parts = sorted(p for p in Path(out_dir).iterdir() if p.name.startswith("part-"))
    assert parts, "no part files in %s" % out_dir
    return b"".join(p.read_bytes() for p in parts)


# --- each example's answer ------------------------------------------------------------------


def test_word_freq_count_counts_every_word(run_once):
    out = succeeded(run_once("examples/mr_word_freq_count.py", TEXT))
    expected = collections.Counter(words_of(ROOT / TEXT))

    pairs = decode_output(out)
    assert dict(pairs) == dict(expected)
    assert len(pairs) == len(expected)  # each word once
    # accented words survive the round trip through the protocols
    assert any(not word.isascii() for word, _ in pairs)
    # output is sorted by key, across part files too
    keys = [line.split(b"\t")[0] for line in out.splitlines()]
    assert keys == sorted(keys)


def most_used(counter):
    """The entry with the highest count; on a tie, the word sorting last."""
    count, word = max((count, word) for word, count in counter.items())
    return word, count


def test_most_used_word_leaves_out_stop_words(run_once):
    out = succeeded(run_once("examples/mr_most_used_word.py", TEXT))
    all_words = collections.Counter(words_of(ROOT / TEXT))
    counter = collections.Counter({w: n for w, n in all_words.items() if w not in stop_words()})

    assert decode_output(out) == [most_used(counter)]
    # the stop words mattered: without them the answer would differ
    assert most_used(all_words) != most_used(counter)


def test_most_used_word_reads_extra_stop_words(run_script, tmp_path):
    counter = collections.Counter(w for w in words_of(ROOT / TEXT) if w not in stop_words())
    top_three = [word for word, _ in sorted(counter.items(), key=lambda i: (i[1], i[0]))[-3:]]
    extra = tmp_path / "more_stop_words.txt"
    extra.write_text("# leave out the current leaders\n\n" + "\n".join(top_three) + "\n",
                     encoding="utf_8")
    for word in top_three:
        del counter[word]

    proc = run_script("examples/mr_most_used_word.py", "--extra-stop-words", extra, TEXT)

    assert decode_output(succeeded(proc)) == [most_used(counter)]


def test_url_access_count_counts_get_requests_for_pages(run_once):
    proc = run_once("examples/mr_url_access_count.py", ACCESS_LOG)
    lines = (ROOT / ACCESS_LOG).read_text(encoding="utf_8").splitlines()
    entries = [parse_log_entry(line) for line in lines]
    expected = collections.Counter(
        target.split("?")[0] for method, target in filter(None, entries)
        if method == "GET" and target.split("?")[0].endswith((".html", ".xml")))

    assert dict(decode_output(succeeded(proc))) == dict(expected)
    # the data exercises what the job leaves out
    assert {method for method, _ in filter(None, entries)} >= {"GET", "POST", "HEAD"}
    assert any("?" in target and target.split("?")[0] in expected
               for _, target in filter(None, entries))


def test_url_access_count_reports_malformed_lines(run_once):
    proc = run_once("examples/mr_url_access_count.py", ACCESS_LOG)
    lines = (ROOT / ACCESS_LOG).read_text(encoding="utf_8").splitlines()
    malformed = sum(1 for line in lines if parse_log_entry(line) is None)

    assert malformed > 0
    succeeded(proc)
    stderr = proc.stderr.decode("utf_8")
    assert "access log" in stderr
    assert re.search(r"\bmalformed lines=%d\b" % malformed, stderr), stderr


def test_event_count_counts_each_type(run_once):
    out = succeeded(run_once("examples/mr_event_count.py", EVENTS))
    expected = collections.Counter(event["type"] for event in read_events())

    assert dict(decode_output(out)) == dict(expected)
    assert set(expected) == {"click", "view", "purchase"}


def test_event_count_per_day(run_once):
    out = succeeded(run_once("examples/mr_event_count.py", "--per-day", EVENTS))
    expected = collections.Counter((e["type"], e["ts"][:10]) for e in read_events())

    assert dict(decode_output(out)) == dict(expected)
    assert len({day for _, day in expected}) > 1


# --- output directory ---------------------------------------------------------------------


def test_output_dir_without_cat_output(run_script, run_once, tmp_path):
    out_dir = tmp_path / "out"
    proc = run_script("examples/mr_word_freq_count.py", "-o", out_dir, "--no-cat-output", TEXT)

    assert succeeded(proc) == b""
    names = sorted(p.name for p in out_dir.iterdir())
    assert "_SUCCESS" in names
    parts = [name for name in names if name.startswith("part-")]
    assert parts and parts[0] == "part-00000"
    assert all(re.fullmatch(r"part-\d{5}", name) for name in parts)
    assert set(names) == set(parts) | {"_SUCCESS"}
    # the part files hold exactly what a run without -o prints
    plain = succeeded(run_once("examples/mr_word_freq_count.py", TEXT))
    assert concatenated_parts(out_dir) == plain


# --- bundled data ----------------------------------------------------------------------------


def test_access_log_generator_reproduces_bundled_log(run_script, tmp_path):
    fresh = tmp_path / "access.log"
    succeeded(run_script("examples/data/make_access_log.py", fresh))

    assert fresh.read_bytes() == (DATA / "access.log").read_bytes()


def test_events_generator_reproduces_bundled_events(run_script, tmp_path):
    first, second = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    succeeded(run_script("examples/data/make_events.py", first))
    succeeded(run_script("examples/data/make_events.py", second))

    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[4:8] == b"\0\0\0\0"  # gzip header time stamp
    # compressed bytes may vary with the zlib build; the content may not
    assert gzip.decompress(first.read_bytes()) == gzip.decompress(
        (DATA / "events.jsonl.gz").read_bytes())


# --- same bytes as mrjob ---------------------------------------------------------------------

COMPAT_CASES = [
    ("mr_word_freq_count.py", [TEXT]),
    ("mr_most_used_word.py", [TEXT]),
    ("mr_most_used_word.py", ["--extra-stop-words", "{tmp}/extra.txt", TEXT]),
    ("mr_url_access_count.py", [ACCESS_LOG]),
    ("mr_event_count.py", [EVENTS]),
    ("mr_event_count.py", ["--per-day", EVENTS]),
]

IMPORT_RE = re.compile(r"^(from|import) streamr\.", re.MULTILINE)


def mrjob_copy(script, dest_root):
    """Write an mrjob version of examples/*script* under *dest_root*, at
    the same relative path, with the bundled data beside it."""
    source = (EXAMPLES / script).read_text(encoding="utf_8")
    rewritten = IMPORT_RE.sub(r"\1 mrjob.", source)
    assert rewritten != source
    assert not re.search(r"^(from|import) streamr", rewritten, re.MULTILINE)
    (dest_root / "examples").mkdir(parents=True, exist_ok=True)
    (dest_root / "examples" / script).write_text(rewritten, encoding="utf_8")
    shutil.copytree(DATA, dest_root / "examples" / "data",
                    ignore=shutil.ignore_patterns("*.py", "__pycache__"), dirs_exist_ok=True)


@pytest.mark.mrjob
@pytest.mark.parametrize(("script", "args"), COMPAT_CASES,
                         ids=[" ".join([s, *a[:-1]]) for s, a in COMPAT_CASES])
def test_same_output_as_mrjob(run_script, tmp_path, script, args):
    (tmp_path / "extra.txt").write_text("river\nbridge\n", encoding="utf_8")
    args = [arg.format(tmp=tmp_path) for arg in args]
    mrjob_root = tmp_path / "mrjob"
    mrjob_copy(script, mrjob_root)

    ours_dir, theirs_dir = tmp_path / "streamr-out", tmp_path / "mrjob-out"
    ours = run_script("examples/" + script, "--no-conf", "-o", ours_dir, "--no-cat-output", *args)
    theirs = run_script("examples/" + script, "--no-conf", "-o", theirs_dir, "--no-cat-output",
                        *args, cwd=mrjob_root)

    assert succeeded(ours) == b""
    # mrjob's stderr holds warnings (for example about 'pipes' on 3.11): not compared
    assert theirs.returncode == 0, theirs.stderr.decode("utf_8", "replace")
    assert (ours_dir / "_SUCCESS").exists()
    expected = concatenated_parts(theirs_dir)
    assert expected  # non-empty, so the comparison means something
    assert concatenated_parts(ours_dir) == expected
