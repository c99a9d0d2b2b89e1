"""EMR 7 settings of new clusters, as unit tests of the pure parts: managed
scaling limits (checked before any request), fleet allocation strategies
and the spot timeout, the security configuration, how both reach the pool
hash, and the release label check's suggestions. The same settings through
the simulated EMR are in tests/test_emr7_sim.py."""

import copy
import functools
import logging

import botocore.exceptions
import botocore.session
import pytest
from botocore.validate import validate_parameters

from streamr.errors import UsageError
from streamr.options import OPTIONS
from streamr.runners.emr.answers import StepStatus
from streamr.runners.emr.outcome import failure_details_text
from streamr.runners.emr.pool import PoolScan, pool_hash
from streamr.runners.emr.releases import check_release_label, nearest_labels
from streamr.runners.emr.request import check_cluster_options, cluster_request
from tests.support.canned_emr import HASH, CannedEMR, group_cluster

LIMITS = {"UnitType": "Instances", "MinimumCapacityUnits": 2, "MaximumCapacityUnits": 10}

FLEETS = [
    {"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1,
     "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]},
    {"InstanceFleetType": "CORE", "TargetOnDemandCapacity": 2, "TargetSpotCapacity": 4,
     "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}, {"InstanceType": "m6i.xlarge"}]},
]


def opts(**changes):
    """Options as the runner holds them: every option, defaults filled in."""
    values = {opt.name: copy.deepcopy(opt.default) for opt in OPTIONS}
    values.update(changes)
    return values


@functools.cache
def run_job_flow_shape():
    model = botocore.session.get_session().get_service_model("emr")
    return model.operation_model("RunJobFlow").input_shape


def request(**changes):
    """The RunJobFlow request these options make, checked by botocore
    against EMR's API (names, types, enums, required keys)."""
    built = cluster_request(opts(**changes), name="c", log_uri=None, bootstrap_actions=[],
                            tags={}, keep_alive=False)
    validate_parameters(built, run_job_flow_shape())
    return built


def refused(**changes) -> str:
    """The one line that refuses these options, checked as the runner
    checks them before any request."""
    with pytest.raises(UsageError) as info:
        check_cluster_options(opts(**changes))
    message = str(info.value)
    assert "\n" not in message and info.value.exit_status == 2
    return message


# --- managed scaling -----------------------------------------------------------------


def test_managed_scaling_is_sent_as_the_clusters_policy():
    limits = dict(LIMITS, MaximumOnDemandCapacityUnits=4, MaximumCoreCapacityUnits=3)
    assert request(managed_scaling=limits)["ManagedScalingPolicy"] == {
        "ComputeLimits": limits}
    assert "ManagedScalingPolicy" not in request()


def test_managed_scaling_takes_numbers_as_written_on_the_command_line_and_any_case():
    limits = {"UnitType": "vcpu", "MinimumCapacityUnits": "4", "MaximumCapacityUnits": 8.0}
    assert request(managed_scaling=limits)["ManagedScalingPolicy"]["ComputeLimits"] == {
        "UnitType": "VCPU", "MinimumCapacityUnits": 4, "MaximumCapacityUnits": 8}


def test_managed_scaling_with_fleets_is_measured_in_fleet_units():
    limits = dict(LIMITS, UnitType="InstanceFleetUnits")
    built = request(managed_scaling=limits, instance_fleets=FLEETS)
    assert built["ManagedScalingPolicy"]["ComputeLimits"]["UnitType"] == "InstanceFleetUnits"


@pytest.mark.parametrize("limits, words", [
    (dict(LIMITS, MinUnits=1), "managed_scaling: unknown key MinUnits; the keys are UnitType,"),
    ({"UnitType": "Instances", "MaximumCapacityUnits": 3},
     "managed_scaling needs MinimumCapacityUnits"),
    (dict(LIMITS, UnitType="Nodes"),
     "managed_scaling: UnitType must be one of Instances, VCPU, InstanceFleetUnits, not 'Nodes'"),
    (dict(LIMITS, UnitType="InstanceFleetUnits"),
     "UnitType InstanceFleetUnits needs instance_fleets"),
    (dict(LIMITS, MaximumCapacityUnits="ten"),
     "managed_scaling: MaximumCapacityUnits must be a whole number, not 'ten'"),
    (dict(LIMITS, MinimumCapacityUnits=True),
     "MinimumCapacityUnits must be a whole number, not True"),
    (dict(LIMITS, MinimumCapacityUnits=2.5), "must be a whole number, not 2.5"),
    (dict(LIMITS, MinimumCapacityUnits=0), "MinimumCapacityUnits must be 1 or more, not 0"),
    (dict(LIMITS, MinimumCapacityUnits=12),
     "MinimumCapacityUnits (12) is more than MaximumCapacityUnits (10)"),
    (dict(LIMITS, MaximumOnDemandCapacityUnits=11),
     "MaximumOnDemandCapacityUnits must be between 0 and MaximumCapacityUnits (10), not 11"),
    (dict(LIMITS, MaximumCoreCapacityUnits=-1),
     "MaximumCoreCapacityUnits must be between 0 and MaximumCapacityUnits (10), not -1"),
])
def test_bad_managed_scaling_is_one_line(limits, words):
    assert words in refused(managed_scaling=limits)


def test_managed_scaling_in_instance_units_is_refused_with_fleets():
    assert "a cluster with instance_fleets is measured in InstanceFleetUnits, not Instances" \
        in refused(managed_scaling=LIMITS, instance_fleets=FLEETS)


# --- fleet allocation strategies and spot timeout ------------------------------------


def test_fleet_strategies_and_spot_timeout_go_in_each_fleets_launch_specifications():
    built = request(instance_fleets=FLEETS, spot_allocation_strategy="price-capacity-optimized",
                    on_demand_allocation_strategy="prioritized",
                    spot_timeout_action="TERMINATE_CLUSTER", spot_timeout_minutes=20)
    master, core = built["Instances"]["InstanceFleets"]
    # the master asks for no spot capacity: no spot specification for it
    assert master["LaunchSpecifications"] == {
        "OnDemandSpecification": {"AllocationStrategy": "prioritized"}}
    assert core["LaunchSpecifications"] == {
        "SpotSpecification": {"TimeoutDurationMinutes": 20, "TimeoutAction": "TERMINATE_CLUSTER",
                              "AllocationStrategy": "price-capacity-optimized"},
        "OnDemandSpecification": {"AllocationStrategy": "prioritized"}}


def test_a_spot_strategy_alone_gets_emrs_required_timeout_filled_in():
    built = request(instance_fleets=FLEETS, spot_allocation_strategy="capacity-optimized")
    core = built["Instances"]["InstanceFleets"][1]
    assert core["LaunchSpecifications"]["SpotSpecification"] == {
        "TimeoutDurationMinutes": 60, "TimeoutAction": "SWITCH_TO_ON_DEMAND",
        "AllocationStrategy": "capacity-optimized"}


def test_a_fleets_own_launch_specifications_win_key_by_key():
    fleets = copy.deepcopy(FLEETS)
    fleets[1]["LaunchSpecifications"] = {"SpotSpecification": {
        "TimeoutDurationMinutes": 5, "TimeoutAction": "TERMINATE_CLUSTER"}}
    built = request(instance_fleets=fleets, spot_allocation_strategy="lowest-price",
                    spot_timeout_minutes=30)
    assert built["Instances"]["InstanceFleets"][1]["LaunchSpecifications"] == {
        "SpotSpecification": {"TimeoutDurationMinutes": 5, "TimeoutAction": "TERMINATE_CLUSTER",
                              "AllocationStrategy": "lowest-price"}}
    assert fleets[1]["LaunchSpecifications"]["SpotSpecification"] == {
        "TimeoutDurationMinutes": 5, "TimeoutAction": "TERMINATE_CLUSTER"}  # not changed


def test_fleet_options_without_fleets_are_one_line():
    assert refused(spot_allocation_strategy="capacity-optimized") == (
        "spot_allocation_strategy needs instance fleets: set instance_fleets (EMR's instance"
        " groups have no allocation strategy or spot timeout)")
    assert refused(spot_timeout_action="TERMINATE_CLUSTER", spot_timeout_minutes=10,
                   num_core_instances=2).startswith(
        "spot_timeout_action, spot_timeout_minutes need instance fleets")


@pytest.mark.parametrize("name, value, words", [
    ("spot_allocation_strategy", "cheapest", "must be one of price-capacity-optimized,"),
    ("on_demand_allocation_strategy", "diversified", "must be one of lowest-price, prioritized"),
    ("spot_timeout_action", "WAIT", "must be one of SWITCH_TO_ON_DEMAND, TERMINATE_CLUSTER"),
    ("spot_timeout_minutes", 2, "spot_timeout_minutes must be at least 5"),
    ("spot_timeout_minutes", 2000, "1440"),
])
def test_fleet_option_values_are_checked_by_the_option_table(name, value, words):
    from streamr.errors import OptionValueError
    from streamr.options import option

    with pytest.raises(OptionValueError, match=words):
        option(name).check(value)


def test_option_choices_take_any_case():
    from streamr.options import option

    assert option("spot_timeout_action").check("switch_to_on_demand") == "SWITCH_TO_ON_DEMAND"


# --- security configuration ---------------------------------------------------------


def test_security_configuration_is_sent_by_name():
    assert request(security_configuration="imdsv2-tls")["SecurityConfiguration"] == "imdsv2-tls"
    assert "SecurityConfiguration" not in request()


# --- the pool hash --------------------------------------------------------------------


def test_pool_hash_tells_managed_scaling_and_security_configuration_apart():
    def hashed(**changes):
        return pool_hash(request(**changes), bootstrap="b", task_python=["python3"])

    plain = hashed()
    scaled = hashed(managed_scaling=LIMITS)
    assert scaled == hashed(managed_scaling=dict(LIMITS))
    assert len({plain, scaled, hashed(managed_scaling=dict(LIMITS, MaximumCapacityUnits=11)),
                hashed(security_configuration="a"), hashed(security_configuration="b")}) == 5
    # unset, they leave the hash as it was before they existed
    old_style = request()
    assert plain == pool_hash(old_style, bootstrap="b", task_python=["python3"])


# --- release labels -------------------------------------------------------------------

LISTED = ["emr-7.14.0", "emr-7.13.0", "emr-7.12.0", "emr-7.1.0", "emr-7.0.0", "emr-6.15.0",
          "emr-6.9.0", "emr-5.36.2", "emr-spark-8.0.0"]


@pytest.mark.parametrize("label, nearest", [
    ("emr-7.99.0", ["emr-7.14.0", "emr-7.13.0", "emr-7.12.0"]),
    ("emr-7.14", ["emr-7.14.0", "emr-7.13.0", "emr-7.12.0"]),
    ("emr-7.2.0", ["emr-7.1.0", "emr-7.0.0", "emr-7.12.0"]),
    ("emr-6.10.0", ["emr-6.9.0", "emr-6.15.0", "emr-7.0.0"]),
    ("7.1.0", ["emr-7.1.0", "emr-7.0.0", "emr-7.12.0"]),
    ("emr-spark-8.2.0", ["emr-spark-8.0.0", "emr-7.14.0", "emr-7.13.0"]),
])
def test_nearest_labels_by_version(label, nearest):
    assert nearest_labels(label, LISTED) == nearest


def test_a_label_emr_does_not_list_is_one_line_naming_the_nearest():
    with pytest.raises(UsageError) as info:
        check_release_label("emr-7.99.0", LISTED, "us-west-2")
    assert str(info.value) == ("release_label emr-7.99.0 is not an EMR release in us-west-2;"
                               " the nearest EMR offers are emr-7.14.0, emr-7.13.0, emr-7.12.0")
    assert info.value.exit_status == 2


def test_a_listed_label_or_an_unknown_list_passes():
    check_release_label("emr-7.1.0", LISTED, "us-west-2")
    check_release_label("emr-7.99.0", None, "us-west-2")  # EMR did not say


def test_the_default_release_is_a_current_emr_7():
    from streamr.options import option

    default = option("release_label").default
    assert default.startswith("emr-7.")
    # against the releases EMR lists (moto's copy of them)
    import gzip
    import importlib.util
    import json
    from pathlib import Path

    # found without importing moto, which takes seconds
    moto_dir = Path(importlib.util.find_spec("moto").submodule_search_locations[0])
    data = moto_dir / "emr" / "resources" / "release-labels-us-west-2.json.gz"
    listed = json.loads(gzip.decompress(data.read_bytes()))
    newest = nearest_labels("emr-7.999.0", listed, 1)[0]

    def version(label):
        return tuple(int(part) for part in label[len("emr-"):].split("."))

    # no newer EMR 7 release is listed than the default (an older moto, such as the
    # one Python 3.9 gets, lists fewer releases)
    assert version(default) >= version(newest), (default, newest)
    assert version(default) < (8,)


# --- EMR's account of a failed step ----------------------------------------------------


def test_failure_details_read_as_emr_gave_them():
    status = StepStatus.of({"Status": {"State": "FAILED", "FailureDetails": {
        "Reason": "Output directory already exists.",
        "Message": "org.apache.hadoop.mapred.FileAlreadyExistsException: Output directory"
                   " s3://b/out already exists",
        "LogFile": "s3://b/logs/j-1/steps/s-1/stderr.gz"}}})
    assert failure_details_text(status) == (
        ": Output directory already exists.\n"
        "EMR found: org.apache.hadoop.mapred.FileAlreadyExistsException: Output directory"
        " s3://b/out already exists\n"
        "(in s3://b/logs/j-1/steps/s-1/stderr.gz)")
    assert failure_details_text(StepStatus.of({"Status": {"State": "FAILED"}})) == ""


# --- optional calls refused ------------------------------------------------------------


class DeniedEMR(CannedEMR):
    """Canned answers, with GetAutoTerminationPolicy and ListReleaseLabels
    refused as an IAM policy without them refuses them."""

    def _denied(self, operation):
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}},
            operation)

    def get_auto_termination_policy(self, ClusterId):
        self._denied("GetAutoTerminationPolicy")

    def list_release_labels(self, **kwargs):
        self._denied("ListReleaseLabels")

    def describe_security_configuration(self, Name):
        self._denied("DescribeSecurityConfiguration")


