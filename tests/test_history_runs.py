"""The run history of jobs run as users run them, in processes of their
own: several finishing at once, one killed with -9 (lost), one stopped by
SIGTERM, and ``streamr runs rerun`` running one again."""

import glob
import os
import signal
import subprocess
import sys

import pytest

from streamr.history.reading import open_history
from tests.support.jobs import JOBS, ROOT
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow

JOB = os.path.join(JOBS, "mr_history.py")


def env():
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def start(db, *args, cwd):
    return subprocess.Popen([sys.executable, JOB, "--no-conf", "--history-db", str(db), *args],
                            cwd=str(cwd), env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def started(gate, count, procs):
    """Wait until *count* jobs hold at *gate* (each wrote its marker)."""
    def ready():
        for proc in procs:
            if proc.poll() is not None:
                raise AssertionError("a job ended (%s) before holding: %s"
                                     % (proc.returncode, proc.stderr.read().decode()))
        return len(glob.glob(str(gate) + ".started.*")) >= count
    wait_for(ready, what="%d jobs to hold" % count)


@pytest.fixture()
def data(tmp_path):
    (tmp_path / "in.txt").write_bytes(b"a b c\na b\n")
    return tmp_path


def test_eight_jobs_finishing_at_once_lose_no_record(data):
    db, gate = data / "h.db", data / "gate"
    procs = [start(db, "-r", "inline", "--history-heartbeat", "0.05", "--hold-until",
                   str(gate), "in.txt", cwd=data) for _ in range(8)]
    started(gate, 8, procs)
    gate.write_text("")  # all eight go on together, their last writes at once
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    runs = open_history(history_db=str(db)).list_runs()
    assert len(runs) == 8 and len({r.run_id for r in runs}) == 8
    assert {r.state for r in runs} == {"succeeded"}
    assert all(r.counters == {"words": {"seen": 5}} for r in runs)


def test_a_local_run_is_recorded_as_it_goes(data):
    db, gate = data / "h.db", data / "gate"
    proc = start(db, "-r", "local", "--history-heartbeat", "0.05", "--hold-until", str(gate),
                 "in.txt", "-o", "out", cwd=data)
    started(gate, 1, [proc])
    history = open_history(history_db=str(db))
    running = wait_for(lambda: [r for r in history.list_runs() if r.state == "running"],
                       what="the run to read running")[0]
    assert running.steps[0].state == "running" and running.ended is None
    # the heartbeat moves while the job runs
    wait_for(lambda: history.get_run(running.run_id).heartbeat > running.heartbeat,
             what="a heartbeat")
    gate.write_text("")
    assert proc.wait(timeout=120) == 0
    record = history.get_run(running.run_id)
    assert record.state == "succeeded" and record.runner == "local"
    assert record.output == str(data / "out")
    assert record.input_count == 1 and record.input_bytes == 10
    assert record.steps[0].state == "succeeded" and record.steps[0].ended >= (
        record.steps[0].started)


def test_a_job_killed_with_9_reads_lost_once_its_heartbeat_is_old(data):
    db, gate = data / "h.db", data / "gate"
    proc = start(db, "-r", "inline", "--history-heartbeat", "0.05", "--hold-until", str(gate),
                 "in.txt", cwd=data)
    started(gate, 1, [proc])
    history = open_history(history_db=str(db), lost_after=1.0)
    [record] = wait_for(lambda: history.list_runs(state="running"), what="a running run")
    proc.kill()
    proc.wait(timeout=60)
    lost = wait_for(lambda: history.list_runs(state="lost"), what="the run to read lost")
    assert [r.run_id for r in lost] == [record.run_id]
    # the store still says what the run last wrote; only readers call it lost
    assert history.store.load(record.run_id).state == "running"
    assert open_history(history_db=str(db), lost_after=3600).get_run(
        record.run_id).state == "running"


def test_sigterm_is_an_interrupted_run(data):
    db, gate = data / "h.db", data / "gate"
    proc = start(db, "-r", "local", "--hold-until", str(gate), "in.txt", cwd=data)
    started(gate, 1, [proc])
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM
    [record] = open_history(history_db=str(db)).list_runs()
    assert record.state == "interrupted" and record.cause == "stopped by SIGTERM"


def test_rerun_runs_the_same_command_in_the_same_directory(data):
    db = data / "h.db"
    first = subprocess.run([sys.executable, JOB, "--no-conf", "--history-db", str(db),
                            "-r", "local", "in.txt"], cwd=str(data), env=env(),
                           capture_output=True, timeout=120)
    assert first.returncode == 0, first.stderr.decode()
    [record] = open_history(history_db=str(db)).list_runs()
    again = subprocess.run([sys.executable, "-m", "streamr.cli", "runs", "rerun",
                            record.run_id, "--history-db", str(db)], cwd=ROOT, env=env(),
                           capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr.decode()
    assert again.stdout == first.stdout and b'"a"\t2' in again.stdout
    runs = open_history(history_db=str(db)).list_runs()
    assert len(runs) == 2 and runs[1].run_id == record.run_id
    assert runs[0].argv == record.argv and runs[0].cwd == record.cwd == str(data)
    assert runs[0].state == "succeeded" and runs[0].extra["rerun_of"] == record.run_id


def test_rerun_passes_on_the_runs_exit_status(data):
    db = data / "h.db"
    subprocess.run([sys.executable, JOB, "--no-conf", "--history-db", str(db), "-r", "inline",
                    "--fail-on", "a", "in.txt"], cwd=str(data), env=env(),
                   capture_output=True, timeout=120)
    [record] = open_history(history_db=str(db)).list_runs()
    again = subprocess.run([sys.executable, "-m", "streamr.cli", "runs", "rerun",
                            record.run_id, "--history-db", str(db)], cwd=ROOT, env=env(),
                           capture_output=True, timeout=120)
    assert again.returncode == 1
    assert b"cannot count a" in again.stderr
