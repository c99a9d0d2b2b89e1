"""The table of runner options: the one place that says what each option is.

Each :class:`Option` names its command-line switches, how a value is parsed
and checked, how values from several sources combine (built-in default, config
files, the job class, the command line), which runners accept it, its
default and its help text. The job's argument parser, the config-file loader,
the ``streamr`` command and the option reference in the docs are all built
from :data:`OPTIONS`, so they cannot disagree.

This module runs inside tasks: standard library only, importable on 3.9.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable

# defined with the other errors a user can cause; importable from here too
from streamr.errors import OptionValueError

__all__ = [
    "ALL_RUNNERS",
    "OPTIONS",
    "TOPICS",
    "Cleared",
    "Option",
    "OptionValueError",
    "combine_values",
    "expand_path",
    "option",
    "options_for_runner",
]

ALL_RUNNERS = frozenset({"inline", "local", "emr"})
SUBPROCESS_RUNNERS = frozenset({"local", "emr"})
EMR = frozenset({"emr"})

CLEANUP_CHOICES = ("ALL", "CLOUD_TMP", "CLUSTER", "JOB", "LOCAL_TMP", "LOGS", "NONE", "TMP")

# environment variables whose values are lists of paths: when two sources set
# one, the later value goes first and the earlier one is kept after it
PATH_LIKE_ENV = frozenset({"PATH", "PYTHONPATH", "LD_LIBRARY_PATH", "CLASSPATH", "MANPATH"})

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
}


class Cleared:
    """A value that replaces everything lower-precedence sources gave (what
    the ``!clear`` tag makes in config files). For an option, the built-in
    default still applies underneath; for one key of a ``cmdenv`` mapping, a
    PATH-like variable is replaced instead of joined."""

    __slots__ = ("value",)

    def __init__(self, value: Any = None):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cleared) and other.value == self.value

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Cleared(%r)" % (self.value,)


def unwrap(value: Any) -> Any:
    """*value* without a :class:`Cleared` wrapper."""
    return value.value if isinstance(value, Cleared) else value


# --- value kinds: each checks and normalises one value --------------------------


def _check_str(name: str, value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise OptionValueError("%s must be a string, not %s" % (name, _describe(value)))
    return value


def _check_number(name: str, value: Any, convert: Callable, what: str) -> Any:
    if not isinstance(value, bool):
        if isinstance(value, (int, float)) and convert(value) == value:
            return convert(value)
        if isinstance(value, str):
            try:
                return convert(value.strip())
            except ValueError:
                pass
    raise OptionValueError("%s must be %s, not %s" % (name, what, _describe(value)))


def _check_int(name: str, value: Any) -> int:
    return _check_number(name, value, int, "a whole number")


def _check_float(name: str, value: Any) -> float:
    return _check_number(name, value, float, "a number")


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _check_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise OptionValueError("%s must be true or false, not %s" % (name, _describe(value)))


def _check_list(name: str, value: Any) -> list:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [_check_str(name, item) for item in value]
    raise OptionValueError("%s must be a list of strings, not %s" % (name, _describe(value)))


def _check_dict(name: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise OptionValueError("%s must be a mapping of names to values, not %s"
                               % (name, _describe(value)))
    return {str(key): _check_dict_item(name, key, item) for key, item in value.items()}


def _check_dict_item(name: str, key: Any, item: Any) -> Any:
    if isinstance(item, Cleared):
        return Cleared(_check_dict_item(name, key, item.value))
    if item is None or isinstance(item, str):
        return item
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, (int, float)):
        return str(item)
    raise OptionValueError("%s: value of %r must be a string or number, not %s"
                           % (name, key, _describe(item)))


def _check_command(name: str, value: Any) -> list:
    if isinstance(value, str):
        try:
            words = shlex.split(value)
        except ValueError as exc:
            raise OptionValueError("%s: cannot split %r like a shell would (%s)"
                                   % (name, value, exc)) from None
    elif isinstance(value, (list, tuple)):
        words = [_check_str(name, item) for item in value]
    else:
        raise OptionValueError("%s must be a command (a string or a list of words), not %s"
                               % (name, _describe(value)))
    if not words:
        raise OptionValueError("%s must not be an empty command" % name)
    return words


def _parse_json_text(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise OptionValueError("%s must be JSON (or YAML in a config file), not %r"
                               % (name, value)) from None


def _check_json_list(name: str, value: Any) -> list:
    value = _parse_json_text(name, value)
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, dict) for v in value):
        raise OptionValueError("%s must be a list of mappings, not %s" % (name, _describe(value)))
    return [_plain(item) for item in value]


def _check_json_dict(name: str, value: Any) -> dict:
    value = _parse_json_text(name, value)
    if not isinstance(value, dict):
        raise OptionValueError("%s must be a mapping of names to values, not %s"
                               % (name, _describe(value)))
    return {str(key): _plain(item) for key, item in value.items()}


def _plain(value: Any) -> Any:
    """*value* as plain dicts, lists and scalars (config-file mappings are
    dict subclasses that remember line numbers)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Cleared):
        raise OptionValueError("!clear may tag an option's value or one key of a mapping"
                               " option, not a value inside a structure")
    return value


