"""One AWS connection per run, for the runners that talk to AWS.

The EMR cluster runner and the EMR Serverless runner both make their
boto3 clients, and the filesystem that reads and writes S3 for them,
from one :class:`~streamr.aws.AWSConnection` built from the run's options
the first time it is needed, so credentials, region and endpoints are
settled once per run.
"""

from __future__ import annotations

from streamr.errors import UsageError

__all__ = ["AWSAccess"]


class AWSAccess:
    """Mixed into a runner (before :class:`~streamr.runners.base.MRJobRunner`):
    ``connection`` is the run's AWS connection, the runner's ``fs``
    reaches S3 through it, and ``cloud_tmp_dir`` is where the run keeps
    its files on S3."""

    _connection = None
    _cloud_tmp_dir = None

    @property
    def connection(self):
        if self._connection is None:
            from streamr.aws import AWSConnection

            self._connection = AWSConnection(self._opts)
        return self._connection

    def _filesystem_connection(self):
        return self.connection

    def cloud_tmp_dir(self) -> str:
        """``cloud_tmp_dir``, else ``tmp/`` in streamr's bucket of the region
        (found or made on first use). Ends with ``/``."""
        if self._cloud_tmp_dir is None:
            configured = self._opts.get("cloud_tmp_dir")
            if configured:
                if not configured.startswith(("s3://", "s3a://", "s3n://")):
                    raise UsageError("cloud_tmp_dir must be an s3:// URI, not %r" % configured)
                self._cloud_tmp_dir = configured.rstrip("/") + "/"
            else:
                s3 = self.fs.for_path("s3://x/")
                self._cloud_tmp_dir = "s3://%s/tmp/" % s3.tmp_bucket(self.connection.region)
        return self._cloud_tmp_dir

    def _job_dir(self) -> str:
        """The run's own directory under :meth:`cloud_tmp_dir`."""
        return self.cloud_tmp_dir() + self._job_key + "/"
