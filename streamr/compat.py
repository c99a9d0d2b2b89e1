"""Hadoop property names across Hadoop versions.

Hadoop 2 renamed most job properties (``map.input.file`` became
``mapreduce.map.input.file``). Jobs written for either name keep working:
:func:`jobconf_from_env` and :func:`jobconf_from_dict` look a property up
under every name it has had.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import logging
import os
import re

__all__ = [
    "jobconf_from_dict",
    "jobconf_from_env",
    "map_version",
    "translate_jobconf",
    "translate_jobconf_dict",
    "translate_jobconf_for_all_versions",
    "uses_yarn",
    "version_gte",
]

log = logging.getLogger(__name__)

# (Hadoop 1 name, Hadoop 2+ name), from Hadoop's table of deprecated properties.
_RENAMED = [
    ("fs.default.name", "fs.defaultFS"),
    ("hadoop.job.ugi", "mapreduce.job.ugi"),
    ("io.sort.factor", "mapreduce.task.io.sort.factor"),
    ("io.sort.mb", "mapreduce.task.io.sort.mb"),
    ("io.sort.record.percent", "mapreduce.map.sort.record.percent"),
    ("io.sort.spill.percent", "mapreduce.map.sort.spill.percent"),
    ("job.end.notification.url", "mapreduce.job.end-notification.url"),
    ("keep.failed.task.files", "mapreduce.task.files.preserve.failedtasks"),
    ("map.input.file", "mapreduce.map.input.file"),
    ("map.input.length", "mapreduce.map.input.length"),
    ("map.input.start", "mapreduce.map.input.start"),
    ("map.output.key.field.separator", "mapreduce.map.output.key.field.separator"),
    ("mapred.cache.archives", "mapreduce.job.cache.archives"),
    ("mapred.cache.files", "mapreduce.job.cache.files"),
    ("mapred.child.java.opts", "mapred.child.java.opts"),
    ("mapred.compress.map.output", "mapreduce.map.output.compress"),
    ("mapred.input.dir", "mapreduce.input.fileinputformat.inputdir"),
    ("mapred.job.id", "mapreduce.job.id"),
    ("mapred.job.name", "mapreduce.job.name"),
    ("mapred.job.priority", "mapreduce.job.priority"),
    ("mapred.job.queue.name", "mapreduce.job.queuename"),
    ("mapred.job.reuse.jvm.num.tasks", "mapreduce.job.jvm.numtasks"),
    ("mapred.line.input.format.linespermap", "mapreduce.input.lineinputformat.linespermap"),
    ("mapred.map.child.java.opts", "mapreduce.map.java.opts"),
    ("mapred.map.max.attempts", "mapreduce.map.maxattempts"),
    ("mapred.map.output.compression.codec", "mapreduce.map.output.compress.codec"),
    ("mapred.map.tasks", "mapreduce.job.maps"),
    ("mapred.map.tasks.speculative.execution", "mapreduce.map.speculative"),
    ("mapred.mapoutput.key.class", "mapreduce.map.output.key.class"),
    ("mapred.mapoutput.value.class", "mapreduce.map.output.value.class"),
    ("mapred.max.split.size", "mapreduce.input.fileinputformat.split.maxsize"),
    ("mapred.min.split.size", "mapreduce.input.fileinputformat.split.minsize"),
    ("mapred.output.compress", "mapreduce.output.fileoutputformat.compress"),
    ("mapred.output.compression.codec", "mapreduce.output.fileoutputformat.compress.codec"),
    ("mapred.output.compression.type", "mapreduce.output.fileoutputformat.compress.type"),
    ("mapred.output.dir", "mapreduce.output.fileoutputformat.outputdir"),
    ("mapred.output.key.comparator.class", "mapreduce.job.output.key.comparator.class"),
    ("mapred.output.value.groupfn.class", "mapreduce.job.output.group.comparator.class"),
    ("mapred.reduce.child.java.opts", "mapreduce.reduce.java.opts"),
    ("mapred.reduce.max.attempts", "mapreduce.reduce.maxattempts"),
    ("mapred.reduce.tasks", "mapreduce.job.reduces"),
    ("mapred.reduce.tasks.speculative.execution", "mapreduce.reduce.speculative"),
    ("mapred.skip.on", "mapreduce.job.skiprecords"),
    ("mapred.task.id", "mapreduce.task.attempt.id"),
    ("mapred.task.is.map", "mapreduce.task.ismap"),
    ("mapred.task.partition", "mapreduce.task.partition"),
    ("mapred.task.timeout", "mapreduce.task.timeout"),
    ("mapred.textoutputformat.separator", "mapreduce.output.textoutputformat.separator"),
    ("mapred.tip.id", "mapreduce.task.id"),
    ("mapred.work.output.dir", "mapreduce.task.output.dir"),
    ("mapred.working.dir", "mapreduce.job.working.dir"),
    ("min.num.spills.for.combine", "mapreduce.map.combine.minspills"),
    ("user.name", "mapreduce.job.user.name"),
    ("mapred.text.key.partitioner.options", "mapreduce.partition.keypartitioner.options"),
    ("mapred.text.key.comparator.options", "mapreduce.partition.keycomparator.options"),
]

_ALIASES: dict[str, list[str]] = {}
for _old, _new in _RENAMED:
    if _old != _new:
        _ALIASES.setdefault(_old, []).append(_new)
        _ALIASES.setdefault(_new, []).append(_old)
_NEW_NAME = {old: new for old, new in _RENAMED}
_OLD_NAME = {new: old for old, new in _RENAMED}


def _names_of(name: str) -> list[str]:
    return [name] + [alias for alias in _ALIASES.get(name, ()) if alias != name]


def jobconf_from_env(variable: str, default: str | None = None) -> str | None:
    """The value of Hadoop property *variable* inside a running task, where
    Hadoop streaming passes properties as environment variables with dots
    turned into underscores. Every name the property has had is tried, so
    ``jobconf_from_env('map.input.file')`` works on current Hadoop too.
    Returns *default* when the property is not set."""
    for name in _names_of(variable):
        value = os.environ.get(name.replace(".", "_"))
        if value is not None:
            return value
    return default


def jobconf_from_dict(jobconf: dict, name: str, default: object = None) -> object:
    """Look up Hadoop property *name* in *jobconf* under any of its names."""
    for candidate in _names_of(name):
        if candidate in jobconf:
            return jobconf[candidate]
    return default


def _version_key(version: object) -> tuple:
    """A sortable key of a version string: its runs of digits as numbers
    and its runs of letters as text, in order (``"2.7.3"`` < ``"2.10"``;
    ``"2"`` < ``"2.0"``, as Python's old ``LooseVersion`` had it)."""
    if not isinstance(version, str):
        raise TypeError("%r is not a string" % (version,))
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.findall(r"\d+|[A-Za-z]+", version))


