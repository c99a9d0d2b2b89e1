"""One job run on EMR Serverless: sending it, watching it, cancelling it.

A job run passes through ``SUBMITTED``, ``PENDING``, ``SCHEDULED`` and
``RUNNING`` to ``SUCCESS``, ``FAILED`` or ``CANCELLED``; each change is
logged with the reason EMR Serverless gives (``stateDetails``). Ctrl-C (or
any other way the wait is cut short) cancels the job run before the run
ends, so nothing is left running and billed.
"""

from __future__ import annotations

import logging
import shlex
import time
import uuid
from dataclasses import dataclass, field
from typing import NamedTuple

from streamr.aws import aws_errors, aws_refused

__all__ = ["JobRun", "JobRunEnd", "SparkSubmit"]

log = logging.getLogger(__name__)

#: states a job run ends in
FINAL_STATES = ("SUCCESS", "FAILED", "CANCELLED")
#: how long to wait for a cancelled job run to end, in seconds
CANCEL_TIMEOUT = 120.0


def _unfinished_states(client) -> list:
    """Every state of a job run that has not ended, as the installed
    botocore knows them (newer ones, such as ``QUEUED``, come with it)."""
    operation = client.meta.service_model.operation_model("ListJobRuns")
    return [state for state in operation.input_shape.members["states"].member.enum
            if state not in FINAL_STATES]


class JobRunEnd(NamedTuple):
    """How a job run ended: its final state and the reason given."""

    state: str
    details: str


@dataclass
class SparkSubmit:
    """What a job run runs: ``jobDriver.sparkSubmit``."""

    entry_point: str
    arguments: list
    py_files: list = field(default_factory=list)
    files: list = field(default_factory=list)
    archives: list = field(default_factory=list)
    conf: dict = field(default_factory=dict)
    spark_args: list = field(default_factory=list)

    def parameters(self) -> str:
        """``sparkSubmitParameters``: one string of spark-submit options."""
        words: list = []
        for switch, paths in (("--py-files", self.py_files), ("--files", self.files),
                              ("--archives", self.archives)):
            if paths:
                words += [switch, ",".join(paths)]
        for name, value in self.conf.items():
            words += ["--conf", "%s=%s" % (name, value)]
        words += list(self.spark_args)
        # a value with spaces stays one word (a shell's quoting)
        return " ".join(shlex.quote(word) for word in words)

    def request(self) -> dict:
        driver: dict = {"entryPoint": self.entry_point,
                        "entryPointArguments": [str(arg) for arg in self.arguments]}
        parameters = self.parameters()
        if parameters:
            driver["sparkSubmitParameters"] = parameters
        return {"sparkSubmit": driver}


@dataclass
class JobRun:
    """A job run of application *app_id*, once :meth:`start` sent it."""

    client: object
    app_id: str
    every: float
    id: str | None = None
    #: every state the job run was seen in, in order
    seen: list = field(default_factory=list)

    def start(self, *, name: str, role: str, submit: SparkSubmit, log_uri: str) -> str:
        """Send the job run; its id. *name* must be the run's own (its job
        key): when the request is cut short, the job run is found by it."""
        try:
            with aws_errors("starting a job run on EMR Serverless application %s"
                            % self.app_id, service="emr-serverless"):
                answer = self.client.start_job_run(
                    applicationId=self.app_id, clientToken=str(uuid.uuid4()), name=name,
                    executionRoleArn=role, jobDriver=submit.request(),
                    configurationOverrides={"monitoringConfiguration": {
                        "s3MonitoringConfiguration": {"logUri": log_uri}}})
        except BaseException as exc:
            # a Ctrl-C or a lost answer: EMR Serverless may have taken the
            # job run all the same; it must not run on unwatched
            if not aws_refused(exc):
                self._cancel_unanswered(name)
            raise
        self.id = answer["jobRunId"]
        log.info("started job run %s on application %s", self.id, self.app_id)
        return self.id

    def _cancel_unanswered(self, name: str) -> None:
        """Cancel every job run called *name* that has not ended: ones a
        start request cut short made (earlier job runs of the same run have
        ended). Nothing found is the usual case: the request never arrived."""
        try:
            with aws_errors("job runs of application %s" % self.app_id,
                            service="emr-serverless"):
                started = [run["id"] for page in self.client.get_paginator(
                    "list_job_runs").paginate(applicationId=self.app_id,
                                              states=_unfinished_states(self.client))
                           for run in page.get("jobRuns", ()) if run.get("name") == name]
        except Exception as exc:
            log.warning("could not check whether job run %s was started (%s); look for it"
                        " with: aws emr-serverless list-job-runs --application-id %s",
                        name, exc, self.app_id)
            return
        for run_id in started:
            log.info("job run %s was started though its answer never came", run_id)
            self.id = run_id
            self.cancel()

    def state(self) -> JobRunEnd:
        with aws_errors("job run %s" % self.id, service="emr-serverless"):
            run = self.client.get_job_run(applicationId=self.app_id,
                                          jobRunId=self.id)["jobRun"]
        return JobRunEnd(run.get("state", ""), run.get("stateDetails") or "")

    def wait(self) -> JobRunEnd:
        """Wait for the job run to end; cancel it if the wait is cut short."""
        try:
            return self._wait()
        except BaseException:
            self.cancel()
            raise

    def _wait(self) -> JobRunEnd:
        last = None
        while True:
            now = self.state()
            if not self.seen or self.seen[-1] != now.state:
                self.seen.append(now.state)
            if now != last:
                log.info("job run %s: %s%s", self.id, now.state,
                         " (%s)" % now.details if now.details else "")
                last = now
            if now.state in FINAL_STATES:
                return now
            time.sleep(self.every)

    def cancel(self) -> None:
        """Cancel the job run (if it has not ended) and wait until it has."""
        if self.id is None:
            return
        try:
            if self.state().state in FINAL_STATES:
                return
            log.info("cancelling job run %s", self.id)
            self.client.cancel_job_run(applicationId=self.app_id, jobRunId=self.id)
            deadline = time.monotonic() + CANCEL_TIMEOUT
            while time.monotonic() < deadline:
                if self.state().state in FINAL_STATES:
                    log.info("cancelled job run %s", self.id)
                    return
                time.sleep(min(self.every, 1.0))
            log.warning("job run %s has not ended %d s after being cancelled", self.id,
                        CANCEL_TIMEOUT)
        except Exception as exc:  # the first error (or the Ctrl-C) is the one to report
            log.warning("could not cancel job run %s: %s", self.id, exc)
