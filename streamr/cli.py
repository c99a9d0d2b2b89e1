"""The ``streamr`` command: running job scripts and inspecting configuration.

::

    streamr run JOB.py [ARGS...]       same as python JOB.py [ARGS...]
    streamr conf show [-r RUNNER]      effective options and where each came from
    streamr conf check FILE...         check config files
    streamr cat URI... [-o FILE]       a job's output (local or S3) as one stream
    streamr create-cluster, terminate-cluster, list-clusters, diagnose
                                       EMR clusters (see streamr.cluster_commands)
    streamr --version

Subcommands that take runner options build their switches from the option
table with :func:`table_options`, so their help is the table's help.
Mistakes a user can make end in one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from typing import Any, Callable

import click
import yaml

import streamr
from streamr.args import switch_metavar, switch_parser, switch_repeats, switch_value
from streamr.conf import (
    DEFAULT,
    MergedOptions,
    Source,
    check_conf_file,
    merge_runner_options,
    read_conf_files,
    runner_levels,
)
from streamr.console import set_up_logging
from streamr.errors import StreamrError, UsageError
from streamr.options import (
    ALL_RUNNERS,
    OPTIONS,
    PATH_LIKE_ENV,
    Cleared,
    Option,
    option,
    options_for_runner,
)

__all__ = ["cli", "main", "table_option_values", "table_options"]

#: built-in runners in the order ``conf show`` prints them
RUNNER_ORDER = ("inline", "local", "emr")


class CommandFailed(click.ClickException):
    """How an error a user can cause (:class:`~streamr.errors.StreamrError`)
    ends the ``streamr`` command: one line, ``streamr: error: ...``, and the
    exit status the error's class declares."""

    def __init__(self, error: StreamrError):
        super().__init__(str(error))
        self.error = error
        self.exit_code = error.exit_status

    def show(self, file: Any = None) -> None:
        click.echo("streamr: error: %s" % self.format_message(), file=file or sys.stderr)


class _Group(click.Group):
    """A group whose subcommands' user errors end as :class:`CommandFailed`
    (the one place the ``streamr`` command reads an exit status)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StreamrError as exc:
            raise CommandFailed(exc) from None


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time (so log records go
    where click's test runner, or the real terminal, expects them)."""

    def write(self, text: str) -> None:
        sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


# --- switches from the option table -----------------------------------------------------


class _SwitchText(click.ParamType):
    """One occurrence of a runner option's switch, read as the job's
    argument parser reads it."""

    def __init__(self, opt: Option):
        self.opt = opt
        self.name = opt.kind

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        parse = switch_parser(self.opt)
        if parse is None or not isinstance(value, str):
            return value
        try:
            return parse(value)
        except (argparse.ArgumentTypeError, ValueError) as exc:
            self.fail(str(exc), param, ctx)


def _click_option(opt: Option) -> click.Option:
    if opt.kind == "bool":
        first = opt.switches[0]
        if opt.false_switch:
            first = "%s/%s" % (first, opt.false_switch)
        return click.Option([first, *opt.switches[1:], opt.name], is_flag=True, default=None,
                            help=opt.help)
    return click.Option([*opt.switches, opt.name], type=_SwitchText(opt), default=None,
                        multiple=switch_repeats(opt), metavar=switch_metavar(opt),
                        help=opt.help)


def table_options(options: list) -> Callable:
    """Decorator that gives a click command a switch for each of *options*
    (:class:`~streamr.options.Option` objects or names) that has one, with
    the table's switches and help. Read the values with
    :func:`table_option_values`."""
    opts = [option(o) if isinstance(o, str) else o for o in options]

    def decorate(command: Callable) -> Callable:
        new = [_click_option(opt) for opt in opts if opt.switches]
        if isinstance(command, click.Command):  # applied above @click.command()
            command.params.extend(new)
            return command
        # click reverses the parameters gathered on a function
        params = getattr(command, "__click_params__", [])
        params.extend(reversed(new))
        command.__click_params__ = params  # type: ignore[attr-defined]
        return command

    return decorate


def table_option_values(ctx: click.Context, kwargs: dict) -> dict:
    """Option values given on the command line for switches added by
    :func:`table_options` (removed from *kwargs*), as the job's parser gives
    them."""
    values = {}
    for opt in OPTIONS:
        if opt.name not in kwargs:
            continue
        collected = kwargs.pop(opt.name)
        if ctx.get_parameter_source(opt.name) != click.core.ParameterSource.COMMANDLINE:
            continue
        values[opt.name] = switch_value(opt, collected)
    return values