def _check_any(name: str, value: Any) -> Any:
    return value


def _check_cleanup(name: str, value: Any) -> list:
    modes = []
    for item in _check_list(name, value):
        for part in item.split(","):
            part = part.strip().upper()
            if part not in CLEANUP_CHOICES:
                raise OptionValueError("%s must be among %s, not %r"
                                       % (name, ", ".join(CLEANUP_CHOICES), part))
            modes.append(part)
    return modes


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "%s (a boolean)" % str(value).lower()
    if isinstance(value, (dict, list, tuple)):
        return "a %s" % ("mapping" if isinstance(value, dict) else "list")
    if isinstance(value, Cleared):
        return "a !clear-tagged value"
    return repr(value)


_KINDS: dict[str, Callable[[str, Any], Any]] = {
    "str": _check_str,
    "path": _check_str,
    "int": _check_int,
    "float": _check_float,
    "bool": _check_bool,
    "list": _check_list,
    "path_list": _check_list,
    "dict": _check_dict,
    "env": _check_dict,
    "command": _check_command,
    "json_list": _check_json_list,
    "json_dict": _check_json_dict,
    "any": _check_any,
    "cleanup": _check_cleanup,
}

#: how each kind reads, for help and the reference docs
KIND_DESCRIPTIONS = {
    "str": "string",
    "path": "path or URI (~ and $VARS expanded)",
    "int": "whole number",
    "float": "number",
    "bool": "true or false",
    "list": "list of strings",
    "path_list": "list of paths (~ and $VARS expanded)",
    "dict": "mapping of names to strings",
    "env": "mapping of environment variables to strings",
    "command": "command (a string split like a shell does, or a list of words)",
    "json_list": "list of mappings (YAML, or JSON on the command line)",
    "json_dict": "mapping of names to any values (JSON values on the command line)",
    "any": "any value",
    "cleanup": "list of cleanup modes",
}


def expand_path(path: str | None) -> str | None:
    """``~`` and ``$VARS`` expanded; URIs (``s3://...``) are left alone
    except for ``$VARS``."""
    if path is None:
        return None
    return os.path.expanduser(os.path.expandvars(path))


# --- how values from several sources combine ---------------------------------


def _after_last_clear(values: list) -> list:
    for index in range(len(values) - 1, -1, -1):
        if isinstance(values[index], Cleared):
            return [values[index].value] + list(values[index + 1:])
    return list(values)


def _combine_replace(values: list) -> Any:
    result = None
    for value in _after_last_clear(values):
        if value is not None:
            result = value
    return result


def _combine_lists(values: list) -> list:
    result: list = []
    for value in _after_last_clear(values):
        if value:
            result.extend(value)
    return result


def _combine_dicts(values: list) -> dict:
    result: dict = {}
    for value in _after_last_clear(values):
        for key, item in (value or {}).items():
            item = unwrap(item)
            if item is None:
                result.pop(key, None)
            else:
                result[key] = item
    return result


