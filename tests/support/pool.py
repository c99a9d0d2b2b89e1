"""Pooled runs as the pool's end-to-end tests make them: the word count
on the pool (run to the end, or started with its log in a file), pooled
clusters made with ``create-cluster``, and reading a job's verdicts and
the cluster locks. The sim fixture's input for these is :data:`WORDS`."""

from __future__ import annotations

import re

from tests.support.emr import clusters, streamr
from tests.support.jobs import EXAMPLES, FAST, run_job, start_job

#: the input every pooled run here reads (s3://in-bucket/text/a.txt)
WORDS = b"one two two\nthree three three\n"
WORD_COUNT = EXAMPLES / "mr_word_freq_count.py"
COUNTS = b'"one"\t1\n"three"\t3\n"two"\t2\n'
#: every pooled run: no jitter, debug log
POOL = ["--pool-clusters", "--pool-jitter-seconds", "0", "-v"]


def pooled(*args, script=WORD_COUNT, timeout=120):
    """Run the word count (or *script*) on the pool; the finished process."""
    return run_job(script, "-r", "emr", *FAST, *POOL, *args, "s3://in-bucket/text/",
                   timeout=timeout)


def start_pooled(log, *args):
    """Start the word count on the pool, its stderr going to *log*."""
    return start_job(WORD_COUNT, "-r", "emr", *FAST, *POOL, *args, "s3://in-bucket/text/",
                     log_file=log)


def finished(proc, log):
    """(stdout, stderr) of a job started with :func:`start_pooled`, once it
    has ended well."""
    out, _ = proc.communicate(timeout=300)
    err = log.read_text()
    assert proc.returncode == 0, err
    return out, err


def pool_cluster(*args):
    """Start a cluster in the pool with ``create-cluster`` and wait for it."""
    created = streamr("create-cluster", "--no-conf", "--check-cluster-every", "0.05",
                      "--pool-clusters", "--wait", *args)
    assert created.exit_code == 0, created.output
    cluster_id = created.stdout.strip()
    assert re.match(r"j-[A-Z0-9]+$", cluster_id)
    return cluster_id


def verdict(proc, cluster_id):
    """What the job's debug log said last about *cluster_id*."""
    found = re.findall(r"cluster %s: (accepted|rejected|skipped)( \(.*\))?$" % cluster_id,
                       proc.stderr.decode(), re.M)
    assert found, proc.stderr.decode()
    return found[-1][0] + found[-1][1]


def started_new(sim, proc, before):
    """The cluster *proc* started (asserting it started exactly one)."""
    new = sorted(set(clusters(sim)) - set(before))
    assert len(new) == 1, (new, proc.stderr.decode())
    assert "started cluster %s" % new[0] in proc.stderr.decode()
    return new[0]


def lock_object(sim, cluster_id):
    """(bucket, key) of *cluster_id*'s lock, from its lock-dir tag."""
    tags = {t["Key"]: t["Value"] for t in
            sim.client("emr").describe_cluster(ClusterId=cluster_id)["Cluster"]["Tags"]}
    bucket, prefix = tags["streamr:lock-dir"][len("s3://"):].split("/", 1)
    return bucket, prefix + cluster_id
