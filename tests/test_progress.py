"""Map and reduce progress to the end on every runner that runs tasks
itself, redrawn in place on a terminal and as plain lines elsewhere, and a
finish line with the time taken (issue 19, item 16)."""

from __future__ import annotations

import io
import logging
import re

import pytest

from streamr.console import end_progress, set_up_logging
from streamr.runners.progress import StepProgress
from tests.support.jobs import EXAMPLES, ok, run_job
from tests.support.terminal import run_on_terminal

WORD_COUNT = EXAMPLES / "mr_word_freq_count.py"
FINISH = re.compile(r"^job finished in \d+\.\ds$")


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture()
def shown():
    """What streamr's logging writes to a non-terminal stream."""
    stream = io.StringIO()
    set_up_logging(stream=stream)
    yield stream
    set_up_logging()


def test_plain_lines_are_throttled_but_the_end_always_shows(shown):
    clock = _Clock()
    progress = StepProgress(0, 2, True, clock=clock)
    progress.update(10)
    clock.now = 0.5
    progress.update(20)  # too soon: not shown
    clock.now = 1.6
    progress.update(30)
    clock.now = 1.7
    progress.map_done()  # forced
    progress.update(100, 50)  # too soon
    progress.done()  # forced
    assert shown.getvalue().splitlines() == [
        "  step 1 of 2: map  10% reduce   0%",
        "  step 1 of 2: map  30% reduce   0%",
        "  step 1 of 2: map 100% reduce   0%",
        "  step 1 of 2: map 100% reduce 100%",
    ]


def test_a_map_only_step_shows_no_reduce(shown):
    progress = StepProgress(1, 2, False)
    progress.done()
    assert shown.getvalue() == "  step 2 of 2: map 100%\n"


def test_quiet_shows_nothing():
    stream = io.StringIO()
    set_up_logging(quiet=True, stream=stream)
    try:
        StepProgress(0, 1, True).done()
    finally:
        set_up_logging()
    assert stream.getvalue() == ""


def test_on_a_terminal_the_line_is_redrawn_and_ended_before_other_messages():
    stream = _Terminal()
    set_up_logging(stream=stream)
    try:
        clock = _Clock()
        progress = StepProgress(0, 1, True, clock=clock)
        progress.update(5)
        clock.now = 0.2
        progress.update(60)
        logging.getLogger("streamr.test").warning("something to say")
        clock.now = 0.4
        progress.done()
    finally:
        end_progress()
        set_up_logging()
    assert stream.getvalue() == (
        "\r  step 1 of 1: map   5% reduce   0%"
        "\r  step 1 of 1: map  60% reduce   0%\n"
        "something to say\n"
        "\r  step 1 of 1: map 100% reduce 100%\n")


# --- whole jobs ---------------------------------------------------------------------------


def _progress_lines(stderr: bytes) -> list:
    return [line for line in stderr.decode().splitlines() if line.startswith("  step ")]


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["inline", "local"])
def test_a_logged_run_shows_progress_to_the_end_and_a_finish_line(tmp_path, runner):
    data = tmp_path / "in.txt"
    data.write_text("a b c\n" * 2000)
    proc = run_job(WORD_COUNT, "-r", runner, "--no-conf", data)
    ok(proc)
    lines = _progress_lines(proc.stderr)
    assert lines[-2:] == ["  step 1 of 1: map 100% reduce   0%",
                          "  step 1 of 1: map 100% reduce 100%"]
    assert "\r" not in proc.stderr.decode()
    assert FINISH.match(proc.stderr.decode().splitlines()[-1])


@pytest.mark.slow
def test_a_quiet_run_shows_no_progress(tmp_path):
    data = tmp_path / "in.txt"
    data.write_text("a b c\n")
    proc = run_job(WORD_COUNT, "-r", "local", "--no-conf", "-q", data)
    assert ok(proc) and proc.stderr == b""


@pytest.mark.slow
@pytest.mark.parametrize("runner", ["inline", "local"])
def test_on_a_terminal_progress_is_redrawn_in_place(tmp_path, runner):
    data = tmp_path / "in.txt"
    data.write_text("a b c\n" * 2000)
    status, out, screen = run_on_terminal(WORD_COUNT, "-r", runner, "--no-conf", data)
    assert status == 0 and b'"a"\t2000' in out
    text = screen.decode()
    # every redraw starts with a carriage return; the finished line is ended once
    assert "\r  step 1 of 1: map 100% reduce 100%\r\n" in text
    redraws = re.findall(r"\r  step 1 of 1: [^\r]*", text)
    assert len(redraws) >= 2
    assert all(not r.endswith("\n") for r in redraws[:-1])
    assert FINISH.match(text.replace("\r\n", "\n").rstrip("\n").splitlines()[-1])


def test_due_says_when_measuring_is_worth_it(shown):
    clock = _Clock()
    progress = StepProgress(0, 1, True, clock=clock)
    assert progress.due()
    progress.update(10)
    clock.now = 0.5
    assert not progress.due()
    clock.now = 1.0
    assert progress.due()
