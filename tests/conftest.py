"""Fixtures shared by the test modules, and the markers of the test tiers.

Markers (registered in pyproject.toml): ``sim`` is put here on every test
that uses the moto server (the ``aws``, ``emr_sim`` and ``sim`` fixtures
all do); ``slow`` and ``mrjob`` are set in the modules themselves. The
fast tier is ``python -m pytest -m "not slow and not sim"``."""

import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def pytest_sessionstart(session):
    """Tests send Ctrl-C (SIGINT) to the jobs they start and expect what a
    user at a terminal sees. A shell without job control starts background
    commands (``pytest ... &``, scripts, schedulers) with SIGINT ignored, and
    the jobs would inherit that and never see the signal: give this process
    Python's own handler, so every job it starts gets the default back."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session", autouse=True)
def history_kept_in_test_dir(tmp_path_factory):
    """Runs made by the tests are recorded in a database of this test run,
    never in the user's ~/.streamr: the default database moves through the
    environment, so jobs started as subprocesses inherit it."""
    import os

    from streamr.history.stores import HISTORY_DB_ENV

    path = tmp_path_factory.mktemp("history") / "history.db"
    old = os.environ.get(HISTORY_DB_ENV)
    os.environ[HISTORY_DB_ENV] = str(path)
    yield path
    if old is None:
        os.environ.pop(HISTORY_DB_ENV, None)
    else:
        os.environ[HISTORY_DB_ENV] = old


@pytest.fixture(scope="session", autouse=True)
def temp_files_kept_in_test_dir(tmp_path_factory):
    """Temporary files of the runs the tests make (a failed run keeps its
    own, for debugging, as it does for a user) go under this test run's
    directory, which pytest prunes, never straight into the system's: the
    directory moves through ``TMPDIR``, so jobs started as subprocesses
    inherit it."""
    import os
    import tempfile

    path = tmp_path_factory.mktemp("tmp")
    old_env, old_dir = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = str(path)
    tempfile.tempdir = str(path)
    yield path
    tempfile.tempdir = old_dir
    if old_env is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = old_env


@pytest.fixture(scope="session")
def run_script():
    """Run a Python script the way a user would from a shell, with this
    test run's interpreter: ``run_script("examples/x.py", "in.txt")``.

    Relative script paths and arguments are relative to *cwd* (the repository
    root unless given). Returns the :class:`subprocess.CompletedProcess`,
    with stdout and stderr as bytes."""

    def run(script, *args, cwd=REPO_ROOT):
        return subprocess.run(
            [sys.executable, str(script), *map(str, args)],
            cwd=str(cwd), capture_output=True, timeout=120, check=False)

    return run


@pytest.fixture(autouse=True)
def streamr_loggers_restored():
    """The ``streamr`` and ``__main__`` loggers as they were before each test.

    A job or a ``streamr`` command run in this process sets them up for the
    terminal (:func:`streamr.console.set_up_logging`: own handler, level, no
    propagation); left so, the next test's ``caplog`` sees no record. Whether
    it does regardless depends on the release of pytest, and Python 3.9 gets
    an older one."""
    import logging

    loggers = [logging.getLogger(name) for name in ("streamr", "__main__")]
    saved = [(logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    yield
    for logger, (handlers, level, propagate) in zip(loggers, saved):
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


@pytest.fixture(scope="session")
def moto_server():
    """A moto server on 127.0.0.1 for the whole test run (stopped at the end)."""
    from tests.moto_server import MotoServer

    server = MotoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def aws(moto_server, monkeypatch, tmp_path):
    """A clean moto (no buckets) and an environment in which boto3 sees
    only fake credentials and region us-west-2, and no endpoint: tests pass
    ``aws.endpoint`` through the s3_endpoint option or set AWS_ENDPOINT_URL
    themselves. ``aws.s3`` is a boto3 client for setting up and checking."""
    import boto3

    from tests.moto_server import offline_aws_environment

    moto_server.reset()
    for name, value in offline_aws_environment(str(tmp_path)).items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    return AWSForTest(moto_server, boto3.client("s3", endpoint_url=moto_server.endpoint,
                                                region_name="us-west-2"))


class AWSForTest:
    """What the ``aws`` fixture gives: the endpoint, a boto3 S3 client and
    shortcuts for filling buckets."""

    def __init__(self, server, s3):
        self.server = server
        self.endpoint = server.endpoint
        self.s3 = s3

    def bucket(self, name: str, region: str = "us-west-2") -> str:
        import boto3

        # S3 takes a bucket's region only from a client of that region
        client = boto3.client("s3", endpoint_url=self.endpoint, region_name=region)
        params = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}
        client.create_bucket(Bucket=name, **params)
        return name

    def seed(self, bucket: str, keys: list, data=b"") -> None:
        """Objects put straight into the moto server's backend, which runs in
        this process: for setting up thousands of keys, which one put_object
        request each would take seconds to make (about 5 ms each). *data*
        is bytes, or a function of the key giving bytes. What the test then
        does still goes through HTTP."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends

        backend = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
        for key in keys:
            backend.put_object(bucket, key, data(key) if callable(data) else data)

    def put(self, uri: str, data: bytes) -> None:
        bucket, _, key = uri[len("s3://"):].partition("/")
        self.s3.put_object(Bucket=bucket, Key=key, Body=data)

    def get(self, uri: str) -> bytes:
        bucket, _, key = uri[len("s3://"):].partition("/")
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def keys(self, uri: str) -> list:
        bucket, _, prefix = uri[len("s3://"):].partition("/")
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", ())]


# the simulated EMR (tests/emr_sim): ``emr_sim`` for tests, on the session's moto server
from tests.emr_sim.fixture import emr_sim, emr_sim_session  # noqa: E402, F401

# ``sim``: the simulated EMR with buckets, roles and input files (``sim_setup``)
from tests.support.emr import sim, sim_setup  # noqa: E402, F401


def pytest_collection_modifyitems(items):
    """Mark every test that starts or shares the moto server ``sim``."""
    for item in items:
        if "moto_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.sim)
