"""A job on a real multi-process Spark standalone cluster: a master and a
worker on 127.0.0.1, each its own JVM started by pyspark's ``spark-class``,
the job submitted with ``--spark-master spark://127.0.0.1:PORT`` through
``spark-submit``, and its output compared with ``-r local``'s, byte for
byte."""

from __future__ import annotations

import os
import re

import pytest

from tests.support.jobs import EXAMPLES, JOBS, run_job
from tests.support.spark import StandaloneCluster, output_files

pytestmark = pytest.mark.slow

TWO_STEPS = JOBS + "/mr_features.py"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    started = StandaloneCluster(str(tmp_path_factory.mktemp("spark-cluster")))
    try:
        yield started.start()
    finally:
        started.stop()


#: what the driver itself writes in its temporary directory for a run
#: through spark-submit; anything else there would be a task's
DRIVER_FILES = re.compile(r"(plan|result)-\d+\.json|streamr\.zip|log4j2\.properties"
                          r"|streamr-job-.*\.bundle|archives")


def test_a_two_step_job_on_a_standalone_cluster(cluster, tmp_path):
    data = tmp_path / "in.txt"
    data.write_bytes((EXAMPLES / "data" / "river-tales.txt").read_bytes())
    env = dict(os.environ, STREAMR_TEST_JOB="MRTwoStepMax")
    common = ["--no-conf", "--num-cores", "2", "--cmdenv", "STREAMR_TEST_JOB=MRTwoStepMax", data]
    local = run_job(TWO_STEPS, "-r", "local", "-o", tmp_path / "local", *common, env=env)
    assert local.returncode == 0, local.stderr.decode()
    # the run's temporary directory is kept, to see what was written there
    driver_tmp = tmp_path / "driver-tmp"
    spark = run_job(TWO_STEPS, "-r", "spark", "--spark-master", cluster.url, "-o",
                    tmp_path / "spark", "--local-tmp-dir", driver_tmp, "--cleanup", "NONE",
                    *common, env=env, timeout=600)
    assert spark.returncode == 0, spark.stderr.decode()[-5000:]
    assert output_files(tmp_path / "spark") == output_files(tmp_path / "local")
    assert b"[" in output_files(tmp_path / "spark")["part-00000"]
    # the work ran on the cluster: the master lists the finished application
    finished = cluster.state().get("completedapps") or []
    assert any(app.get("name", "").startswith("mr_features") for app in finished)
    # nodes share no disk: no task wrote into the driver's temporary
    # directory (no task directories, sorted runs or step output there)...
    [run_dir] = os.listdir(driver_tmp)
    written = sorted(os.listdir(driver_tmp / run_dir))
    assert written and all(DRIVER_FILES.fullmatch(name) for name in written), written
    # ...and the job's files reached the worker through Spark, unpacked on
    # the worker's own disk
    unpacked = [os.path.join(root, name) for root, dirs, _ in os.walk(cluster.worker_dir)
                for name in dirs if name.startswith("bundle-streamr-job-mr_features")]
    assert unpacked and all(
        os.path.exists(os.path.join(path, "script", "mr_features.py")) for path in unpacked)


def test_a_failing_mapper_on_the_cluster_shows_the_jobs_traceback(cluster, tmp_path):
    data = tmp_path / "in.txt"
    data.write_bytes(b"fine\nboom\nfine\n")
    proc = run_job(TWO_STEPS, "-r", "spark", "--spark-master", cluster.url, "--no-conf",
                   "--cmdenv", "STREAMR_TEST_JOB=MRRaiser", "-o", tmp_path / "out", data,
                   env=dict(os.environ, STREAMR_TEST_JOB="MRRaiser"), timeout=600)
    assert proc.returncode == 1
    lines = proc.stderr.decode().rstrip("\n").splitlines()
    assert re.match(r"Step 1 of 1 failed: mapper task \d reading \S+in\.txt line 2 failed",
                    lines[-1]), lines[-1]
    tail = "\n".join(lines[-6:])
    assert "Traceback (most recent call last):" in tail
    assert 'mr_features.py", line' in tail
    assert "ZeroDivisionError: boom line seen" in tail
    assert not (tmp_path / "out" / "_SUCCESS").exists()
