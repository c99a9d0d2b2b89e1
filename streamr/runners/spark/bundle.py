"""The job's own files as one tar file that Spark ships to its executors.

A run's script (``script/NAME``) and the task working directory's
entries (``wd/NAME``) travel through Spark (``SparkContext.addFile``), not
by the driver's paths, so the nodes of a cluster need share no disk; each
executor unpacks the bundle once (:mod:`streamr.runners.spark.tasks`).
The name does not end in ``.tar``, which Spark would unpack by itself too.
"""

from __future__ import annotations

import os
import tarfile

__all__ = ["bundle_name", "make_bundle"]


def bundle_name(job_key: str) -> str:
    """The bundle's file name for run *job_key*: runs sharing one Spark
    session never mix their files."""
    return "streamr-job-%s.bundle" % job_key


def make_bundle(path: str, script: str, entries) -> str:
    """Write the bundle *path* (once) from the job *script* and the
    working-directory *entries* (``(kind, source, name)``); *path*."""
    if not os.path.exists(path):
        partial = path + ".partial"
        with tarfile.open(partial, "w", dereference=True) as tar:
            tar.add(os.path.abspath(script), "script/" + os.path.basename(script))
            for _, source, name in entries:
                tar.add(os.path.abspath(source), "wd/" + name)
        os.replace(partial, path)
    return path
