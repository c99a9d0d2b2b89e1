"""Cluster pooling end to end, against the simulated EMR: joining versus
starting, each matching rule, bid prices, fleets, the pool cap and
waiting, locks (contention and expiry), recovery from a cluster lost
under a job, and idle shutdown."""

import pytest

from tests.test_emr_runner import EXAMPLES, FAST, ok, put, run_job

WORD_COUNT = EXAMPLES / "mr_word_freq_count.py"
#: every pooled run here: no jitter, debug log
POOL = ["--pool-clusters", "--pool-jitter-seconds", "0", "-v"]


@pytest.fixture()
def sim(emr_sim):
    emr_sim.create_default_roles()
    s3 = emr_sim.client("s3")
    for bucket in ("in-bucket", "out-bucket"):
        s3.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    emr_sim.s3 = s3
    put(emr_sim, "s3://in-bucket/text/a.txt", b"one two two\nthree three three\n")
    return emr_sim


def pooled(*args, script=WORD_COUNT, timeout=120):
    return run_job(script, "-r", "emr", *FAST, *POOL, *args, "s3://in-bucket/text/",
                   timeout=timeout)


def clusters(sim):
    return [c["Id"] for c in sim.client("emr").list_clusters()["Clusters"]]


def test_second_job_joins_the_cluster_the_first_started(sim):
    first = pooled()
    assert ok(first) == b'"one"\t1\n"three"\t3\n"two"\t2\n'
    [cluster_id] = clusters(sim)
    assert "started cluster %s" % cluster_id in first.stderr.decode()
    second = pooled()
    assert ok(second) == b'"one"\t1\n"three"\t3\n"two"\t2\n'
    assert clusters(sim) == [cluster_id]
    log = second.stderr.decode()
    assert "joined cluster %s of pool default" % cluster_id in log
    assert "cluster %s: accepted" % cluster_id in log
    snapshot = sim.cluster(cluster_id)
    assert snapshot.state == "WAITING"
    assert [step[2] for step in snapshot.steps] == ["COMPLETED", "COMPLETED"]
