"""``streamr run JOB.py [ARGS...]``: run a job script as ``python JOB.py
ARGS...`` would, in this process.

The job's own command line handles every switch after JOB.py, its help
included, so ``streamr run`` adds nothing to it.
"""

from __future__ import annotations

import os
import runpy
import sys

import click

from streamr.errors import UsageError

__all__ = ["run", "run_job_script"]


@click.command(context_settings={"ignore_unknown_options": True,
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
