"""EMR 7 on the cluster runner, through the simulated EMR: a failed step
explained from EMR's FailureDetails first, release labels checked against
ListReleaseLabels, optional calls the credentials may not make, and the
new-cluster settings (managed scaling, fleet strategies, spot timeout,
security configuration) as EMR receives them, pooled jobs matching on
them. The pure parts are unit-tested in tests/test_emr7_options.py."""

import gzip
import json

import pytest

from streamr.fs import make_filesystem
from streamr.runners.emr.log_fetch import LogFetcher
from tests.support.emr import SimSetup, clusters, put, the_cluster
from tests.support.jobs import EMR_JOBS, EXAMPLES, FAST, ok, run_job
from tests.support.pool import COUNTS, WORDS, pool_cluster, pooled, started_new, verdict

pytestmark = pytest.mark.slow

WORD_COUNT = EXAMPLES / "mr_word_freq_count.py"
SCALING = ["--managed-scaling", "UnitType=Instances", "--managed-scaling",
           "MinimumCapacityUnits=1", "--managed-scaling", "MaximumCapacityUnits=4"]
TRACEBACK = """\
Traceback (most recent call last):
  File "mr_boom.py", line 10, in mapper
    raise ValueError("cannot count a line with BOOM in it")
ValueError: cannot count a line with BOOM in it
"""


@pytest.fixture()
def sim_setup():
    return SimSetup(files={"s3://in-bucket/text/a.txt": WORDS})


def last_line(proc):
    return proc.stderr.decode().rstrip("\n").splitlines()[-1]


def word_count(*args):
    return run_job(WORD_COUNT, "-r", "emr", *FAST, *args, "s3://in-bucket/text/")


# --- a failed step ---------------------------------------------------------------------


def test_failed_step_shows_emrs_failure_details_then_the_traceback(sim):
    put(sim, "s3://in-bucket/boom/a.txt", b"fine line\nhere BOOM goes\n")
    proc = run_job(EMR_JOBS / "mr_boom.py", "-r", "emr", *FAST, "--jobconf",
                   "mapreduce.map.maxattempts=1", "s3://in-bucket/boom/a.txt")
    assert proc.returncode == 1
    err = proc.stderr.decode()
    cluster_id = the_cluster(sim)
    [step] = sim.client("emr").list_steps(ClusterId=cluster_id)["Steps"]
    details = step["Status"]["FailureDetails"]
    # EMR's account (asked for with DescribeStep), in EMR's words, then the cause
    assert sim.requests("DescribeStep") == [{"ClusterId": cluster_id, "StepId": step["Id"]}]
    head = "step %s on cluster %s failed: %s\n" % (step["Id"], cluster_id, details["Reason"])
    assert head in err
    emr_found = "EMR found: %s\n(in %s)\n" % (details["Message"], details["LogFile"])
    assert emr_found in err
    assert err.index(head) < err.index(emr_found) < err.index("Probable cause of failure:")
    assert "ValueError: cannot count a line with BOOM in it" in err
    # the log file EMR named was fetched
    log_key = details["LogFile"].split("/", 3)[3]
    assert log_key in [r.get("Key") for r in sim.requests("GetObject", "s3")]


def gzipped(text):
    return gzip.compress(text.encode())


def test_the_log_file_emr_names_is_read_directly_without_listing_the_logs(sim):
    # the task log EMR named is not under the cluster's log URI: only
    # fetching it by name can find the traceback
    container = ("s3://in-bucket/elsewhere/j-1/containers/application_1_0001/"
                 "container_1_0001_01_000002/stderr.gz")
    put(sim, container, gzipped("some noise\n" + TRACEBACK))
    fetcher = LogFetcher(make_filesystem({}), "s3://out-bucket/logs/", "j-1")
    listings = len(sim.requests("ListObjectsV2", "s3") + sim.requests("ListObjects", "s3"))
    cause = fetcher.step_cause("s-1", {"Status": {"State": "FAILED", "FailureDetails": {
        "Reason": "Unknown Error.", "LogFile": container.replace("s3://", "s3n://")}}})
    assert cause.kind == "python"
    assert cause.lines[-1] == "ValueError: cannot count a line with BOOM in it"
    assert cause.path == container
    assert len(sim.requests("ListObjectsV2", "s3") + sim.requests("ListObjects", "s3")) \
        == listings


