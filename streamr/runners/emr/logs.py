"""The old import path of :mod:`streamr.runners.emr.log_fetch`.

Kept only while ``streamr.cluster_commands`` still imports ``ClusterLogs``
from here (that module is moving into ``streamr.cli``, which imports
:class:`~streamr.runners.emr.log_fetch.LogFetcher` instead); delete this
file once nothing imports it.
"""

from __future__ import annotations

from streamr.runners.emr.log_fetch import LogFetcher as ClusterLogs
from streamr.runners.emr.log_fetch import tidy_traceback

__all__ = ["ClusterLogs", "tidy_traceback"]
