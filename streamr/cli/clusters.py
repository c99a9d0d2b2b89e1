"""``streamr`` subcommands about EMR clusters::

    streamr create-cluster [OPTIONS]          start a cluster; print its id
    streamr terminate-cluster CLUSTER_ID      shut one down
    streamr list-clusters                     active clusters, one per line
    streamr terminate-idle-clusters [--yes]   shut down streamr's idle clusters
    streamr diagnose CLUSTER_ID [STEP_ID]     why a step (or the cluster) failed

They take the EMR runner's options from the config files (``-c``,
``--no-conf``) and the same switches as a job.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import click

from streamr.cli.switches import (
    conf_paths_from,
    conf_switches,
    table_option_values,
    table_options,
)
from streamr.errors import UsageError
from streamr.options import OPTIONS, options_for_runner

__all__ = [
    "CLUSTER_COMMANDS",
    "cluster_table",
    "create_cluster",
    "diagnose",
    "diagnose_cluster",
    "list_clusters",
    "terminate_cluster",
    "terminate_idle_clusters",
]

#: options that reach AWS: every command takes them
_CONNECTION_OPTIONS = [opt for opt in OPTIONS if opt.topic == "aws" and "emr" in opt.runners]


def _runner(ctx: click.Context, kwargs: dict, conf_paths: tuple, no_conf: bool):
    from streamr.runners.emr.runner import EMRJobRunner

    values = table_option_values(ctx, kwargs)
    return EMRJobRunner(conf_paths=conf_paths_from(conf_paths, no_conf), cli_options=values)


@click.command("create-cluster")
@click.option("--wait", is_flag=True,
              help="wait until the cluster is ready for steps (or say why it failed)")
@conf_switches
@table_options(options_for_runner("emr"))
@click.pass_context
def create_cluster(ctx: click.Context, wait: bool, conf_paths: tuple, no_conf: bool,
                   **kwargs: Any) -> None:
    """Start a cluster that waits for steps, configured like a job's, and
    print its id. It shuts itself down after max_mins_idle idle minutes.
    With --pool-clusters it joins the pool (pool_name), ready for jobs with
    the same set-up."""
    runner = _runner(ctx, kwargs, conf_paths, no_conf)
    try:
        cluster_id = runner.start_cluster(keep_alive=True)
        click.echo(cluster_id)
        if wait:
            runner.wait_until_ready()
    finally:
        # the cluster is what the user asked for: only local files go
        runner.cleanup(["LOCAL_TMP"])


@click.command("terminate-cluster")
@click.argument("cluster_id", metavar="CLUSTER_ID")
@conf_switches
@table_options(_CONNECTION_OPTIONS)
@click.pass_context
def terminate_cluster(ctx: click.Context, cluster_id: str, conf_paths: tuple, no_conf: bool,
                      **kwargs: Any) -> None:
    """Shut down cluster CLUSTER_ID (j-...), whatever it is running."""
    runner = _runner(ctx, kwargs, conf_paths, no_conf)
    state = runner.clusters.describe(cluster_id).get("Status", {}).get("State")
    if state in ("TERMINATING", "TERMINATED", "TERMINATED_WITH_ERRORS"):
        click.echo("cluster %s is already %s" % (cluster_id, state.lower()), err=True)
        return
    runner.clusters.terminate(cluster_id)
    click.echo("terminating cluster %s (it was %s)" % (cluster_id, state), err=True)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes = int(seconds // 60)
    if minutes < 60:
        return "%dm" % minutes
    return "%dh%02dm" % (minutes // 60, minutes % 60)


def cluster_table(clusters, now: datetime | None = None) -> list:
    """One row per active cluster: id, state, name, pool, age, idle time,
    lock, steps, instances (header first)."""
    from streamr.runners.emr.cluster import age, cluster_idle_since, tag_value

    now = now or datetime.now(timezone.utc)
    rows = [("ID", "STATE", "NAME", "POOL", "AGE", "IDLE", "LOCK", "STEPS", "INSTANCES")]
    for summary in sorted(clusters.active(), key=lambda c: c["Id"]):
        cluster = clusters.describe(summary["Id"])
        steps = clusters.steps(summary["Id"])
        timeline = cluster.get("Status", {}).get("Timeline", {})
        counts: dict = {}
        for step in steps:
            state = step.get("Status", {}).get("State", "?").lower()
            counts[state] = counts.get(state, 0) + 1
        step_text = ", ".join("%d %s" % (n, s) for s, n in sorted(counts.items())) or "none"
        rows.append((summary["Id"], cluster.get("Status", {}).get("State", "?"),
                     cluster.get("Name", ""), tag_value(cluster, "streamr:pool") or "-",
                     _duration(age(timeline.get("CreationDateTime"), now)),
                     _duration(age(cluster_idle_since(cluster, steps), now)),
                     _lock_text(clusters.connection, cluster),
                     step_text, _instances_text(clusters, cluster)))
    return rows


def _lock_text(connection, cluster: dict) -> str:
    """``-``, or who holds the pooled cluster's lock and for how long."""
    from streamr.runners.emr.cluster import tag_value
    from streamr.runners.emr.lock import lock_uri, read_lock
    from streamr.runners.emr.pool import LOCK_DIR_TAG

    lock_dir = tag_value(cluster, LOCK_DIR_TAG)
    if not lock_dir:
        return "-"
    held = read_lock(connection, lock_uri(lock_dir, cluster["Id"]))
    if held is None or held.expired:
        return "-"
    return "%s (%ds left)" % (held.purpose, held.left)