def test_a_step_log_named_by_emr_leads_to_its_applications_task_logs(sim):
    logs = "s3://out-bucket/logs/j-2/"
    step_log = logs + "steps/s-2/stderr.gz"
    put(sim, step_log, gzipped(
        "INFO impl.YarnClientImpl: Submitted application application_7_0003\n"
        "INFO mapreduce.Job: Job job_7_0003 failed with state FAILED due to: Task failed\n"))
    # another application's log, with another error, must not be the cause
    put(sim, logs + "containers/application_7_0002/container_7_0002_01_000002/stderr.gz",
        gzipped(TRACEBACK.replace("BOOM", "OTHER")))
    put(sim, logs + "containers/application_7_0003/container_7_0003_01_000002/stderr.gz",
        gzipped(TRACEBACK))
    fetcher = LogFetcher(make_filesystem({}), "s3://out-bucket/logs/", "j-2")
    cause = fetcher.step_cause("s-2", {"Status": {"State": "FAILED", "FailureDetails": {
        "Reason": "Unknown Error.", "LogFile": step_log}}})
    assert cause.lines[-1] == "ValueError: cannot count a line with BOOM in it"
    prefixes = [r.get("Prefix") for r in sim.requests("ListObjectsV2", "s3")
                + sim.requests("ListObjects", "s3")]
    assert prefixes and all("application_7_0003" in p for p in prefixes), prefixes


def test_a_log_file_not_copied_yet_falls_back_to_emrs_message(sim):
    fetcher = LogFetcher(make_filesystem({}), "s3://out-bucket/logs/", "j-3")
    cause = fetcher.step_cause("s-3", {"Status": {"State": "FAILED", "FailureDetails": {
        "Reason": "Unknown Error.", "Message": "java.io.IOException: disk full",
        "LogFile": "s3://out-bucket/logs/j-3/steps/s-3/stderr.gz"}}})
    assert cause.kind == "unknown"
    assert cause.lines == ["java.io.IOException: disk full"]


# --- release labels ----------------------------------------------------------------------


def test_a_release_emr_does_not_list_stops_before_any_cluster(sim):
    proc = word_count("--release-label", "emr-7.99.0")
    assert proc.returncode == 2
    assert last_line(proc).endswith(
        "release_label emr-7.99.0 is not an EMR release in us-west-2; the nearest EMR offers"
        " are emr-7.14.0, emr-7.13.0, emr-7.12.0")
    assert "Traceback" not in proc.stderr.decode()
    assert sim.requests("ListReleaseLabels")
    assert sim.requests("RunJobFlow") == [] and clusters(sim) == []


def test_without_permission_to_list_releases_the_job_runs_with_one_warning(sim):
    sim.deny("ListReleaseLabels", times=10)
    proc = word_count()
    assert ok(proc) == COUNTS
    warnings = [line for line in proc.stderr.decode().splitlines() if "ListReleaseLabels" in line]
    assert len(warnings) == 1
    assert "elasticmapreduce:ListReleaseLabels" in warnings[0]
    assert "going on without checking release_label" in warnings[0]


def test_pool_scan_without_permission_for_idle_policies_joins_with_one_warning(sim):
    cluster_id = pool_cluster()
    sim.deny("GetAutoTerminationPolicy", times=100)
    proc = pooled()
    assert ok(proc) == COUNTS
    assert verdict(proc, cluster_id).startswith("accepted")
    assert clusters(sim) == [cluster_id]
    warnings = [line for line in proc.stderr.decode().splitlines()
                if "may not call EMR's GetAutoTerminationPolicy" in line]
    assert len(warnings) == 1


# --- the new cluster's settings --------------------------------------------------------

