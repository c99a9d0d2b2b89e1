"""The EMR Serverless application a run's job runs go to.

An application is named by the ``emr_serverless_application`` option
(its id, or its name, looked up among the applications that are not
terminated), or made for the run: a Spark application of
``emr_serverless_release_label``, which the run stops and deletes when it
is done. Either way it must be ``STARTED`` before job runs are sent, so
the run starts it and waits, saying which state it is in and why.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from streamr.aws import aws_errors, aws_refused
from streamr.errors import AWSError, UsageError

__all__ = ["Application", "find_or_create"]

log = logging.getLogger(__name__)

# the shape of an application id EMR Serverless hands out
_APP_ID = re.compile(r"^[0-9a-z]{16}$")
# states an application can still be used from
_USABLE = ("CREATING", "CREATED", "STARTING", "STARTED", "STOPPING", "STOPPED")
#: how long an application may take to start or stop, in seconds
STATE_TIMEOUT = 900.0


@dataclass
class Application:
    """One EMR Serverless application, as the run uses it."""

    client: object
    id: str
    name: str
    created_by_run: bool
    every: float

    def state(self) -> tuple[str, str]:
        """The application's state and the reason EMR Serverless gives."""
        with aws_errors("EMR Serverless application %s" % self.id, service="emr-serverless"):
            app = self.client.get_application(applicationId=self.id)["application"]
        return app.get("state", ""), app.get("stateDetails") or ""

    def wait_for(self, wanted: str, passing: tuple) -> None:
        """Wait until the application is in state *wanted*, while it is in
        one of *passing*; any other state ends the run with its reason."""
        deadline = time.monotonic() + STATE_TIMEOUT
        last = None
        while True:
            state, reason = self.state()
            if state != last:
                log.info("application %s is %s%s", self.id, state,
                         " (%s)" % reason if reason else "")
                last = state
            if state == wanted:
                return
            if state not in passing:
                raise AWSError("EMR Serverless application %s is %s%s, not %s" % (
                    self.id, state, ": %s" % reason if reason else "", wanted))
            if time.monotonic() > deadline:
                raise AWSError("EMR Serverless application %s is still %s after %d s"
                               % (self.id, state, STATE_TIMEOUT))
            time.sleep(self.every)

    def start(self) -> None:
        """Start the application unless it is started, and wait until it is."""
        state, _ = self.state()
        if state == "STARTED":
            return
        if state == "STOPPING":
            self.wait_for("STOPPED", ("STOPPING",))
        if state in ("CREATING",):
            self.wait_for("CREATED", ("CREATING",))
        log.info("starting application %s", self.id)
        with aws_errors("starting EMR Serverless application %s" % self.id,
                        service="emr-serverless"):
            self.client.start_application(applicationId=self.id)
        self.wait_for("STARTED", ("CREATED", "STARTING", "STOPPED"))

    def stop_and_delete(self) -> None:
        """Stop the application (it was made for this run) and delete it."""
        state, _ = self.state()
        if state in ("CREATING", "STARTING"):
            self.wait_for("CREATED" if state == "CREATING" else "STARTED", (state,))
            state, _ = self.state()
        if state not in ("CREATED", "STOPPED"):
            log.info("stopping application %s", self.id)
            with aws_errors("stopping EMR Serverless application %s" % self.id,
                            service="emr-serverless"):
                self.client.stop_application(applicationId=self.id)
            self.wait_for("STOPPED", ("STARTED", "STOPPING"))
        with aws_errors("deleting EMR Serverless application %s" % self.id,
                        service="emr-serverless"):
            self.client.delete_application(applicationId=self.id)
        log.info("deleted application %s", self.id)


def _find(client, wanted: str) -> dict | None:
    """The application *wanted* names (an id, else a name among the
    applications not terminated), or ``None``."""
    from botocore.exceptions import ClientError

    if _APP_ID.match(wanted):
        try:
            return client.get_application(applicationId=wanted)["application"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
    found = [app for page in client.get_paginator("list_applications").paginate(
        states=list(_USABLE)) for app in page.get("applications", ())
        if app.get("name") == wanted]
    if len(found) > 1:
        raise UsageError("%d EMR Serverless applications are named %r: give"
                         " emr_serverless_application the id of one (%s)"
                         % (len(found), wanted, ", ".join(sorted(a["id"] for a in found))))
    return found[0] if found else None


def find_or_create(client, *, wanted: str | None, release_label: str, name: str,
                   every: float) -> Application:
    """The application *wanted* names, else a new Spark application called
    *name* of *release_label*; not started yet."""
    if wanted:
        with aws_errors("EMR Serverless application %s" % wanted, service="emr-serverless"):
            app = _find(client, wanted)
        if app is None:
            raise UsageError("there is no EMR Serverless application %r in this region (check"
                             " emr_serverless_application and region)" % wanted)
        if app.get("type", "").upper() != "SPARK":
            raise UsageError("EMR Serverless application %s (%s) is a %s application; streamr"
                             " runs jobs on Spark applications" % (
                                 app["id"], app.get("name"), app.get("type")))
        if app.get("state") not in _USABLE:
            raise UsageError("EMR Serverless application %s (%s) is %s" % (
                app["id"], app.get("name"), app.get("state")))
        log.info("using application %s (%s)", app["id"], app.get("name"))
        return Application(client, app["id"], app.get("name") or "", False, every)
    try:
        with aws_errors("creating an EMR Serverless application", service="emr-serverless"):
            made = client.create_application(name=name, releaseLabel=release_label,
                                             type="SPARK")
    except BaseException as exc:
        # a Ctrl-C or a lost answer: the application may exist all the same
        if not aws_refused(exc):
            _delete_unanswered(client, name, every)
        raise
    log.info("created application %s (%s, %s)", made["applicationId"], name, release_label)
    return Application(client, made["applicationId"], name, True, every)


def _delete_unanswered(client, name: str, every: float) -> None:
    """Stop and delete the application called *name* (unique: the run's
    job key) if a create request whose answer never came made it."""
    try:
        with aws_errors("EMR Serverless applications", service="emr-serverless"):
            made = [app for page in client.get_paginator("list_applications").paginate(
                states=list(_USABLE)) for app in page.get("applications", ())
                if app.get("name") == name]
        for app in made:
            log.info("application %s was created though the answer never came; deleting it",
                     app["id"])
            Application(client, app["id"], name, True, every).stop_and_delete()
    except Exception as exc:
        log.warning("could not check whether application %s was created (%s); look for it"
                    " with: aws emr-serverless list-applications", name, exc)
