"""Where a job's steps run on EMR: what each placement (a given cluster, a
new cluster, a pooled cluster) does with its cluster on Ctrl-C and on
cleanup, and how steps go one at a time on a cluster that runs several at
once. EMR here is a small in-memory stand-in: these are the placements'
own decisions, the simulated-EMR tests cover the whole runs."""

import pytest

from streamr.errors import UsageError
from streamr.runners.emr.given_cluster import GivenCluster
from streamr.runners.emr.new_cluster import NewCluster
from streamr.runners.emr.placement import PlacementContext
from streamr.runners.emr.pooled_cluster import PooledCluster
from streamr.runners.emr.step_plan import StepQueue, first_batch
from streamr.runners.emr.watch import WatchResult


class FakeClusters:
    """The EMRClusters calls the placements make, remembered."""

    def __init__(self, state="WAITING", step_states=None):
        self.state = state
        self.step_states = dict(step_states or {})
        self.terminated = []
        self.cancelled = []
        self.added = []
        self.keep_alive = None

    def describe(self, cluster_id):
        return {"Id": cluster_id, "Status": {"State": self.state},
                "LogUri": "s3n://their-logs/", "StepConcurrencyLevel": 1}

    def steps(self, cluster_id, step_ids=None):
        return [{"Id": s, "Status": {"State": self.step_states[s]}}
                for s in (step_ids or self.step_states)]

    def cancel_steps(self, cluster_id, step_ids):
        self.cancelled.extend(step_ids)

    def terminate(self, cluster_id):
        self.terminated.append(cluster_id)

    def add_steps(self, cluster_id, steps):
        ids = ["s-%d" % (len(self.added) + i + 1) for i in range(len(steps))]
        self.added.extend(steps)
        for step_id in ids:
            self.step_states[step_id] = "PENDING"
        return ids

    def set_keep_alive(self, cluster_id, keep_alive):
        self.keep_alive = keep_alive


class FakeFs:
    def __init__(self):
        self.removed = []

    def rm(self, uri):
        self.removed.append(uri)

    def exists(self, uri):
        return True


class FakeLock:
    held = True

    def __init__(self):
        self.released = 0

    def release(self):
        self.released += 1
        self.held = False


def _ctx(clusters, opts=None):
    return PlacementContext(opts=dict(opts or {}), clusters=clusters, connection=None,
                            fs=FakeFs(), starter=None, job_key="job.key",
                            log_uri="s3://bkt/logs/", lock_dir="s3://bkt/locks/",
                            partial_outputs=(), every=0)


def _placed(cls, clusters, *args, step_ids=("s-1", "s-2")):
    placement = cls(_ctx(clusters), *args)
    placement.cluster_id = "j-1"
    placement.steps.ids = list(step_ids)
    return placement


def test_only_a_new_cluster_is_the_jobs_own():
    assert NewCluster.owns_cluster
    assert not GivenCluster.owns_cluster
    assert not PooledCluster.owns_cluster


def test_ctrl_c_on_a_new_cluster_terminates_it():
    clusters = FakeClusters(step_states={"s-1": "RUNNING", "s-2": "PENDING"})
    placement = _placed(NewCluster, clusters)
    placement.interrupted()
    assert clusters.terminated == ["j-1"]
    assert clusters.cancelled == []
    assert placement.steps.ids == []  # they ended with the cluster


@pytest.mark.parametrize("cls, args", [(GivenCluster, ("j-1",)), (PooledCluster, ())])
def test_ctrl_c_on_a_shared_cluster_cancels_only_the_jobs_unfinished_steps(cls, args):
    clusters = FakeClusters(step_states={"s-0": "RUNNING", "s-1": "COMPLETED",
                                         "s-2": "RUNNING"})
    placement = _placed(cls, clusters, *args)
    placement.interrupted()
    assert clusters.cancelled == ["s-2"]
    assert clusters.terminated == []


def test_ctrl_c_before_any_cluster_does_nothing():
    clusters = FakeClusters()
    NewCluster(_ctx(clusters)).interrupted()
    assert clusters.terminated == clusters.cancelled == []


def test_ctrl_c_on_a_pooled_cluster_lets_go_of_its_lock():
    clusters = FakeClusters(step_states={"s-1": "PENDING", "s-2": "PENDING"})
    placement = _placed(PooledCluster, clusters)
    placement.lock = FakeLock()
    placement.interrupted()
    assert placement.lock.released == 1


