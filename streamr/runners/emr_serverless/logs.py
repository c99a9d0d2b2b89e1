"""Why a job run failed, from the logs EMR Serverless keeps in S3.

With ``monitoringConfiguration.s3MonitoringConfiguration.logUri`` set,
EMR Serverless writes each job run's logs under
``LOGURI/applications/APP/jobs/RUN/``: the driver's in
``SPARK_DRIVER/stdout.gz`` and ``stderr.gz``, each executor's in
``SPARK_EXECUTOR/N/stdout.gz`` and ``stderr.gz``. They appear when the job
run ends (a few seconds later at worst, so they are looked for a while).

``spark-submit`` runs a Python program with its stderr joined to its
stdout, so the harness's failure line (which step and task failed, and
where) and the job's traceback are in the driver's ``stdout.gz``; Spark's
own log (and the Java side of a worker's failure) is in its ``stderr.gz``.
Both are read. When they hold no traceback (a Spark step's own code failed
in an executor), the executors' stderr are read for one.
"""

from __future__ import annotations

import logging
import time

from streamr.runners.spark.submit import failure_from_output

__all__ = ["JobRunLogs"]

log = logging.getLogger(__name__)

#: seconds to look for a failed job run's driver log before giving up
LOG_WAIT_SECONDS = 30.0


class JobRunLogs:
    """The logs of job run *run_id* of application *app_id* under *log_uri*."""

    def __init__(self, fs, log_uri: str, app_id: str, run_id: str, every: float = 1.0):
        self.fs = fs
        self.dir = "%s/applications/%s/jobs/%s/" % (log_uri.rstrip("/"), app_id, run_id)
        self.every = every

    def _lines(self, uri: str) -> list:
        with self.fs.open_read(uri) as handle:  # un-gzipped by its name
            data = handle.read()
        return data.decode("utf-8", "replace").splitlines()

    def _driver_output(self, wait: bool) -> list:
        """The driver's stdout, then its stderr (once they are there, if
        *wait*)."""
        uris = [self.dir + "SPARK_DRIVER/stdout.gz", self.dir + "SPARK_DRIVER/stderr.gz"]
        deadline = time.monotonic() + (LOG_WAIT_SECONDS if wait else 0)
        while not all(self.fs.exists(uri) for uri in uris):
            if time.monotonic() > deadline:
                if wait:
                    log.warning("no driver log in %s", self.dir + "SPARK_DRIVER/")
                break
            time.sleep(min(self.every, 1.0) or 0.1)
        return [line for uri in uris if self.fs.exists(uri) for line in self._lines(uri)]

    def _executor_stderrs(self) -> list:
        try:
            found = self.fs.files(self.dir + "SPARK_EXECUTOR/", use_glob=False)
        except OSError:
            return []  # no executor wrote a log
        return sorted(path for path in found if path.endswith("/stderr.gz"))

    def probable_cause(self, ran: bool = True) -> tuple[dict, str | None]:
        """What the harness said about the failure (``reason``,
        ``step_num``, ...; ``{}`` if nothing) and the job's traceback. A
        job run that never *ran* (it failed before ``RUNNING``) may have no
        logs at all, so they are not waited for."""
        said, traceback = failure_from_output(self._driver_output(wait=ran))
        if traceback is None:
            for uri in self._executor_stderrs():
                _, traceback = failure_from_output(self._lines(uri))
                if traceback:
                    break
        return said, traceback
