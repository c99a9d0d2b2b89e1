"""The run record: what the history keeps about one run of a job.

A record is written when the run starts and again at each change (state,
step, counters, the end), always whole, so a reader never sees half of an
update. It is plain data with a JSON form (:meth:`RunRecord.to_json`), the
same in every store: the SQLite database keeps the JSON text, the S3 store
one JSON object per run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

__all__ = ["ACTIVE_STATES", "FINAL_STATES", "STATES", "STEP_STATES", "RunRecord", "StepRecord"]

#: every state a run can be in, in the order a run passes through them
STATES = ("starting", "waiting", "running", "succeeded", "failed", "interrupted", "lost")

#: states of a run that has not ended (yet): only these can turn into ``lost``
ACTIVE_STATES = ("starting", "waiting", "running")

#: states a run ends in
FINAL_STATES = ("succeeded", "failed", "interrupted")

#: states of one step
STEP_STATES = ("pending", "running", "succeeded", "failed")


@dataclass
class StepRecord:
    """One step of a run."""

    num: int                    # 0-based
    kind: str                   # "streaming", "jar", "spark", ...
    state: str = "pending"      # one of STEP_STATES
    started: float | None = None
    ended: float | None = None
    counters: dict = field(default_factory=dict)  # {group: {name: amount}}
    emr_step_id: str | None = None

    def duration(self, now: float | None = None) -> float | None:
        """Seconds the step ran (so far, at *now*, if it has not ended)."""
        if self.started is None:
            return None
        end = self.ended if self.ended is not None else now
        return None if end is None else max(0.0, end - self.started)

    @classmethod
    def from_json(cls, data: dict) -> StepRecord:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass
class RunRecord:
    """Everything the history keeps about one run."""

    run_id: str                 # the job key
    job: str                    # job class name
    script: str                 # absolute path of the job script
    argv: list                  # command line, secrets masked
    runner: str
    user: str
    host: str
    cwd: str
    conf_paths: list
    state: str                  # one of STATES
    started: float              # unix seconds
    ended: float | None
    heartbeat: float            # last sign of life, unix seconds
    steps: list                 # list[StepRecord]
    counters: dict              # job totals {group: {name: amount}}
    output: str | None
    input_count: int | None
    input_bytes: int | None
    cause: str | None           # probable cause of a failure, in full
    cluster_id: str | None = None
    log_uri: str | None = None
    extra: dict = field(default_factory=dict)

    def duration(self, now: float | None = None) -> float | None:
        """Seconds the run took, or has taken so far at *now* when it has
        not ended; ``None`` when that cannot be said."""
        end = self.ended if self.ended is not None else now
        return None if end is None else max(0.0, end - self.started)

    def cause_line(self) -> str:
        """The line that sums the cause up (``""`` when there is none): its
        first line, except after a traceback, which the job prints above
        the line that says which step and task failed; then the last."""
        lines = [line.strip() for line in (self.cause or "").splitlines() if line.strip()]
        if not lines:
            return ""
        return lines[-1] if lines[0].startswith("Traceback (most recent call last)") else lines[0]

    def effective_state(self, now: float, lost_after: float) -> str:
        """The state a reader should show at *now*: ``lost`` for a run that
        says it is active but whose heartbeat is older than *lost_after*
        seconds (its process died without saying so, e.g. ``kill -9``)."""
        if self.state in ACTIVE_STATES and now - self.heartbeat > lost_after:
            return "lost"
        return self.state

    def to_json(self) -> dict:
        """The record as JSON-ready data (steps as dictionaries)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> RunRecord:
        """The record *data* (from :meth:`to_json`) describes; keys this
        version does not know are ignored, so older readers can read newer
        records."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["steps"] = [StepRecord.from_json(step) for step in values.get("steps") or []]
        for name in ("argv", "conf_paths"):
            values[name] = list(values.get(name) or [])
        values.setdefault("counters", {})
        for name in ("ended", "output", "input_count", "input_bytes", "cause"):
            values.setdefault(name, None)
        return cls(**values)
