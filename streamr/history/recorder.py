"""Writing a run's record as the run goes: the one object a runner talks to.

The base runner makes a :class:`Recorder` when a run starts and tells it
each change: the run's state, each step starting and ending, the EMR
cluster and steps, and finally how the run ended and why. Each change
saves the whole record. One daemon thread per process saves each active
record again every ``history_heartbeat`` seconds with a fresh heartbeat, so
that a reader can tell a run that is still going from one whose process
died (``lost``). The thread is shared because a process may run many jobs
(a test suite runs thousands), and starting a thread per run would cost
more than the run's records.

Recording must never fail a job: the first store error is one warning and
the recorder stops writing, while the job goes on as if nothing happened.
The notification at the end (``notify_command``) is sent whether or not
recording works.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from streamr.errors import UsageError
from streamr.history.notify import NOTIFY_STATES, notify
from streamr.history.record import FINAL_STATES, RunRecord, StepRecord
from streamr.history.stores import open_store

__all__ = ["RERUN_OF_ENV", "Recorder", "notify_states"]

#: set by ``streamr runs rerun`` for the run it starts: the id of the run it repeats
RERUN_OF_ENV = "STREAMR_RERUN_OF"

log = logging.getLogger(__name__)

# EMR's step states, as the record's
_EMR_STEP_STATES = {"PENDING": "pending", "CANCEL_PENDING": "pending", "RUNNING": "running",
                    "COMPLETED": "succeeded", "CANCELLED": "failed", "FAILED": "failed",
                    "INTERRUPTED": "failed"}


def notify_states(value) -> tuple:
    """The ``notify_on`` option's states (a list, items may be
    comma-separated); :class:`UsageError` for one that is not an end state."""
    states = []
    for item in value or ():
        for state in str(item).split(","):
            state = state.strip().lower()
            if not state:
                continue
            if state not in NOTIFY_STATES:
                raise UsageError("notify_on must name states among %s, not %r"
                                 % (", ".join(NOTIFY_STATES), state))
            states.append(state)
    return tuple(states)


class Recorder:
    """Keeps *record* in *store* (``None``: recording is off) while the run
    goes, saving it on each change and every *heartbeat_every* seconds."""

    def __init__(self, record: RunRecord, store=None, *, heartbeat_every: float = 30.0,
                 notify_command: str | None = None, notify_on: tuple = ("failed",),
                 clock: Callable[[], float] = time.time):
        self.record = record
        self.store = store
        self.heartbeat_every = heartbeat_every
        self.notify_command = notify_command
        self.notify_on = tuple(notify_on)
        self._clock = clock
        self._lock = threading.Lock()

    @classmethod
    def from_options(cls, opts: dict, record: RunRecord) -> Recorder:
        """A recorder set up by the runner options *opts*: ``history``,
        ``history_db``/``history_uri``, ``history_heartbeat``,
        ``notify_command`` and ``notify_on``."""
        store = None
        if opts.get("history", True):
            store = open_store(history_db=opts.get("history_db"),
                               history_uri=opts.get("history_uri"), aws_options=opts)
        record.extra.setdefault("heartbeat_every", opts.get("history_heartbeat") or 30.0)
        return cls(record, store, heartbeat_every=opts.get("history_heartbeat") or 30.0,
                   notify_command=opts.get("notify_command"),
                   notify_on=notify_states(opts.get("notify_on", ["failed"])))

    # --- saving ----------------------------------------------------------------------

    def _save(self) -> None:
        """Save the record (the caller holds the lock). A store that cannot
        be written is said once; then recording stops."""
        if self.store is None:
            return
        self.record.heartbeat = self._clock()
        try:
            self.store.save(self.record)
        except Exception as exc:  # whatever the store's trouble, the job goes on
            log.warning("could not record the run in the run history (%s: %s); the job goes"
                        " on without it", _where(self.store), exc)
            self.store = None

    def _change(self, change: Callable[[RunRecord], None]) -> None:
        with self._lock:
            change(self.record)
            self._save()

    def beat(self) -> None:
        """Save the record with a fresh heartbeat (the heartbeat thread calls this)."""
        with self._lock:
            if self.record.state not in FINAL_STATES:
                self._save()

    # --- what the runner tells ----------------------------------------------------------

    def start(self) -> None:
        """The run started: save the record and start the heartbeat."""
        self._change(lambda record: None)
        if self.store is not None:
            _HEARTBEATS.add(self)

    def state(self, state: str) -> None:
        """The run is now in *state* (``waiting``, ``running``)."""
        if self.record.state != state:
            def change(record):
                record.state = state
            self._change(change)

    def update(self, **values) -> None:
        """Set fields of the record (``cluster_id``, ``log_uri``,
        ``output``, ``input_count``...) that differ from what it holds."""
        if all(getattr(self.record, name) == value for name, value in values.items()):
            return

        def change(record):
            for name, value in values.items():
                setattr(record, name, value)
        self._change(change)

    def step_started(self, num: int) -> None:
        """Step *num* (0-based) started; so has the run, if it had not."""
        def change(record):
            step = self._step(num)
            step.state, step.started, step.ended = "running", self._clock(), None
            record.state = "running"
        self._change(change)

    def step_ended(self, num: int, ok: bool, counters: dict | None = None) -> None:
        """Step *num* ended, well or not, with *counters*."""
        def change(record):
            step = self._step(num)
            step.state = "succeeded" if ok else "failed"
            step.ended = self._clock()
            if step.started is None:
                step.started = step.ended
            if counters is not None:
                step.counters = _copy_counters(counters)
        self._change(change)

    def emr_steps(self, step_ids: list, states: dict) -> None:
        """The job's steps on EMR: their ids in order, and the states EMR
        gives (``{step_id: "RUNNING", ...}``)."""
        def change(record):
            now = self._clock()
            for num, step_id in enumerate(step_ids):
                step = self._step(num)
                step.emr_step_id = step_id
                state = _EMR_STEP_STATES.get(states.get(step_id) or "", step.state)
                if state != "pending" and step.started is None:
                    step.started = now
                if state in ("succeeded", "failed") and step.ended is None:
                    step.ended = now
                step.state = state
            if any(step.state != "pending" for step in record.steps):
                record.state = "running"
        before = [(s.state, s.emr_step_id) for s in self.record.steps]
        with self._lock:
            change(self.record)
            if [(s.state, s.emr_step_id) for s in self.record.steps] != before:
                self._save()

    def finish(self, state: str, *, cause: str | None = None,
               step_counters: list | None = None, output: str | None = None) -> None:
        """The run ended in *state* (``succeeded``, ``failed``,
        ``interrupted``), for *cause* when it did not succeed, with each
        step's counters. Stops the heartbeat, saves, and sends the
        notification ``notify_on`` asks for."""
        _HEARTBEATS.remove(self)

        def change(record):
            now = self._clock()
            record.state, record.ended, record.cause = state, now, cause
            record.output = output or record.output
            for num, counters in enumerate(step_counters or []):
                self._step(num).counters = _copy_counters(counters)
            for step in record.steps:
                if state == "succeeded" and step.state in ("pending", "running"):
                    step.state = "succeeded"  # a runner that does not tell of its steps
                elif step.state == "running":
                    step.state = "failed"
                if step.state != "pending" and step.ended is None:
                    step.ended = now
            record.counters = _totals(step.counters for step in record.steps)
        self._change(change)
        if self.notify_command and state in self.notify_on:
            record = self.record
            notify(self.notify_command, run_id=record.run_id, job=record.job, state=state,
                   cause=cause, runner=record.runner)

    def _step(self, num: int) -> StepRecord:
        steps = self.record.steps
        while len(steps) <= num:
            steps.append(StepRecord(len(steps), "streaming"))
        return steps[num]


def _copy_counters(counters: dict) -> dict:
    return {str(group): {str(name): int(amount) for name, amount in names.items()}
            for group, names in counters.items()}


def _totals(all_counters) -> dict:
    totals: dict = {}
    for counters in all_counters:
        for group, names in counters.items():
            into = totals.setdefault(group, {})
            for name, amount in names.items():
                into[name] = into.get(name, 0) + amount
    return totals


def _where(store) -> str:
    return getattr(store, "path", None) or getattr(store, "uri", None) or repr(store)


class _Heartbeats:
    """The process's heartbeat thread: beats each active recorder every
    ``heartbeat_every`` seconds. Started with the first recorder."""

    def __init__(self):
        self._due: dict = {}  # recorder -> when its next beat is due
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, recorder: Recorder) -> None:
        with self._changed:
            self._due[recorder] = time.monotonic() + recorder.heartbeat_every
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="streamr-history-heartbeat")
                self._thread.start()
            self._changed.notify()

    def remove(self, recorder: Recorder) -> None:
        with self._changed:
            self._due.pop(recorder, None)

    def _run(self) -> None:
        while True:
            with self._changed:
                now = time.monotonic()
                due = [r for r, when in self._due.items() if when <= now]
                for recorder in due:
                    self._due[recorder] = now + recorder.heartbeat_every
                if not due:
                    wait = min(self._due.values(), default=now + 3600) - now
                    self._changed.wait(max(wait, 0.001))
                    continue
            for recorder in due:  # saved outside the lock: a slow store delays no one
                recorder.beat()


_HEARTBEATS = _Heartbeats()
