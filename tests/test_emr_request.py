"""The RunJobFlow request built from options (streamr.runners.emr.request)."""

import copy
import logging

import botocore.session
import pytest
from botocore.validate import validate_parameters

import streamr
from streamr.errors import UsageError
from streamr.options import OPTIONS
from streamr.runners.emr.request import (
    cluster_name,
    cluster_request,
    cluster_tags,
    instance_summary,
    merge_params,
)

SCRIPT_ACTION = {"Name": "streamr bootstrap",
                 "ScriptBootstrapAction": {"Path": "s3://b/tmp/b.sh", "Args": []}}


def default_opts(**changes):
    """Options as the runner holds them after merging: every option of the
    table present, defaults filled in."""
    opts = {opt.name: copy.deepcopy(opt.default) for opt in OPTIONS}
    opts.update(changes)
    return opts


def build(opts=None, *, name="a-cluster", log_uri=None, bootstrap_actions=(), tags=None,
          keep_alive=False):
    return cluster_request(opts if opts is not None else default_opts(), name=name,
                           log_uri=log_uri, bootstrap_actions=list(bootstrap_actions),
                           tags=tags or {}, keep_alive=keep_alive)


def full_opts():
    return default_opts(
        release_label="emr-7.2.0",
        applications=["Spark", "hadoop", "Hive", "spark"],
        emr_configurations=[{"Classification": "core-site",
                             "Properties": {"hadoop.security.groups.cache.secs": "250"}}],
        iam_instance_profile="my-profile",
        iam_service_role="my-service-role",
        max_concurrent_steps=4,
        ebs_root_volume_gb=40,
        max_mins_idle=30.0,
        ec2_key_pair="my-key",
        subnet="subnet-123",
        zone="us-west-2a",
        instance_type="m5.large",
        master_instance_type="m5.2xlarge",
        core_instance_type="r5.xlarge",
        task_instance_type="c5.xlarge",
        num_core_instances=2,
        num_task_instances=3,
        master_instance_bid_price=None,
        core_instance_bid_price="0.25",
        task_instance_bid_price="",
        extra_cluster_params={"CustomAmiId": "ami-1", "Instances": {"Ec2KeyName": None}},
        tags={"team": "data"},
    )


def check_against_emr_api(request):
    """botocore's own check of run_job_flow parameters (names, types,
    required keys), with no call to AWS."""
    model = botocore.session.get_session().get_service_model("emr")
    validate_parameters(request, model.operation_model("RunJobFlow").input_shape)


# --- the default request ---------------------------------------------------------


def test_default_request_is_exactly_this():
    request = build()
    assert request == {
        "Name": "a-cluster",
        "ReleaseLabel": "emr-7.14.0",
        "Applications": [{"Name": "Hadoop"}],
        "Instances": {
            "KeepJobFlowAliveWhenNoSteps": False,
            "TerminationProtected": False,
            "InstanceGroups": [{"Name": "master", "InstanceRole": "MASTER",
                                "InstanceType": "m5.xlarge", "InstanceCount": 1,
                                "Market": "ON_DEMAND"}],
        },
        "JobFlowRole": "EMR_EC2_DefaultRole",
        "ServiceRole": "EMR_DefaultRole",
        "VisibleToAllUsers": True,
        "Tags": [],
        "BootstrapActions": [],
    }
    check_against_emr_api(request)


def test_default_request_when_kept_alive_shuts_down_after_ten_idle_minutes():
    request = build(keep_alive=True)
    assert request["Instances"]["KeepJobFlowAliveWhenNoSteps"] is True
    assert request["AutoTerminationPolicy"] == {"IdleTimeout": 600}


# --- a fully configured request, field by field ------------------------------------


@pytest.fixture()
def full_request():
    return build(full_opts(), name="streamr: job", log_uri="s3://b/logs/",
                 bootstrap_actions=[SCRIPT_ACTION], tags={"z": "1", "a": "2"}, keep_alive=True)


def test_full_request_passes_botocore_validation(full_request):
    check_against_emr_api(full_request)


