"""The arguments of a Hadoop streaming step, read as Hadoop 3 streaming
reads them, and the job configuration they make.

Generic options (``-files``, ``-archives``, ``-libjars``, ``-D``) must come
first, as Hadoop's GenericOptionsParser requires; one after a streaming
option is an "Unrecognized option", which fails the step."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["ARCHIVE_SUFFIXES", "StreamingJob", "StreamingUsageError", "env_name", "job_conf",
           "parse_streaming_args"]

#: what -archives can unpack
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip", ".jar")

#: deprecated property names Hadoop still honours -> current names
ALIASES = {
    "mapred.reduce.tasks": "mapreduce.job.reduces",
    "mapred.map.tasks": "mapreduce.job.maps",
    "mapred.max.split.size": "mapreduce.input.fileinputformat.split.maxsize",
    "mapred.min.split.size": "mapreduce.input.fileinputformat.split.minsize",
    "mapred.line.input.format.linespermap": "mapreduce.input.lineinputformat.linespermap",
    "mapred.map.max.attempts": "mapreduce.map.maxattempts",
    "mapred.reduce.max.attempts": "mapreduce.reduce.maxattempts",
    "mapred.text.key.partitioner.options": "mapreduce.partition.keypartitioner.options",
    "map.output.key.field.separator": "mapreduce.map.output.key.field.separator",
    "mapred.job.name": "mapreduce.job.name",
    "mapred.task.timeout": "mapreduce.task.timeout",
    "mapred.output.compress": "mapreduce.output.fileoutputformat.compress",
    "mapred.output.compression.codec": "mapreduce.output.fileoutputformat.compress.codec",
    "mapred.input.dir.recursive": "mapreduce.input.fileinputformat.input.dir.recursive",
}

#: what every job's configuration holds before -D (a small part of Hadoop's defaults)
DEFAULT_CONF = {
    "mapreduce.framework.name": "yarn",
    "mapreduce.job.reduces": "1",
    "mapreduce.map.maxattempts": "4",
    "mapreduce.reduce.maxattempts": "4",
    "mapreduce.task.timeout": "600000",
    "mapreduce.job.user.name": "hadoop",
    "user.name": "hadoop",
    "fs.s3.block.size": str(64 * 1024 * 1024),
    "mapreduce.input.fileinputformat.split.minsize": "0",
}

_GENERIC = ("-files", "-archives", "-libjars", "-D", "-conf", "-fs", "-jt")
_VALUED = ("-input", "-output", "-mapper", "-combiner", "-reducer", "-partitioner",
           "-inputformat", "-outputformat", "-cmdenv", "-numReduceTasks", "-inputreader",
           "-io", "-jobconf")
_FLAGS = ("-verbose", "-lazyOutput", "-debug")


class StreamingUsageError(Exception):
    """Arguments Hadoop streaming refuses; the message is what it prints."""


@dataclass
class StreamingJob:
    """One streaming step's arguments."""

    files: list[tuple[str, str]] = field(default_factory=list)
    archives: list[tuple[str, str]] = field(default_factory=list)
    libjars: list[str] = field(default_factory=list)
    conf: dict[str, str] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    output: str | None = None
    mapper: str | None = None
    combiner: str | None = None
    reducer: str | None = None
    partitioner: str | None = None
    inputformat: str | None = None
    outputformat: str | None = None
    cmdenv: list[tuple[str, str]] = field(default_factory=list)


def parse_streaming_args(args: list[str]) -> StreamingJob:
    """Read streaming arguments (without the leading ``hadoop-streaming``)."""
    job = StreamingJob()
    i = 0
    generic_allowed = True
    while i < len(args):
        arg = args[i]
        if arg.startswith("-D") and len(arg) > 2:
            arg, value = "-D", arg[2:]
            i += 1
        elif arg in _GENERIC or arg in _VALUED:
            if i + 1 >= len(args):
                raise StreamingUsageError("Missing argument for option: %s" % arg.lstrip("-"))
            value = args[i + 1]
            i += 2
        elif arg in _FLAGS:
            generic_allowed = False
            i += 1
            continue
        else:
            raise StreamingUsageError("Unrecognized option: %s" % arg)
        if arg in _GENERIC:
            if not generic_allowed:
                raise StreamingUsageError("Unrecognized option: %s" % arg)
            _generic(job, arg, value)
        else:
            generic_allowed = False
            _streaming(job, arg, value)
    if not job.inputs:
        raise StreamingUsageError("Required argument: -input <name>")
    if not job.output:
        raise StreamingUsageError("Required argument: -output ")
    return job


def _generic(job: StreamingJob, option: str, value: str) -> None:
    if option == "-D":
        name, sep, setting = value.partition("=")
        if not sep:
            raise StreamingUsageError("-D needs name=value: %s" % value)
        job.conf[name] = setting
    elif option == "-files":
        job.files.extend(_named_uris(value))
    elif option == "-archives":
        job.archives.extend(_named_uris(value))
    elif option == "-libjars":
        job.libjars.extend(part for part in value.split(",") if part)
    else:
        raise StreamingUsageError("%s is not supported by the simulated cluster" % option)


def _streaming(job: StreamingJob, option: str, value: str) -> None:
    if option == "-input":
        job.inputs.extend(part for part in value.split(",") if part)
    elif option == "-cmdenv":
        name, sep, setting = value.partition("=")
        if not sep:
            raise StreamingUsageError("-cmdenv needs NAME=VALUE: %s" % value)
        job.cmdenv.append((name, setting))
    elif option == "-numReduceTasks":
        job.conf["mapreduce.job.reduces"] = value
    elif option == "-jobconf":
        name, _, setting = value.partition("=")
        job.conf[name] = setting
    elif option in ("-inputreader", "-io"):
        raise StreamingUsageError("%s is not supported by the simulated cluster" % option)
    else:
        setattr(job, option.lstrip("-"), value)


def _named_uris(value: str) -> list[tuple[str, str]]:
    """``uri#name,uri#name`` -> ``[(uri, name)]`` (name defaults to the URI's
    last path part)."""
    named = []
    for part in value.split(","):
        if not part:
            continue
        uri, _, name = part.partition("#")
        named.append((uri, name or uri.rstrip("/").rsplit("/", 1)[-1]))
    return named


def job_conf(job: StreamingJob, job_name: str) -> dict[str, str]:
    """The job's configuration: defaults, then -D values, with deprecated
    and current names both set as Hadoop does."""
    conf = dict(DEFAULT_CONF)
    conf["mapreduce.job.name"] = job_name
    conf["mapreduce.input.fileinputformat.inputdir"] = ",".join(job.inputs)
    conf["mapreduce.output.fileoutputformat.outputdir"] = job.output or ""
    for name, value in job.conf.items():
        conf[name] = value
        current = ALIASES.get(name)
        if current:
            conf[current] = value
    reverse = {new: old for old, new in ALIASES.items()}
    for name in list(conf):
        old = reverse.get(name)
        if old:
            conf[old] = conf[name]
    return conf


_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def env_name(name: str) -> str:
    """A property name as streaming exports it: every character other than
    a letter, digit or underscore becomes ``_``."""
    return _UNSAFE.sub("_", name)
