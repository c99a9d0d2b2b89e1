"""The EMR runner end to end, against the simulated EMR (moto as an HTTP
server plus a driver that runs bootstrap actions and Hadoop streaming
steps on sandboxed nodes; see tests/emr_sim).

Jobs run as a user runs them (``python job.py -r emr ...`` in a
subprocess that reaches the simulator through ``AWS_ENDPOINT_URL``), or
in this process when a test needs the runner object."""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.emr import keys, put, the_cluster, tmp_bucket_keys
from tests.support.jobs import EMR_JOBS, EXAMPLES, FAST, ROOT, ok, run_job

pytestmark = pytest.mark.slow


# --- the examples, compared with the local runner -------------------------------------------

EXAMPLE_RUNS = {
    "mr_word_freq_count.py": ("river-tales.txt", []),
    "mr_most_used_word.py": ("river-tales.txt", []),
    "mr_url_access_count.py": ("access.log", []),
    "mr_event_count.py": ("events.jsonl.gz", []),
}


@pytest.mark.parametrize("script", sorted(EXAMPLE_RUNS))
def test_examples_give_the_local_runners_output(sim, script):
    data, extra = EXAMPLE_RUNS[script]
    put(sim, "s3://in-bucket/data/" + data, (EXAMPLES / "data" / data).read_bytes())
    local = ok(run_job(EXAMPLES / script, "-r", "local", "--no-conf", *extra,
                       EXAMPLES / "data" / data))
    on_emr = ok(run_job(EXAMPLES / script, "-r", "emr", *FAST, *extra, "s3://in-bucket/data/"))
    assert on_emr == local
    assert len(on_emr.splitlines()) > 0


def test_output_goes_to_s3_and_the_cluster_is_gone(sim, tmp_path):
    put(sim, "s3://in-bucket/text/a.txt", b"one two two\nthree three three\n")
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "s3://in-bucket/text/", "-o", "s3://out-bucket/counts/")
    assert ok(proc) == b""  # with -o, output is not printed
    assert sorted(keys(sim, "s3://out-bucket/counts/")) == ["counts/_SUCCESS",
                                                            "counts/part-00000"]
    part = sim.s3.get_object(Bucket="out-bucket", Key="counts/part-00000")["Body"].read()
    assert part == b'"one"\t1\n"three"\t3\n"two"\t2\n'
    cluster_id = the_cluster(sim)
    assert sim.wait_for_cluster(cluster_id, "TERMINATED") == "TERMINATED"
    # the run's own S3 directory is removed (cleanup ALL); shared files stay
    assert not [k for k in tmp_bucket_keys(sim) if ".20" in k.split("/")[1]]
    log = proc.stderr.decode()
    assert "started cluster %s" % cluster_id in log
    assert "Step 1 of 1" in log and "COMPLETED" in log
    assert "Counters:" in log and "Map input records=2" in log


def test_files_are_uploaded_once_per_content(sim):
    put(sim, "s3://in-bucket/text/a.txt", b"x y\n")
    ok(run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST, "s3://in-bucket/text/"))
    first = set(tmp_bucket_keys(sim, "tmp/files/"))
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "s3://in-bucket/text/")
    ok(proc)
    assert set(tmp_bucket_keys(sim, "tmp/files/")) == first
    assert "uploaded 0 file(s)" in proc.stderr.decode()


def test_local_input_stdin_and_local_output_dir(sim, tmp_path):
    text = tmp_path / "words.txt"
    text.write_bytes(b"b a\n")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "mr_word_freq_count.py"), "-r", "emr", *FAST,
         str(text), "-", "-o", str(out)],
        input=b"a c\n", capture_output=True, timeout=120, cwd=str(ROOT))
    ok(proc)
    assert sorted(os.listdir(out)) == ["_SUCCESS", "part-00000"]
    assert (out / "part-00000").read_bytes() == b'"a"\t2\n"b"\t1\n"c"\t1\n'


def test_what_tasks_see(sim, tmp_path):
    lookup = tmp_path / "lookup.txt"
    lookup.write_text("looked up\n")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "inside.txt").write_text("in a dir\n")
    put(sim, "s3://in-bucket/one/x.txt", b"line\n")
    out = ok(run_job(EMR_JOBS / "mr_task_facts.py", "-r", "emr", *FAST, "--greeting", "bonjour",
                     "--lookup", lookup, "--dirs", "%s#datadir" % data_dir,
                     "--setup", "touch setup-ran.txt", "--cmdenv", "STREAMR_CHECK=yes",
                     "s3://in-bucket/one/x.txt"))
    key, facts = out.decode().rstrip("\n").split("\t")
    facts = json.loads(facts)
    assert {"mr_task_facts.py", "streamr.zip", "lookup.txt", "datadir",
            "streamr-setup.sh"} <= set(facts["files"])
    assert facts["setup_ran"] is True
    assert facts["greeting"] == "bonjour"
    assert facts["lookup"] == "looked up"
    assert facts["pythonpath"].split(":")[0] == "streamr.zip"
    assert facts["cmdenv"] == "yes"
    assert facts["input_file"] == "s3://in-bucket/one/x.txt"
    # tasks ran with only the standard library (the zip gave them streamr)
    assert facts["site_packages"] == []


