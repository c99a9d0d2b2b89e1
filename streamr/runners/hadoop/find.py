"""Finding Hadoop's streaming jar: the ``hadoop_streaming_jar`` option,
else the usual places of Hadoop 3 tarballs and of the Linux distributions'
packages (Bigtop, EMR, Dataproc, HDP/CDH). The ``hadoop`` program itself is
found by :func:`streamr.fs.hadoop_bin.find_hadoop_bin`, which the HDFS
filesystem shares."""

from __future__ import annotations

import glob
import os

from streamr.errors import HadoopNotFound
from streamr.fs.hadoop_bin import HOME_VARIABLES, find_hadoop_bin, hadoop_homes

__all__ = ["find_hadoop_bin", "find_streaming_jar", "streaming_jar_places"]

#: where a streaming jar is, under a Hadoop installation's directory
_UNDER_HOME = ("share/hadoop/tools/lib/hadoop-streaming*.jar",
               "contrib/streaming/hadoop-streaming*.jar",
               "hadoop-streaming*.jar")
#: where distributions' packages put it
_PACKAGED = ("/usr/lib/hadoop-mapreduce/hadoop-streaming*.jar",
             "/usr/lib/hadoop/hadoop-streaming*.jar",
             "/usr/lib/hadoop/share/hadoop/tools/lib/hadoop-streaming*.jar",
             "/usr/hdp/current/hadoop-mapreduce-client/hadoop-streaming*.jar",
             "/opt/cloudera/parcels/CDH/lib/hadoop-mapreduce/hadoop-streaming*.jar",
             "/usr/local/hadoop/share/hadoop/tools/lib/hadoop-streaming*.jar")


def streaming_jar_places(hadoop_bin: list | None, environ=None) -> list:
    """Glob patterns where a streaming jar may be, in the order looked at:
    under each installation the environment names, under the installation
    the ``hadoop`` program is in (``<home>/bin/hadoop``), then the
    packaged places."""
    homes = [home for _, home in hadoop_homes(environ)]
    if hadoop_bin:
        program = os.path.realpath(hadoop_bin[0]) if os.path.sep in hadoop_bin[0] else None
        if program:
            homes.append(os.path.dirname(os.path.dirname(program)))
    places = []
    for home in homes:
        for pattern in _UNDER_HOME:
            place = os.path.join(home, pattern)
            if place not in places:
                places.append(place)
    return places + list(_PACKAGED)


def find_streaming_jar(configured: str | None, hadoop_bin: list | None,
                       environ=None) -> str:
    """The streaming jar: *configured* (the ``hadoop_streaming_jar``
    option) as given, else the first found in :func:`streaming_jar_places`
    (the shortest name among several there, so a ``-tests`` or
    ``-sources`` jar loses). :class:`HadoopNotFound` naming the places."""
    if configured:
        return configured
    places = streaming_jar_places(hadoop_bin, environ)
    for pattern in places:
        found = [path for path in glob.glob(pattern) if os.path.isfile(path)]
        if found:
            return min(found, key=lambda path: (len(os.path.basename(path)), path))
    unset = [name for name in HOME_VARIABLES if not (environ or os.environ).get(name)]
    raise HadoopNotFound("no Hadoop streaming jar found (looked in %s%s); set"
                         " hadoop_streaming_jar (--hadoop-streaming-jar)"
                         % (", ".join(places),
                            "; %s not set" % ", ".join("$" + n for n in unset)
                            if unset else ""))
