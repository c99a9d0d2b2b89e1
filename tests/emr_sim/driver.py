"""The driver: one thread that moves every simulated cluster and its steps
through EMR's states on the simulated clock (:mod:`tests.emr_sim.clock`).

Cluster life, with the simulated seconds each stage takes at least
(:class:`Timings`)::

    STARTING --starting--> BOOTSTRAPPING --bootstrap actions, at least
    `bootstrapping`--> RUNNING while a step runs / WAITING when idle and
    kept alive --> TERMINATING --terminating--> TERMINATED or
    TERMINATED_WITH_ERRORS

Reasons (``Status.StateChangeReason``) as EMR gives them: ALL_STEPS_COMPLETED
"Steps completed" (or "Steps completed with errors" when a step failed
under CONTINUE or CANCEL_AND_WAIT), USER_REQUEST "Terminated by user
request", STEP_FAILURE "Shut down as step failed", BOOTSTRAP_FAILURE (see
:mod:`tests.emr_sim.bootstrap`), VALIDATION_ERROR "Invalid InstanceProfile:
NAME." / "Invalid ServiceRole: NAME." when the roles named in RunJobFlow do
not exist in IAM (with ``check_roles``), INSTANCE_FAILURE "The master node
was terminated" for an injected instance loss. Auto-termination: EMR's
API has no code of its own for it (ClusterStateChangeReasonCode lists
none), so an idle cluster ends TERMINATED with :data:`IDLE_TIMEOUT_REASON`
(ALL_STEPS_COMPLETED, "Cluster was terminated due to idle timeout").

Steps start in the order added, at most StepConcurrencyLevel at once, each
taking at least ``step`` simulated seconds. On failure, ActionOnFailure
TERMINATE_CLUSTER/TERMINATE_JOB_FLOW cancels every other step and ends the
cluster with STEP_FAILURE; CANCEL_AND_WAIT cancels the pending steps;
CONTINUE goes on. When the cluster is terminated by request its running
steps end CANCELLED, on an instance failure INTERRUPTED; pending ones
CANCELLED."""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from tests.emr_sim.bootstrap import BootstrapAction, BootstrapRun
from tests.emr_sim.clock import SimClock
from tests.emr_sim.clusters import ClusterRun, StepWork, fill_in_cluster, make_nodes
from tests.emr_sim.emrlogs import JobClientLog
from tests.emr_sim.moto_models import (
    TERMINAL_CLUSTER_STATES,
    SimCluster,
    set_sim_time,
    sim_time,
)
from tests.emr_sim.moto_patches import checked_idle_policy
from tests.emr_sim.s3 import SimS3
from tests.emr_sim.stepcontext import StepContext
from tests.emr_sim.steprunner import StepOutcome, StepSpec, run_step
from tests.emr_sim.tasks import LiveProcesses

__all__ = ["IDLE_TIMEOUT_REASON", "Driver", "Timings"]

IDLE_TIMEOUT_REASON = ("ALL_STEPS_COMPLETED", "Cluster was terminated due to idle timeout")
#: real seconds a terminating cluster waits for its step threads to stop
THREAD_GRACE = 15.0


@dataclass
class Timings:
    """Least simulated seconds each stage takes."""

    starting: float = 0.05
    bootstrapping: float = 0.05
    step: float = 0.05
    terminating: float = 0.05


@dataclass
class Settings:
    """How the simulated cluster behaves beyond its timings."""

    task_slots: int = 2
    task_timeout: float = 120.0
    bootstrap_timeout: float = 120.0
    check_roles: bool = True
    log_uri_s3n: bool = True
    tick: float = 0.01


