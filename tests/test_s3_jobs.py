"""Jobs reading from and writing to S3 (moto on 127.0.0.1), with the inline
and local runners."""

import bz2
import gzip
import os

import pytest

from streamr.errors import AWSError
from streamr.fs.s3 import S3Filesystem
from tests.jobs.mr_features import MREnvReport
from tests.jobs.mr_local_jobs import MRLineCount
from tests.support.jobs import JOBS, ROOT, json_lines, read_parts, run_script

WORD_COUNT = os.path.join(ROOT, "examples", "mr_word_freq_count.py")
TEXT = os.path.join(ROOT, "examples", "data", "river-tales.txt")
LOCAL_JOBS = os.path.join(JOBS, "mr_local_jobs.py")


@pytest.fixture(scope="module")
def local_word_count(tmp_path_factory):
    """The word count of the bundled text, run locally from a local file."""
    out = tmp_path_factory.mktemp("wc") / "out"
    result = run_script(WORD_COUNT, ["-r", "local", "--no-conf", TEXT, "-o", str(out)])
    assert result.returncode == 0, result.stderr
    return read_parts(str(out))


def _split_text_into(aws, prefix, pieces=3):
    """The bundled text cut at line boundaries into *pieces* objects: plain,
    gzipped and bzip2ed."""
    with open(TEXT, "rb") as handle:
        lines = handle.readlines()
    size = len(lines) // pieces + 1
    chunks = [b"".join(lines[i:i + size]) for i in range(0, len(lines), size)]
    codecs = [("txt", lambda b: b), ("txt.gz", gzip.compress), ("txt.bz2", bz2.compress)]
    for num, chunk in enumerate(chunks):
        suffix, compress = codecs[num % len(codecs)]
        aws.put("%spart-%d.%s" % (prefix, num, suffix), compress(chunk))


def _output_of(aws, prefix):
    keys = aws.keys(prefix)
    parts = sorted(k for k in keys if k.rsplit("/", 1)[1].startswith("part-"))
    bucket = prefix[len("s3://"):].split("/", 1)[0]
    return b"".join(aws.get("s3://%s/%s" % (bucket, k)) for k in parts), keys