def test_full_request_top_level_fields(full_request):
    assert full_request["Name"] == "streamr: job"
    assert full_request["LogUri"] == "s3://b/logs/"
    assert full_request["ReleaseLabel"] == "emr-7.2.0"
    assert full_request["JobFlowRole"] == "my-profile"
    assert full_request["ServiceRole"] == "my-service-role"
    assert full_request["VisibleToAllUsers"] is True
    assert full_request["StepConcurrencyLevel"] == 4
    assert full_request["EbsRootVolumeSize"] == 40
    assert full_request["AutoTerminationPolicy"] == {"IdleTimeout": 1800}
    assert full_request["CustomAmiId"] == "ami-1"


def test_full_request_applications_hadoop_first_deduplicated(full_request):
    assert full_request["Applications"] == [{"Name": "Hadoop"}, {"Name": "Spark"},
                                            {"Name": "Hive"}]


def test_full_request_configurations(full_request):
    assert full_request["Configurations"] == [
        {"Classification": "core-site",
         "Properties": {"hadoop.security.groups.cache.secs": "250"}}]


def test_full_request_tags_sorted_by_key(full_request):
    assert full_request["Tags"] == [{"Key": "a", "Value": "2"}, {"Key": "z", "Value": "1"}]


def test_full_request_bootstrap_actions_as_given(full_request):
    assert full_request["BootstrapActions"] == [SCRIPT_ACTION]


def test_full_request_instances(full_request):
    instances = full_request["Instances"]
    assert instances["KeepJobFlowAliveWhenNoSteps"] is True
    assert instances["TerminationProtected"] is False
    assert instances["Ec2SubnetId"] == "subnet-123"
    assert "Placement" not in instances  # the subnet decides
    assert "Ec2KeyName" not in instances  # removed by extra_cluster_params
    assert instances["InstanceGroups"] == [
        {"Name": "master", "InstanceRole": "MASTER", "InstanceType": "m5.2xlarge",
         "InstanceCount": 1, "Market": "ON_DEMAND"},
        {"Name": "core", "InstanceRole": "CORE", "InstanceType": "r5.xlarge",
         "InstanceCount": 2, "Market": "SPOT", "BidPrice": "0.25"},
        {"Name": "task", "InstanceRole": "TASK", "InstanceType": "c5.xlarge",
         "InstanceCount": 3, "Market": "SPOT"},
    ]


def test_full_request_summary(full_request):
    assert instance_summary(full_request) == (
        "1 x m5.2xlarge master, 2 x r5.xlarge core (spot, bid 0.25),"
        " 3 x c5.xlarge task (spot, up to the on-demand price)")


def test_key_pair_is_set_when_not_removed():
    request = build(default_opts(ec2_key_pair="my-key"))
    assert request["Instances"]["Ec2KeyName"] == "my-key"


def test_inputs_are_not_changed():
    opts = full_opts()
    before = copy.deepcopy(opts)
    actions = [copy.deepcopy(SCRIPT_ACTION)]
    request = cluster_request(opts, name="n", log_uri=None, bootstrap_actions=actions,
                              tags={}, keep_alive=False)
    request["Configurations"][0]["Properties"].clear()
    request["BootstrapActions"][0]["ScriptBootstrapAction"]["Args"].append("x")
    assert opts == before
    assert actions == [SCRIPT_ACTION]


# --- instance types and counts -----------------------------------------------------


def test_instance_types_fall_back_task_core_instance_type():
    opts = default_opts(instance_type="m5.large", core_instance_type="r5.large",
                        num_core_instances=1, num_task_instances=2)
    groups = build(opts)["Instances"]["InstanceGroups"]
    assert [(g["InstanceRole"], g["InstanceType"], g["InstanceCount"]) for g in groups] == [
        ("MASTER", "m5.large", 1), ("CORE", "r5.large", 1), ("TASK", "r5.large", 2)]


def test_task_type_falls_back_to_instance_type_without_core_type():
    opts = default_opts(instance_type="m5.large", num_core_instances=1, num_task_instances=1)
    groups = build(opts)["Instances"]["InstanceGroups"]
    assert [g["InstanceType"] for g in groups] == ["m5.large"] * 3


def test_task_nodes_need_core_nodes():
    with pytest.raises(UsageError, match="^num_task_instances needs core nodes: set"
                                         " num_core_instances to 1 or more"):
        build(default_opts(num_task_instances=2))


@pytest.mark.parametrize("name", ["num_core_instances", "num_task_instances"])
def test_negative_counts_are_refused(name):
    with pytest.raises(UsageError, match="^%s must be 0 or more, not -1$" % name):
        build(default_opts(**{name: -1}))


