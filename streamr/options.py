"""The table of runner options: the one place that says what each option is.

Each row is an :class:`~streamr.option_type.Option`: its command-line
switches, the kind of its value (how it is parsed and checked), how values
from several sources combine (built-in default, config files, the job
class, the command line), which runners accept it, its default and its
help text. The job's argument parser, the config-file loader, the
``streamr`` command and the option reference in the docs are all built
from :data:`OPTIONS`, so they cannot disagree. (What a row is and how it
checks values lives in :mod:`streamr.option_type`; its names are offered
here too, where they have always been.)

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

from typing import Any

# defined with the other errors a user can cause; importable from here too
from streamr.errors import OptionValueError
from streamr.option_type import (
    ALL_RUNNERS,
    CLEANUP_CHOICES,
    COMBINE_DESCRIPTIONS,
    KIND_DESCRIPTIONS,
    PATH_LIKE_ENV,
    Cleared,
    Option,
    expand_path,
    unwrap,
)

__all__ = [
    "ALL_RUNNERS",
    "CLEANUP_CHOICES",
    "COMBINE_DESCRIPTIONS",
    "KIND_DESCRIPTIONS",
    "OPTIONS",
    "PATH_LIKE_ENV",
    "TOPICS",
    "Cleared",
    "Option",
    "OptionValueError",
    "combine_values",
    "expand_path",
    "option",
    "options_for_runner",
    "unwrap",
]

SUBPROCESS_RUNNERS = frozenset({"local", "emr", "hadoop", "spark", "emr-serverless"})
EMR = frozenset({"emr"})
SERVERLESS = frozenset({"emr-serverless"})
# options of the places on S3 both EMR runners keep their files and logs
EMR_ANY = EMR | SERVERLESS
SPARK = frozenset({"spark"})
HADOOP = frozenset({"hadoop"})
# runners that run Spark steps (SparkStep and friends) with spark-submit on
# this machine, and the ones that pass spark-submit arguments on
SPARK_HERE = frozenset({"inline", "local", "spark"})
SPARK_ANYWHERE = frozenset({"inline", "local", "emr", "hadoop", "spark", "emr-serverless"})

#: topics that group options in the reference docs, in the order shown
TOPICS = {
    "tasks": "What tasks see",
    "run": "The run",
    "local": "Local runner",
    "aws": "AWS connection",
    "emr-cluster": "EMR cluster",
    "emr-instances": "EMR instances",
    "emr-bootstrap": "Bootstrapping EMR nodes",
    "emr-pool": "Cluster pooling",
    "emr-steps": "Steps on EMR",
    "hadoop": "Hadoop runner",
    "history": "Run history",
    "spark": "Spark",
    "emr-serverless": "EMR Serverless",
}


def combine_values(name: str, values: list) -> Any:
    return option(name).combine_values(values)


_CLEANUP_HELP = ("what to remove after the job: %s (several may be given, comma-separated)"
                 % ", ".join(CLEANUP_CHOICES))


def _emr(name: str, kind: str, help: str, switch: str | None = "", **kwargs: Any) -> Option:
    """An option of the EMR runner. Its switch is ``--name-with-dashes``
    unless *switch* says otherwise (``None``: no switch, config files only)."""
    if switch is None:
        switches: tuple = ()
    else:
        switches = (switch or "--" + name.replace("_", "-"),)
    kwargs.setdefault("topic", "emr-cluster")
    kwargs.setdefault("runners", EMR)
    return Option(name, kind, help, switches=switches, **kwargs)


def _aws(name: str, kind: str, help: str, switch: str | None = "", **kwargs: Any) -> Option:
    """An AWS connection option: every runner takes it, since every runner
    can read and write S3."""
    return _emr(name, kind, help, switch, topic="aws", runners=ALL_RUNNERS, **kwargs)


#: Hadoop properties streamr's own runners read, and the values they take
JOBCONF_RANGES = (
    ("mapreduce.job.reduces", 0, 100_000),
    ("mapreduce.map.maxattempts", 1, 100),
    ("mapreduce.reduce.maxattempts", 1, 100),
    ("mapreduce.input.fileinputformat.split.maxsize", 1, None),
    ("mapreduce.task.io.sort.factor", 2, 100_000),
)

OPTIONS: tuple[Option, ...] = (
    # -- tasks: what they see ---------------------------------------------------------
    Option("jobconf", "dict", "Hadoop property for every step, as NAME=VALUE (repeatable);"
           " tasks read them with jobconf_from_env()", switches=("-D", "--jobconf"),
           metavar="NAME=VALUE", topic="tasks", item_ranges=JOBCONF_RANGES),
    Option("cmdenv", "env", "environment variable for every task, as NAME=VALUE (repeatable);"
           " PATH-like variables from several sources are joined",
           switches=("--cmdenv",), metavar="NAME=VALUE", topic="tasks"),
    Option("files", "path_list", "file to copy into each task's working directory; use"
           " path#name to rename it (repeatable, or comma-separated)",
           switches=("--files",), metavar="PATH[#NAME]", topic="tasks"),
    Option("dirs", "path_list", "directory to copy into each task's working directory as a"
           " directory of the same name, or path#name (repeatable)",
           switches=("--dirs",), metavar="PATH[#NAME]", topic="tasks"),
    Option("archives", "path_list", "archive (.tar.gz, .tgz, .zip, ...) to unpack into each"
           " task's working directory as a directory of its name, or path#name (repeatable)",
           switches=("--archives",), metavar="PATH[#NAME]", topic="tasks"),
    Option("setup", "list", "shell command run in each task's working directory before the"
           " task starts (repeatable)", runners=SUBPROCESS_RUNNERS,
           switches=("--setup",), metavar="CMD", topic="tasks"),
    Option("python_bin", "command", "Python interpreter (with any arguments) for the"
           " Python streamr runs on task nodes; tasks use it unless task_python_bin is set",
           runners=SUBPROCESS_RUNNERS, switches=("--python-bin",), metavar="PYTHON",
           topic="tasks"),
    Option("task_python_bin", "command", "Python interpreter (with any arguments, such as"
           " 'python3 -X utf8') that runs tasks (default: python_bin, else the one running"
           " streamr locally and python3 on clusters)",
           runners=SUBPROCESS_RUNNERS, switches=("--task-python-bin",), metavar="PYTHON",
           topic="tasks", fallback="python_bin"),
    Option("hadoop_version", "str", "Hadoop version whose property names tasks also see"
           " (1.x: mapred.*, 2 and later: mapreduce.*), for jobs that read a property under"
           " one name only; EMR tasks see their cluster's own", runners=frozenset(
               {"inline", "local", "spark"}), switches=("--hadoop-version",), metavar="VERSION",
           topic="tasks"),
    Option("skip_malformed_records", "bool", "skip (and count) input or intermediate lines"
           " the job's protocol cannot read, instead of stopping the job",
           switches=("--skip-malformed-records",), false_switch="--no-skip-malformed-records",
           default=False, topic="tasks"),
    Option("skip_failed_records", "bool", "skip (and count) each record whose mapper,"
           " combiner or reducer call raises, instead of stopping the job; the first few"
           " are reported with the job's traceback",
           switches=("--skip-failed-records",), false_switch="--no-skip-failed-records",
           default=False, topic="tasks"),
    Option("max_failed_records_per_task", "int", "with skip_failed_records: a task that"
           " skips more records than this fails (and so does the job)",
           switches=("--max-failed-records-per-task",), metavar="N", default=100,
           topic="tasks", low=0, high=1 << 62),
    Option("max_failed_percent_per_task", "float", "with skip_failed_records: a task that"
           " skips more than this percentage of the records it ran fails (checked when it"
           " has run them all; default: no limit)",
           switches=("--max-failed-percent-per-task",), metavar="PERCENT", topic="tasks",
           low=0, high=100),
    Option("max_failed_records_per_job", "int", "with skip_failed_records: the job fails"
           " once its tasks have skipped more records than this in all (checked as each"
           " step ends; default: no limit)",
           switches=("--max-failed-records-per-job",), metavar="N", topic="tasks",
           low=0, high=1 << 62),
    Option("max_failed_percent_per_job", "float", "with skip_failed_records: the job fails"
           " once its tasks have skipped more than this percentage of the records they ran"
           " (checked as each step ends; default: no limit)",
           switches=("--max-failed-percent-per-job",), metavar="PERCENT", topic="tasks",
           low=0, high=100),
    # -- the run ----------------------------------------------------------------------
    Option("check_input_paths", "bool", "stop before starting if an input path does not exist",
           switches=("--check-input-paths",), false_switch="--no-check-input-paths",
           default=True, topic="run"),
    Option("date_format", "str", "how date aliases such as $[last_days:3] write each date"
           " in input paths (strftime codes)", switches=("--date-format",),
           default="%Y-%m-%d", metavar="FORMAT", topic="run"),
    Option("as_of", "str", "the day date aliases in input paths count back from, as"
           " YYYY-MM-DD (default: today), to rerun a past day", switches=("--as-of",),
           metavar="DATE", topic="run"),
    Option("cleanup", "cleanup", _CLEANUP_HELP + " after success", switches=("--cleanup",),
           default=["ALL"], metavar="MODE", combine="replace", topic="run"),
    Option("cleanup_on_failure", "cleanup", _CLEANUP_HELP + " after failure",
           switches=("--cleanup-on-failure",), default=["NONE"], metavar="MODE",
           combine="replace", topic="run"),
    Option("local_tmp_dir", "path", "directory for temporary files (default: the system's"
           " temporary directory)", switches=("--local-tmp-dir",), metavar="DIR", topic="run"),
    Option("label", "str", "label for the job's name (default: the job script's name)",
           switches=("--label",), topic="run"),
    Option("owner", "str", "owner for the job's name (default: your user name)",
           switches=("--owner",), topic="run"),
    # -- run history ------------------------------------------------------------------
    Option("history", "bool", "record the run in the run history (streamr runs, streamr"
           " dashboard)", switches=("--history",), false_switch="--no-history", default=True,
           topic="history"),
    Option("history_db", "path", "SQLite database the run history is kept in (default:"
           " $STREAMR_HISTORY_DB, else ~/.streamr/history.db)", switches=("--history-db",),
           metavar="PATH", topic="history"),
    Option("history_uri", "path", "S3 prefix to keep the run history under instead, one"
           " object per run, so several machines share it (s3://bucket/prefix/)",
           switches=("--history-uri",), metavar="URI", topic="history"),
    Option("history_heartbeat", "float", "seconds between a running job's heartbeats in"
           " its record", switches=("--history-heartbeat",), default=30.0, metavar="SECONDS",
           topic="history", low=0.01, high=3600),
    Option("history_lost_after", "float", "seconds without a heartbeat after which readers"
           " show an active run as lost", switches=("--history-lost-after",), default=120.0,
           metavar="SECONDS", topic="history", low=0.01),
    Option("notify_command", "str", "shell command run when a run ends in a state of"
           " notify_on; STREAMR_RUN_ID, STREAMR_JOB, STREAMR_STATE and STREAMR_CAUSE are in"
           " its environment", switches=("--notify-command",), metavar="CMD",
           topic="history"),
    Option("notify_on", "list", "end states that run notify_command: failed, succeeded,"
           " interrupted (repeatable, or comma-separated)", switches=("--notify-on",),
           default=["failed"], combine="replace", metavar="STATE", topic="history"),
    # -- local parallelism ------------------------------------------------------------
    Option("num_cores", "int", "how many tasks run at once, and the number of map and"
           " reduce tasks planned (two per core; default: every core)",
           runners=frozenset({"local", "inline", "spark", "emr-serverless"}),
           switches=("--num-cores",),
           metavar="N",
           topic="local", low=1, high=4096),
    # -- Spark ------------------------------------------------------------------------
    Option("spark_master", "str", "Spark master to run on: local[*] (this machine, in"
           " streamr's own process), local[N], spark://HOST:PORT, yarn or k8s://HOST:PORT",
           runners=SPARK_HERE, switches=("--spark-master",), default="local[*]",
           metavar="MASTER",
           topic="spark"),
    Option("spark_deploy_mode", "str", "where spark-submit starts the driver: client (this"
           " machine) or cluster", runners=SPARK | EMR | HADOOP, switches=("--spark-deploy-mode",),
           choices=("client", "cluster"), metavar="MODE", topic="spark"),
    Option("spark_submit_bin", "str", "spark-submit program to submit with (default: the one"
           " bundled with pyspark, else spark-submit on PATH; -r hadoop looks in $SPARK_HOME"
           " and on PATH first)", runners=SPARK_HERE | HADOOP,
           switches=("--spark-submit-bin",), metavar="PATH", topic="spark"),
    Option("spark_args", "list", "extra arguments for spark-submit, split as a shell splits"
           " them, such as '--executor-memory 2g' (repeatable)", runners=SPARK_ANYWHERE,
           switches=("--spark-args",), metavar="ARGS", topic="spark"),
    # -- AWS connection ---------------------------------------------------------------
    _aws("region", "str", "AWS region for S3 buckets streamr makes and for clusters"
         " (default: boto3's configured region, else us-west-2)"),
    _aws("aws_access_key_id", "str", "AWS access key ID (default: boto3's usual sources:"
         " environment, ~/.aws, instance role)", switch=None),
    _aws("aws_secret_access_key", "str", "AWS secret access key that goes with"
         " aws_access_key_id", switch=None, secret=True),
    _aws("aws_session_token", "str", "AWS session token for temporary credentials",
         switch=None, secret=True),
    _aws("profile", "str", "named profile from ~/.aws/config to take credentials and"
         " settings from", switch="--aws-profile", metavar="NAME"),
    _aws("s3_endpoint", "str", "S3 endpoint URL to use instead of AWS's (default: boto3's,"
         " which honours AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL)", metavar="URL"),
    _aws("aws_retry_mode", "str", "botocore retry mode for AWS requests (default: boto3's"
         " configured mode; its old legacy mode is taken as standard)",
         choices=("standard", "adaptive"), metavar="MODE"),
    _aws("aws_max_attempts", "int", "attempts per AWS request, first one included (default:"
         " boto3's configured number, else its mode's default; 8 for EMR)", metavar="N",
         low=1, high=100),
    _emr("emr_endpoint", "str", "EMR endpoint URL to use instead of AWS's", metavar="URL",
         topic="aws"),
    # -- the cluster --------------------------------------------------------------------
    _emr("cluster_id", "str", "run on this existing cluster (j-...) instead of starting one",
         metavar="ID"),
    _emr("release_label", "str", "EMR release of new clusters; checked against the releases"
         " EMR lists in the region before a cluster starts", default="emr-7.14.0",
         metavar="LABEL"),
    _emr("applications", "list", "application to install on new clusters besides Hadoop,"
         " such as Spark (repeatable)", switch="--application", metavar="NAME"),
    _emr("emr_configurations", "json_list", "configuration object (Classification,"
         " Properties, Configurations) for new clusters; JSON on the command line"
         " (repeatable)", switch="--emr-configuration", metavar="JSON"),
    _emr("cloud_tmp_dir", "path", "S3 directory for the job's temporary files (default: a"
         " streamr bucket in the region, made on first use)", metavar="URI", runners=EMR_ANY),
    _emr("cloud_log_dir", "path", "S3 directory for cluster and job run logs (default: logs/"
         " under cloud_tmp_dir)", metavar="URI", runners=EMR_ANY),
    _emr("max_mins_idle", "float", "minutes a kept-alive cluster (pooled, or made by"
         " create-cluster) may sit idle before EMR shuts it down (0: never)", default=10.0,
         metavar="MINUTES", low=0),
    _emr("tags", "dict", "tag for new clusters, as KEY=VALUE (repeatable)", switch="--tag",
         metavar="KEY=VALUE"),
    _emr("ec2_key_pair", "str", "EC2 key pair for SSH access to cluster nodes",
         metavar="NAME"),
    _emr("subnet", "str", "VPC subnet ID to start new clusters in", metavar="ID"),
    _emr("zone", "str", "availability zone to start new clusters in (ignored with subnet)"),
    _emr("iam_instance_profile", "str", "IAM instance profile of cluster nodes (default:"
         " EMR_EC2_DefaultRole, EMR's own default)", metavar="NAME"),
    _emr("iam_service_role", "str", "IAM role that EMR acts as (default: EMR_DefaultRole,"
         " EMR's own default)", metavar="NAME"),
    _emr("extra_cluster_params", "json_dict", "extra RunJobFlow parameter for new clusters,"
         " as NAME=JSON (repeatable; null removes one streamr sets)",
         switch="--extra-cluster-param", metavar="NAME=JSON"),
    _emr("security_configuration", "str", "name of an EMR security configuration (encryption,"
         " authentication, IMDSv2 and other settings) for new clusters; pooled jobs join"
         " only clusters with the same one", metavar="NAME"),
    _emr("managed_scaling", "json_dict", "EMR managed scaling limits for new clusters, as"
         " EMR's ComputeLimits: UnitType (Instances or VCPU with instance groups,"
         " InstanceFleetUnits with instance fleets), MinimumCapacityUnits,"
         " MaximumCapacityUnits and optionally MaximumOnDemandCapacityUnits and"
         " MaximumCoreCapacityUnits (repeatable as NAME=VALUE); pooled jobs join only"
         " clusters with the same limits", metavar="NAME=VALUE"),
    _emr("check_cluster_every", "float", "seconds between checks of a cluster's and its"
         " steps' state (EMR Serverless: the application's and the job run's)",
         default=10.0, metavar="SECONDS", low=0, runners=EMR_ANY),
    # -- instances ----------------------------------------------------------------------
    _emr("instance_type", "str", "EC2 instance type of every node unless set per role",
         default="m5.xlarge", metavar="TYPE", topic="emr-instances"),
    _emr("master_instance_type", "str", "instance type of the master node (default:"
         " instance_type)", metavar="TYPE", topic="emr-instances"),
    _emr("core_instance_type", "str", "instance type of core nodes (default: instance_type)",
         metavar="TYPE", topic="emr-instances"),
    _emr("num_core_instances", "int", "number of core nodes (0: the master does all the"
         " work)", default=0, metavar="N", topic="emr-instances",
         low=0, high=10_000),
    _emr("task_instance_type", "str", "instance type of task nodes (default:"
         " core_instance_type)", metavar="TYPE", topic="emr-instances"),
    _emr("num_task_instances", "int", "number of task nodes (they run tasks but store no"
         " HDFS data); needs core nodes", default=0, metavar="N", topic="emr-instances",
         low=0, high=10_000),
    _emr("ebs_root_volume_gb", "int", "size in GiB of each node's root EBS volume (default:"
         " EMR's)", metavar="GIB", topic="emr-instances", low=1, high=16_384),
    _emr("master_instance_bid_price", "str", "spot bid price in US dollars per hour for the"
         " master node (default: on-demand)", metavar="PRICE", topic="emr-instances"),
    _emr("core_instance_bid_price", "str", "spot bid price in US dollars per hour for core"
         " nodes (default: on-demand)", metavar="PRICE", topic="emr-instances"),
    _emr("task_instance_bid_price", "str", "spot bid price in US dollars per hour for task"
         " nodes (default: on-demand)", metavar="PRICE", topic="emr-instances"),
    _emr("instance_groups", "json_list", "instance groups exactly as EMR's API takes them;"
         " replaces the instance type, count and bid price options", metavar="JSON",
         topic="emr-instances"),
    _emr("instance_fleets", "json_list", "instance fleets exactly as EMR's API takes them;"
         " replaces the instance type, count and bid price options", metavar="JSON",
         topic="emr-instances"),
    _emr("spot_allocation_strategy", "str", "how EMR picks spot instances among the"
         " instance types of each instance fleet (instance fleets only)",
         choices=("price-capacity-optimized", "capacity-optimized",
                  "capacity-optimized-prioritized", "lowest-price", "diversified"),
         metavar="STRATEGY", topic="emr-instances"),
    _emr("on_demand_allocation_strategy", "str", "how EMR picks on-demand instances among"
         " the instance types of each instance fleet (instance fleets only)",
         choices=("lowest-price", "prioritized"), metavar="STRATEGY", topic="emr-instances"),
    _emr("spot_timeout_action", "str", "what EMR does when an instance fleet's spot capacity"
         " is not there within spot_timeout_minutes (instance fleets only; default when a"
         " spot setting is given: SWITCH_TO_ON_DEMAND)",
         choices=("SWITCH_TO_ON_DEMAND", "TERMINATE_CLUSTER"), metavar="ACTION",
         topic="emr-instances"),
    _emr("spot_timeout_minutes", "int", "minutes EMR waits for an instance fleet's spot"
         " capacity before spot_timeout_action (instance fleets only; default when a spot"
         " setting is given: 60)", metavar="MINUTES", topic="emr-instances", low=5,
         high=1440),
    # -- bootstrapping ------------------------------------------------------------------
    _emr("bootstrap", "list", "shell command run on each node as it starts; a local file"
         " named with a # after it (path#) is uploaded and the # replaced by its path on"
         " the node (repeatable)", metavar="CMD", topic="emr-bootstrap"),
    _emr("bootstrap_actions", "list", "bootstrap action: an S3 URI of a script followed"
         " by its arguments (repeatable)", switch="--bootstrap-action", metavar="ACTION",
         topic="emr-bootstrap"),
    _emr("bootstrap_python", "bool", "make sure each node has a Python 3 that can run the"
         " job, installing one from the OS packages when needed",
         false_switch="--no-bootstrap-python", default=True, topic="emr-bootstrap"),
    # -- pooling ------------------------------------------------------------------------
    _emr("pool_clusters", "bool", "run on an idle cluster of the pool that fits the job,"
         " or start one that joins the pool", false_switch="--no-pool-clusters",
         default=False, topic="emr-pool"),
    _emr("pool_name", "str", "name of the pool to join", default="default",
         metavar="NAME", topic="emr-pool"),
    _emr("max_clusters_in_pool", "int", "start no new cluster while the pool has this"
         " many (0: no limit)", default=0, metavar="N", topic="emr-pool", low=0),
    _emr("pool_wait_minutes", "int", "minutes to wait for a pooled cluster to become free"
         " before starting a new one", default=0, metavar="MINUTES", topic="emr-pool", low=0),
    _emr("pool_jitter_seconds", "int", "up to this many seconds of random wait before"
         " starting a new pooled cluster (then the pool is looked at once more), so jobs"
         " started together do not all start one", default=60, metavar="SECONDS",
         topic="emr-pool", low=0),
    _emr("pool_lock_seconds", "float", "how long a job's lock on a pooled cluster lasts"
         " (renewed while the job waits for its step to start); a job that dies holding"
         " one blocks the cluster at most this long", default=300.0, metavar="SECONDS",
         topic="emr-pool"),
    # -- steps --------------------------------------------------------------------------
    _emr("emr_action_on_failure", "str", "what EMR does when a step fails (default:"
         " CANCEL_AND_WAIT on pooled or existing clusters, TERMINATE_CLUSTER otherwise)",
         choices=("CANCEL_AND_WAIT", "CONTINUE", "TERMINATE_CLUSTER"), metavar="ACTION",
         topic="emr-steps"),
    _emr("max_concurrent_steps", "int", "steps a cluster may run at once", default=1,
         metavar="N", topic="emr-steps", low=1, high=256),
    # -- a Hadoop cluster of one's own (-r hadoop) --------------------------------------
    Option("hadoop_bin", "command", "the hadoop program (with any arguments) (default:"
           " bin/hadoop under $HADOOP_PREFIX, $HADOOP_HOME or $HADOOP_INSTALL, else hadoop"
           " on PATH)", runners=HADOOP, switches=("--hadoop-bin",), metavar="CMD",
           topic="hadoop"),
    Option("hadoop_streaming_jar", "path", "Hadoop's streaming jar (default: looked for in"
           " the Hadoop installation's usual places)", runners=HADOOP,
           switches=("--hadoop-streaming-jar",), metavar="JAR", topic="hadoop"),
    Option("hadoop_tmp_dir", "str", "directory on the cluster's filesystem (HDFS) for the"
           " job's working files; a relative one is under the user's HDFS home",
           runners=HADOOP, switches=("--hadoop-tmp-dir",), default="tmp/streamr",
           metavar="DIR", topic="hadoop"),
    Option("hadoop_log_dirs", "path_list", "directory holding the cluster's task logs"
           " (YARN's userlogs/), read for the cause of a failure (repeatable, or"
           " comma-separated; default: yarn logs, then the usual log directories)",
           runners=HADOOP, switches=("--hadoop-log-dirs",), metavar="DIR", topic="hadoop"),
    Option("hadoop_extra_args", "args", "arguments for every hadoop jar command, after"
           " Hadoop's generic options and before the streaming ones; the switch's text is"
           " split like a shell does (repeatable)", runners=HADOOP,
           switches=("--hadoop-args",), metavar="ARGS", topic="hadoop"),
    # -- EMR Serverless -----------------------------------------------------------------
    _emr("emr_serverless_application", "str", "EMR Serverless application (name or id) to"
         " run on (default: a Spark application made for the run, stopped and deleted"
         " after)", metavar="NAME_OR_ID", topic="emr-serverless", runners=SERVERLESS),
    _emr("emr_serverless_role", "str", "ARN of the IAM role job runs execute as (reads and"
         " writes the job's S3 places)", metavar="ARN", topic="emr-serverless",
         runners=SERVERLESS),
    _emr("emr_serverless_release_label", "str", "EMR release of an application the run"
         " makes", default="emr-7.14.0", metavar="LABEL", topic="emr-serverless",
         runners=SERVERLESS),
    _emr("emr_serverless_endpoint", "str", "EMR Serverless endpoint URL to use instead of"
         " AWS's", metavar="URL", topic="aws", runners=SERVERLESS),
)

_BY_NAME = {opt.name: opt for opt in OPTIONS}


def option(name: str) -> Option:
    """The option called *name*, or ``KeyError``."""
    return _BY_NAME[name]


def options_for_runner(alias: str) -> list[Option]:
    """Options that runner *alias* accepts, in table order."""
    return [opt for opt in OPTIONS if alias in opt.runners]
