"""The job description: everything a runner gets from a job, as values.

A runner never imports :mod:`streamr.job` and never calls back into the
job object. What it needs is worked out once, on the side that launches
the job, into a :class:`JobDescription`, and the runner reads that. The job
class travels as a value (the inline runner makes task instances of it).

A third-party runner registered under the entry point group
``streamr.runners`` receives the same description, as its constructor's
first argument (see the reference docs, "Writing a runner").

Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any, Callable, NamedTuple

__all__ = ["FileArg", "JobDescription", "describe_job"]


class FileArg(NamedTuple):
    """A task argument that names a local file: the task gets *prefix*
    followed by the file's name in its working directory (the runner puts
    the file at *path* there)."""

    prefix: str
    path: str


@dataclass(frozen=True)
class JobDescription:
    """One run of a job, as a runner receives it."""

    #: the job class (a subclass of :class:`streamr.job.MRJob`), or ``None``
    #: for runners that need only the script
    job_class: type | None = None
    #: path of the file that defines the job class (run in task mode)
    script_path: str | None = None
    #: the step descriptions (:meth:`streamr.step.MRStep.description`), in order
    steps: list = field(default_factory=list)
    #: input paths or URIs as given; ``-`` is stdin
    input_paths: list = field(default_factory=lambda: ["-"])
    #: where the output goes (``None``: a temporary directory)
    output_dir: str | None = None
    #: config files to read (``None``: the default ones, ``[]``: none)
    conf_paths: list | None = None
    #: arguments every task gets: pass-through options as strings, file
    #: options as :class:`FileArg` (see :meth:`task_args_for`)
    task_args: list = field(default_factory=list)
    #: local paths of the job's file options, to put in the working directory
    file_arg_paths: list = field(default_factory=list)
    #: the binary stream ``-`` reads (``None``: the process's stdin)
    stdin: IO[bytes] | None = None
    #: option values the job class sets (``JOBCONF``, ``FILES``,
    #: ``SORT_VALUES``...), between config files and the command line
    job_options: dict = field(default_factory=dict)
    #: runner option values given on the command line
    cli_options: dict = field(default_factory=dict)
    #: the job's command-line arguments as given (kept in the run history)
    argv: list = field(default_factory=list)

    def task_args_for(self, rename_file: Callable[[str], str] | None = None) -> list:
        """:attr:`task_args` as strings, each file option naming its file by
        ``rename_file(path)`` (its name in the working directory)."""
        rename = rename_file or (lambda path: path)
        return [arg if isinstance(arg, str) else arg.prefix + rename(arg.path)
                for arg in self.task_args]

    @classmethod
    def from_keywords(cls, job_class=None, mr_job_script=None, steps=None, input_paths=(),
                      output_dir=None, conf_paths=None, extra_args=(), job=None, stdin=None,
                      job_options=None, cli_options=None, mrjob_cls=None,
                      **runner_options: Any) -> JobDescription:
        """The description the mrjob-style keyword constructor
        (``InlineRunner(mr_job_script=..., conf_paths=..., jobconf=...)``)
        stands for. Keywords that are not description fields are runner
        options from the command line. A *job* instance given instead of
        task arguments is described by :func:`describe_job`."""
        if job is not None:
            described = describe_job(job, cli_options)
            task_args, file_paths = described.task_args, described.file_arg_paths
        else:
            task_args, file_paths = list(extra_args), []
        job_class = job_class or mrjob_cls
        script = mr_job_script or (job_class.mr_job_script() if job_class else None)
        return cls(job_class=job_class, script_path=script, steps=list(steps or []),
                   input_paths=list(input_paths) or ["-"], output_dir=output_dir,
                   conf_paths=conf_paths, task_args=task_args, file_arg_paths=file_paths,
                   stdin=stdin, job_options=dict(job_options or {}),
                   cli_options=dict(cli_options or {}, **runner_options))


def _task_args_template(job) -> list:
    """*job*'s task arguments with each file option as a :class:`FileArg`.
    The job renders them with a stand-in name per file (NUL never appears
    in a command-line argument), which is then taken apart again."""
    paths: list = []

    def stand_in(path: str) -> str:
        paths.append(path)
        return "\0%d\0" % (len(paths) - 1)

    result: list = []
    for arg in job.task_args(rename_file=stand_in):
        prefix, sep, rest = arg.partition("\0")
        if not sep:
            result.append(arg)
            continue
        num, _, after = rest.partition("\0")
        result.append(FileArg(prefix, paths[int(num)]) if not after else arg)
    return result


def describe_job(job, cli_options: dict | None = None) -> JobDescription:
    """The description of a run of *job* (a parsed
    :class:`streamr.job.MRJob`, used as a value through its public methods),
    with the runner options *cli_options* its command line set."""
    opts = job.options
    return JobDescription(
        job_class=type(job),
        script_path=job.mr_job_script(),
        steps=[step.description(num) for num, step in enumerate(job.steps())],
        input_paths=list(opts.args) or ["-"],
        output_dir=opts.output_dir,
        conf_paths=opts.conf_paths,
        task_args=_task_args_template(job),
        file_arg_paths=job.file_arg_paths(),
        stdin=job.stdin,
        job_options=job.job_runner_options(),
        cli_options=dict(cli_options or {}),
        argv=list(getattr(job, "_cl_args", None) or []),
    )