# --- spot ------------------------------------------------------------------------------


def test_master_spot_with_a_price():
    request = build(default_opts(master_instance_bid_price="0.5"))
    master = request["Instances"]["InstanceGroups"][0]
    assert master["Market"] == "SPOT"
    assert master["BidPrice"] == "0.5"
    assert instance_summary(request) == "1 x m5.xlarge master (spot, bid 0.5)"


def test_spot_with_empty_price_has_no_bid_price():
    request = build(default_opts(num_core_instances=2, core_instance_bid_price=""))
    core = request["Instances"]["InstanceGroups"][1]
    assert core["Market"] == "SPOT"
    assert "BidPrice" not in core
    check_against_emr_api(request)


def test_bid_price_is_stripped():
    request = build(default_opts(master_instance_bid_price=" 1.5 "))
    assert request["Instances"]["InstanceGroups"][0]["BidPrice"] == "1.5"


@pytest.mark.parametrize("price", ["abc", "0", "0.00", "-1", "1.2.3", "$0.25", "1e3", " "])
def test_bad_bid_prices_are_refused(price):
    with pytest.raises(UsageError) as info:
        build(default_opts(num_core_instances=1, core_instance_bid_price=price))
    assert str(info.value) == ("core_instance_bid_price must be a price in US dollars such as"
                               " 0.25, not %r" % price)


@pytest.mark.parametrize("price", ["1", ".5", "0.001", "12.", "3.50"])
def test_good_bid_prices_are_accepted(price):
    request = build(default_opts(task_instance_bid_price=price, num_core_instances=1,
                                 num_task_instances=1))
    assert request["Instances"]["InstanceGroups"][2]["BidPrice"] == price


# --- instance groups and fleets given whole ----------------------------------------

GROUPS = [
    {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1,
     "Name": "the master"},
    {"InstanceRole": "CORE", "InstanceType": "r5.2xlarge", "InstanceCount": 4,
     "Market": "SPOT", "BidPrice": "OnDemandPrice",
     "EbsConfiguration": {"EbsBlockDeviceConfigs": [
         {"VolumeSpecification": {"VolumeType": "gp3", "SizeInGB": 100}}]}},
]

