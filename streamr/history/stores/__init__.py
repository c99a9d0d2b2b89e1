"""Where run records are kept: an SQLite database on one machine
(:mod:`~streamr.history.stores.sqlite`) or one JSON object per run under an
S3 prefix, shared by several machines (:mod:`~streamr.history.stores.s3`).

Both offer the same four calls: ``save(record)`` (insert or replace, whole),
``load(run_id)``, ``records(job=, runner=, since=)`` (newest first) and
``delete(run_ids)``. Filtering by state is left to the reader, since
whether an active run is ``lost`` depends on when one looks.
"""

from __future__ import annotations

import os

__all__ = ["DEFAULT_HISTORY_DB", "HISTORY_DB_ENV", "default_history_db", "open_store"]

#: where runs are recorded unless ``history_db`` says otherwise
DEFAULT_HISTORY_DB = "~/.streamr/history.db"

#: environment variable that moves the default database (for a test suite,
#: or a machine whose home directory is read-only)
HISTORY_DB_ENV = "STREAMR_HISTORY_DB"


def default_history_db() -> str:
    """The database used when ``history_db`` is not set: ``$STREAMR_HISTORY_DB``,
    else ``~/.streamr/history.db``."""
    return os.path.expanduser(os.environ.get(HISTORY_DB_ENV) or DEFAULT_HISTORY_DB)


def open_store(*, history_db: str | None = None, history_uri: str | None = None,
               aws_options: dict | None = None):
    """The store the options name: the S3 prefix *history_uri* when given
    (reached with the AWS options in *aws_options*), else the SQLite
    database *history_db* (default: :func:`default_history_db`)."""
    if history_uri:
        from streamr.errors import UsageError
        from streamr.history.stores.s3 import S3Store

        if not history_uri.startswith(("s3://", "s3a://", "s3n://")):
            raise UsageError("history_uri must be an S3 prefix such as s3://bucket/history/,"
                             " not %r (a local database is history_db)" % history_uri)

        return S3Store(history_uri, aws_options or {})
    from streamr.history.stores.sqlite import SQLiteStore

    return SQLiteStore(history_db or default_history_db())
