"""The option table: its consistency, each kind's checks, each way of
combining values, and the job switches built from it."""

import os
import sys

import pytest

from streamr.job import MRJob
from streamr.options import (
    ALL_RUNNERS,
    OPTIONS,
    TOPICS,
    Cleared,
    Option,
    OptionValueError,
    combine_values,
    option,
    options_for_runner,
)
from tests.support.jobs import ROOT

# options the EMR runner and the example config files rely on
EMR_OPTIONS = [
    "instance_type", "master_instance_type", "core_instance_type", "num_core_instances",
    "task_instance_type", "num_task_instances", "release_label",
    "pool_clusters", "pool_name", "max_mins_idle", "bootstrap", "bootstrap_actions",
    "bootstrap_python", "emr_configurations", "tags", "ec2_key_pair", "subnet", "zone",
    "applications", "iam_instance_profile", "iam_service_role", "core_instance_bid_price",
    "task_instance_bid_price", "master_instance_bid_price", "instance_groups", "instance_fleets",
    "extra_cluster_params",
    "emr_endpoint", "cluster_id",
    "emr_action_on_failure", "max_concurrent_steps", "max_clusters_in_pool", "pool_wait_minutes",
    "pool_jitter_seconds",
]


# --- the table itself -------------------------------------------------------------


def test_names_are_unique_identifiers():
    names = [opt.name for opt in OPTIONS]
    assert len(names) == len(set(names))
    assert all(name.isidentifier() and name == name.lower() for name in names)


def test_switches_are_unique():
    switches = [s for opt in OPTIONS for s in (*opt.switches, opt.false_switch) if s]
    assert len(switches) == len(set(switches))
    assert all(s.startswith("-") for s in switches)


@pytest.mark.parametrize("opt", OPTIONS, ids=lambda opt: opt.name)
def test_each_option_is_complete(opt):
    assert opt.help and opt.help == opt.help.strip() and not opt.help.endswith(".")
    assert "%" not in opt.help  # argparse would try to format it
    assert opt.runners and opt.runners <= ALL_RUNNERS
    assert opt.topic in TOPICS
    assert opt.kind_description and opt.combine_description
    # the default is a value the option itself accepts, unchanged
    assert opt.check(opt.default) == opt.default
    if opt.kind == "bool":
        assert opt.false_switch.startswith("--no-")
        assert opt.default is not None


def test_emr_options_exist_for_emr_only():
    for name in EMR_OPTIONS:
        assert option(name).runners == {"emr"}, name


# where both EMR runners keep files and logs on S3, and how often they look
EMR_AND_SERVERLESS_OPTIONS = ["cloud_tmp_dir", "cloud_log_dir", "check_cluster_every"]
SERVERLESS_OPTIONS = ["emr_serverless_application", "emr_serverless_role",
                      "emr_serverless_release_label", "emr_serverless_endpoint"]


def test_serverless_options_exist_where_they_mean_something():
    for name in EMR_AND_SERVERLESS_OPTIONS:
        assert option(name).runners == {"emr", "emr-serverless"}, name
    for name in SERVERLESS_OPTIONS:
        assert option(name).runners == {"emr-serverless"}, name


AWS_OPTIONS = ["region", "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
               "profile", "s3_endpoint", "aws_retry_mode", "aws_max_attempts"]


def test_aws_connection_options_are_for_every_runner():
    # every runner can read and write S3
    for name in AWS_OPTIONS:
        assert option(name).runners == ALL_RUNNERS, name
        assert option(name).topic == "aws", name


def test_credentials_have_no_switch_and_secrets_are_marked():
    for name in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token"):
        assert option(name).switches == ()
    assert option("aws_secret_access_key").secret
    assert option("aws_session_token").secret
    assert not option("region").secret