def test_multi_step_job_chains_through_s3(sim):
    put(sim, "s3://in-bucket/text/a.txt", (EXAMPLES / "data" / "river-tales.txt").read_bytes())
    proc = run_job(EXAMPLES / "mr_most_used_word.py", "-r", "emr", *FAST,
                   "s3://in-bucket/text/", "--cleanup", "NONE")
    ok(proc)
    cluster_id = the_cluster(sim)
    steps = sim.client("emr").list_steps(ClusterId=cluster_id)["Steps"]
    assert len(steps) == 2
    first, second = sorted(steps, key=lambda s: s["Name"])
    first_args = first["Config"]["Args"]
    intermediate = first_args[first_args.index("-output") + 1]
    assert "/step-output/0000/" in intermediate
    second_args = second["Config"]["Args"]
    assert second_args[second_args.index("-input") + 1] == intermediate
    assert [k for k in keys(sim, intermediate) if k.endswith("_SUCCESS")]


def test_jar_step_gets_its_input_and_output(sim):
    seen = {}

    def upper_jar(args, jar):
        seen["args"] = list(args)
        source, target = args[-2], args[-1]
        for uri in jar.list(source):
            if uri.rsplit("/", 1)[-1].startswith(("_", ".")):
                continue
            jar.write(target.rstrip("/") + "/part-00000", jar.read(uri).upper())
        jar.write(target.rstrip("/") + "/_SUCCESS", b"")

    sim.register_jar("s3://jar-bucket/upper.jar", upper_jar)
    put(sim, "s3://in-bucket/text/a.txt", b"a b a\n")
    out = ok(run_job(EMR_JOBS / "mr_jar_then_count.py", "-r", "emr", *FAST,
                     "s3://in-bucket/text/"))
    assert out == b'"A"\t2\n"B"\t1\n'
    assert seen["args"][:2] == ["-D", "upper.mode=all"]
    assert seen["args"][2] == "s3://in-bucket/text/"
    assert "/step-output/0000/" in seen["args"][3]


def test_failing_mapper_shows_traceback_and_input(sim):
    put(sim, "s3://in-bucket/boom/a.txt", b"fine line\nhere BOOM goes\n")
    proc = run_job(EMR_JOBS / "mr_boom.py", "-r", "emr", *FAST, "--jobconf",
                   "mapreduce.map.maxattempts=2", "s3://in-bucket/boom/a.txt")
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "Step 1 of 1 failed" in err
    assert "Probable cause of failure:" in err
    assert "ValueError: cannot count a line with BOOM in it" in err
    # the job's own frames, named as the job names its file; none of streamr's
    assert 'File "mr_boom.py", line 10, in mapper' in err
    assert "streamr.zip" not in err
    assert "while reading s3://in-bucket/boom/a.txt (bytes 0-" in err
    assert "/containers/application_" in err  # which log it came from
    # the cluster this job started is terminated (TERMINATE_CLUSTER on failure)
    cluster_id = the_cluster(sim)
    assert sim.wait_for_cluster(cluster_id, "TERMINATED_WITH_ERRORS", "TERMINATED")


def test_bootstrap_commands_with_uploaded_files(sim, tmp_path):
    script = tmp_path / "prepare.sh"
    script.write_text("echo prepared with \"$1\"\necho from-script >&2\n")
    put(sim, "s3://in-bucket/text/a.txt", b"x\n")
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "--bootstrap", "sh %s# first" % script,
                   "--bootstrap", "echo second > second.txt", "s3://in-bucket/text/",
                   "--num-core-instances", "1")
    ok(proc)
    cluster_id = the_cluster(sim)
    runs = sim.bootstrap_runs(cluster_id)
    # streamr's script ran on every node (master and one core), and succeeded
    assert {(r.role, r.returncode) for r in runs} == {("MASTER", 0), ("CORE", 0)}
    master = [r for r in runs if r.role == "MASTER"][0]
    # the uploaded file was fetched into the bootstrap directory, where the
    # commands ran
    bootstrap_dir = Path(master.node_dir) / "bootstrap"
    assert (bootstrap_dir / "prepare.sh").read_text() == script.read_text()
    assert (bootstrap_dir / "second.txt").read_text() == "second\n"
    logs = [k for k in tmp_bucket_keys(sim, "tmp/logs/%s/node/%s/" % (cluster_id,
                                                                       master.instance_id))]
    stdout_key = [k for k in logs if k.endswith("/1/stdout.gz")][0]
    bucket = [b["Name"] for b in sim.s3.list_buckets()["Buckets"]
              if b["Name"].startswith("streamr-tmp-")][0]
    stdout = gzip.decompress(sim.s3.get_object(Bucket=bucket, Key=stdout_key)["Body"].read())
    assert b"prepared with first" in stdout


def test_failing_bootstrap_is_explained(sim):
    put(sim, "s3://in-bucket/text/a.txt", b"x\n")
    proc = run_job(EXAMPLES / "mr_word_freq_count.py", "-r", "emr", *FAST,
                   "--bootstrap", "echo about to fail >&2; exit 3", "s3://in-bucket/text/")
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "BOOTSTRAP_FAILURE" in err
    assert "Probable cause of failure:" in err
    assert "bootstrap action 1" in err
    assert "about to fail" in err
