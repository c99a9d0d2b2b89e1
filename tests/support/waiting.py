"""Waiting for something to happen, not for time to pass.

A test that needs another process or thread to reach a point (a cluster
listed, a step pending, a log line written) polls for exactly that, with a
deadline generous enough that only a stuck test ever reaches it: a loaded
machine makes the test slower, never wrong."""

from __future__ import annotations

import re
import time

#: seconds before a wait gives up; reached only by a test that is stuck
DEADLINE = 120.0


def wait_for(predicate, timeout: float = DEADLINE, what: str = "the condition"):
    """Poll *predicate* until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("gave up waiting for %s after %.0f s" % (what, timeout))
        time.sleep(0.02)


def wait_for_line(path, pattern: str, timeout: float = DEADLINE, proc=None) -> re.Match:
    """Wait until the file at *path* (a job's stderr) has a line matching
    the regular expression *pattern*; the match. If *proc* ends first, the
    line will never come: fail at once with what the file holds."""
    regex = re.compile(pattern, re.M)

    def found():
        # whether it had ended before the read: then the file is complete
        ended = proc is not None and proc.poll() is not None
        with open(path, "rb") as handle:
            text = handle.read().decode("utf_8", "replace")
        match = regex.search(text)
        if match is None and ended:
            raise AssertionError("process ended (%s) before logging %r:\n%s"
                                 % (proc.returncode, pattern, text))
        return match

    return wait_for(found, timeout, what="a line matching %r in %s" % (pattern, path))