# --- the commands -------------------------------------------------------------------------


@click.group("streamr", cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(streamr.__version__, "--version", prog_name="streamr",
                      message="%(prog)s %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="log debug messages")
@click.option("-q", "--quiet", is_flag=True, help="log nothing but errors")
def cli(verbose: bool, quiet: bool) -> None:
    """Write MapReduce jobs once in Python; run them inline, on every core,
    or on Amazon EMR."""
    set_up_logging(quiet=quiet, verbose=verbose, stream=_CurrentStderr())


@cli.command(context_settings={"ignore_unknown_options": True,
                               "allow_interspersed_args": False,
                               "help_option_names": []})
@click.argument("script", metavar="JOB.py")
@click.argument("job_args", nargs=-1, type=click.UNPROCESSED, metavar="[ARGS]...")
def run(script: str, job_args: tuple) -> None:
    """Run the job in JOB.py with ARGS, exactly as python JOB.py ARGS
    would (see python JOB.py --help for its switches)."""
    if script in ("-h", "--help"):
        click.echo(click.get_current_context().get_help())
        return
    run_job_script(script, list(job_args))


def run_job_script(script: str, args: list) -> None:
    """Run *script* in this process as ``python script args...`` would: as
    ``__main__``, with its directory first on ``sys.path``."""
    if not os.path.isfile(script):
        raise UsageError("no job script %s; give the path of a .py file that defines a job"
                         % script)
    saved_argv, saved_path = list(sys.argv), list(sys.path)
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    finally:
        sys.argv[:] = saved_argv
        sys.path[:] = saved_path
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # what the job wrote, even when it exits


@cli.group(cls=_Group)
def conf() -> None:
    """Inspect and check config files."""


@conf.command()
@click.option("-r", "--runner", "runners", multiple=True, metavar="RUNNER",
              help="show this runner's options (repeatable; default: %s)"
                   % ", ".join(RUNNER_ORDER))
@click.option("-c", "--conf-path", "conf_paths", multiple=True, metavar="PATH",
              help="read this config file instead of the default one (repeatable)")
@click.option("--no-conf", is_flag=True, help="read no config file")
@click.option("--all", "show_all", is_flag=True, help="also list options that are not set")
@table_options(OPTIONS)
@click.pass_context
def show(ctx: click.Context, runners: tuple, conf_paths: tuple, no_conf: bool,
         show_all: bool, **kwargs: Any) -> None:
    """Print the options each runner would get, as a config file whose
    comments say where each value came from. Runner switches given here
    count as the job's command line."""
    cli_values = table_option_values(ctx, kwargs)
    paths = [] if no_conf else (list(conf_paths) if conf_paths else None)
    for alias in runners:
        if alias not in ALL_RUNNERS:
            raise UsageError("conf show knows the runners %s, not %r"
                             % (", ".join(RUNNER_ORDER), alias))
    files = read_conf_files(paths)
    lines = _files_header([conf.path for conf in files]) + ["runners:"]
    for alias in runners or RUNNER_ORDER:
        merged = merge_runner_options(alias, runner_levels(files, alias), None, cli_values)
        lines += render_runner(merged, show_all)
    click.echo("\n".join(lines))


@conf.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--strict", is_flag=True, help="treat warnings (unknown keys) as errors")
def check(files: tuple, strict: bool) -> None:
    """Check config files (and the files they include): syntax, option
    names, which runner takes each option, and value types. Exit status 2
    on errors, 1 on warnings with --strict."""
    errors = warnings = 0
    for path in files:
        problems = check_conf_file(path)
        for problem in problems:
            click.echo(str(problem), err=True)
        file_errors = sum(p.level == "error" for p in problems)
        file_warnings = len(problems) - file_errors
        errors += file_errors
        warnings += file_warnings
        click.echo("%s: %s" % (path, _count(file_errors, file_warnings)))
    if errors:
        sys.exit(2)
    if warnings and strict:
        sys.exit(1)


def _count(errors: int, warnings: int) -> str:
    if not errors and not warnings:
        return "ok"
    parts = []
    if errors:
        parts.append("%d error%s" % (errors, "" if errors == 1 else "s"))
    if warnings:
        parts.append("%d warning%s" % (warnings, "" if warnings == 1 else "s"))
    return ", ".join(parts)


# --- printing merged options -----------------------------------------------------------------


def _files_header(files: list) -> list:
    if not files:
        return ["# no config file read"]
    return ["# config files read, lowest precedence first:"] + ["#   %s" % f for f in files]


def _yaml(value: Any) -> str:
    """*value* as one line of YAML."""
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 20, allow_unicode=True)
    if text.endswith("\n...\n"):
        text = text[:-5]
    return text.strip()


def _comment(sources: list) -> str:
    return "  # " + ", ".join(str(s) for s in sources)


def render_runner(merged: MergedOptions, show_all: bool = False) -> list:
    """Lines of YAML (under ``runners:``) for *merged*'s options, each value
    followed by a comment naming its source."""
    lines = ["  %s:" % merged.alias]
    for opt in options_for_runner(merged.alias):
        value = merged.values[opt.name]
        if value in (None, [], {}) and not show_all:
            continue
        chain = merged.settings[opt.name]
        if opt.secret and value is not None:
            lines.append("    %s: '********'%s" % (opt.name, _comment(merged.sources(opt.name))))
        elif opt.combine == "list" and value:
            lines.append("    %s:" % opt.name)
            lines += ["    - %s%s" % (_yaml(item), _comment([source]))
                      for item, source in _list_origins(chain)]
        elif opt.combine in ("dict", "env") and value:
            lines.append("    %s:" % opt.name)
            origins = _key_origins(chain, opt.combine == "env")
            lines += ["      %s: %s%s" % (_yaml(key), _yaml(item), _comment(origins[key]))
                      for key, item in value.items()]
        else:
            lines.append("    %s: %s%s" % (opt.name, _yaml(value),
                                           _comment(merged.sources(opt.name))))
    return lines


def _list_origins(chain: list) -> list:
    return [(item, setting.source) for setting in chain for item in setting.value or []]


def _key_origins(chain: list, is_env: bool) -> dict:
    """For each key of a merged mapping, the sources of its value."""
    origins: dict = {}
    for setting in chain:
        for key, item in (setting.value or {}).items():
            source = setting.source
            if key in setting.key_lines:
                source = Source(source.name, setting.key_lines[key])
            joins = is_env and key in PATH_LIKE_ENV and not isinstance(item, Cleared)
            if item is None or isinstance(item, Cleared) and item.value is None:
                origins.pop(key, None)
            elif joins and origins.get(key):
                origins[key] = [*origins[key], source]
            else:
                origins[key] = [source]
    return {key: sources or [DEFAULT] for key, sources in origins.items()}


AWS_OPTIONS = [opt for opt in OPTIONS if opt.topic == "aws" and "local" in opt.runners]


@cli.command("cat")
@click.argument("uris", nargs=-1, required=True, metavar="URI...")
@click.option("-o", "--output", metavar="FILE",
              help="write to this file (local or s3://; compressed when its name ends in .gz,"
                   " .bz2 or .zst) instead of stdout; it appears only when complete")
@click.option("-r", "--runner", default="emr", show_default=True, metavar="RUNNER",
              help="take AWS options from this runner's section of the config files")
@click.option("-c", "--conf-path", "conf_paths", multiple=True, metavar="PATH",
              help="read this config file instead of the default one (repeatable)")
@click.option("--no-conf", is_flag=True, help="read no config file")
@table_options(AWS_OPTIONS)
@click.pass_context
def cat(ctx: click.Context, uris: tuple, output: str | None, runner: str, conf_paths: tuple,
        no_conf: bool, **kwargs: Any) -> None:
    """Print a job's output: the part files of each output directory URI
    (or the files a glob matches) in name order, decompressed, leaving out
    _SUCCESS, other hidden files and empty parts."""
    from streamr.output import write_output

    if runner not in ALL_RUNNERS:
        raise UsageError("cat takes AWS options from the runners %s, not %r"
                         % (", ".join(RUNNER_ORDER), runner))
    cli_values = table_option_values(ctx, kwargs)
    paths = [] if no_conf else (list(conf_paths) if conf_paths else None)
    merged = merge_runner_options(runner, runner_levels(read_conf_files(paths), runner),
                                  None, cli_values)
    write_output(list(uris), merged.values, output)


# the cluster subcommands register themselves on ``cli``
from streamr import cluster_commands  # noqa: E402,F401


def main(argv: list | None = None) -> None:
    """Entry point of the ``streamr`` console script."""
    cli.main(args=argv, prog_name="streamr")


if __name__ == "__main__":
    main()