def test_pool_scan_without_permission_for_the_idle_policy_warns_once(caplog):
    caplog.set_level(logging.WARNING, logger="streamr.runners.emr.cluster")
    emr = DeniedEMR(group_cluster("j-ONE"), group_cluster("j-TWO"))
    clusters = emr.clusters()
    found = PoolScan(clusters, "default", HASH, {}).run()
    # the idle timeout is unknown: both clusters are still candidates
    assert sorted(c.cluster_id for c in found) == ["j-ONE", "j-TWO"]
    PoolScan(clusters, "default", HASH, {}).run()
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "may not call EMR's GetAutoTerminationPolicy" in warnings[0]
    assert "elasticmapreduce:GetAutoTerminationPolicy" in warnings[0]


def test_release_labels_without_permission_are_unknown_with_one_warning(caplog):
    caplog.set_level(logging.WARNING, logger="streamr.runners.emr.cluster")
    clusters = DeniedEMR().clusters()
    assert clusters.release_labels() is None
    assert clusters.release_labels() is None
    assert [r.getMessage() for r in caplog.records] == [
        "these credentials may not call EMR's ListReleaseLabels (allow"
        " elasticmapreduce:ListReleaseLabels in their IAM policy); going on without checking"
        " release_label"]


def test_security_configuration_check_without_permission_is_unknown(caplog):
    caplog.set_level(logging.WARNING, logger="streamr.runners.emr.cluster")
    clusters = DeniedEMR().clusters()
    assert clusters.security_configuration_exists("tls") is None
    assert len(caplog.records) == 1
    assert "elasticmapreduce:DescribeSecurityConfiguration" in caplog.records[0].getMessage()


def test_other_refusals_of_optional_calls_still_stop_the_run():
    class Invalid(CannedEMR):
        def credential_source(self):
            return "the environment"

        def list_release_labels(self, **kwargs):
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "ValidationException", "Message": "bad token"}},
                "ListReleaseLabels")

    from streamr.errors import AWSError

    with pytest.raises(AWSError, match="ValidationException bad token"):
        Invalid().clusters().release_labels()