def _instances_text(clusters, cluster: dict) -> str:
    """The cluster's instances in a few words, from its instance groups
    or instance fleets."""
    if cluster.get("InstanceCollectionType") == "INSTANCE_FLEET":
        fleets = clusters.instance_fleets(cluster["Id"])
        return ", ".join(
            "%s %s (%s on demand, %s spot)" % (
                f.get("InstanceFleetType", "?").lower(), f.get("Name", ""),
                f.get("TargetOnDemandCapacity", 0), f.get("TargetSpotCapacity", 0))
            for f in fleets) or "-"
    groups = clusters.instance_groups(cluster["Id"])
    return ", ".join(
        "%s x %s %s%s" % (g.get("RequestedInstanceCount", g.get("RunningInstanceCount")),
                          g.get("InstanceType"), g.get("InstanceGroupType", "").lower(),
                          " spot" if g.get("Market") == "SPOT" else "")
        for g in groups) or "-"


@click.command("list-clusters")
@conf_switches
@table_options(_CONNECTION_OPTIONS)
@click.pass_context
def list_clusters(ctx: click.Context, conf_paths: tuple, no_conf: bool, **kwargs: Any) -> None:
    """List active clusters (starting, running or waiting): state, name,
    pool, age, idle time, lock, steps and instances."""
    runner = _runner(ctx, kwargs, conf_paths, no_conf)
    rows = cluster_table(runner.clusters)
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(str(cell).ljust(width) for cell, width in
                             zip(row, widths)).rstrip())
    if len(rows) == 1:
        click.echo("no active clusters", err=True)


@click.command("terminate-idle-clusters")
@click.option("--yes", is_flag=True, help="terminate them (without it, only list them)")
@click.option("--max-mins-idle", "min_idle", type=float, default=10.0, show_default=True,
              metavar="MINUTES", help="only clusters idle for at least this many minutes")
@click.option("--pool", "pools", multiple=True, metavar="NAME",
              help="only clusters of this pool (repeatable)")