def test_local_word_count_reads_and_writes_s3(aws, local_word_count):
    aws.bucket("in-bkt")
    aws.bucket("out-bkt")
    _split_text_into(aws, "s3://in-bkt/texts/")
    result = run_script(WORD_COUNT, ["-r", "local", "--no-conf", "--s3-endpoint", aws.endpoint,
                                     "s3://in-bkt/texts/", "-o", "s3://out-bkt/wc/"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""  # -o given: no printing unless asked
    data, keys = _output_of(aws, "s3://out-bkt/wc/")
    assert "wc/_SUCCESS" in keys
    assert not any("_temporary" in key for key in keys)
    assert sorted(data.splitlines()) == sorted(local_word_count.splitlines())
    assert data == local_word_count  # the same reducers' key ranges, in name order
    assert b"copied 3 input file(s)" in result.stderr


def test_inline_word_count_through_aws_endpoint_url(aws, monkeypatch, local_word_count):
    aws.bucket("in-bkt")
    aws.bucket("out-bkt")
    _split_text_into(aws, "s3://in-bkt/texts/")
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    result = run_script(WORD_COUNT, ["-r", "inline", "--no-conf", "s3://in-bkt/texts/part-*",
                                     "-o", "s3://out-bkt/wc", "--cat-output"])
    assert result.returncode == 0, result.stderr
    data, keys = _output_of(aws, "s3://out-bkt/wc/")
    assert sorted(result.stdout.splitlines()) == sorted(local_word_count.splitlines())
    assert result.stdout == data
    assert "wc/_SUCCESS" in keys


def test_tasks_are_told_the_s3_uri_they_read(aws):
    aws.bucket("in-bkt")
    aws.put("s3://in-bkt/logs/a.txt.gz", gzip.compress(b"one\ntwo\n"))
    result = run_script(LOCAL_JOBS, ["-r", "local", "--no-conf", "--s3-endpoint", aws.endpoint,
                                     "s3://in-bkt/logs/"],
                        env={"STREAMR_TEST_JOB": "MRSplitReport"})
    assert result.returncode == 0, result.stderr
    maps = [value for key, value in json_lines(result.stdout) if key[0] == "map"]
    assert [m["input_file"] for m in maps] == ["s3://in-bkt/logs/a.txt.gz"]
    assert maps[0]["lines"] == ["one", "two"]


def test_inline_tasks_see_the_s3_uri_too(aws):
    aws.bucket("in-bkt")
    aws.put("s3://in-bkt/logs/a.txt", b"x\n")
    job = MREnvReport(["-r", "inline", "--no-conf", "--s3-endpoint", aws.endpoint,
                       "s3://in-bkt/logs/a.txt"])
    with job.make_runner() as runner:
        runner.run()
        pairs = dict(job.parse_output(runner.cat_output()))
    assert pairs["input_file"] == "a.txt"


def test_date_aliases_pick_s3_inputs_by_day(aws):
    aws.bucket("in-bkt")
    for day in ("2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21"):
        aws.put("s3://in-bkt/logs/log-%s-0.gz" % day, gzip.compress(day.encode() + b"\n"))
    result = run_script(LOCAL_JOBS, ["-r", "inline", "--no-conf", "--s3-endpoint", aws.endpoint,
                                     "--as-of", "2026-11-21", "s3://in-bkt/logs/log-$[last_days:3]*"],
                        env={"STREAMR_TEST_JOB": "MRSplitReport"})
    assert result.returncode == 0, result.stderr
    lines = [line for key, value in json_lines(result.stdout) if key[0] == "map"
             for line in value["lines"]]
    assert sorted(lines) == ["2026-11-18", "2026-11-19", "2026-11-20"]


def test_date_alias_matching_nothing_on_s3_names_the_dates(aws):
    aws.bucket("in-bkt")
    aws.put("s3://in-bkt/logs/log-2026-11-01.gz", gzip.compress(b"x\n"))
    result = run_script(WORD_COUNT, ["-r", "local", "--no-conf", "--s3-endpoint", aws.endpoint,
                                     "--as-of", "2026-11-21", "--date-format", "%Y%m%d",
                                     "s3://in-bkt/logs/log-$[last_days:2]*"])
    assert result.returncode == 2
    err = result.stderr.decode().strip()
    assert err.count("\n") == 0
    assert ("input path s3://in-bkt/logs/log-$[last_days:2]* matched nothing on any of the"
            " dates tried: 2026-11-19, 2026-11-20 (e.g. s3://in-bkt/logs/log-20261120*)") in err


def test_thousands_of_input_keys(aws):
    aws.bucket("in-bkt")
    # more than one listing page of 1,000 keys
    aws.seed("in-bkt", ["many/k-%05d" % n for n in range(1050)],
             lambda key: b"%d\n" % int(key.rsplit("-", 1)[1]))
    job_args = ["-r", "inline", "--no-conf", "--s3-endpoint", aws.endpoint, "s3://in-bkt/many/"]
    result = run_script(LOCAL_JOBS, job_args, env={"STREAMR_TEST_JOB": "MRLineCount"})
    assert result.returncode == 0, result.stderr
    pairs = json_lines(result.stdout)
    assert sorted(int(line) for line, _ in pairs) == list(range(1050))
    assert {count for _, count in pairs} == {1}


def test_output_that_already_exists_is_refused_before_running(aws):
    aws.bucket("in-bkt")
    aws.bucket("out-bkt")
    aws.put("s3://in-bkt/a.txt", b"a b\n")
    aws.put("s3://out-bkt/wc/part-00000", b"old\n")
    result = run_script(WORD_COUNT, ["-r", "local", "--no-conf", "--s3-endpoint", aws.endpoint,
                                     "s3://in-bkt/a.txt", "-o", "s3://out-bkt/wc/"])
    assert result.returncode == 2
    assert result.stderr.decode().strip().endswith(
        "output directory s3://out-bkt/wc/ already holds output; remove it or choose another")
    assert aws.get("s3://out-bkt/wc/part-00000") == b"old\n"


def test_missing_output_bucket_is_refused_before_running(aws):
    aws.bucket("in-bkt")
    aws.put("s3://in-bkt/a.txt", b"a b\n")
    result = run_script(WORD_COUNT, ["-r", "local", "--no-conf", "--s3-endpoint", aws.endpoint,
                                     "s3://in-bkt/a.txt", "-o", "s3://no-such-bkt/wc/"])
    assert result.returncode == 1
    err = result.stderr.decode().strip()
    assert err.endswith("error: bucket 'no-such-bkt' does not exist (for the output"
                        " s3://no-such-bkt/wc/): check the name, or create the bucket first")
    assert "copied" not in err  # nothing was read


def test_failed_upload_leaves_no_output(aws, monkeypatch):
    aws.bucket("in-bkt")
    aws.bucket("out-bkt")
    aws.put("s3://in-bkt/a.txt", b"".join(b"line %d\n" % n for n in range(40)))
    real_put = S3Filesystem.put
    calls = []

    def flaky_put(self, local, uri):
        calls.append(uri)
        if len(calls) == 2:
            raise AWSError("injected: upload of %s failed" % uri)
        real_put(self, local, uri)

    monkeypatch.setattr(S3Filesystem, "put", flaky_put)
    job = MRLineCount(["-r", "inline", "--no-conf", "--s3-endpoint", aws.endpoint,
                       "-D", "mapreduce.job.reduces=3", "s3://in-bkt/a.txt",
                       "-o", "s3://out-bkt/out/"])
    with pytest.raises(AWSError, match="injected"), job.make_runner() as runner:
        runner.run()
    assert calls[0].endswith("part-00000") and calls[1].endswith("part-00001")
    assert aws.keys("s3://out-bkt/out/") == []  # the first part was removed again


def test_no_cat_output_prints_nothing(aws):
    aws.bucket("in-bkt")
    aws.put("s3://in-bkt/a.txt", b"a b\n")
    args = ["-r", "inline", "--no-conf", "--s3-endpoint", aws.endpoint, "s3://in-bkt/a.txt"]
    assert run_script(WORD_COUNT, args).stdout != b""
    result = run_script(WORD_COUNT, args + ["--no-cat-output"])
    assert result.returncode == 0 and result.stdout == b""


def test_cat_output_in_python_reads_s3_output(aws):
    aws.bucket("in-bkt")
    aws.bucket("out-bkt")
    aws.put("s3://in-bkt/a.txt", b"x\n")
    job = MREnvReport(["-r", "inline", "--no-conf", "--s3-endpoint", aws.endpoint,
                       "s3://in-bkt/a.txt", "-o", "s3://out-bkt/report"])
    with job.make_runner() as runner:
        runner.run()
        assert runner.get_output_dir() == "s3://out-bkt/report"
        pairs = dict(job.parse_output(runner.cat_output()))
    assert pairs["input_file"] == "a.txt"
    assert "report/_SUCCESS" in aws.keys("s3://out-bkt/report/")


def test_stdin_and_s3_inputs_mix(aws):
    aws.bucket("in-bkt")
    aws.put("s3://in-bkt/a.txt", b"from s3\n")
    result = run_script(LOCAL_JOBS, ["-r", "local", "--no-conf", "--s3-endpoint", aws.endpoint,
                                     "-", "s3://in-bkt/a.txt"], stdin=b"from stdin\n",
                        env={"STREAMR_TEST_JOB": "MRLineCount"})
    assert result.returncode == 0, result.stderr
    assert sorted(json_lines(result.stdout)) == [("from s3", 1), ("from stdin", 1)]


def test_local_output_is_still_staged_and_marked(tmp_path, local_word_count):
    out = tmp_path / "out"
    result = run_script(WORD_COUNT, ["-r", "local", "--no-conf", TEXT, "-o", str(out)])
    assert result.returncode == 0, result.stderr
    assert "_SUCCESS" in os.listdir(out)
    assert not (out / "_temporary").exists()
    assert read_parts(str(out)) == local_word_count


def test_output_check_looks_only_at_the_directory_itself(aws, tmp_path):
    aws.bucket("in-bkt")
    aws.bucket("out-bkt")
    aws.put("s3://in-bkt/a.txt", b"a b\n")
    aws.put("s3://out-bkt/daily/2026-11-20/part-00000", b"other run\n")
    result = run_script(WORD_COUNT, ["-r", "inline", "--no-conf", "--s3-endpoint", aws.endpoint,
                                     "s3://in-bkt/a.txt", "-o", "s3://out-bkt/daily/"])
    assert result.returncode == 0, result.stderr
    assert "daily/_SUCCESS" in aws.keys("s3://out-bkt/daily/")
    # a killed local run's leftovers do not block the next one
    out = tmp_path / "out"
    (out / "_temporary").mkdir(parents=True)
    (out / "_temporary" / "part-00000").write_bytes(b"half\n")
    result = run_script(WORD_COUNT, ["-r", "local", "--no-conf", TEXT, "-o", str(out)])
    assert result.returncode == 0, result.stderr
    assert "_SUCCESS" in os.listdir(out)


def test_glob_matches_leave_out_hidden_names(aws):
    aws.bucket("in-bkt")
    aws.put("s3://in-bkt/runs/a/part-00000", b"kept\n")
    aws.put("s3://in-bkt/runs/a/_SUCCESS", b"")
    aws.put("s3://in-bkt/runs/_logs/x", b"log\n")
    result = run_script(LOCAL_JOBS, ["-r", "inline", "--no-conf", "--s3-endpoint", aws.endpoint,
                                     "s3://in-bkt/runs/*", "s3://in-bkt/runs/a/*"],
                        env={"STREAMR_TEST_JOB": "MRLineCount"})
    assert result.returncode == 0, result.stderr
    assert json_lines(result.stdout) == [("kept", 2)]
