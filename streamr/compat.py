"""Hadoop property names across Hadoop versions.

Hadoop 2 renamed most job properties (``map.input.file`` became
``mapreduce.map.input.file``). Jobs written for either name keep working:
:func:`jobconf_from_env` and :func:`jobconf_from_dict` look a property up
under every name it has had.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import os

__all__ = [
    "jobconf_from_dict",
    "jobconf_from_env",
    "translate_jobconf",
    "translate_jobconf_for_all_versions",
]

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


def _is_hadoop1(version: str) -> bool:
    return version.split(".")[0] in ("0", "1")


def translate_jobconf(variable: str, version: str) -> str:
    """*variable* as named by Hadoop *version* (``"1.2.1"``, ``"3.3.6"``)."""
    if _is_hadoop1(version):
        return _OLD_NAME.get(variable, variable)
    return _NEW_NAME.get(variable, variable)


def translate_jobconf_for_all_versions(variable: str) -> list[str]:
    """Every name *variable* has had, sorted."""
    return sorted(set(_names_of(variable)))