FLEETS = [
    {"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1,
     "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]},
    {"InstanceFleetType": "CORE", "TargetSpotCapacity": 4,
     "InstanceTypeConfigs": [{"InstanceType": "r5.xlarge", "WeightedCapacity": 1},
                             {"InstanceType": "r5.2xlarge", "WeightedCapacity": 2}]},
]


def test_instance_groups_are_used_verbatim():
    request = build(default_opts(instance_groups=copy.deepcopy(GROUPS), zone="us-east-1b"))
    assert request["Instances"]["InstanceGroups"] == GROUPS
    assert request["Instances"]["Placement"] == {"AvailabilityZone": "us-east-1b"}
    assert "InstanceFleets" not in request["Instances"]
    assert instance_summary(request) == (
        "1 x m5.xlarge master, 4 x r5.2xlarge core (spot, bid OnDemandPrice)")
    check_against_emr_api(request)


def test_instance_fleets_are_used_verbatim_with_subnet_ids():
    request = build(default_opts(instance_fleets=copy.deepcopy(FLEETS), subnet="subnet-9"))
    instances = request["Instances"]
    assert instances["InstanceFleets"] == FLEETS
    assert "InstanceGroups" not in instances
    assert instances["Ec2SubnetIds"] == ["subnet-9"]
    assert "Ec2SubnetId" not in instances
    assert instance_summary(request) == "instance fleets: master, core"
    check_against_emr_api(request)


def test_instance_fleets_take_zone_as_a_list():
    request = build(default_opts(instance_fleets=copy.deepcopy(FLEETS), zone="us-west-2c"))
    assert request["Instances"]["Placement"] == {"AvailabilityZones": ["us-west-2c"]}
    check_against_emr_api(request)


def test_instance_type_default_does_not_clash_with_groups():
    request = build(default_opts(instance_groups=copy.deepcopy(GROUPS),
                                 instance_type="c5.large"))
    assert request["Instances"]["InstanceGroups"] == GROUPS


@pytest.mark.parametrize("groups, message", [
    (["m5.xlarge"], "instance_groups: group 1 must be a mapping, not 'm5.xlarge'"),
    ([{"InstanceRole": "MASTER", "InstanceCount": 1}],
     "instance_groups: group 1 has no InstanceType (EMR needs InstanceRole, InstanceType and"
     " InstanceCount)"),
    ([GROUPS[0], {"InstanceType": "m5.xlarge"}],
     "instance_groups: group 2 has no InstanceRole, InstanceCount (EMR needs"),
    ([GROUPS[0], dict(GROUPS[1], InstanceRole="core")],
     "instance_groups: group 2 has InstanceRole 'core'; it must be one of MASTER, CORE, TASK"),
    ([GROUPS[1]], "instance_groups must have exactly one group with InstanceRole MASTER, not 0"),
    ([GROUPS[0], GROUPS[0]],
     "instance_groups must have exactly one group with InstanceRole MASTER, not 2"),
])
def test_bad_instance_groups_are_refused(groups, message):
    with pytest.raises(UsageError) as info:
        build(default_opts(instance_groups=copy.deepcopy(groups)))
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("fleets, message", [
    ([42], "instance_fleets: fleet 1 must be a mapping, not 42"),
    ([{"TargetOnDemandCapacity": 1}],
     "instance_fleets: fleet 1 needs InstanceFleetType, one of MASTER, CORE, TASK (not None)"),
    ([FLEETS[1]],
     "instance_fleets must have exactly one fleet with InstanceFleetType MASTER, not 0"),
])
def test_bad_instance_fleets_are_refused(fleets, message):
    with pytest.raises(UsageError) as info:
        build(default_opts(instance_fleets=copy.deepcopy(fleets)))
    assert str(info.value) == message


# --- contradictions ------------------------------------------------------------------


def test_groups_and_fleets_together_are_refused():
    with pytest.raises(UsageError, match="^instance_groups cannot be combined with"
                                         " instance_fleets: .*drop one or the other$"):
        build(default_opts(instance_groups=copy.deepcopy(GROUPS),
                           instance_fleets=copy.deepcopy(FLEETS)))


def test_fleets_with_simple_options_name_each_clash():
    opts = default_opts(instance_fleets=copy.deepcopy(FLEETS), core_instance_type="r5.large",
                        num_core_instances=2)
    with pytest.raises(UsageError) as info:
        build(opts)
    assert str(info.value) == (
        "instance_fleets cannot be combined with core_instance_type, num_core_instances: the"
        " fleets describe every instance; drop one or the other")


@pytest.mark.parametrize("option, value", [
    ("master_instance_type", "m5.large"),
    ("core_instance_type", "m5.large"),
    ("task_instance_type", "m5.large"),
    ("num_core_instances", 1),
    ("num_task_instances", 1),
    ("master_instance_bid_price", "0.1"),
    ("core_instance_bid_price", ""),
    ("task_instance_bid_price", "1"),
])
def test_groups_with_a_simple_option_are_refused(option, value):
    with pytest.raises(UsageError) as info:
        build(default_opts(instance_groups=copy.deepcopy(GROUPS), **{option: value}))
    assert str(info.value) == ("instance_groups cannot be combined with %s: the groups describe"
                               " every instance; drop one or the other" % option)


# --- zone, subnet --------------------------------------------------------------------


def test_zone_alone_sets_placement():
    request = build(default_opts(zone="us-west-2b"))
    assert request["Instances"]["Placement"] == {"AvailabilityZone": "us-west-2b"}
    assert "Ec2SubnetId" not in request["Instances"]


def test_zone_with_subnet_is_ignored_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="streamr.runners.emr.request"):
        request = build(default_opts(zone="us-west-2b", subnet="subnet-1"))
    assert "Placement" not in request["Instances"]
    assert request["Instances"]["Ec2SubnetId"] == "subnet-1"
    assert "zone us-west-2b is ignored" in caplog.text


def test_no_zone_no_subnet_no_warning(caplog):
    with caplog.at_level(logging.WARNING):
        request = build()
    assert "Placement" not in request["Instances"]
    assert caplog.text == ""


# --- idle shutdown, concurrency, volume ----------------------------------------------


@pytest.mark.parametrize("minutes, seconds", [(1, 60), (1.5, 90), (10.0, 600), (10080, 604800)])
def test_idle_timeout_in_seconds(minutes, seconds):
    request = build(default_opts(max_mins_idle=minutes), keep_alive=True)
    assert request["AutoTerminationPolicy"] == {"IdleTimeout": seconds}


