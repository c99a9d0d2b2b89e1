"""Secret-looking cmdenv values stay out of EMR's step arguments (and so out
of its step records and logs) and out of what streamr prints, yet tasks
still see them (issue 19, item 18)."""

import json

import pytest

from tests.support.emr import put, the_cluster
from tests.support.jobs import EMR_JOBS, FAST, ok, run_job

pytestmark = pytest.mark.slow

SECRET = "s3cr3t-'quoted' $value"


def test_tasks_see_a_secret_that_no_step_record_holds(sim):
    put(sim, "s3://in-bucket/one/x.txt", b"line\n")
    proc = run_job(EMR_JOBS / "mr_task_facts.py", "-r", "emr", *FAST, "-v", "--cleanup", "NONE",
                   "--cmdenv", "STREAMR_TEST_TOKEN=" + SECRET, "--cmdenv", "STREAMR_CHECK=yes",
                   "s3://in-bucket/one/x.txt")
    key, facts = ok(proc).decode().rstrip("\n").split("\t")
    facts = json.loads(facts)
    assert facts["token"] == SECRET
    assert facts["cmdenv"] == "yes"
    steps = sim.client("emr").list_steps(ClusterId=the_cluster(sim))["Steps"]
    args = [arg for step in steps for arg in step["Config"]["Args"]]
    assert "STREAMR_CHECK=yes" in args  # ordinary values still travel as -cmdenv
    assert not any("s3cr3t" in arg or "STREAMR_TEST_TOKEN" in arg for arg in args)
    assert b"s3cr3t" not in proc.stderr

