"""The run history on AWS: records kept under an S3 prefix (one object per
run, on the moto server), and what EMR runs record (the cluster, its logs,
the step ids, and waiting for a pooled cluster), against the simulated EMR."""

import json

import pytest

from streamr.history.reading import open_history
from tests.jobs.mr_history import MRHistoryCount
from tests.support.emr import SimSetup, occupy, streamr, the_cluster
from tests.support.jobs import FAST, ok, run_job
from tests.support.pool import (
    COUNTS,
    WORD_COUNT,
    WORDS,
    finished,
    pool_cluster,
    pooled,
    start_pooled,
)
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture()
def sim_setup():
    return SimSetup(files={"s3://in-bucket/text/a.txt": WORDS})


def _inline_run(*args):
    from io import BytesIO

    job = MRHistoryCount(["-r", "inline", "--no-conf", *args]).sandbox(
        stdin=BytesIO(b"x y\n"))
    with job.make_runner() as runner:
        try:
            runner.run()
        except Exception:  # the record is what the test looks at
            pass
        return runner.get_job_key()


def test_runs_are_kept_as_one_object_each_under_an_s3_prefix(aws):
    aws.bucket("team-history")
    uri = "s3://team-history/runs/"
    where = ["--history-uri", uri, "--s3-endpoint", aws.endpoint]
    ok_id = _inline_run(*where)
    bad_id = _inline_run(*where, "--fail-on", "x")
    aws.put(uri + "README.txt", b"not a record")
    aws.put(uri + "stray.json", b"{not json")
    assert sorted(aws.keys(uri)) == sorted(["runs/%s.json" % ok_id, "runs/%s.json" % bad_id,
                                            "runs/README.txt", "runs/stray.json"])
    body = json.loads(aws.get(uri + bad_id + ".json"))
    assert body["state"] == "failed" and "cannot count x" in body["cause"]

    history = open_history(history_uri=uri, aws_options={"s3_endpoint": aws.endpoint})
    assert [r.run_id for r in history.list_runs()] == [bad_id, ok_id]
    assert history.get_run(ok_id).state == "succeeded"
    assert history.get_run("nothing-like-it") is None

    listed = streamr("runs", *where, "--state", "failed")
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.output.splitlines()
            if line.startswith("mr_history")] == [bad_id]
    pruned = streamr("runs", "prune", "--older-than", "2030-01-01", *where)
    assert pruned.exit_code == 0
    assert sorted(aws.keys(uri)) == ["runs/README.txt", "runs/stray.json"]


def test_an_unreachable_s3_history_is_one_warning(aws, caplog):
    # no such bucket: the run goes on, and says once that it was not recorded
    run_id = _inline_run("--history-uri", "s3://no-such-bucket/h/", "--s3-endpoint",
                         aws.endpoint)
    assert run_id
    warnings = [r for r in caplog.records if "run history" in r.getMessage()]
    assert len(warnings) == 1


def test_an_emr_run_records_its_cluster_logs_and_steps(sim, tmp_path):
    db = tmp_path / "h.db"
    proc = pooled("--history-db", db)
    assert ok(proc) == COUNTS
    [record] = open_history(history_db=str(db)).list_runs()
    cluster_id = the_cluster(sim)
    assert record.runner == "emr" and record.state == "succeeded"
    # the sizes come from the S3 listing of the input directory
    assert record.input_count == 1 and record.input_bytes == len(WORDS)
    assert record.cluster_id == cluster_id
    assert record.log_uri.startswith("s3://")
    [step] = record.steps
    assert step.state == "succeeded" and step.emr_step_id.startswith("s-")
    assert step.emr_step_id in [s["Id"] for s in sim.client("emr").list_steps(
        ClusterId=cluster_id)["Steps"]]


def test_a_run_waiting_for_a_pooled_cluster_reads_waiting(sim, tmp_path):
    db = tmp_path / "h.db"
    cluster_id = pool_cluster()
    done = occupy(sim, cluster_id)
    log = tmp_path / "job.log"
    proc = start_pooled(log, "--max-clusters-in-pool", "1", "--history-db", db)
    history = open_history(history_db=str(db))
    try:
        def waiting():
            assert proc.poll() is None, log.read_text()
            return history.list_runs(state="waiting")
        [record] = wait_for(waiting, what="the run to read waiting")
        assert record.cluster_id is None
    finally:
        done.set()
    out, _ = finished(proc, log)
    assert out == COUNTS
    record = history.get_run(record.run_id)
    assert record.state == "succeeded" and record.cluster_id == cluster_id


def test_a_failed_emr_run_records_the_cause_it_printed(sim, tmp_path):
    db = tmp_path / "h.db"
    sim.create_default_roles()
    sim.fail_next_step("Simulated step failure")
    proc = run_job(WORD_COUNT, "-r", "emr", *FAST, "--history-db", db, "s3://in-bucket/text/")
    assert proc.returncode == 1
    [record] = open_history(history_db=str(db)).list_runs()
    assert record.state == "failed" and record.cluster_id == the_cluster(sim)
    assert "Simulated step failure" in record.cause
    assert record.cause_line().startswith("Step 1 of 1 failed")
    assert record.cause in proc.stderr.decode()
    assert record.steps[0].state == "failed"
