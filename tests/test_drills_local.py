"""Failure drills on a laptop (issue 19): output that lies, signals, and
saying what happened, each reproduced with real processes and real
signals. A run killed in its reduce phase, two runs into one output
directory, SIGTERM and SIGHUP, an output path that is a file or cannot be
written: nothing stale or mixed is ever marked complete, no task or
temporary file outlives an interrupted run, and each ends in one line."""

import os
import signal
import subprocess
import sys

import pytest

from tests.support.jobs import JOBS, ROOT, read_parts
from tests.support.processes import blocked_task, kill_group, running
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow

DRILL = os.path.join(JOBS, "mr_drill.py")
WORDS = b"apple banana apple\ncherry banana apple\nzzblock date\n"


@pytest.fixture()
def drill(tmp_path):
    """Input, a drill directory, a temp dir the runs must leave empty, and
    a starter of runs (``drill.start(*args, block=None)``)."""
    return Drill(tmp_path)


class Drill:
    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.input = tmp_path / "in.txt"
        self.input.write_bytes(WORDS)
        self.dir = tmp_path / "drill"
        self.dir.mkdir()
        self.tmp = tmp_path / "tmp"
        self.tmp.mkdir()
        self.procs = []

    def start(self, *args, block=None, runner="local"):
        env = dict(os.environ, PYTHONPATH=ROOT, DRILL_DIR=str(self.dir))
        if block:
            env["DRILL_BLOCK"] = block
        proc = subprocess.Popen(
            [sys.executable, DRILL, "-r", runner, "--no-conf", "--local-tmp-dir",
             str(self.tmp), str(self.input), *map(str, args)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(proc)
        return proc

    def run(self, *args, **kwargs):
        proc = self.start(*args, **kwargs)
        out, err = proc.communicate(timeout=120)
        return proc.returncode, out, err.decode()

    def go(self):
        (self.dir / "go").write_text("")

    def stop_all(self):
        self.go()
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


@pytest.fixture(autouse=True)
def _stop_runs(drill):
    yield
    drill.stop_all()


def expected_output(drill):
    code, _, err = drill.run("-o", drill.tmp_path / "fresh")
    assert code == 0, err
    return read_parts(drill.tmp_path / "fresh")


def only_output(out):
    """Whether *out* holds ``_SUCCESS`` and part files and nothing else."""
    names = set(os.listdir(out))
    return "_SUCCESS" in names and all(n.startswith("part-") for n in names - {"_SUCCESS"})


def last_line(err):
    return err.rstrip("\n").splitlines()[-1]


# --- output that lies (items 1 and 2) ------------------------------------------------


def test_parts_left_by_a_killed_run_are_never_published(drill):
    out = drill.tmp_path / "out"
    killed = drill.start("-o", out, "--num-cores", "2", block="reducer")
    task = blocked_task(drill.dir, "reducer", killed)
    # the other reduce task has written its part file into the staging place
    wait_for(lambda: [name for _, _, names in os.walk(out / "_temporary")
                      for name in names if name.startswith("part-")], what="a staged part")
    killed.kill()  # kill -9: no cleanup at all
    killed.communicate()
    kill_group(task)

    code, _, err = drill.run("-o", out)
    assert code == 0, err
    assert "left by 1 run(s) that did not finish" in err
    assert read_parts(out) == expected_output(drill)
    assert only_output(out)


def test_second_run_into_an_output_being_written_is_refused_in_one_line(drill):
    out = drill.tmp_path / "out"
    first = drill.start("-o", out, block="mapper")
    blocked_task(drill.dir, "mapper", first)

    code, stdout, err = drill.run("-o", out)
    assert code == 2, err
    assert "Traceback" not in err
    assert last_line(err).startswith("mr_drill.py: error: output directory %s is being"
                                     " written by another run" % out)
    assert not (out / "_SUCCESS").exists()

    drill.go()
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert read_parts(out) == expected_output(drill)
    assert only_output(out)


def test_two_runs_started_together_publish_one_whole_output(drill):
    out = drill.tmp_path / "out"
    runs = [drill.start("-o", out) for _ in range(2)]
    results = [(proc.wait(timeout=120), proc.stderr.read().decode()) for proc in runs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    refused = [err for code, err in results if code == 2][0]
    assert "Traceback" not in refused
    assert ("being written by another run" in refused or "already holds output" in refused)
    assert read_parts(out) == expected_output(drill)
    assert "_temporary" not in os.listdir(out)


# --- signals (item 4) -----------------------------------------------------------------


@pytest.mark.parametrize("runner", ["local", "inline"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_the_run_like_ctrl_c(drill, runner, sig):
    out = drill.tmp_path / "out"
    proc = drill.start("-o", out, runner=runner, block="mapper")
    task = blocked_task(drill.dir, "mapper", proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    err = err.decode()
    assert proc.returncode == 128 + sig, err
    assert last_line(err) == "mr_drill.py: interrupted by %s; temporary files removed" % (
        signal.Signals(sig).name)
    assert "Traceback" not in err
    # no task outlives the run, and nothing it wrote stays behind
    wait_for(lambda: not running(task), what="the task %d to end" % task)
    assert os.listdir(drill.tmp) == []
    assert not out.exists()


# --- saying what happened (item 14) -----------------------------------------------------


def test_output_path_that_is_a_file_is_one_line(drill):
    target = drill.tmp_path / "afile"
    target.write_text("keep me")
    code, _, err = drill.run("-o", target)
    assert code == 2
    assert last_line(err) == ("mr_drill.py: error: output directory %s is a file; remove it"
                              " or choose another output directory" % target)
    assert target.read_text() == "keep me"


def test_read_only_output_place_is_one_line(drill):
    parent = drill.tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    # root writes through permissions: a read-only filesystem stands in then
    target = "/sys/streamr-drill-out" if os.geteuid() == 0 else parent / "out"
    try:
        code, _, err = drill.run("-o", target)
    finally:
        parent.chmod(0o700)
    assert code == 2, err
    assert "Traceback" not in err
    assert last_line(err).startswith("mr_drill.py: error: cannot write output directory %s ("
                                     % target)
