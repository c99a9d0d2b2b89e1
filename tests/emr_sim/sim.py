""":class:`SimulatedEMR`, the simulator's public face: a moto server on
127.0.0.1 (its own, or one it is given), moto's EMR patched to hold
clusters and steps to EMR's life cycle, a driver thread carrying them
through it, faults to inject and records to check.

Time: ``sim.clock`` is simulated seconds since the start (or last
:meth:`~SimulatedEMR.reset`); it runs with the real clock and
:meth:`~SimulatedEMR.advance` jumps it forward, firing every timer due in
between and moving reported timestamps into the past (see
:mod:`tests.emr_sim.clock`)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["ClusterSnapshot", "SimulatedEMR"]

REGION = "us-west-2"

_TRUST = ('{"Version": "2008-10-17", "Statement": [{"Sid": "", "Effect": "Allow",'
          ' "Principal": {"Service": "%s"}, "Action": "sts:AssumeRole"}]}')
_POLICIES = {
    "EMR_DefaultRole": "arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceRole",
    "EMR_EC2_DefaultRole":
        "arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceforEC2Role",
}


@dataclass(frozen=True)
class ClusterSnapshot:
    """A cluster as the simulator sees it at one moment (times simulated)."""

    id: str
    name: str
    state: str
    reason_code: str | None
    reason_message: str | None
    created: float
    ready: float | None
    ended: float | None
    log_uri: str | None
    step_concurrency_level: int
    auto_termination_policy: dict | None
    nodes: tuple[tuple[str, str, str], ...]  # (instance id, role, sandbox dir)
    steps: tuple[tuple[str, str, str], ...]  # (step id, name, state), in order added
    application_ids: tuple[str, ...]
    history: tuple[str, ...]  # every state so far, in order


class SimulatedEMR:
    """Amazon EMR, simulated on a moto server. Use as a context manager or
    call :meth:`start` and :meth:`stop`.

    *server* is a started ``tests.moto_server.MotoServer`` to share (one is
    made on *port* otherwise). Timings are simulated seconds each stage
    takes at least; *task_slots* task processes run at once per step;
    *task_timeout* and *bootstrap_timeout* are real seconds after which a
    hung task attempt or bootstrap script is killed. With *check_roles* a
    cluster whose JobFlowRole instance profile or ServiceRole is missing
    from IAM fails with VALIDATION_ERROR. With *log_uri_s3n* DescribeCluster
    reports the log URI as ``s3n://...``, as EMR does."""

    def __init__(self, server: Any = None, *, port: int = 0, starting: float = 0.05,
                 bootstrapping: float = 0.05, step: float = 0.05, terminating: float = 0.05,
                 task_slots: int = 2, task_timeout: float = 120.0,
                 bootstrap_timeout: float = 120.0, check_roles: bool = True,
                 log_uri_s3n: bool = True, region: str = REGION):
        from tests.emr_sim.clock import SimClock
        from tests.emr_sim.driver import Settings, Timings
        from tests.emr_sim.faults import FaultPlan

        self._server = server
        self._own_server = server is None
        self._port = port
        self.region = region
        self.timings = Timings(starting, bootstrapping, step, terminating)
        self.settings = Settings(task_slots=task_slots, task_timeout=task_timeout,
                                 bootstrap_timeout=bootstrap_timeout, check_roles=check_roles,
                                 log_uri_s3n=log_uri_s3n)
        self._defaults = (dataclasses.replace(self.timings), dataclasses.replace(self.settings))
        self._clock = SimClock()
        self.faults = FaultPlan()
        self.jars: dict[str, Callable] = {}
        self.endpoint: str | None = None
        self.driver: Any = None
        self._sandbox: str | None = None
        self._wsgi: tuple[Any, Any] | None = None
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    # --- lifetime ---------------------------------------------------------

    def start(self) -> SimulatedEMR:
        from tests.emr_sim import moto_patches
        from tests.emr_sim.driver import Driver
        from tests.emr_sim.faults import RequestMiddleware
        from tests.emr_sim.s3 import SimS3
        from tests.emr_sim.standins import install_standins
        from tests.moto_server import MotoServer

        if self._server is None:
            self._server = MotoServer(self._port)
        if self._server.endpoint is None:
            self._server.start()
        self.endpoint = self._server.endpoint
        self._sandbox = tempfile.mkdtemp(prefix="emr-sim-")
        bin_dir = install_standins(os.path.join(self._sandbox, "bin"))
        base_env = {"PATH": bin_dir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin")}
        base_env.update(self.env())
        self.driver = Driver(self._clock, SimS3(self.endpoint, self.region),
                             os.path.join(self._sandbox, "nodes"), base_env, self.timings,
                             self.settings, self.jars)
        moto_patches.install(self.driver, self._clock)
        wsgi_server = self._server._server._server
        self._wsgi = (wsgi_server, wsgi_server.app)
        wsgi_server.app = RequestMiddleware(wsgi_server.app, self.faults, self._forget,
                                            self.driver.lock)
        self.driver.start()
        return self

    def stop(self) -> None:
        from tests.emr_sim import moto_patches

        if self.driver is not None:
            self.driver.stop()
            self.driver = None
        if self._wsgi is not None:
            wsgi_server, app = self._wsgi
            wsgi_server.app = app
            self._wsgi = None
        moto_patches.uninstall()
        if self._own_server and self._server is not None and self._server.endpoint:
            self._server.stop()
        if self._sandbox:
            shutil.rmtree(self._sandbox, ignore_errors=True)
            self._sandbox = None

    def __enter__(self) -> SimulatedEMR:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every cluster, bucket, role, fault, registered jar and
        record; kill every process the simulator started; put timings and
        settings (``sim.timings``, ``sim.settings``, which tests may change)
        back as constructed; the clock starts again at zero."""
        self._server.reset()  # passes the middleware, which calls _forget
        self._forget()

    def _forget(self) -> None:
        if self.driver is not None:
            self.driver.forget_all()
        self.faults.clear()
        self.jars.clear()
        for current, default in zip((self.timings, self.settings), self._defaults):
            for item in dataclasses.fields(current):
                setattr(current, item.name, getattr(default, item.name))
        self._clock.reset()

    # --- environment ------------------------------------------------------

    def env(self, include_unset: bool = False) -> dict[str, Any]:
        """Environment variables under which boto3 (in this process or a
        subprocess) reaches the simulator and nothing else: the endpoint,
        fake credentials, region us-west-2, no config files or instance
        metadata. With *include_unset*, variables to remove map to None."""
        from tests.moto_server import offline_aws_environment

        env = offline_aws_environment(self._sandbox or tempfile.gettempdir())
        env.update({"AWS_ENDPOINT_URL": self.endpoint, "AWS_DEFAULT_REGION": self.region})
        if include_unset:
            return env
        return {name: value for name, value in env.items() if value is not None}

    def client(self, service: str) -> Any:
        """A boto3 client of *service* talking to the simulator (made once,
        then shared: boto3 clients are thread-safe)."""
        import boto3

        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = boto3.session.Session(
                    aws_access_key_id="testing", aws_secret_access_key="testing",
                    region_name=self.region).client(service, endpoint_url=self.endpoint)
            return self._clients[service]

    def create_default_roles(self) -> None:
        """IAM role EMR_DefaultRole, and role and instance profile
        EMR_EC2_DefaultRole, made through IAM's API (existing ones kept)."""
        iam = self.client("iam")
        errors = iam.exceptions
        for role, service in (("EMR_DefaultRole", "elasticmapreduce.amazonaws.com"),
                              ("EMR_EC2_DefaultRole", "ec2.amazonaws.com")):
            try:
                iam.create_role(RoleName=role, AssumeRolePolicyDocument=_TRUST % service)
            except errors.EntityAlreadyExistsException:
                pass
            try:
                iam.attach_role_policy(RoleName=role, PolicyArn=_POLICIES[role])
            except errors.NoSuchEntityException:
                pass  # moto loads AWS-managed policies only when asked to
        try:
            iam.create_instance_profile(InstanceProfileName="EMR_EC2_DefaultRole")
            iam.add_role_to_instance_profile(InstanceProfileName="EMR_EC2_DefaultRole",
                                             RoleName="EMR_EC2_DefaultRole")
        except errors.EntityAlreadyExistsException:
            pass

    # --- clock ------------------------------------------------------------

    @property
    def clock(self) -> float:
        """Simulated seconds since the start or the last reset."""
        return self._clock.now()

    def advance(self, seconds: float) -> None:
        """Move simulated time forward by *seconds* and carry out at once
        everything that falls due (idle timeouts, stage timings)."""
        self._clock.advance(seconds)
        if self.driver is not None:
            self.driver.tick()

    # --- jars and faults --------------------------------------------------

    def register_jar(self, name_or_uri: str, func: Callable) -> None:
        """Let *func* stand in for a jar (by URI or file name) or for a
        command-runner.jar program (by its name): see
        :mod:`tests.emr_sim.steprunner`."""
        self.jars[name_or_uri] = func

    def throttle(self, operation: str, times: int = 1, service: str = "emr") -> None:
        """The next *times* calls of *operation* are throttled (see
        :mod:`tests.emr_sim.faults`)."""
        self.faults.throttle(operation, times, service)

    def hold(self, operation: str, after: str | None = None, service: str = "emr"):
        """Keep back the answer to the next *operation* request until the
        test sets the returned hold's ``release`` event (see
        :mod:`tests.emr_sim.faults`)."""
        return self.faults.hold(operation, after, service)

    def deny(self, operation: str, times: int = 1, service: str = "emr") -> None:
        """The next *times* calls of *operation* are refused as not allowed
        by the credentials' IAM policy (see :mod:`tests.emr_sim.faults`)."""
        self.faults.deny(operation, times, service)

    def lose_answer(self, operation: str, times: int = 1, service: str = "emr") -> None:
        """The next *times* calls of *operation* take effect, but their
        answers are lost (see :mod:`tests.emr_sim.faults`)."""
        self.faults.lose_answer(operation, times, service)

    def fail_s3(self, key_prefix_or_uri: str, times: int = 1, code: str = "InternalError",
                operation: str | None = None) -> None:
        """The next *times* S3 requests on matching keys fail with *code*."""
        self.faults.fail_s3(key_prefix_or_uri, times, code, operation)

    def fail_next_step(self, reason: str = "Simulated step failure") -> None:
        """The next step to start fails at once, with *reason* as its
        FailureDetails Reason and Message, running no tasks."""
        with self.driver.lock:
            self.driver.forced_failures.append(reason)

    def terminate_during_step(self, cluster_id: str | None = None,
                              reason_code: str = "SPOT_INSTANCE_TERMINATION",
                              after_seconds: float = 0.0, message: str | None = None) -> None:
        """When a step next starts (on *cluster_id*, or any cluster), end
        the cluster *after_seconds* simulated seconds later if that step is
        still running then (else nothing happens). USER_REQUEST:
        TERMINATED, "Terminated by user request", the step CANCELLED. Any
        other code (SPOT_INSTANCE_TERMINATION, INSTANCE_FAILURE):
        TERMINATED_WITH_ERRORS with code INSTANCE_FAILURE, "The master node
        was terminated" (or *message*), the step INTERRUPTED."""
        if reason_code == "USER_REQUEST":
            reason = ("TERMINATED", "USER_REQUEST", message or "Terminated by user request",
                      "CANCELLED")
        else:
            reason = ("TERMINATED_WITH_ERRORS", "INSTANCE_FAILURE",
                      message or "The master node was terminated", "INTERRUPTED")
        with self.driver.lock:
            self.driver.armed_terminations.append((cluster_id, after_seconds, *reason))

    # --- records ----------------------------------------------------------

    def requests(self, operation: str, service: str | None = None) -> list[dict[str, Any]]:
        """Parameters of every request of *operation* received (JSON APIs:
        the body as a dict; query APIs: the form fields; S3: Bucket, Key,
        Prefix), oldest first; requests the simulator made are left out."""
        return self.faults.of(operation, service)

    def _run(self, cluster_id: str) -> Any:
        run = self.driver.runs.get(cluster_id)
        if run is None:
            raise KeyError("no simulated cluster %s" % cluster_id)
        return run

    def cluster(self, cluster_id: str) -> ClusterSnapshot:
        with self.driver.lock:
            run = self._run(cluster_id)
            cluster = run.cluster
            return ClusterSnapshot(
                cluster.id, cluster.name, cluster.state, cluster.reason_code,
                cluster.reason_message, run.created, run.ready,
                (run.terminate_started + self.timings.terminating
                 if cluster.state.startswith("TERMINATED") else None),
                cluster.requested_log_uri, int(cluster.step_concurrency_level or 1),
                cluster.auto_termination_policy,
                tuple((node.instance_id, node.role, node.root) for node in run.nodes),
                tuple((step.id, step.name, step.state) for step in cluster.steps),
                tuple(app for work in run.work.values() for app in work.application_ids),
                tuple(cluster.history))

    def step_runs(self, cluster_id: str) -> list[Any]:
        """``(step_id, name, started, ended, state)`` of each step that ran,
        in the order they started (simulated seconds; ended None while
        running)."""
        with self.driver.lock:
            return list(self._run(cluster_id).records)

    def bootstrap_runs(self, cluster_id: str) -> list[Any]:
        """A :class:`~tests.emr_sim.bootstrap.BootstrapRecord` for each
        bootstrap action run on each node."""
        with self.driver.lock:
            bootstrap = self._run(cluster_id).bootstrap
        return sorted(bootstrap.records if bootstrap else [],
                      key=lambda record: (record.action, record.role != "MASTER",
                                          record.instance_id))

    def task_attempts(self, cluster_id: str, step_id: str | None = None) -> list[Any]:
        """The task attempts (:class:`~tests.emr_sim.tasks.Attempt`) of a
        finished step (or of every step)."""
        with self.driver.lock:
            works = self._run(cluster_id).work
            return [attempt for sid, work in works.items() if step_id in (None, sid)
                    for attempt in work.attempts]

    def wait_for_cluster(self, cluster_id: str, *states: str, timeout: float = 30.0) -> str:
        """Wait (real time) until the cluster is in one of *states*."""
        return self._wait(lambda: self._run(cluster_id).cluster.state, states, timeout,
                          "cluster %s" % cluster_id)

    def wait_for_step(self, cluster_id: str, step_id: str, *states: str,
                      timeout: float = 30.0) -> str:
        """Wait (real time) until the step is in one of *states*."""
        def state() -> str:
            return next(s.state for s in self._run(cluster_id).cluster.steps if s.id == step_id)
        return self._wait(state, states, timeout, "step %s" % step_id)

    def _wait(self, state: Callable[[], str], states: tuple[str, ...], timeout: float,
              what: str) -> str:
        deadline = time.monotonic() + timeout
        with self.driver.changed:
            while True:
                now = state()
                if now in states:
                    return now
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("%s still %s after %.0f s (waited for %s)"
                                       % (what, now, timeout, "/".join(states)))
                self.driver.changed.wait(min(left, 0.1))
