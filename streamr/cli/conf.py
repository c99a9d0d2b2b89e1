"""``streamr conf``: what the config files say.

::

    streamr conf show [-r RUNNER]      effective options and where each came from
    streamr conf check FILE...         check config files

``conf show`` prints the merged options as a config file whose comments
name each value's source, so a user can see why a runner gets what it gets.
"""

from __future__ import annotations

import sys
from typing import Any

import click
import yaml

from streamr.cli.switches import (
    RUNNER_ORDER,
    conf_paths_from,
    conf_switches,
    table_option_values,
    table_options,
)
from streamr.conf import (
    DEFAULT,
    MergedOptions,
    Source,
    check_conf_file,
    merge_runner_options,
    read_conf_files,
    runner_levels,
)
from streamr.errors import UsageError
from streamr.option_type import masked
from streamr.options import ALL_RUNNERS, OPTIONS, PATH_LIKE_ENV, Cleared, options_for_runner

__all__ = ["conf", "render_runner"]


@click.group()
def conf() -> None:
    """Inspect and check config files."""


@conf.command()
@click.option("-r", "--runner", "runners", multiple=True, metavar="RUNNER",
              help="show this runner's options (repeatable; default: %s)"
                   % ", ".join(RUNNER_ORDER))
@conf_switches
@click.option("--all", "show_all", is_flag=True, help="also list options that are not set")
@table_options(OPTIONS)
@click.pass_context
def show(ctx: click.Context, runners: tuple, conf_paths: tuple, no_conf: bool,
         show_all: bool, **kwargs: Any) -> None:
    """Print the options each runner would get, as a config file whose
    comments say where each value came from. Runner switches given here
    count as the job's command line."""
    cli_values = table_option_values(ctx, kwargs)
    for alias in runners:
        if alias not in ALL_RUNNERS:
            raise UsageError("conf show knows the runners %s, not %r"
                             % (", ".join(RUNNER_ORDER), alias))
    files = read_conf_files(conf_paths_from(conf_paths, no_conf))
    lines = _files_header([conf.path + (" (mrjob's config, option names mapped)"
                                        if conf.from_mrjob else "") for conf in files])
    lines.append("runners:")
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
                      for key, item in masked(value).items()]
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
