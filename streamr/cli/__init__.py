"""The ``streamr`` command: running job scripts, inspecting configuration,
reading output and managing EMR clusters.

::

    streamr run JOB.py [ARGS...]       same as python JOB.py [ARGS...]
    streamr conf show [-r RUNNER]      effective options and where each came from
    streamr conf check FILE...         check config files
    streamr cat URI... [-o FILE]       a job's output (local or S3) as one stream
    streamr dashboard [--port N]       the run history as web pages
    streamr create-cluster, terminate-cluster, list-clusters,
    terminate-idle-clusters, diagnose  EMR clusters (see streamr.cli.clusters)
    streamr --version

One module per concern; :mod:`streamr.cli.commands` registers every
subcommand in one list. Subcommands that take runner options build their
switches from the option table with :func:`table_options`, so their help
is the table's help. Errors a user can cause end in one line on stderr and
the exit status their class declares (:mod:`streamr.cli.failure`).
"""

from __future__ import annotations

from streamr.cli.commands import COMMANDS, cli, main
from streamr.cli.switches import table_option_values, table_options

__all__ = ["COMMANDS", "cli", "main", "table_option_values", "table_options"]