def test_options_for_runner():
    inline = {opt.name for opt in options_for_runner("inline")}
    local = {opt.name for opt in options_for_runner("local")}
    assert {"cmdenv", "jobconf", "files"} <= inline
    assert "setup" not in inline and "setup" in local
    assert {"task_python_bin"} <= local - inline
    assert "num_cores" in local and "num_cores" in inline
    assert "release_label" not in local and "region" in local and "region" in inline
    assert options_for_runner("nosuch") == []


def test_option_with_unknown_kind_or_combiner_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        Option("x", "nosuch", "help")
    with pytest.raises(ValueError, match="unknown combiner"):
        Option("x", "str", "help", combine="nosuch")


# --- kinds ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, given, expected", [
    ("label", 12, "12"),
    ("label", "x", "x"),
    ("num_cores", "4", 4),
    ("num_cores", 4, 4),
    ("num_cores", 4.0, 4),
    ("max_mins_idle", "2.5", 2.5),
    ("max_mins_idle", 3, 3.0),
    ("pool_clusters", "yes", True),
    ("pool_clusters", "Off", False),
    ("pool_clusters", True, True),
    ("setup", "touch x", ["touch x"]),
    ("setup", ["a", "b"], ["a", "b"]),
    ("jobconf", {"a": 1, "b": True, "c": None, "d": 1.5}, {"a": "1", "b": "true", "c": None,
                                                          "d": "1.5"}),
    ("task_python_bin", "python3 -X 'utf8 mode'", ["python3", "-X", "utf8 mode"]),
    ("task_python_bin", ["python3", "-u"], ["python3", "-u"]),
    ("emr_configurations", {"Classification": "x"}, [{"Classification": "x"}]),
    ("emr_configurations", '[{"Classification": "x"}]', [{"Classification": "x"}]),
    ("instance_fleets", [{"InstanceFleetType": "MASTER"}], [{"InstanceFleetType": "MASTER"}]),
    ("extra_cluster_params", {"VisibleToAllUsers": True, "X": [1]},
     {"VisibleToAllUsers": True, "X": [1]}),
    ("cleanup", "tmp, logs", ["TMP", "LOGS"]),
    ("emr_action_on_failure", "continue", "CONTINUE"),
])
def test_check_accepts_and_normalises(name, given, expected):
    assert option(name).check(given) == expected


@pytest.mark.parametrize("name, given, message", [
    ("label", ["x"], "label must be a string, not a list"),
    ("num_cores", "four", "num_cores must be a whole number, not 'four'"),
    ("num_cores", True, "num_cores must be a whole number, not true (a boolean)"),
    ("num_cores", 2.5, "num_cores must be a whole number, not 2.5"),
    ("max_mins_idle", "soon", "max_mins_idle must be a number"),
    ("pool_clusters", "maybe", "pool_clusters must be true or false"),
    ("setup", {"a": 1}, "setup must be a list of strings, not a mapping"),
    ("jobconf", ["a=1"], "jobconf must be a mapping of names to values, not a list"),
    ("jobconf", {"a": [1]}, "value of 'a' must be a string or number"),
    ("task_python_bin", "python3 'unclosed", "task_python_bin: cannot split"),
    ("task_python_bin", [], "task_python_bin must not be an empty command"),
    ("emr_configurations", ["x"], "emr_configurations must be a list of mappings"),
    ("emr_configurations", "{nope", "emr_configurations must be JSON"),
    ("extra_cluster_params", [1], "extra_cluster_params must be a mapping"),
    ("cleanup", "SOMETIMES", "cleanup must be among ALL"),
    ("emr_action_on_failure", "PANIC", "must be one of CANCEL_AND_WAIT, CONTINUE"),
])
def test_check_refuses_with_one_line(name, given, message):
    with pytest.raises(OptionValueError) as info:
        option(name).check(given)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_check_names_where_the_value_came_from():
    with pytest.raises(OptionValueError, match="^command line: num_cores must"):
        option("num_cores").check("x", where="command line")