FLEETS = [
    {"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1,
     "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]},
    {"InstanceFleetType": "CORE", "TargetSpotCapacity": 2,
     "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}, {"InstanceType": "m6i.xlarge"}]},
]


def test_fleet_strategies_managed_scaling_and_security_configuration_reach_emr(sim):
    emr = sim.client("emr")
    emr.create_security_configuration(Name="imdsv2-only", SecurityConfiguration=json.dumps(
        {"InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": 2,
                                                  "HttpPutResponseHopLimit": 1}}))
    proc = word_count("--instance-fleets", json.dumps(FLEETS),
                      "--spot-allocation-strategy", "price-capacity-optimized",
                      "--on-demand-allocation-strategy", "lowest-price",
                      "--spot-timeout-action", "TERMINATE_CLUSTER",
                      "--spot-timeout-minutes", "15",
                      "--managed-scaling", "UnitType=InstanceFleetUnits",
                      "--managed-scaling", "MinimumCapacityUnits=2",
                      "--managed-scaling", "MaximumCapacityUnits=8",
                      "--managed-scaling", "MaximumOnDemandCapacityUnits=1",
                      "--security-configuration", "imdsv2-only")
    assert ok(proc) == COUNTS
    [request] = sim.requests("RunJobFlow")
    master, core = request["Instances"]["InstanceFleets"]
    assert master["LaunchSpecifications"] == {
        "OnDemandSpecification": {"AllocationStrategy": "lowest-price"}}
    assert core["LaunchSpecifications"] == {"SpotSpecification": {
        "TimeoutDurationMinutes": 15, "TimeoutAction": "TERMINATE_CLUSTER",
        "AllocationStrategy": "price-capacity-optimized"}}
    assert request["SecurityConfiguration"] == "imdsv2-only"
    # the default release, which EMR was asked about first
    assert request["ReleaseLabel"] == "emr-7.14.0" and sim.requests("ListReleaseLabels")
    cluster_id = the_cluster(sim)
    assert emr.get_managed_scaling_policy(ClusterId=cluster_id)["ManagedScalingPolicy"] == {
        "ComputeLimits": {"UnitType": "InstanceFleetUnits", "MinimumCapacityUnits": 2,
                          "MaximumCapacityUnits": 8, "MaximumOnDemandCapacityUnits": 1}}


def test_bad_managed_scaling_is_refused_before_any_request(sim):
    before = len(sim.faults.requests)  # the fixture's own set-up
    proc = word_count(*SCALING, "--managed-scaling", "MinimumCapacityUnits=5")
    assert proc.returncode == 2
    assert last_line(proc).endswith("managed_scaling: MinimumCapacityUnits (5) is more than"
                                    " MaximumCapacityUnits (4)")
    assert len(sim.faults.requests) == before  # not one AWS request


def test_fleet_settings_without_fleets_are_refused_before_any_request(sim):
    before = len(sim.faults.requests)
    proc = word_count("--spot-timeout-action", "TERMINATE_CLUSTER")
    assert proc.returncode == 2
    assert last_line(proc).endswith("spot_timeout_action needs instance fleets: set"
                                    " instance_fleets (EMR's instance groups have no"
                                    " allocation strategy or spot timeout)")
    assert len(sim.faults.requests) == before


def test_a_security_configuration_emr_does_not_have_stops_before_any_cluster(sim):
    proc = word_count("--security-configuration", "nope")
    assert proc.returncode == 2
    assert last_line(proc).endswith(
        "security_configuration nope does not exist in us-west-2: create it with 'aws emr"
        " create-security-configuration', or name another")
    assert "Traceback" not in proc.stderr.decode()
    assert sim.requests("DescribeSecurityConfiguration") == [{"Name": "nope"}]
    assert sim.requests("RunJobFlow") == [] and clusters(sim) == []


def test_pooled_jobs_match_on_managed_scaling(sim):
    scaled = pool_cluster(*SCALING)
    # other limits: a cluster set up differently, so the job starts its own
    proc = pooled("--managed-scaling", "UnitType=Instances", "--managed-scaling",
                  "MinimumCapacityUnits=1", "--managed-scaling", "MaximumCapacityUnits=5")
    assert ok(proc) == COUNTS
    assert verdict(proc, scaled).startswith("rejected (set up differently")
    started_new(sim, proc, [scaled])
    # the same limits: joined
    proc = pooled(*SCALING)
    assert ok(proc) == COUNTS
    assert verdict(proc, scaled).startswith("accepted")
