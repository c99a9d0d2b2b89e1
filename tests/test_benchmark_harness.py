"""The benchmark harness's pure parts: inputs are the same bytes on every
run, outputs that differ are caught, and the report replaces only its own
block of the performance page. (The benchmarks themselves run on demand,
never in the test suite.)"""

from __future__ import annotations

import gzip
import os
import sys

import pytest

BENCHMARKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "benchmarks")
sys.path.insert(0, BENCHMARKS)

from benchlib import data, report  # noqa: E402
from benchlib.contenders import check_same, mrjob_version_of  # noqa: E402
from benchlib.measure import BenchmarkFailed, Measurement, measure  # noqa: E402


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("make", [data.make_text, data.make_orders, data.make_distinct])
def test_generators_write_the_same_bytes_every_time(tmp_path, make):
    one = make(str(tmp_path / "one"), 0.2)
    two = make(str(tmp_path / "two"), 0.2)
    assert read(one) == read(two)
    assert os.path.getsize(one) >= 0.2 * (1 << 20)
    assert read(one).endswith(b"\n")


def test_a_smaller_text_is_the_start_of_a_larger_one(tmp_path):
    small = read(data.make_text(str(tmp_path / "small"), 0.1))
    large = read(data.make_text(str(tmp_path / "large"), 0.5))
    assert large.startswith(small)


def test_text_past_the_block_size_repeats_the_block_to_a_line_end(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "TEXT_BLOCK_MB", 0.1)
    block = read(data.make_text(str(tmp_path / "text-block.txt"), 0.1))
    megabytes = 2.5 * len(block) / (1 << 20)
    big = read(data.make_text(str(tmp_path / "big.txt"), megabytes))
    assert big.startswith(block + block)
    rest = big[2 * len(block):]
    assert 0 < len(rest) < len(block)
    assert block.startswith(rest) and rest.endswith(b"\n")
    assert len(big) >= megabytes * (1 << 20)


def test_orders_are_nested_json_lines():
    import json
    import random

    record = data.order_record(random.Random(3), 41)
    assert json.loads(json.dumps(record)) == record
    assert record["order_id"] == 41
    assert set(record["user"]) == {"id", "country", "tier"}
    assert 1 <= len(record["items"]) <= 5


def test_gzip_pieces_hold_the_text_cut_at_line_ends(tmp_path):
    text = data.make_text(str(tmp_path / "text.txt"), 0.2)
    pieces = data.make_gzip_pieces(text, str(tmp_path / "gz"), 4)
    again = data.make_gzip_pieces(text, str(tmp_path / "gz-again"), 4)
    assert [read(p) for p in pieces] == [read(p) for p in again]
    unpacked = [gzip.decompress(read(p)) for p in pieces]
    assert b"".join(unpacked) == read(text)
    assert all(piece.endswith(b"\n") for piece in unpacked)


def test_small_files_are_the_same_every_time(tmp_path):
    total = data.make_small_files(str(tmp_path / "a"), 30)
    assert total == data.make_small_files(str(tmp_path / "b"), 30)
    names = sorted(os.listdir(tmp_path / "a"))
    assert len(names) == 30
    assert [read(tmp_path / "a" / n) for n in names] == [read(tmp_path / "b" / n) for n in names]


def test_outputs_that_differ_stop_the_run(tmp_path):
    ref, same, shuffled = tmp_path / "ref", tmp_path / "same", tmp_path / "shuffled"
    ref.write_bytes(b'"a"\t1\n"b"\t2\n')
    same.write_bytes(b'"a"\t1\n"b"\t2\n')
    shuffled.write_bytes(b'"b"\t2\n"a"\t1\n')
    check_same(str(ref), {"same": str(same), "mrjob": str(shuffled)}, sorted_names=("mrjob",))
    with pytest.raises(BenchmarkFailed, match="output of shuffled differs"):
        check_same(str(ref), {"shuffled": str(shuffled)})
    (tmp_path / "short").write_bytes(b'"a"\t1\n')
    with pytest.raises(BenchmarkFailed, match="output of mrjob differs"):
        check_same(str(ref), {"mrjob": str(tmp_path / "short")}, sorted_names=("mrjob",))


def test_the_mrjob_version_of_a_job_changes_only_its_imports(tmp_path):
    job = tmp_path / "mr_job.py"
    job.write_text("from streamr.job import MRJob\nfrom streamr.step import MRStep\nx = 1\n")
    copy = mrjob_version_of(str(job), str(tmp_path))
    assert read(copy) == b"from mrjob.job import MRJob\nfrom mrjob.step import MRStep\nx = 1\n"


def test_measure_counts_the_cpu_of_children_and_reports_failure(tmp_path):
    burn = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
            "'sum(range(3 * 10 ** 6))'], check=True); print('done')")
    cost = measure([sys.executable, "-c", burn], str(tmp_path / "out"))
    assert (tmp_path / "out").read_text() == "done\n"
    # two interpreters started and one of them added up three million numbers
    assert cost.cpu > 0.02 and cost.wall > 0 and cost.peak_rss >= 0
    with pytest.raises(BenchmarkFailed, match=r"exit 3.*\n.*oops"):
        measure([sys.executable, "-c", "import sys; print('oops', file=sys.stderr); sys.exit(3)"],
                str(tmp_path / "out2"))


