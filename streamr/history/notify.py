"""Telling someone that a run ended: the ``notify_command`` option.

Jobs started from cron have nobody watching their terminal; a shell
command run as the job ends (a mail, a chat message) is how a team hears of
a failure. The command gets the run in its environment rather than on its
command line, so a cause with quotes or newlines cannot break the shell
line. It is the user's own command and may fail or hang: a failure is one
warning and a hang is cut off, and neither changes how the job ends.
"""

from __future__ import annotations

import logging
import os
import subprocess

__all__ = ["NOTIFY_STATES", "NOTIFY_TIMEOUT", "notify"]

log = logging.getLogger(__name__)

#: end states a notification can be asked for
NOTIFY_STATES = ("failed", "succeeded", "interrupted")

#: seconds a notify command may take before it is stopped
NOTIFY_TIMEOUT = 120.0


def notify(command: str, *, run_id: str, job: str, state: str, cause: str | None,
           runner: str = "", timeout: float = NOTIFY_TIMEOUT) -> bool:
    """Run the shell *command* with the run in its environment
    (``STREAMR_RUN_ID``, ``STREAMR_JOB``, ``STREAMR_STATE``,
    ``STREAMR_CAUSE``, ``STREAMR_RUNNER``); whether it succeeded. Its
    output goes where the job's own messages go (stderr)."""
    env = dict(os.environ, STREAMR_RUN_ID=run_id, STREAMR_JOB=job, STREAMR_STATE=state,
               STREAMR_CAUSE=cause or "", STREAMR_RUNNER=runner)
    try:
        # stdout is the job's output: the command must not write into it
        done = subprocess.run(command, shell=True, env=env, stdin=subprocess.DEVNULL,
                              stdout=2, timeout=timeout)
    except subprocess.TimeoutExpired:
        log.warning("notify_command did not finish within %ds; stopped it", timeout)
        return False
    except OSError as exc:
        log.warning("could not run notify_command: %s", exc)
        return False
    if done.returncode != 0:
        log.warning("notify_command failed (exit status %d): %s", done.returncode, command)
        return False
    return True
