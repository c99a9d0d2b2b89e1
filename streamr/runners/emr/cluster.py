"""Talking to EMR about clusters: starting one, looking one up, adding
and cancelling steps, terminating, listing the active ones and the
releases EMR offers, and checking that the IAM roles a new cluster needs
exist. Every AWS refusal becomes an :class:`~streamr.errors.AWSError` with
one line that says what to do.

Three calls only make a run better, not possible: ListReleaseLabels and
DescribeSecurityConfiguration (checks before a cluster starts) and
GetAutoTerminationPolicy (how long a pooled cluster has left). Many IAM
policies written for older EMR versions allow none of them; a refusal of
one is one warning per run and the run goes on without the answer."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from streamr.aws import aws_errors
from streamr.errors import UsageError

__all__ = [
    "ACTIVE_STATES",
    "EMRClusters",
    "cluster_idle_since",
    "tag_value",
]

log = logging.getLogger(__name__)

#: states of a cluster that can still run steps
ACTIVE_STATES = ("STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING")
#: states a cluster ends in
DONE_STATES = ("TERMINATING", "TERMINATED", "TERMINATED_WITH_ERRORS")
#: error codes AWS answers a call the credentials may not make with
DENIED_CODES = ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation")
# what EMR answers when asked about a security configuration it does not have
_NOT_FOUND_CODES = ("InvalidRequestException", "ResourceNotFoundException", "ResourceNotFound")
#: states of a step that will not change again
STEP_DONE_STATES = ("COMPLETED", "CANCELLED", "FAILED", "INTERRUPTED")


def tag_value(cluster: dict, key: str) -> str | None:
    for tag in cluster.get("Tags") or ():
        if tag.get("Key") == key:
            return tag.get("Value")
    return None


def cluster_idle_since(cluster: dict, steps: list) -> datetime | None:
    """When a WAITING cluster last became idle: the end of its latest step,
    else when it became ready. None for a cluster that is not WAITING."""
    if cluster.get("Status", {}).get("State") != "WAITING":
        return None
    ends = [s["Status"]["Timeline"]["EndDateTime"] for s in steps
            if s.get("Status", {}).get("Timeline", {}).get("EndDateTime")]
    timeline = cluster.get("Status", {}).get("Timeline", {})
    candidates = ends + [t for t in (timeline.get("ReadyDateTime"),
                                     timeline.get("CreationDateTime")) if t]
    return max(candidates) if candidates else None


def age(moment: datetime | None, now: datetime | None = None) -> float | None:
    """Seconds since *moment* (None stays None)."""
    if moment is None:
        return None
    now = now or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (now - moment).total_seconds())


class EMRClusters:
    """EMR calls through one :class:`~streamr.aws.AWSConnection`."""

    def __init__(self, connection):
        self.connection = connection
        #: optional calls these credentials were refused (each warned about once)
        self.denied: set = set()

    @property
    def emr(self):
        return self.connection.client("emr")

    def _errors(self, what: str):
        return aws_errors(what, self.connection, "emr")

    def _optional(self, operation: str, what: str, without: str, call):
        """``(answer, True)`` from *call*, or ``(None, False)`` when the
        credentials may not make *operation*: then the run goes on
        *without* it, which one warning says (the first time only)."""
        import botocore.exceptions

        with self._errors(what):
            try:
                return call(), True
            except botocore.exceptions.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in DENIED_CODES:
                    raise
        if operation not in self.denied:
            self.denied.add(operation)
            log.warning("these credentials may not call EMR's %s (allow"
                        " elasticmapreduce:%s in their IAM policy); going on %s",
                        operation, operation, without)
        return None, False

    # --- before starting ----------------------------------------------------------------

    def check_roles(self, service_role: str, instance_profile: str) -> None:
        """Stop with one line when the IAM role EMR acts as, or the nodes'
        instance profile, does not exist. When IAM does not let these
        credentials look, the check is skipped (EMR will say)."""
        import botocore.exceptions

        iam = self.connection.client("iam")
        checks = (("role", service_role, lambda: iam.get_role(RoleName=service_role),
                   "iam_service_role"),
                  ("instance profile", instance_profile,
                   lambda: iam.get_instance_profile(InstanceProfileName=instance_profile),
                   "iam_instance_profile"))
        for kind, name, call, option in checks:
            try:
                call()
            except botocore.exceptions.ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code == "NoSuchEntity":
                    defaults = name in ("EMR_DefaultRole", "EMR_EC2_DefaultRole")
                    fix = ("create EMR's default roles once per account with"
                           " 'aws emr create-default-roles'" if defaults else
                           "create it in IAM")
                    raise UsageError("IAM %s %s does not exist: %s, or name another with %s"
                                     % (kind, name, fix, option)) from None
                log.debug("could not check IAM %s %s (%s); EMR will", kind, name, code)
                return
            except botocore.exceptions.BotoCoreError as exc:
                log.debug("could not check IAM %s %s: %s", kind, name, exc)
                return

    # --- one cluster --------------------------------------------------------------------

    def start(self, request: dict) -> str:
        """Start a cluster from a RunJobFlow *request*; its id."""
        with self._errors("starting a cluster"):
            answer = self.emr.run_job_flow(**request)
        cluster_id = answer["JobFlowId"]
        if answer.get("ResponseMetadata", {}).get("RetryAttempts"):
            # RunJobFlow takes no idempotency token: an attempt whose answer
            # was lost may have started a cluster of its own before the retry
            self.end_lost_starts(request.get("Name"), cluster_id)
        return cluster_id

    def named(self, name: str | None) -> list:
        """Ids of the active clusters called *name*, in EMR's order."""
        return [summary["Id"] for summary in self.active() if summary.get("Name") == name]

    def end_lost_starts(self, name: str | None, kept: str, found: list | None = None) -> None:
        """Terminate every active cluster called *name* (unique to the run:
        it holds the job key) but *kept*; *found* is their ids when already
        listed. Never raises: the run goes on with *kept* and says what
        could not be checked."""
        try:
            extra = [cluster_id for cluster_id in (self.named(name) if found is None else found)
                     if cluster_id != kept]
            for cluster_id in extra:
                log.warning("cluster %s was started by an attempt whose answer was lost;"
                            " terminating it (the run's cluster is %s)", cluster_id, kept)
                self.terminate(cluster_id)
        except Exception as exc:
            log.warning("could not check for a second cluster started by a retried request"
                        " (%s): look for clusters named %s", exc, name)

    def describe(self, cluster_id: str) -> dict:
        with self._errors("cluster %s" % cluster_id):
            return self.emr.describe_cluster(ClusterId=cluster_id)["Cluster"]

    def steps(self, cluster_id: str, step_ids: list | None = None) -> list:
        """Steps of the cluster, newest first (only *step_ids* if given)."""
        found = []
        kwargs = {"ClusterId": cluster_id}
        if step_ids:
            kwargs["StepIds"] = list(step_ids)
        with self._errors("the steps of cluster %s" % cluster_id):
            for page in self.emr.get_paginator("list_steps").paginate(**kwargs):
                found.extend(page.get("Steps", ()))
        return found

    def step(self, cluster_id: str, step_id: str) -> dict:
        with self._errors("step %s of cluster %s" % (step_id, cluster_id)):
            return self.emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]

    def add_steps(self, cluster_id: str, steps: list) -> list:
        with self._errors("adding steps to cluster %s" % cluster_id):
            return self.emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=steps)["StepIds"]

    def cancel_steps(self, cluster_id: str, step_ids: list) -> None:
        if not step_ids:
            return
        with self._errors("cancelling steps of cluster %s" % cluster_id):
            answer = self.emr.cancel_steps(ClusterId=cluster_id, StepIds=list(step_ids),
                                           StepCancellationOption="SEND_INTERRUPT")
        for info in answer.get("CancelStepsInfoList", ()):
            log.info("step %s: cancel %s%s", info.get("StepId"), info.get("Status", "").lower(),
                     " (%s)" % info["Reason"] if info.get("Reason") else "")

    def set_keep_alive(self, cluster_id: str, keep_alive: bool) -> None:
        """Whether the cluster waits for more steps when it has none left."""
        with self._errors("cluster %s" % cluster_id):
            self.emr.set_keep_job_flow_alive_when_no_steps(JobFlowIds=[cluster_id],
                                                           KeepJobFlowAliveWhenNoSteps=keep_alive)

    def terminate(self, cluster_id: str) -> None:
        with self._errors("terminating cluster %s" % cluster_id):
            self.emr.terminate_job_flows(JobFlowIds=[cluster_id])
        log.debug("asked EMR to terminate cluster %s", cluster_id)

    def instance_groups(self, cluster_id: str) -> list:
        groups = []
        with self._errors("the instances of cluster %s" % cluster_id):
            for page in self.emr.get_paginator("list_instance_groups").paginate(
                    ClusterId=cluster_id):
                groups.extend(page.get("InstanceGroups", ()))
        return groups

    def instance_fleets(self, cluster_id: str) -> list:
        fleets = []
        with self._errors("the instances of cluster %s" % cluster_id):
            for page in self.emr.get_paginator("list_instance_fleets").paginate(
                    ClusterId=cluster_id):
                fleets.extend(page.get("InstanceFleets", ()))
        return fleets

    def instances(self, cluster_id: str) -> list:
        """The cluster's running instances."""
        found = []
        with self._errors("the instances of cluster %s" % cluster_id):
            for page in self.emr.get_paginator("list_instances").paginate(
                    ClusterId=cluster_id, InstanceStates=["RUNNING"]):
                found.extend(page.get("Instances", ()))
        return found

    def idle_timeout(self, cluster_id: str) -> int | None:
        """Seconds of idleness after which EMR shuts the cluster down, or
        None when it has no auto-termination policy, or when these
        credentials may not ask (unknown, with one warning)."""
        answer, _ = self._optional(
            "GetAutoTerminationPolicy",
            "the auto-termination policy of cluster %s" % cluster_id,
            "as if pooled clusters had no idle timeout (one could shut down just as this"
            " job joins it)",
            lambda: self.emr.get_auto_termination_policy(ClusterId=cluster_id))
        return ((answer or {}).get("AutoTerminationPolicy") or {}).get("IdleTimeout")

    def security_configuration_exists(self, name: str) -> bool | None:
        """Whether EMR has a security configuration called *name* in the
        region; None when these credentials may not ask (with one
        warning)."""
        import botocore.exceptions

        def describe() -> bool:
            try:
                self.emr.describe_security_configuration(Name=name)
            except botocore.exceptions.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in _NOT_FOUND_CODES:
                    return False
                raise
            return True

        exists, _ = self._optional("DescribeSecurityConfiguration",
                                   "security configuration %s" % name,
                                   "without checking security_configuration", describe)
        return exists

    def release_labels(self) -> list | None:
        """Every release label EMR offers in the region, or None when these
        credentials may not ask (with one warning)."""
        def every_page() -> list:
            labels: list = []
            kwargs: dict = {}
            while True:
                answer = self.emr.list_release_labels(**kwargs)
                labels.extend(answer.get("ReleaseLabels") or ())
                if not answer.get("NextToken"):
                    return labels
                kwargs["NextToken"] = answer["NextToken"]

        labels, _ = self._optional("ListReleaseLabels", "the list of EMR releases",
                                   "without checking release_label", every_page)
        return labels

    # --- many clusters ------------------------------------------------------------------

    def active(self) -> list:
        """Summaries of every cluster that is starting, running or waiting."""
        found = []
        with self._errors("the list of clusters"):
            for page in self.emr.get_paginator("list_clusters").paginate(
                    ClusterStates=list(ACTIVE_STATES)):
                found.extend(page.get("Clusters", ()))
        return found