def test_goals_pass_or_miss_by_their_comparison():
    assert report.Goal("wall", 0.95, "<=", 1.0).met
    assert not report.Goal("wall", 1.05, "<=", 1.0).met
    assert report.Goal("vs mrjob", 8.0, ">=", 8.0).met
    assert not report.Goal("vs mrjob", 7.9, ">=", 8.0).met


def _block(name, wall):
    block = report.Block(name, "A title", "python run_benchmarks.py --only " + name)
    cost = block.run("streamr -r local", Measurement(wall, 2 * wall, 80 << 20))
    block.goal("wall / plain", cost.wall / 2.0, "<=", 1.0)
    return block


def test_rendered_block_has_command_runs_and_pass_or_miss():
    text = report.render(_block("word-count", 3.0), "Measured today.")
    assert text.startswith("<!-- benchmark: word-count -->")
    assert text.endswith("<!-- end of benchmark: word-count -->")
    assert "python run_benchmarks.py --only word-count" in text
    assert "| streamr -r local | 3.00 | 6.00 | 80 MB |  |" in text
    assert "| wall / plain | 1.50x | <= 1.00x | MISS |" in text


def test_writing_a_block_replaces_only_that_block(tmp_path):
    page = tmp_path / "performance.md"
    page.write_text("# Performance\n\nintro\n\n" + report.SECTION_END + "\n\n## Other\n\nkept\n")
    report.write_blocks(str(page), [_block("one", 1.0), _block("two", 1.0)], "Facts.")
    first = page.read_text()
    assert first.index("benchmark: one") < first.index("benchmark: two") \
        < first.index(report.SECTION_END)
    report.write_blocks(str(page), [_block("two", 4.0)], "Later facts.")
    second = page.read_text()
    one = report.render(_block("one", 1.0), "Facts.")
    assert one in second
    assert report.render(_block("two", 4.0), "Later facts.") in second
    assert "| 1.00 |" not in second.split("benchmark: two -->")[1]
    assert second.startswith("# Performance\n\nintro\n\n")
    assert second.endswith(report.SECTION_END + "\n\n## Other\n\nkept\n")
    assert second.count("<!-- benchmark: two -->") == 1


def test_a_page_without_the_section_gets_the_block_at_its_end():
    page = report.replace_block("# Performance\n", "one", "BLOCK")
    assert page == "# Performance\n\nBLOCK\n"


def test_the_entry_point_refuses_unknown_benchmarks(capsys):
    import run_benchmarks

    with pytest.raises(SystemExit) as stop:
        run_benchmarks.parse_args(["--only", "word-count,nonesuch"])
    assert stop.value.code == 2
    assert "unknown benchmark nonesuch" in capsys.readouterr().err
    quick = run_benchmarks.parse_args(["--quick", "--only", "scale"])
    assert quick.only == ["scale"] and max(quick.sizes) < 50 and quick.small_files < 10000
    full = run_benchmarks.parse_args(["--sizes", "50,2048"])
    assert full.sizes == [50.0, 2048.0] and full.compare_sizes == [50.0, 200.0]


def test_a_run_past_its_time_limit_is_stopped_and_says_so(tmp_path):
    # a child that never ends on its own: only the limit can stop it
    forever = ("import subprocess, sys; "
               "subprocess.run([sys.executable, '-c', 'while True: pass'])")
    cost = measure([sys.executable, "-c", forever], str(tmp_path / "out"), timeout=1.0)
    assert cost.timed_out and cost.wall >= 1.0
    text = report.render(_stopped_block(cost), "Facts.")
    assert "| mrjob -r local | at least " in text and "stopped at the time limit" in text


def _stopped_block(cost):
    block = report.Block("stopped", "Stopped", "command")
    block.run("mrjob -r local", cost)
    return block


def test_a_script_block_is_written_between_its_markers_only(tmp_path):
    page = tmp_path / "performance.md"
    page.write_text("# P\n\nbefore\n<!-- a -->\nold\n<!-- end of a -->\nafter\n")
    report.write_between(str(page), "<!-- a -->", "<!-- end of a -->", ["<!-- a -->", "new"])
    assert page.read_text() == "# P\n\nbefore\n<!-- a -->\nnew\n\n<!-- end of a -->\nafter\n"
    # a page without the markers gets them at its end, under the heading
    other = tmp_path / "other.md"
    other.write_text("# P\n")
    report.write_between(str(other), "<!-- b -->", "<!-- end of b -->", ["<!-- b -->", "x"],
                         heading="## B")
    assert other.read_text() == "# P\n\n## B\n\n<!-- b -->\nx\n\n<!-- end of b -->\n"
