"""``streamr cat URI... [-o FILE]``: a job's output (local or S3) as one
stream, decompressed, the way a job with ``--cat-output`` prints it.

It takes AWS options from a runner's section of the config files (``-r``,
default emr) and the same AWS switches as a job, so it reaches the bucket
the job wrote to.
"""

from __future__ import annotations

from typing import Any

import click

from streamr.cli.switches import (
    RUNNER_ORDER,
    conf_paths_from,
    conf_switches,
    table_option_values,
    table_options,
)
from streamr.conf import merge_runner_options, read_conf_files, runner_levels
from streamr.errors import UsageError
from streamr.options import ALL_RUNNERS, OPTIONS

__all__ = ["cat"]

#: AWS options a local run takes: what reaching the output needs
AWS_OPTIONS = [opt for opt in OPTIONS if opt.topic == "aws" and "local" in opt.runners]


@click.command("cat")
@click.argument("uris", nargs=-1, required=True, metavar="URI...")
@click.option("-o", "--output", metavar="FILE",
              help="write to this file (local or s3://; compressed when its name ends in .gz,"
                   " .bz2 or .zst) instead of stdout; it appears only when complete")
@click.option("-r", "--runner", default="emr", show_default=True, metavar="RUNNER",
              help="take AWS options from this runner's section of the config files")
@conf_switches
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
    files = read_conf_files(conf_paths_from(conf_paths, no_conf))
    merged = merge_runner_options(runner, runner_levels(files, runner), None, cli_values)
    write_output(list(uris), merged.values, output)