def test_paths_expand_home_and_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("BUCKET", "my-bucket")
    assert option("local_tmp_dir").check("~/tmp") == os.path.join(str(tmp_path), "tmp")
    assert option("local_tmp_dir").check("$HOME/x") == os.path.join(str(tmp_path), "x")
    assert option("cloud_tmp_dir").check("s3://$BUCKET/tmp/") == "s3://my-bucket/tmp/"
    assert option("files").check(["~/a#b", "$BUCKET"]) == [
        os.path.join(str(tmp_path), "a#b"), "my-bucket"]
    # strings that are not paths are left alone
    assert option("label").check("~$BUCKET") == "~$BUCKET"


def test_check_keeps_cleared_wrapper_and_checks_inside():
    assert option("num_cores").check(Cleared("3")) == Cleared(3)
    assert option("cmdenv").check({"PATH": Cleared("/bin")}) == {"PATH": Cleared("/bin")}
    with pytest.raises(OptionValueError):
        option("num_cores").check(Cleared("three"))
    with pytest.raises(OptionValueError, match="!clear"):
        option("emr_configurations").check([{"a": Cleared(1)}])


# --- combining -------------------------------------------------------------------------


def test_replace_takes_the_last_value_that_is_set():
    assert combine_values("num_cores", [1, None, 3, None]) == 3
    assert combine_values("num_cores", [None, None]) is None
    assert combine_values("pool_clusters", [True, False]) is False


def test_lists_concatenate_in_order():
    assert combine_values("setup", [["a"], None, [], ["b", "c"]]) == ["a", "b", "c"]
    assert combine_values("setup", [None]) == []


def test_cleanup_replaces_instead_of_concatenating():
    assert combine_values("cleanup", [["ALL"], ["NONE"]]) == ["NONE"]


def test_dicts_merge_with_later_keys_winning_and_null_removing():
    result = combine_values("jobconf", [{"a": "1", "b": "1", "c": "1"},
                                        {"b": "2", "c": None}, None, {"d": "4"}])
    assert result == {"a": "1", "b": "2", "d": "4"}
    assert combine_values("tags", [None, None]) == {}
    assert combine_values("extra_cluster_params", [{"A": [1]}, {"A": {"b": 2}}]) == {
        "A": {"b": 2}}


def test_env_joins_path_like_variables_later_first():
    result = combine_values("cmdenv", [
        {"PATH": "/a", "PYTHONPATH": "/lib1", "TZ": "UTC"},
        {"PATH": "/b", "PYTHONPATH": "/lib2", "TZ": "CET"},
    ])
    assert result == {"PATH": "/b" + os.pathsep + "/a",
                      "PYTHONPATH": "/lib2" + os.pathsep + "/lib1", "TZ": "CET"}


def test_env_path_joins_only_with_a_value_there():
    assert combine_values("cmdenv", [{"PATH": ""}, {"PATH": "/b"}]) == {"PATH": "/b"}
    assert combine_values("cmdenv", [{"PATH": "/a"}, {"PATH": None}, {"PATH": "/c"}]) == {
        "PATH": "/c"}


def test_env_cleared_key_replaces_instead_of_joining():
    result = combine_values("cmdenv", [{"PATH": "/a", "TZ": "UTC"},
                                       {"PATH": Cleared("/only")}, {"X": "1"}])
    assert result == {"PATH": "/only", "TZ": "UTC", "X": "1"}


@pytest.mark.parametrize("name, values, expected", [
    ("setup", [["a"], Cleared(["b"]), ["c"]], ["b", "c"]),
    ("jobconf", [{"a": "1"}, Cleared({"b": "2"})], {"b": "2"}),
    ("cmdenv", [{"PATH": "/a"}, Cleared({"PATH": "/b"})], {"PATH": "/b"}),
    ("num_cores", [2, Cleared(None)], None),
    ("setup", [["a"], Cleared(None)], []),
])
def test_cleared_value_drops_what_came_before(name, values, expected):
    assert combine_values(name, values) == expected