@pytest.mark.parametrize("minutes", [0, 0.0, None])
def test_no_idle_timeout_when_max_mins_idle_is_unset_or_zero(minutes):
    request = build(default_opts(max_mins_idle=minutes), keep_alive=True)
    assert "AutoTerminationPolicy" not in request


def test_no_idle_timeout_when_not_kept_alive():
    request = build(default_opts(max_mins_idle=0.5), keep_alive=False)
    assert "AutoTerminationPolicy" not in request


@pytest.mark.parametrize("minutes", [0.5, -3, 10081, 1e6])
def test_idle_timeout_out_of_range_is_refused(minutes):
    with pytest.raises(UsageError) as info:
        build(default_opts(max_mins_idle=minutes), keep_alive=True)
    assert str(info.value) == ("max_mins_idle must be between 1 and 10080 minutes (7 days;"
                               " EMR's limits on idle shutdown), not %r" % minutes)


def test_one_concurrent_step_leaves_concurrency_out():
    assert "StepConcurrencyLevel" not in build(default_opts(max_concurrent_steps=1))


@pytest.mark.parametrize("steps", [0, -1, 257])
def test_concurrency_out_of_range_is_refused(steps):
    with pytest.raises(UsageError, match="^max_concurrent_steps must be between 1 and 256"):
        build(default_opts(max_concurrent_steps=steps))


def test_zero_root_volume_is_refused():
    with pytest.raises(UsageError, match="^ebs_root_volume_gb must be 1 or more, not 0$"):
        build(default_opts(ebs_root_volume_gb=0))


def test_log_uri_and_configurations_left_out_when_unset():
    request = build(default_opts(emr_configurations=[]), log_uri=None)
    assert "LogUri" not in request
    assert "Configurations" not in request


# --- extra_cluster_params ------------------------------------------------------------


def test_extra_params_merge_deeply_replace_and_remove():
    extra = {
        "Instances": {"Placement": {"AvailabilityZone": "us-west-2d"},
                      "TerminationProtected": True},
        "Applications": [{"Name": "Flink"}],
        "VisibleToAllUsers": None,
        "SecurityConfiguration": "my-sec",
        "Missing": None,
        "New": {"A": {"B": 1, "C": None}},
    }
    request = build(default_opts(extra_cluster_params=extra, zone="us-west-2a"))
    instances = request["Instances"]
    assert instances["Placement"] == {"AvailabilityZone": "us-west-2d"}
    assert instances["TerminationProtected"] is True
    assert instances["InstanceGroups"][0]["InstanceRole"] == "MASTER"  # kept
    assert request["Applications"] == [{"Name": "Flink"}]  # lists replace
    assert "VisibleToAllUsers" not in request
    assert "Missing" not in request
    assert request["SecurityConfiguration"] == "my-sec"
    assert request["New"] == {"A": {"B": 1}}


def test_extra_params_dict_replaces_a_non_dict():
    assert merge_params({"A": "text"}, {"A": {"B": 1}}) == {"A": {"B": 1}}
    assert merge_params({"A": {"B": 1}}, {"A": 2}) == {"A": 2}


def test_merge_params_changes_neither_argument():
    base, extra = {"A": {"B": [1]}}, {"A": {"C": [2]}}
    merged = merge_params(base, extra)
    merged["A"]["B"].append(9)
    merged["A"]["C"].append(9)
    assert base == {"A": {"B": [1]}}
    assert extra == {"A": {"C": [2]}}


# --- name and tags -------------------------------------------------------------------


def test_cluster_name():
    assert cluster_name("wc", "alice", "wc.alice.20240102.030405.000006") == (
        "streamr: wc by alice (wc.alice.20240102.030405.000006)")


def test_long_cluster_name_keeps_the_job_key():
    key = "x" * 60 + ".bob.20240102.030405.000006"
    name = cluster_name("x" * 300, "bob", key)
    assert len(name) == 256
    assert name.endswith(" (%s)" % key)
    assert name.startswith("streamr: xxx")
    assert "..." in name


def test_cluster_name_of_a_huge_job_key_is_cut():
    assert len(cluster_name("a", "b", "k" * 400)) == 256


def test_cluster_name_has_no_control_characters():
    assert cluster_name("a\x01b", "c", "k") == "streamr: a b by c (k)"