@conf_switches
@table_options(_CONNECTION_OPTIONS)
@click.pass_context
def terminate_idle_clusters(ctx: click.Context, yes: bool, min_idle: float, pools: tuple,
                            conf_paths: tuple, no_conf: bool, **kwargs: Any) -> None:
    """Shut down clusters streamr started that have been idle (waiting, no
    step pending or running) for --max-mins-idle minutes. Lists them
    unless --yes is given. A cluster a job holds the lock of is left
    alone."""
    import os

    from streamr.runners.emr.idle import find_idle_clusters, terminate_idle_cluster

    if min_idle < 0:
        raise UsageError("--max-mins-idle must be 0 or more, not %g" % min_idle)
    runner = _runner(ctx, kwargs, conf_paths, no_conf)
    found = find_idle_clusters(runner.clusters, runner.connection, min_idle_minutes=min_idle,
                               pools=pools)
    owner = "terminate-idle-clusters (pid %d)" % os.getpid()
    done = 0
    for entry in found:
        what = "%s (pool %s, idle %s)" % (entry.cluster_id, entry.pool or "-",
                                          _duration(entry.idle_seconds))
        if entry.blocked:
            click.echo("leaving %s: %s" % (what, entry.blocked))
        elif not yes:
            click.echo("would terminate %s" % what)
            done += 1
        else:
            why = terminate_idle_cluster(runner.clusters, runner.connection, entry,
                                         min_idle_minutes=min_idle, owner=owner)
            if why is None:
                click.echo("terminating %s" % what)
                done += 1
            else:
                click.echo("leaving %s: %s" % (what, why))
    if not found:
        click.echo("no cluster has been idle for %g minutes or more" % min_idle, err=True)
    elif not yes and done:
        click.echo("%d cluster(s) would be terminated; run again with --yes to terminate"
                   " them" % done, err=True)


def diagnose_cluster(runner, cluster_id: str, step_id: str | None = None) -> str:
    """Why *step_id* (default: the cluster's last failed step), or the
    cluster itself, failed, as text for people."""
    from streamr.runners.emr.answers import StepStatus
    from streamr.runners.emr.log_fetch import LogFetcher, s3_uri
    from streamr.runners.emr.outcome import failure_details_text

    cluster = runner.clusters.describe(cluster_id)
    log_uri = cluster.get("LogUri")
    logs = LogFetcher(runner.fs, s3_uri(log_uri) if log_uri else None, cluster_id)
    status = cluster.get("Status", {})
    if step_id is None:
        failed = [s for s in runner.clusters.steps(cluster_id)
                  if s.get("Status", {}).get("State") == "FAILED"]
        if failed:
            step_id = failed[0]["Id"]  # newest first
    if step_id is not None:
        step = runner.clusters.step(cluster_id, step_id)
        state = step.get("Status", {}).get("State")
        head = "step %s (%s) of cluster %s is %s" % (step_id, step.get("Name"), cluster_id,
                                                    state)
        if state == "FAILED":  # EMR's own account first
            head += failure_details_text(StepStatus.of(step))
        cause = logs.step_cause(step_id, step)
    else:
        change = status.get("StateChangeReason", {})
        why = ": ".join(str(change[k]) for k in ("Code", "Message") if change.get(k))
        head = "cluster %s is %s%s; no step failed" % (
            cluster_id, status.get("State"), " (%s)" % why if why else "")
        cause = logs.bootstrap_cause(change.get("Message") or "")
    if not log_uri:
        return head + "\n(the cluster keeps no logs on S3: it was started without a log URI)"
    if cause is None:
        return head + "\nno cause found in the logs under %s%s/" % (s3_uri(log_uri),
                                                                      cluster_id)
    return head + "\n" + cause.format()


@click.command("diagnose")
@click.argument("cluster_id", metavar="CLUSTER_ID")
@click.argument("step_id", metavar="[STEP_ID]", required=False)
@conf_switches
@table_options(_CONNECTION_OPTIONS)
@click.pass_context
def diagnose(ctx: click.Context, cluster_id: str, step_id: str | None, conf_paths: tuple,
             no_conf: bool, **kwargs: Any) -> None:
    """Read a cluster's logs on S3 and print the probable cause of a failed
    step (STEP_ID, default the last one that failed) or of the cluster's
    failure to start."""
    if not cluster_id.startswith("j-"):
        raise UsageError("cluster ids look like j-XXXXXXXXXXXXX, not %r" % cluster_id)
    runner = _runner(ctx, kwargs, conf_paths, no_conf)
    click.echo(diagnose_cluster(runner, cluster_id, step_id))


#: the cluster subcommands (registered in :mod:`streamr.cli.commands`)
CLUSTER_COMMANDS = [create_cluster, terminate_cluster, list_clusters, terminate_idle_clusters,
                    diagnose]