class Driver:
    """Moves the clusters on. Its lock guards every model change; request
    handlers for EMR hold it too."""

    def __init__(self, clock: SimClock, s3: SimS3, sandbox: str, base_env: dict[str, str],
                 timings: Timings, settings: Settings, jars: dict[str, Callable]):
        self.clock = clock
        self.s3 = s3
        self.sandbox = sandbox
        self.base_env = base_env
        self.timings = timings
        self.settings = settings
        self.jars = jars
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.runs: dict[str, ClusterRun] = {}
        self.forced_failures: list[str] = []
        self.armed_terminations: list[tuple[str | None, float, str, str, str, str]] = []
        self._stopping = False
        self._thread: threading.Thread | None = None

    # --- lifetime ---------------------------------------------------------

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="emr-sim-driver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self.changed:
            self._stopping = True
            self.changed.notify_all()
        if self._thread is not None:
            self._thread.join(10)
        self.forget_all()

    def forget_all(self) -> None:
        """Kill every process and forget every cluster."""
        with self.lock:
            runs = list(self.runs.values())
            self.runs.clear()
            self.forced_failures.clear()
            self.armed_terminations.clear()
        for run in runs:
            _kill_everything(run)
        for run in runs:
            for work in run.work.values():
                if work.thread is not None:
                    work.thread.join(THREAD_GRACE)
            if run.bootstrap is not None:
                run.bootstrap.join(THREAD_GRACE)
                run.bootstrap.kill_all()
            for node in run.nodes:
                node.remove()

    def wake(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def _loop(self) -> None:
        while True:
            with self.changed:
                if self._stopping:
                    return
                self.changed.wait(self.settings.tick)
                if self._stopping:
                    return
                self.tick()

    def tick(self) -> None:
        """Carry out everything due by now (the lock held)."""
        with self.changed:
            moved = False
            for run in list(self.runs.values()):
                for _ in range(50):
                    if not self._advance(run):
                        break
                    moved = True
            if moved:
                self.changed.notify_all()

    # --- hooks from the patched moto --------------------------------------

    def cluster_created(self, cluster: SimCluster, request: dict[str, Any]) -> None:
        policy = request.get("AutoTerminationPolicy")
        if policy is not None:
            cluster.auto_termination_policy = checked_idle_policy(policy)
        fill_in_cluster(cluster, request, self.settings.log_uri_s3n)
        created = sim_time(cluster, "creation_datetime")
        if created is None:
            created = self.clock.now()
        self.runs[cluster.id] = ClusterRun(cluster, created, request)
        self.wake()

    def terminate_requested(self, cluster: SimCluster) -> None:
        run = self.runs.get(cluster.id)
        if run is None or cluster.state in TERMINAL_CLUSTER_STATES:
            return
        self._terminate(run, self.clock.now(), "TERMINATED", "USER_REQUEST",
                        "Terminated by user request", "CANCELLED")

    def cancel_steps(self, cluster: SimCluster, step_ids: list[str], option: str
                     ) -> list[dict[str, str]]:
        run = self.runs.get(cluster.id)
        infos = []
        for step_id in step_ids:
            step = next((s for s in cluster.steps if s.id == step_id), None)
            if step is None:
                infos.append({"StepId": step_id, "Status": "FAILED",
                              "Reason": "Step %s does not exist in cluster %s."
                              % (step_id, cluster.id)})
            elif step.state == "PENDING":
                step.state = "CANCELLED"
                set_sim_time(step, "end_date_time", self.clock.now())
                infos.append({"StepId": step_id, "Status": "SUBMITTED"})
            elif step.state == "RUNNING" and run is not None and step_id in run.work:
                work = run.work[step_id]
                work.stop_state = "CANCELLED"
                step.state = "CANCEL_PENDING"
                work.live.cancel()
                infos.append({"StepId": step_id, "Status": "SUBMITTED"})
            else:
                infos.append({"StepId": step_id, "Status": "FAILED",
                              "Reason": "Step %s is in %s state and cannot be cancelled."
                              % (step_id, step.state)})
        return infos

    # --- the state machine ------------------------------------------------

    def _advance(self, run: ClusterRun) -> bool:
        """Make the next due change to *run*; whether there was one."""
        cluster = run.cluster
        now = self.clock.now()
        if cluster.state == "STARTING":
            due = run.created + self.timings.starting
            if now < due:
                return False
            problem = self._role_problem(run)
            if problem:
                self._terminate(run, due, "TERMINATED_WITH_ERRORS", "VALIDATION_ERROR", problem)
                return True
            self._start_bootstrap(run, due)
            return True
        if cluster.state == "BOOTSTRAPPING":
            bootstrap = run.bootstrap
            if bootstrap is None or not bootstrap.done:
                return False
            due = max(run.bootstrap_started + self.timings.bootstrapping, bootstrap.finished_at)
            if now < due:
                return False
            failure = bootstrap.failure_message()
            if failure:
                self._terminate(run, due, "TERMINATED_WITH_ERRORS", "BOOTSTRAP_FAILURE", failure)
                return True
            self._ready(run, due)
            return True
        if cluster.state in ("RUNNING", "WAITING"):
            return self._run_steps(run, now)
        if cluster.state == "TERMINATING":
            return self._finish_termination(run, now)
        return False

    def _role_problem(self, run: ClusterRun) -> str | None:
        if not self.settings.check_roles:
            return None
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.iam.models import iam_backends

        account = getattr(run.cluster.emr_backend, "account_id", DEFAULT_ACCOUNT_ID)
        iam = iam_backends[account]["global"]
        profile = (run.request.get("JobFlowRole") or "").rsplit("/", 1)[-1]
        role = (run.request.get("ServiceRole") or "").rsplit("/", 1)[-1]
        if profile and profile not in {p.name for p in iam.instance_profiles.values()}:
            return "Invalid InstanceProfile: %s." % profile
        if role and role not in {r.name for r in iam.roles.values()}:
            return "Invalid ServiceRole: %s." % role
        return None

    def _start_bootstrap(self, run: ClusterRun, at: float) -> None:
        cluster = run.cluster
        cluster.set_state("BOOTSTRAPPING", "", "Running bootstrap actions")
        _set_groups(run, "BOOTSTRAPPING")
        run.nodes = make_nodes(cluster, self.sandbox, self.base_env)
        run.bootstrap_started = at
        actions = [BootstrapAction(action.name, action.script_path or "",
                                   [str(arg) for arg in action.args or []])
                   for action in cluster.bootstrap_actions]
        run.bootstrap = BootstrapRun(cluster.id, actions, run.nodes, self.s3, self.clock,
                                     cluster.requested_log_uri,
                                     self.settings.bootstrap_timeout, on_done=self.wake)
        run.bootstrap.start()

    def _ready(self, run: ClusterRun, at: float) -> None:
        cluster = run.cluster
        run.ready = at
        run.rm_stamp = self.clock.epoch_millis(at)
        set_sim_time(cluster, "ready_datetime", at)
        set_sim_time(cluster, "start_datetime", at)
        _set_groups(run, "RUNNING", "ready_date_time", at)
        cluster.set_state("WAITING", "", "Cluster ready to run steps.")
        run.idle_since = at
        self._run_steps(run, at)

    def _run_steps(self, run: ClusterRun, now: float) -> bool:
        cluster = run.cluster
        moved = False
        if run.scheduled_termination:
            at, step_id, *reason = run.scheduled_termination
            work = run.work.get(step_id)
            if work is None or work.finished:  # the step ended first: nothing to interrupt
                run.scheduled_termination = None
            elif now >= at and (work.outcome is None or self._step_end(work) > at):
                run.scheduled_termination = None
                self._terminate(run, at, *reason)
                return True
        for work in list(run.work.values()):
            if work.finished or work.outcome is None:
                continue
            ended = self._step_end(work)
            if now >= ended:
                self._finish_step(run, work, ended)
                moved = True
                if cluster.state == "TERMINATING":
                    return True
        moved |= self._start_steps(run, now)
        running = [work for work in run.work.values() if not work.finished]
        if running:
            if cluster.state != "RUNNING":
                cluster.set_state("RUNNING", "", "Running step")
                run.idle_since = None
                moved = True
            return moved
        last_end = max([record.ended or 0.0 for record in run.records] + [run.ready or 0.0])
        if not cluster.keep_job_flow_alive_when_no_steps:
            message = "Steps completed with errors" if run.any_step_failed else "Steps completed"
            self._terminate(run, max(last_end, run.ready or 0.0), "TERMINATED",
                            "ALL_STEPS_COMPLETED", message)
            return True
        if cluster.state != "WAITING":
            cluster.set_state("WAITING", "", "Cluster ready after last step completed.")
            run.idle_since = last_end
            moved = True
        policy = cluster.auto_termination_policy
        if policy and run.idle_since is not None:
            due = run.idle_since + policy["IdleTimeout"]
            if now >= due:
                self._terminate(run, due, "TERMINATED", *IDLE_TIMEOUT_REASON)
                return True
        return moved

    def _step_end(self, work: StepWork) -> float:
        """When a step whose work is done ends: at least `step` after its start."""
        return max(work.started + self.timings.step, work.outcome.ended)

    def _start_steps(self, run: ClusterRun, now: float) -> bool:
        cluster = run.cluster
        level = max(1, int(cluster.step_concurrency_level or 1))
        running = sum(1 for work in run.work.values() if not work.finished)
        started = False
        for number, step in enumerate(cluster.steps, 1):
            if running >= level:
                break
            if step.state != "PENDING":
                continue
            step.state = "RUNNING"
            set_sim_time(step, "start_date_time", now)
            work = StepWork(step, now, LiveProcesses())
            run.work[step.id] = work
            run.record(work, None)
            spec = StepSpec(number, step.jar, [str(arg) for arg in step.args or []],
                            step.hadoop_jar_step.get("MainClass"), cluster.requested_log_uri,
                            self.forced_failures.pop(0) if self.forced_failures else None)
            self._arm_termination(run, step.id, now)
            work.thread = threading.Thread(target=self._step_thread, args=(run, work, spec),
                                           name="step-" + step.id, daemon=True)
            work.thread.start()
            running += 1
            started = True
        return started

    def _arm_termination(self, run: ClusterRun, step_id: str, now: float) -> None:
        for i, (cluster_id, after, *reason) in enumerate(self.armed_terminations):
            if cluster_id in (None, run.id) and run.scheduled_termination is None:
                del self.armed_terminations[i]
                run.scheduled_termination = (now + after, step_id, *reason)
                return

    def _step_thread(self, run: ClusterRun, work: StepWork, spec: StepSpec) -> None:
        def new_application() -> tuple[int, int]:
            with self.lock:
                run.applications += 1
                return run.applications, run.rm_stamp

        ctx = StepContext(run.id, work.step.id, self.s3, self.clock, run.nodes,
                          JobClientLog(self.clock), work.live, new_application,
                          applications=tuple(app.name for app in run.cluster.applications),
                          task_slots=self.settings.task_slots,
                          task_timeout=self.settings.task_timeout)
        try:
            outcome = run_step(ctx, spec, self.jars)
        except Exception:  # a bug in the simulator: fail the step, keep going
            outcome = StepOutcome(False, "Unknown Error.", traceback.format_exc(),
                                  ended=self.clock.now())
        with self.changed:
            work.attempts = list(ctx.attempts)
            work.application_ids = list(ctx.application_ids)
            work.outcome = outcome
            self.changed.notify_all()

    def _finish_step(self, run: ClusterRun, work: StepWork, ended: float) -> None:
        step = work.step
        work.finished = True
        outcome = work.outcome
        set_sim_time(step, "end_date_time", ended)
        if work.stop_state:
            step.state = work.stop_state
        elif outcome.ok:
            step.state = "COMPLETED"
        else:
            step.state = "FAILED"
            run.any_step_failed = True
            details = {"Reason": outcome.reason or "Unknown Error."}
            if outcome.message:
                details["Message"] = outcome.message
            if outcome.log_file:
                details["LogFile"] = outcome.log_file
            step.failure_details = details
        run.record(work, ended)
        if step.state != "FAILED":
            return
        action = step.action_on_failure
        if action in ("TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW"):
            self._terminate(run, ended, "TERMINATED_WITH_ERRORS", "STEP_FAILURE",
                            "Shut down as step failed", "CANCELLED")
        elif action == "CANCEL_AND_WAIT":
            for other in run.cluster.steps:
                if other.state == "PENDING":
                    other.state = "CANCELLED"
                    set_sim_time(other, "end_date_time", ended)

    def _terminate(self, run: ClusterRun, at: float, final: str, code: str, message: str,
                   step_state: str = "CANCELLED") -> None:
        cluster = run.cluster
        cluster.set_state("TERMINATING", code, message)
        run.final_state = final
        run.terminate_started = at
        run.terminating_since = time.monotonic()
        _set_groups(run, "TERMINATING")
        for work in run.work.values():
            if not work.finished:
                work.finished = True
                work.step.state = step_state
                set_sim_time(work.step, "end_date_time", at)
                work.live.cancel()
                run.record(work, at)
        for step in cluster.steps:
            if step.state in ("PENDING", "CANCEL_PENDING"):
                step.state = "CANCELLED"
                set_sim_time(step, "end_date_time", at)
        if run.bootstrap is not None:
            run.bootstrap.cancel()

    def _finish_termination(self, run: ClusterRun, now: float) -> bool:
        due = (run.terminate_started or now) + self.timings.terminating
        if now < due:
            return False
        busy = [work.thread for work in run.work.values()
                if work.thread is not None and work.thread.is_alive()]
        if run.bootstrap is not None and run.bootstrap.alive():
            busy.append(run.bootstrap)
        waited = time.monotonic() - run.terminating_since
        if busy and waited < THREAD_GRACE:
            return False
        cluster = run.cluster
        cluster.set_state(run.final_state or "TERMINATED", cluster.reason_code,
                          cluster.reason_message)
        set_sim_time(cluster, "end_datetime", due)
        _set_groups(run, "TERMINATED", "end_date_time", due)
        _kill_everything(run)
        return True


def _set_groups(run: ClusterRun, state: str, time_field: str | None = None,
                at: float | None = None) -> None:
    cluster = run.cluster
    for group in list(cluster.instance_groups) + list(cluster.instance_fleets):
        group.state = state
        if time_field:
            set_sim_time(group, time_field, at)


def _kill_everything(run: ClusterRun) -> None:
    for work in run.work.values():
        work.live.cancel()
    if run.bootstrap is not None:
        run.bootstrap.cancel()
