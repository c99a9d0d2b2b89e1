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
        _check_configured(list(configured), environ)
        return list(configured)
    looked = []
    homes = dict(hadoop_homes(environ))
    for name in HOME_VARIABLES:
        if name not in homes:
            looked.append("$%s/bin/hadoop ($%s not set)" % (name, name))
            continue
        candidate = os.path.join(homes[name], "bin", "hadoop")
        if _runnable(candidate):
            return [candidate]
        looked.append("$%s/bin/hadoop (%s)" % (name, candidate))
    path = (os.environ if environ is None else environ).get("PATH", os.defpath)
    found = shutil.which("hadoop", path=path)
    if found:
        return [found]
    looked.append("hadoop on PATH")
    raise HadoopNotFound("no hadoop program found (looked at %s); set hadoop_bin"
                         " (--hadoop-bin) or HADOOP_HOME" % ", ".join(looked))


def _check_configured(words: list, environ=None) -> None:
    """Refuse a ``hadoop_bin`` whose program (its first word) cannot be
    run: a path that is not an executable file, or a name not on PATH."""
    program = words[0]
    if os.path.sep in program:
        if not _runnable(program):
            raise HadoopNotFound("hadoop_bin %s %s; set hadoop_bin (--hadoop-bin) to the"
                                 " hadoop program" % (program, "is not executable"
                                                      if os.path.isfile(program)
                                                      else "does not exist"))
        return
    path = (os.environ if environ is None else environ).get("PATH", os.defpath)
    if not shutil.which(program, path=path):
        raise HadoopNotFound("hadoop_bin %s is not on PATH; set hadoop_bin (--hadoop-bin)"
                             " to the hadoop program's full path" % program)


def _runnable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)
