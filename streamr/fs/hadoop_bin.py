"""Where the ``hadoop`` program is: the ``hadoop_bin`` option, else
``bin/hadoop`` under ``$HADOOP_PREFIX``, ``$HADOOP_HOME`` or
``$HADOOP_INSTALL`` (in that order, as Hadoop's own scripts look), else
``hadoop`` on ``PATH``.

It lives beside the HDFS filesystem because both the filesystem (for
``streamr cat hdfs://...``) and the Hadoop runner need it, and the
filesystem layer knows no runner."""

from __future__ import annotations

import os
import shutil

from streamr.errors import HadoopNotFound

__all__ = ["HOME_VARIABLES", "find_hadoop_bin", "hadoop_homes"]

#: environment variables naming a Hadoop installation, in the order looked at
HOME_VARIABLES = ("HADOOP_PREFIX", "HADOOP_HOME", "HADOOP_INSTALL")


def hadoop_homes(environ=None) -> list:
    """``(variable, directory)`` of each Hadoop installation the
    environment names, in :data:`HOME_VARIABLES` order."""
    environ = os.environ if environ is None else environ
    return [(name, environ[name]) for name in HOME_VARIABLES if environ.get(name)]


def find_hadoop_bin(configured: list | None = None, environ=None) -> list:
    """The command that runs ``hadoop`` (a list of words); *configured* is
    the ``hadoop_bin`` option's value. :class:`HadoopNotFound` when there
    is none, naming where it looked."""
    if configured:
        return list(configured)
    looked = []
    homes = dict(hadoop_homes(environ))
    for name in HOME_VARIABLES:
        if name not in homes:
            looked.append("$%s/bin/hadoop ($%s not set)" % (name, name))
            continue
        candidate = os.path.join(homes[name], "bin", "hadoop")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return [candidate]
        looked.append("$%s/bin/hadoop (%s)" % (name, candidate))
    path = (os.environ if environ is None else environ).get("PATH", os.defpath)
    found = shutil.which("hadoop", path=path)
    if found:
        return [found]
    looked.append("hadoop on PATH")
    raise HadoopNotFound("no hadoop program found (looked at %s); set hadoop_bin"
                         " (--hadoop-bin) or HADOOP_HOME" % ", ".join(looked))