# --- job switches built from the table ---------------------------------------------------


def _parse(*args):
    return MRJob(list(args)).options


def test_every_switch_reaches_the_job_parser():
    job = MRJob([])
    strings = {s for action in job.arg_parser._actions for s in action.option_strings}
    for opt in OPTIONS:
        assert set(opt.switches) <= strings, opt.name
        if opt.false_switch:
            assert opt.false_switch in strings


def test_switch_help_comes_from_the_table():
    job = MRJob([])
    helps = {action.dest: action.help for action in job.arg_parser._actions
             if action.option_strings and action.dest in {o.name for o in OPTIONS}}
    assert helps["num_cores"] == option("num_cores").help
    assert helps["region"] == option("region").help


def test_switches_of_each_kind():
    opts = _parse("-D", "a=1", "--jobconf", "b=2", "--cmdenv", "TZ=UTC",
                  "--files", "x,y", "--files", "z", "--setup", "cmd one", "--setup", "two",
                  "--num-cores", "3", "--no-check-input-paths", "--pool-clusters",
                  "--emr-configuration", '{"Classification": "a"}',
                  "--emr-configuration", '[{"Classification": "b"}]',
                  "--extra-cluster-param", "VisibleToAllUsers=true",
                  "--extra-cluster-param", "Name=plain text",
                  "--tag", "team=data", "--task-python-bin", "python3 -u", "--aws-profile", "dev",
                  "--instance-groups", '[{"InstanceRole": "MASTER"}]')
    assert opts.jobconf == {"a": "1", "b": "2"}
    assert opts.cmdenv == {"TZ": "UTC"}
    assert opts.files == ["x", "y", "z"]
    assert opts.setup == ["cmd one", "two"]
    assert opts.num_cores == "3" and option("num_cores").check(opts.num_cores) == 3
    assert opts.check_input_paths is False
    assert opts.pool_clusters is True
    assert opts.emr_configurations == [{"Classification": "a"}, {"Classification": "b"}]
    assert opts.extra_cluster_params == {"VisibleToAllUsers": True, "Name": "plain text"}
    assert opts.tags == {"team": "data"}
    assert option("task_python_bin").check(opts.task_python_bin) == ["python3", "-u"]
    assert opts.profile == "dev"
    assert opts.instance_groups == [{"InstanceRole": "MASTER"}]


def test_unset_switches_are_none():
    opts = _parse()
    assert all(getattr(opts, opt.name) is None for opt in OPTIONS if opt.switches)


@pytest.mark.parametrize("args, message", [
    (["--emr-configuration", "{nope"], "expected JSON"),
    (["--emr-configuration", "[1, 2]"], "a JSON object or a list of objects"),
    (["-D", "novalue"], "expected NAME=VALUE"),
])
def test_bad_switch_values_are_parse_errors(args, message):
    with pytest.raises(ValueError, match=message):
        MRJob(args)


# --- the reference docs, written from the table ---------------------------------------------


def test_reference_docs_describe_every_option():
    sys.path.insert(0, os.path.join(ROOT, "docs", "_ext"))
    try:
        import streamr_options
    finally:
        sys.path.remove(os.path.join(ROOT, "docs", "_ext"))
    for opt in OPTIONS:
        text = streamr_options._describe(opt).astext()
        assert text.startswith(opt.name), opt.name
        for switch in opt.switches:
            assert switch in text
        assert opt.kind_description in text and opt.combine_description in text
        assert ", ".join(sorted(opt.runners)) in text
    table = streamr_options._overview().astext()
    assert all(opt.name in table for opt in OPTIONS)
    assert "emr-7.14.0" in streamr_options._describe(option("release_label")).astext()
    assert "config files only" in streamr_options._describe(option("aws_session_token")).astext()