def _combine_envs(values: list) -> dict:
    result: dict = {}
    for value in _after_last_clear(values):
        for key, item in (value or {}).items():
            if isinstance(item, Cleared) or key not in PATH_LIKE_ENV or not result.get(key):
                item = unwrap(item)
            else:
                item = item if item is None else item + os.pathsep + result[key]
            if item is None:
                result.pop(key, None)
            else:
                result[key] = item
    return result


_COMBINERS: dict[str, Callable[[list], Any]] = {
    "replace": _combine_replace,
    "list": _combine_lists,
    "dict": _combine_dicts,
    "env": _combine_envs,
}

#: how each combiner reads, for help and the reference docs
COMBINE_DESCRIPTIONS = {
    "replace": "the highest-precedence value replaces the others",
    "list": "lists from every source are joined, lowest precedence first",
    "dict": "mappings merge; a later source's key wins; a null value removes the key",
    "env": "mappings merge, later keys winning, except that PATH-like variables are joined"
           " with the later value first; a null value removes the variable",
}

# the combiner each kind uses unless an option says otherwise
_DEFAULT_COMBINE = {
    "list": "list", "path_list": "list", "dict": "dict", "env": "env", "json_dict": "dict",
}


@dataclass(frozen=True)
class Option:
    """One runner option. See the module docstring."""

    name: str
    kind: str
    help: str
    runners: frozenset = ALL_RUNNERS
    switches: tuple = ()
    default: Any = None
    combine: str = ""
    choices: tuple = ()
    metavar: str = ""
    #: for a ``bool`` option: the switch that sets it false (``--no-...``)
    false_switch: str = ""
    #: topic used to group options in the reference docs (a key of :data:`TOPICS`)
    topic: str = "general"
    #: a credential: ``streamr conf show`` does not print its value
    secret: bool = False
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError("unknown kind %r for option %s" % (self.kind, self.name))
        if not self.combine:
            object.__setattr__(self, "combine", _DEFAULT_COMBINE.get(self.kind, "replace"))
        if self.combine not in _COMBINERS:
            raise ValueError("unknown combiner %r for option %s" % (self.combine, self.name))

    def check(self, value: Any, where: str = "") -> Any:
        """*value* checked and normalised, or :class:`OptionValueError`.
        A :class:`Cleared` value stays wrapped, its content checked."""
        if isinstance(value, Cleared):
            return Cleared(self.check(value.value, where))
        if value is None:
            return None
        label = "%s: %s" % (where, self.name) if where else self.name
        value = _KINDS[self.kind](label, value)
        if self.choices:
            value = self._pick_choice(label, value)
        if self.kind == "path":
            value = expand_path(value)
        elif self.kind == "path_list":
            value = [expand_path(item) for item in value]
        return value

    def _pick_choice(self, label: str, value: Any) -> Any:
        for choice in self.choices:
            same_text = isinstance(value, str) and isinstance(choice, str)
            if value == choice or same_text and value.lower() == choice.lower():
                return choice
        raise OptionValueError("%s must be one of %s, not %r"
                               % (label, ", ".join(map(str, self.choices)), value))

    def combine_values(self, values: list) -> Any:
        """Combine values from sources in order, lowest precedence first. A
        :class:`Cleared` value drops every value before it."""
        return _COMBINERS[self.combine](values)

    @property
    def kind_description(self) -> str:
        text = KIND_DESCRIPTIONS[self.kind]
        if self.choices:
            text += ", one of " + ", ".join(map(str, self.choices))
        return text

    @property
    def combine_description(self) -> str:
        return COMBINE_DESCRIPTIONS[self.combine]


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


