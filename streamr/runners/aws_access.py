"""One AWS connection per run, for the runners that talk to AWS.

The EMR cluster runner and the EMR Serverless runner both make their
boto3 clients, and the filesystem that reads and writes S3 for them,
from one :class:`~streamr.aws.AWSConnection` built from the run's options
the first time it is needed, so credentials, region and endpoints are
settled once per run.
"""

from __future__ import annotations

__all__ = ["AWSAccess"]


class AWSAccess:
    """Mixed into a runner (before :class:`~streamr.runners.base.MRJobRunner`):
    ``connection`` is the run's AWS connection, and the runner's ``fs``
    reaches S3 through it."""

    _connection = None

    @property
    def connection(self):
        if self._connection is None:
            from streamr.aws import AWSConnection

            self._connection = AWSConnection(self._opts)
        return self._connection

    def _filesystem_connection(self):
        return self.connection
