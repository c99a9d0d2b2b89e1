"""The simulator's clock, and how simulated time maps onto the timestamps
EMR reports.

Simulated time is a number of seconds since the clock started (or was last
reset). It runs at the rate of the real (monotonic) clock, and
:meth:`SimClock.advance` moves it forward at once by any amount: nothing
sleeps, but every timer due in that span fires on the driver's next tick.

EMR reports timestamps (``CreationDateTime``, ``ReadyDateTime``...) as
points on the wall clock. An event that happened at simulated time *t* is
reported as ``wall_at_start + (t - advanced)``, where *advanced* is the total
of every :meth:`~SimClock.advance` so far. So before any advance a
timestamp is simply the wall-clock moment of the event, and each advance of
*n* seconds moves every stored timestamp *n* seconds into the past: a client
that computes an age as ``now - CreationDateTime`` sees it grow by *n*,
exactly as if that much time had passed."""

from __future__ import annotations

import datetime
import threading
import time

__all__ = ["SimClock"]


class SimClock:
    """Simulated seconds, running with the real clock and jumping forward on
    :meth:`advance`. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Start again from zero, with nothing advanced."""
        with self._lock:
            self._mono_start = time.monotonic()
            self._wall_start = _utcnow()
            self._advanced = 0.0

    def now(self) -> float:
        """Simulated seconds since the clock started."""
        with self._lock:
            return time.monotonic() - self._mono_start + self._advanced

    @property
    def advanced(self) -> float:
        """Total seconds moved forward by :meth:`advance`."""
        return self._advanced

    def advance(self, seconds: float) -> None:
        """Move simulated time forward by *seconds* at once."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._advanced += seconds

    def to_datetime(self, sim_time: float) -> datetime.datetime:
        """The (naive UTC) timestamp EMR reports for simulated time
        *sim_time*, given everything advanced so far."""
        with self._lock:
            return self._wall_start + datetime.timedelta(seconds=sim_time - self._advanced)

    def from_datetime(self, moment: datetime.datetime) -> float:
        """The simulated time that :meth:`to_datetime` maps to *moment*
        (naive UTC, or aware)."""
        if moment.tzinfo is not None:
            moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        with self._lock:
            return (moment - self._wall_start).total_seconds() + self._advanced

    def epoch_millis(self, sim_time: float) -> int:
        """:meth:`to_datetime` as milliseconds since the Unix epoch (the form
        YARN puts in application ids)."""
        moment = self.to_datetime(sim_time).replace(tzinfo=datetime.timezone.utc)
        return int(moment.timestamp() * 1000)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