def test_cluster_tags_merge_user_and_own():
    tags = cluster_tags(default_opts(tags={"team": "data", "cost": "7"}), label="wc",
                        owner="alice")
    assert tags == {"team": "data", "cost": "7", "streamr:label": "wc",
                    "streamr:owner": "alice", "streamr:version": streamr.__version__}


def test_pooled_cluster_tags():
    opts = default_opts(pool_clusters=True, pool_name="nightly")
    tags = cluster_tags(opts, label="wc", owner="alice", pool_hash="abc123")
    assert tags["streamr:pool"] == "nightly"
    assert tags["streamr:pool-hash"] == "abc123"


def test_unpooled_cluster_has_no_pool_tags():
    tags = cluster_tags(default_opts(), label="wc", owner="alice", pool_hash="abc123")
    assert not any(key.startswith("streamr:pool") for key in tags)


def test_pooled_cluster_tags_need_a_hash():
    with pytest.raises(ValueError, match="pool_hash"):
        cluster_tags(default_opts(pool_clusters=True), label="wc", owner="alice")


@pytest.mark.parametrize("key, message", [
    ("streamr:owner", "tag 'streamr:owner': keys starting 'streamr:' are reserved for streamr"),
    ("streamr:mine", "tag 'streamr:mine': keys starting 'streamr:' are reserved for streamr"),
    ("aws:x", "tag 'aws:x': keys starting 'aws:' are reserved for AWS"),
    ("", "tag key '' must be 1 to 128 characters long"),
    ("k" * 129, "tag key '%s' must be 1 to 128 characters long" % ("k" * 129)),
])
def test_bad_tag_keys_are_refused(key, message):
    with pytest.raises(UsageError) as info:
        cluster_tags(default_opts(tags={key: "v"}), label="wc", owner="alice")
    assert str(info.value).startswith(message)


def test_tag_value_limits():
    tags = cluster_tags(default_opts(tags={"k" * 128: "v" * 256}), label="wc", owner="a")
    assert tags["k" * 128] == "v" * 256
    with pytest.raises(UsageError, match="^tag 'k': its value is 257 characters long; EMR"
                                         " allows at most 256$"):
        cluster_tags(default_opts(tags={"k": "v" * 257}), label="wc", owner="a")


def test_own_tag_values_are_cut_to_the_limit():
    tags = cluster_tags(default_opts(), label="l" * 300, owner="alice")
    assert tags["streamr:label"] == "l" * 256


def test_too_many_tags_are_refused():
    user = {"t%d" % n: "v" for n in range(48)}
    fifty = cluster_tags(default_opts(tags=dict(list(user.items())[:47])), label="a", owner="b")
    assert len(fifty) == 50
    with pytest.raises(UsageError, match="^too many tags: EMR allows 50 per cluster"):
        cluster_tags(default_opts(tags=user), label="a", owner="b")


# --- summary -------------------------------------------------------------------------


def test_summary_of_a_request_without_instances():
    assert instance_summary({"Name": "x"}) == "instances not described"


def test_the_api_check_itself_catches_a_misnamed_field():
    from botocore.exceptions import ParamValidationError

    request = build()
    request["Instances"]["InstanceGroups"][0]["InstanceKind"] = "MASTER"
    with pytest.raises(ParamValidationError, match="InstanceKind"):
        check_against_emr_api(request)


def test_numeric_bid_prices_in_groups_and_fleets_become_text():
    groups = copy.deepcopy(GROUPS)
    groups[1]["BidPrice"] = 0.35
    request = build(default_opts(instance_groups=groups))
    assert request["Instances"]["InstanceGroups"][1]["BidPrice"] == "0.35"
    check_against_emr_api(request)
    fleets = copy.deepcopy(FLEETS)
    fleets[1]["InstanceTypeConfigs"][0]["BidPrice"] = 1
    request = build(default_opts(instance_fleets=fleets))
    assert request["Instances"]["InstanceFleets"][1]["InstanceTypeConfigs"][0]["BidPrice"] == "1"
    check_against_emr_api(request)


def test_a_bid_price_without_spot_market_is_not_called_spot():
    groups = [{"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1,
               "BidPrice": "0.2"}]
    request = build(default_opts(instance_groups=groups))
    assert instance_summary(request) == "1 x m5.xlarge master"
