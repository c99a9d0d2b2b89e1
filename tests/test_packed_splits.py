"""Many small input files are packed into shared map tasks, so the number of
map tasks follows the bytes, not the files (issue 19, item 10); up to
PACK_FILES_ABOVE files every file keeps a task of its own, as under mrjob."""

from __future__ import annotations

import io
import os

import pytest

from streamr.engine.records import Position
from streamr.engine.splits import (
    PACK_FILES_ABOVE,
    InputFile,
    pack_splits,
    plan_splits,
    read_splits,
)
from tests.jobs.mr_local_jobs import MRSplitReport
from tests.support.jobs import EXAMPLES, ok, read_parts, run_job


def _files(count: int, size: int = 10) -> list:
    return [InputFile("f%d" % num, "f%d" % num, size, False) for num in range(count)]


def test_up_to_the_threshold_every_file_has_its_own_task():
    splits = plan_splits(_files(PACK_FILES_ABOVE), 4)
    assert pack_splits(splits, 4) == [[split] for split in splits]


def test_past_the_threshold_small_files_share_tasks_by_bytes():
    files = _files(PACK_FILES_ABOVE + 100)  # 200 files of 10 bytes: a share is 500 bytes
    tasks = pack_splits(plan_splits(files, 4), 4)
    assert [len(task) for task in tasks] == [50, 50, 50, 50]
    assert [split.path for task in tasks for split in task] == [f.path for f in files]


def test_pieces_of_a_large_file_stay_tasks_of_their_own():
    files = _files(150) + [InputFile("big", "big", 6000, False)] + _files(50)
    splits = plan_splits(files, 4)
    tasks = pack_splits(splits, 4)
    big = [task for task in tasks if any(split.path == "big" for split in task)]
    assert big and all(len(task) == 1 for task in big)
    assert [split for task in tasks for split in task] == splits


def test_a_packed_task_holds_at_most_the_largest_split():
    tasks = pack_splits(plan_splits(_files(300), 2, max_split=100), 2, max_split=100)
    assert {len(task) for task in tasks} == {10}


def test_read_splits_reads_each_file_whole_in_turn(tmp_path):
    paths = []
    for num in range(3):
        path = tmp_path / ("in%d" % num)
        path.write_bytes(b"a%d\nb%d\n" % (num, num))
        paths.append(str(path))
    files = [InputFile(p, p, os.path.getsize(p), False) for p in paths]
    splits = plan_splits(files, 1)
    assert list(read_splits(splits, Position())) == [b"a0\n", b"b0\n", b"a1\n", b"b1\n",
                                                      b"a2\n", b"b2\n"]


# --- whole jobs ----------------------------------------------------------------------------


def _many_files(directory, count: int) -> bytes:
    os.makedirs(directory)
    text = b""
    for num in range(count):
        data = b"line one of %d\nline two of %d\n" % (num, num)
        (directory / ("doc-%04d.txt" % num)).write_bytes(data)
        text += data
    return text


def _map_reports(job_class, runner, tmp_path, inputs):
    out = tmp_path / ("out-" + runner)
    argv = ["-r", runner, "--no-conf", "-o", str(out), "--num-cores", "2",
            "--cmdenv", "STREAMR_TEST_JOB=" + job_class.__name__, *map(str, inputs)]
    job = job_class(argv).sandbox(stdin=io.BytesIO())
    with job.make_runner() as runner_:
        runner_.run()
    pairs = job_class(["--no-conf"]).parse_output([read_parts(out)])
    return {tuple(key)[1]: facts for key, facts in pairs if key[0] == "map"}


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["inline", "local"])
def test_many_small_files_run_in_few_map_tasks(tmp_path, runner):
    text = _many_files(tmp_path / "in", PACK_FILES_ABOVE + 50)
    reports = _map_reports(MRSplitReport, runner, tmp_path, [tmp_path / "in"])
    # two cores: about four tasks over all the bytes, not one per file
    assert len(reports) == 4
    lines = [line for num in sorted(reports) for line in reports[num]["lines"]]
    assert "\n".join(lines) + "\n" == text.decode()
    # a packed task is told of its first file
    assert reports[0]["input_file"].endswith("doc-0000.txt")


@pytest.mark.slow
def test_packing_changes_no_output(tmp_path):
    text = _many_files(tmp_path / "in", PACK_FILES_ABOVE + 50)
    (tmp_path / "all.txt").write_bytes(text)
    script = EXAMPLES / "mr_word_freq_count.py"
    whole = ok(run_job(script, "-r", "local", "--no-conf", tmp_path / "all.txt"))
    for runner in ("local", "inline"):
        assert ok(run_job(script, "-r", runner, "--no-conf", tmp_path / "in")) == whole