OPTIONS: tuple[Option, ...] = (
    # -- tasks: what they see ---------------------------------------------------------
    Option("jobconf", "dict", "Hadoop property for every step, as NAME=VALUE (repeatable);"
           " tasks read them with jobconf_from_env()", switches=("-D", "--jobconf"),
           metavar="NAME=VALUE", topic="tasks"),
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
    Option("task_python_bin", "command", "Python interpreter (with any arguments, such as"
           " 'python3 -X utf8') that runs tasks (default: the one running streamr locally,"
           " python3 on clusters)",
           runners=SUBPROCESS_RUNNERS, switches=("--task-python-bin",), metavar="PYTHON",
           topic="tasks"),
    Option("skip_malformed_records", "bool", "skip (and count) input or intermediate lines"
           " the job's protocol cannot read, instead of stopping the job",
           switches=("--skip-malformed-records",), false_switch="--no-skip-malformed-records",
           default=False, topic="tasks"),
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
    # -- local parallelism ------------------------------------------------------------
    Option("num_cores", "int", "how many tasks run at once (default: every core)",
           runners=frozenset({"local"}), switches=("--num-cores",), metavar="N",
           topic="local"),
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
         " boto3's configured number, else its mode's default; 8 for EMR)", metavar="N"),
    _emr("emr_endpoint", "str", "EMR endpoint URL to use instead of AWS's", metavar="URL",
         topic="aws"),
    # -- the cluster --------------------------------------------------------------------
    _emr("cluster_id", "str", "run on this existing cluster (j-...) instead of starting one",
         metavar="ID"),
    _emr("release_label", "str", "EMR release of new clusters", default="emr-7.1.0",
         metavar="LABEL"),
    _emr("applications", "list", "application to install on new clusters besides Hadoop,"
         " such as Spark (repeatable)", switch="--application", metavar="NAME"),
    _emr("emr_configurations", "json_list", "configuration object (Classification,"
         " Properties, Configurations) for new clusters; JSON on the command line"
         " (repeatable)", switch="--emr-configuration", metavar="JSON"),
    _emr("cloud_tmp_dir", "path", "S3 directory for the job's temporary files (default: a"
         " streamr bucket in the region, made on first use)", metavar="URI"),
    _emr("cloud_log_dir", "path", "S3 directory for cluster logs (default: logs/ under"
         " cloud_tmp_dir)", metavar="URI"),
    _emr("max_mins_idle", "float", "minutes a kept-alive cluster (pooled, or made by"
         " create-cluster) may sit idle before EMR shuts it down (0: never)", default=10.0,
         metavar="MINUTES"),
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
    _emr("check_cluster_every", "float", "seconds between checks of a cluster's and its"
         " steps' state", default=10.0, metavar="SECONDS"),
    # -- instances ----------------------------------------------------------------------
    _emr("instance_type", "str", "EC2 instance type of every node unless set per role",
         default="m5.xlarge", metavar="TYPE", topic="emr-instances"),
    _emr("master_instance_type", "str", "instance type of the master node (default:"
         " instance_type)", metavar="TYPE", topic="emr-instances"),
    _emr("core_instance_type", "str", "instance type of core nodes (default: instance_type)",
         metavar="TYPE", topic="emr-instances"),
    _emr("num_core_instances", "int", "number of core nodes (0: the master does all the"
         " work)", default=0, metavar="N", topic="emr-instances"),
    _emr("task_instance_type", "str", "instance type of task nodes (default:"
         " core_instance_type)", metavar="TYPE", topic="emr-instances"),
    _emr("num_task_instances", "int", "number of task nodes (they run tasks but store no"
         " HDFS data); needs core nodes", default=0, metavar="N", topic="emr-instances"),
    _emr("ebs_root_volume_gb", "int", "size in GiB of each node's root EBS volume (default:"
         " EMR's)", metavar="GIB", topic="emr-instances"),
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
         " many (0: no limit)", default=0, metavar="N", topic="emr-pool"),
    _emr("pool_wait_minutes", "int", "minutes to wait for a pooled cluster to become free"
         " before starting a new one", default=0, metavar="MINUTES", topic="emr-pool"),
    _emr("pool_jitter_seconds", "int", "up to this many seconds of random wait before"
         " starting a new pooled cluster (then the pool is looked at once more), so jobs"
         " started together do not all start one", default=60, metavar="SECONDS",
         topic="emr-pool"),
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
         metavar="N", topic="emr-steps"),
)

_BY_NAME = {opt.name: opt for opt in OPTIONS}


def option(name: str) -> Option:
    """The option called *name*, or ``KeyError``."""
    return _BY_NAME[name]


def options_for_runner(alias: str) -> list[Option]:
    """Options that runner *alias* accepts, in table order."""
    return [opt for opt in OPTIONS if alias in opt.runners]
