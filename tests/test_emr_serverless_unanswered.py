"""A request to EMR Serverless that is cut short after it was sent (Ctrl-C
while the answer is on its way, a connection lost) may have been carried
out: the job run started, or the application made, without streamr
knowing its id. Such a job run is found by its name and cancelled, such an
application stopped and deleted, so nothing runs on unwatched and billed.

moto's emr-serverless over HTTP (its job runs left ``RUNNING`` when sent,
where moto would end them at once); the interrupt is raised by a handler
of botocore's own events, after the request has reached moto
(``after-call``) or before it is sent (``before-send``), so it lands at the
same point every time."""

from __future__ import annotations

import boto3
import pytest

from streamr.errors import AWSError
from streamr.runners.emr_serverless.application import find_or_create
from streamr.runners.emr_serverless.job_run import JobRun, SparkSubmit

pytestmark = pytest.mark.sim

ROLE = "arn:aws:iam::123456789012:role/StreamrJobRuns"
SUBMIT = SparkSubmit(entry_point="s3://bucket/driver.py", arguments=["--step-num", "0"])


@pytest.fixture
def client(aws, monkeypatch):
    import moto.emrserverless.models

    # the state moto gives a job run it is sent: one that has not ended
    monkeypatch.setattr(moto.emrserverless.models, "JOB_STATUS", "RUNNING")
    return boto3.client("emr-serverless", endpoint_url=aws.endpoint, region_name="us-west-2")


@pytest.fixture
def app_id(client):
    return client.create_application(name="shared", releaseLabel="emr-7.1.0",
                                     type="SPARK")["applicationId"]


def _interrupt_at(client, event: str, operation: str) -> None:
    def interrupt(**_):
        raise KeyboardInterrupt

    client.meta.events.register("%s.emr-serverless.%s" % (event, operation), interrupt,
                                unique_id="interrupt-%s-%s" % (event, operation))


def _start(client, app_id, name):
    return JobRun(client, app_id, every=0.01).start(name=name, role=ROLE, submit=SUBMIT,
                                                     log_uri="s3://bucket/logs/")


def _states(client, app_id) -> dict:
    return {run["name"]: run["state"] for run in
            client.list_job_runs(applicationId=app_id)["jobRuns"]}


def test_a_job_run_whose_answer_never_came_is_cancelled(client, app_id):
    _start(client, app_id, "another.run.20261129.101010.000001")
    run = JobRun(client, app_id, every=0.01)
    _interrupt_at(client, "after-call", "StartJobRun")
    with pytest.raises(KeyboardInterrupt):
        run.start(name="this.run.20261129.101010.000002", role=ROLE, submit=SUBMIT,
                  log_uri="s3://bucket/logs/")
    assert _states(client, app_id) == {
        "another.run.20261129.101010.000001": "RUNNING",  # not the run's: left alone
        "this.run.20261129.101010.000002": "CANCELLED"}
    assert run.id == client.list_job_runs(applicationId=app_id, states=["CANCELLED"])[
        "jobRuns"][0]["id"]


def test_an_interrupt_before_the_request_is_sent_cancels_nothing(client, app_id):
    _start(client, app_id, "this.run.20261129.101010.000002")  # an earlier step's, say
    client.cancel_job_run(applicationId=app_id, jobRunId=client.list_job_runs(
        applicationId=app_id)["jobRuns"][0]["id"])
    _start(client, app_id, "another.run.20261129.101010.000001")
    _interrupt_at(client, "before-send", "StartJobRun")
    with pytest.raises(KeyboardInterrupt):
        _start(client, app_id, "this.run.20261129.101010.000002")
    assert _states(client, app_id) == {"this.run.20261129.101010.000002": "CANCELLED",
                                       "another.run.20261129.101010.000001": "RUNNING"}


def test_a_refused_job_run_is_one_error_and_nothing_is_looked_for(client, app_id):
    listed = []
    client.meta.events.register("before-call.emr-serverless.ListJobRuns",
                                lambda **_: listed.append(1))
    with pytest.raises(AWSError) as refused:
        JobRun(client, app_id, every=0.01).start(
            name="this.run", role="arn:aws:iam::999999999999:role/Other", submit=SUBMIT,
            log_uri="s3://bucket/logs/")
    assert str(refused.value) == (
        "access denied to starting a job run on EMR Serverless application %s for the"
        " credentials from your configuration (Cross-account pass role is not allowed):"
        " allow it in the IAM policy of those credentials" % app_id)
    assert listed == []


def test_an_application_whose_answer_never_came_is_deleted(client, app_id):
    _interrupt_at(client, "after-call", "CreateApplication")
    with pytest.raises(KeyboardInterrupt):
        find_or_create(client, wanted=None, release_label="emr-7.1.0",
                       name="this.run.20261129.101010.000002", every=0.01)
    states = {app["name"]: app["state"] for app in client.list_applications()["applications"]}
    assert states.pop("this.run.20261129.101010.000002") == "TERMINATED"
    assert states["shared"] != "TERMINATED"  # not the run's: left alone
