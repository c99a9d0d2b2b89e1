"""Claiming a local output directory for one run, staging its part files
there and publishing them.

Two things went wrong when every run into an output directory staged in
the same ``OUTPUT/_temporary/``: a run killed during its last step left
part files there that the next run published as its own, and two runs at
once published each other's files. So:

* A run claims the directory with an exclusive ``flock`` on the directory
  itself. The kernel lets go of it when the process ends, however it ends
  (even ``kill -9``), so a claim is never stale, and a second run into the
  same directory is refused at once, in one line.
* Holding the claim, the run knows nothing else writes under
  ``_temporary/``: whatever is there was left by a run that died, and is
  removed before any work starts.
* The run stages in ``_temporary/<job key>/``, on the same filesystem as
  the output, so publishing is a rename per part file, then ``_SUCCESS``
  last: a reader that waits for ``_SUCCESS`` sees all of one run's output
  and nothing else.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil

from streamr.errors import UsageError

try:  # POSIX; elsewhere a run cannot tell that another one holds the directory
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["STAGING_NAME", "OutputClaim"]

log = logging.getLogger(__name__)

#: the directory under the output where runs stage their part files
STAGING_NAME = "_temporary"


class OutputClaim:
    """The local output directory *path*, claimed by the run *job_key*."""

    def __init__(self, path: str, job_key: str):
        self.path = path
        self.job_key = job_key
        self._fd: int | None = None
        self._made = False  # whether this run made the directory (removed again if empty)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def take(self) -> None:
        """Make the directory if needed, lock it, and remove what dead runs
        left under ``_temporary/``. A user's mistake (a file of that name, a
        directory that cannot be written, another run writing it) is one
        line of :class:`~streamr.errors.UsageError`."""
        path = self.path
        if os.path.exists(path) and not os.path.isdir(path):
            raise UsageError("output directory %s is a file; remove it or choose another"
                             " output directory" % path)
        if not os.path.isdir(path):
            try:
                os.makedirs(path)
                self._made = True
            except FileExistsError:
                pass  # made meanwhile by another run; the lock decides
            except OSError as exc:
                raise _cannot_write(path, exc) from None
        if not os.access(path, os.W_OK | os.X_OK):
            raise _cannot_write(path, PermissionError(errno.EACCES, "Permission denied"))
        self._fd = os.open(path, os.O_RDONLY)
        if fcntl is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(self._fd)
                self._fd = None
                raise UsageError("output directory %s is being written by another run%s;"
                                 " wait for it to finish or choose another output directory"
                                 % (path, self._other_run())) from None
        self._remove_stale()

    def _other_run(self) -> str:
        try:
            keys = sorted(os.listdir(os.path.join(self.path, STAGING_NAME)))
        except OSError:
            return ""
        return " (%s)" % keys[-1] if keys else ""

    def _remove_stale(self) -> None:
        staging = os.path.join(self.path, STAGING_NAME)
        if not os.path.isdir(staging):
            return
        stale = sorted(os.listdir(staging))
        if stale:
            log.warning("removing %s, left by %d run(s) that did not finish: %s", staging,
                        len(stale), ", ".join(stale))
        shutil.rmtree(staging, ignore_errors=True)

    def staging_dir(self) -> str:
        """This run's own staging directory (made on first use)."""
        staging = os.path.join(self.path, STAGING_NAME, self.job_key)
        os.makedirs(staging, exist_ok=True)
        return staging

    def publish(self, parts_dir: str, names: list) -> None:
        """Move the part files *names* from *parts_dir* into the output
        directory in name order, then write ``_SUCCESS``, then let go of
        the directory."""
        for name in names:
            os.replace(os.path.join(parts_dir, name), os.path.join(self.path, name))
        with open(os.path.join(self.path, "_SUCCESS"), "wb"):
            pass
        self._made = False  # it holds output now: never removed by this run
        log.info("wrote %d part file(s) to %s", len(names), self.path)
        self.release()

    def release(self) -> None:
        """Remove this run's staging directory (and ``_temporary/`` and the
        output directory itself when this run made them and they are
        empty), then unlock. Safe to call twice."""
        if self._fd is None:
            return
        staging = os.path.join(self.path, STAGING_NAME)
        shutil.rmtree(os.path.join(staging, self.job_key), ignore_errors=True)
        for empty in (staging, self.path if self._made else None):
            if empty:
                try:
                    os.rmdir(empty)
                except OSError:
                    pass  # not empty (or gone): left alone
        os.close(self._fd)  # closing lets go of the flock
        self._fd = None


def _cannot_write(path: str, exc: OSError) -> UsageError:
    return UsageError("cannot write output directory %s (%s); choose a directory you can"
                      " write" % (path, exc.strerror or exc))