def version_gte(version: str, other: str) -> bool:
    """True when Hadoop version *version* is *other* or later."""
    return _version_key(version) >= _version_key(other)


def map_version(version: str, version_map) -> object:
    """The value *version_map* gives for *version*. *version_map* maps the
    first version each value applies to (a dict, or ``(version, value)``
    pairs) to that value; a version before all of them gets the earliest
    value. ``TypeError`` when *version* is None, ``ValueError`` when the
    map is empty."""
    if version is None:
        raise TypeError("a Hadoop version is needed, not None")
    if not version_map:
        raise ValueError("an empty version map has no value for any version")
    pairs = version_map.items() if isinstance(version_map, dict) else version_map
    ordered = sorted(((_version_key(str(first)), value) for first, value in pairs),
                     key=lambda pair: pair[0])
    wanted = _version_key(version)
    chosen = ordered[0][1]
    for first, value in ordered:
        if wanted >= first:
            chosen = value
    return chosen


def uses_yarn(version: str) -> bool:
    """True for Hadoop versions that run jobs on YARN: 2 and later, and the
    0.23 series it started in."""
    return version_gte(version, "2") or (version_gte(version, "0.23")
                                         and not version_gte(version, "1"))


# Hadoop's own history: 0.21 and 0.23 used the new names, 1.x went back to the
# old ones, and 2.0 on has used the new ones for good
_NEW_NAMES_FROM = {"0.18": False, "0.21": True, "1.0": False, "2.0": True}


def translate_jobconf(variable: str, version: str) -> str:
    """*variable* as Hadoop *version* names it (``"1.2.1"``, ``"0.21"``,
    ``"3.3.6"``); a property streamr does not know keeps its name.
    ``TypeError`` when *version* is None."""
    if version is None:
        raise TypeError("a Hadoop version is needed, not None")
    if variable not in _NEW_NAME and variable not in _OLD_NAME:
        return variable
    if map_version(version, _NEW_NAMES_FROM):
        return _NEW_NAME.get(variable, variable)
    return _OLD_NAME.get(variable, variable)


def translate_jobconf_for_all_versions(variable: str) -> list[str]:
    """Every name *variable* has had, sorted."""
    return sorted(set(_names_of(variable)))


def translate_jobconf_dict(jobconf: dict, hadoop_version: str | None = None) -> dict:
    """*jobconf* plus each property under the name Hadoop *hadoop_version*
    gives it (under every name it has had when no version is given). A name
    already in *jobconf* keeps its own value. Logs a warning listing the
    names that did not match *hadoop_version*."""
    translated = dict(jobconf)
    renamed = {}
    for name, value in jobconf.items():
        if hadoop_version:
            variants = [translate_jobconf(name, hadoop_version)]
        else:
            variants = translate_jobconf_for_all_versions(name)
        for variant in variants:
            if variant not in jobconf:
                translated[variant] = value
                if hadoop_version:
                    renamed[name] = variant
    if renamed:
        added = ", ".join("%s -> %s" % pair for pair in sorted(renamed.items()))
        log.warning("jobconf names that Hadoop %s does not use were given; added as: %s",
                    hadoop_version, added)
    return translated
