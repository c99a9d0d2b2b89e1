"""The simulated EMR as the EMR tests use it: the ``sim`` fixture and what
to put in the simulator before a test (:class:`SimSetup`),
S3 shortcuts, the ``streamr`` command run in this process, and clusters
looked at or kept busy from outside a job."""

from __future__ import annotations

import threading
from typing import NamedTuple

import pytest

#: a pretend jar whose step runs until the test lets it finish (see :func:`occupy`)
HOLD_JAR = "hold"


class SimSetup(NamedTuple):
    """What the ``sim`` fixture creates: EMR's default IAM roles (unless
    *roles* is false), *buckets* (in us-west-2) and *files* (``s3://`` URI
    to bytes). A test module changes it by defining its own ``sim_setup``
    fixture."""

    roles: bool = True
    buckets: tuple = ("in-bucket", "out-bucket", "jar-bucket")
    files: dict = {}


def prepare(emr_sim, setup: SimSetup):
    """Give the clean simulator *emr_sim* what *setup* asks for, and an S3
    client as ``emr_sim.s3``; return it."""
    if setup.roles:
        emr_sim.create_default_roles()
    s3 = emr_sim.client("s3")
    for bucket in setup.buckets:
        s3.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    emr_sim.s3 = s3
    for uri, data in setup.files.items():
        put(emr_sim, uri, data)
    return emr_sim


@pytest.fixture()
def sim_setup():
    """What the ``sim`` fixture puts in the simulator; a module that needs
    other buckets, input files or no IAM roles defines its own."""
    return SimSetup()


@pytest.fixture()
def sim(emr_sim, sim_setup):
    """A clean simulated EMR with the roles, buckets and files of
    ``sim_setup``, and an S3 client as ``sim.s3`` (registered in
    tests/conftest.py, so every test module shares this one)."""
    return prepare(emr_sim, sim_setup)


def put(sim, uri, data):
    bucket, key = uri[len("s3://"):].split("/", 1)
    sim.s3.put_object(Bucket=bucket, Key=key, Body=data)


def keys(sim, uri):
    bucket, prefix = uri[len("s3://"):].split("/", 1)
    found = []
    for page in sim.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found.extend(obj["Key"] for obj in page.get("Contents", ()))
    return found


def clusters(sim):
    """Ids of every cluster the simulator knows, sorted."""
    return sorted(c["Id"] for c in sim.client("emr").list_clusters()["Clusters"])


def the_cluster(sim):
    """The id of the one cluster there is (asserting there is one)."""
    ids = clusters(sim)
    assert len(ids) == 1, ids
    return ids[0]


def tmp_bucket_keys(sim, prefix="tmp/"):
    """Keys under *prefix* of the one streamr-tmp-* bucket."""
    buckets = [b["Name"] for b in sim.s3.list_buckets()["Buckets"]
               if b["Name"].startswith("streamr-tmp-")]
    assert len(buckets) == 1
    return list(keys(sim, "s3://%s/%s" % (buckets[0], prefix)))


def streamr(*args):
    """The ``streamr`` command run in this process; click's result."""
    from click.testing import CliRunner

    from streamr.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def occupy(sim, cluster_id, name="someone else's"):
    """Give *cluster_id* a step of its own (not a job's), which runs until
    the returned event is set. Returns once the step is RUNNING."""
    done = threading.Event()

    def hold(args, jar):
        done.wait(120)  # then succeeds (a stand-in jar fails by returning an exit code)

    sim.register_jar(HOLD_JAR, hold)
    step_id = sim.client("emr").add_job_flow_steps(JobFlowId=cluster_id, Steps=[{
        "Name": name, "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": [HOLD_JAR]}}])["StepIds"][0]
    sim.wait_for_step(cluster_id, step_id, "RUNNING", timeout=120)
    sim.wait_for_cluster(cluster_id, "RUNNING", timeout=120)
    return done