def test_cleanup_of_a_new_cluster_terminates_it_and_removes_its_logs():
    clusters = FakeClusters(step_states={"s-1": "COMPLETED", "s-2": "COMPLETED"})
    placement = _placed(NewCluster, clusters)
    placement.cleanup({"CLUSTER", "LOGS"})
    assert clusters.terminated == ["j-1"]
    assert placement.ctx.fs.removed == ["s3://bkt/logs/j-1/"]


def test_cleanup_does_not_terminate_a_new_cluster_that_has_ended():
    clusters = FakeClusters(state="TERMINATED")
    placement = _placed(NewCluster, clusters)
    placement.cleanup({"ALL"})
    assert clusters.terminated == []
    assert placement.ctx.fs.removed == []  # ALL keeps the logs


@pytest.mark.parametrize("cls, args", [(GivenCluster, ("j-1",)), (PooledCluster, ())])
def test_cleanup_of_a_shared_cluster_only_cancels_the_jobs_steps(cls, args):
    clusters = FakeClusters(step_states={"s-1": "COMPLETED", "s-2": "PENDING"})
    placement = _placed(cls, clusters, *args)
    placement.cleanup({"ALL", "CLUSTER", "LOGS"})
    assert clusters.cancelled == ["s-2"]
    assert clusters.terminated == []
    assert placement.ctx.fs.removed == []


def test_cleanup_without_job_mode_leaves_the_steps():
    clusters = FakeClusters(step_states={"s-1": "RUNNING"})
    placement = _placed(GivenCluster, clusters, "j-1", step_ids=["s-1"])
    placement.cleanup({"CLOUD_TMP"})
    assert clusters.cancelled == []


def test_cleanup_of_a_pooled_cluster_lets_go_of_its_lock():
    placement = _placed(PooledCluster, FakeClusters(step_states={"s-1": "COMPLETED"}),
                        step_ids=["s-1"])
    placement.lock = FakeLock()
    placement.cleanup({"LOCAL_TMP"})
    assert placement.lock.released == 1


def test_a_given_cluster_that_has_ended_is_refused_before_uploads():
    placement = GivenCluster(_ctx(FakeClusters(state="TERMINATED")), "j-9")
    with pytest.raises(UsageError, match="cluster j-9 is TERMINATED; it can run no more"):
        placement.prepare([{"Name": "one"}])


def test_a_given_cluster_gets_the_steps_and_its_log_uri_is_kept():
    clusters = FakeClusters()
    placement = GivenCluster(_ctx(clusters), "j-1")
    placement.prepare([{"Name": "one"}, {"Name": "two"}])
    assert placement.run(lambda **_: "done") == "done"
    assert placement.cluster_id == "j-1"
    assert placement.log_uri == "s3n://their-logs/"
    assert placement.steps.ids == ["s-1", "s-2"]


def test_steps_go_one_at_a_time_on_a_cluster_that_runs_several():
    assert first_batch(["a", "b", "c"], 1) == (["a", "b", "c"], [])
    assert first_batch(["a", "b", "c"], None) == (["a", "b", "c"], [])
    assert first_batch(["a", "b", "c"], 4) == (["a"], ["b", "c"])


def test_the_next_step_is_sent_once_the_ones_before_it_completed():
    clusters = FakeClusters(step_states={"s-0": "COMPLETED"})
    queue = StepQueue(ids=["s-0"], waiting=[{"Name": "two"}], end_with_last_step=True)
    waiting = WatchResult({"Status": {"State": "RUNNING"}},
                          {"s-0": {"Status": {"State": "RUNNING"}}})
    assert not queue.send_next(clusters, "j-1", waiting)
    done = WatchResult({"Status": {"State": "WAITING"}},
                       {"s-0": {"Status": {"State": "COMPLETED"}}})
    assert queue.send_next(clusters, "j-1", done)
    assert queue.ids == ["s-0", "s-1"] and queue.waiting == []
    assert clusters.keep_alive is False  # the job's own cluster ends after its last step
    assert queue.labels(2) == {"s-0": "Step 1 of 2", "s-1": "Step 2 of 2"}


def test_no_step_is_sent_to_a_cluster_that_has_ended():
    queue = StepQueue(ids=["s-0"], waiting=[{"Name": "two"}])
    ended = WatchResult({"Status": {"State": "TERMINATED"}},
                        {"s-0": {"Status": {"State": "COMPLETED"}}})
    assert not queue.send_next(FakeClusters(), "j-1", ended)
