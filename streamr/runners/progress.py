"""A step's map and reduce progress as the user sees it, for the runners
that run tasks themselves (inline and local).

One line per step, ``step 1 of 2: map  40% reduce   0%`` (``map 40%``
alone for a step with no reducer), through
:func:`streamr.console.show_progress`: redrawn in place on a terminal (at
most every :data:`REDRAW_EVERY` seconds), plain lines elsewhere (at most
every :data:`LINE_EVERY` seconds, and only when it changed). Whatever the
throttle, the line is shown when the map phase completes and when the step
does, so a run always ends at 100%.
"""

from __future__ import annotations

import logging
import time

from streamr.console import end_progress, on_terminal, show_progress

__all__ = ["LINE_EVERY", "REDRAW_EVERY", "StepProgress"]

log = logging.getLogger("streamr.runners")

#: seconds between plain progress lines (a log file, a pipe)
LINE_EVERY = 1.0
#: seconds between redraws on a terminal
REDRAW_EVERY = 0.1


class StepProgress:
    """Progress of step *step_num* of *num_steps*; *has_reducer* says
    whether it has a reduce phase to show."""

    def __init__(self, step_num: int, num_steps: int, has_reducer: bool, *,
                 clock=time.monotonic):
        self.prefix = "  step %d of %d: " % (step_num + 1, num_steps)
        self.has_reducer = has_reducer
        self.clock = clock
        self._shown = ""
        self._at = float("-inf")

    def text(self, map_percent: int, reduce_percent: int = 0) -> str:
        text = self.prefix + "map %3d%%" % map_percent
        if self.has_reducer:
            text += " reduce %3d%%" % reduce_percent
        return text

    def due(self) -> bool:
        """Whether the throttle would let a changed line through now (so a
        caller can skip measuring progress until it would)."""
        every = REDRAW_EVERY if on_terminal(log) is not None else LINE_EVERY
        return self.clock() - self._at >= every

    def update(self, map_percent: int, reduce_percent: int = 0, *, force: bool = False) -> None:
        """Show the percentages (each 0-100) when the throttle allows, or
        always with *force* (when they changed)."""
        text = self.text(max(0, min(100, map_percent)), max(0, min(100, reduce_percent)))
        if text == self._shown:
            return
        now = self.clock()
        every = REDRAW_EVERY if on_terminal(log) is not None else LINE_EVERY
        if not force and now - self._at < every:
            return
        show_progress(log, text)
        self._shown, self._at = text, now

    def map_done(self) -> None:
        self.update(100, 0, force=True)

    def done(self) -> None:
        """The step completed: 100% shown, the line ended."""
        self.update(100, 100, force=True)
        end_progress()

