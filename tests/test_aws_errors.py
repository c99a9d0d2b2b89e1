"""What a user sees when AWS says no: one line naming the URI and the fix,
a non-zero exit, and nothing half-written."""

import json
import os
import re

import pytest

from streamr.aws import AWSConnection
from streamr.errors import AWSError
from streamr.fs import make_filesystem
from tests.support.jobs import ROOT, run_script

WORD_COUNT = os.path.join(ROOT, "examples", "mr_word_freq_count.py")
#: a progress line (the first may have lost its indent to strip())
_PROGRESS = re.compile(r"^\s*step \d+ of \d+: map ")


def run_word_count(*args):
    result = run_script(WORD_COUNT, ["-r", "inline", "--no-conf", *args])
    return result.returncode, result.stderr.decode().strip()


def one_line(err: str) -> str:
    """The one line *err* holds besides the run's progress lines (no traceback)."""
    lines = [line for line in err.splitlines() if not _PROGRESS.match(line)]
    assert len(lines) == 1, err
    return lines[0]


def test_missing_input_bucket(aws):
    status, err = run_word_count("--s3-endpoint", aws.endpoint, "s3://no-such-bkt/logs/")
    assert status == 1
    assert one_line(err).endswith(
        "error: bucket 'no-such-bkt' does not exist (for s3://no-such-bkt/logs/): check the"
        " name, or create the bucket first")


def test_missing_input_key(aws):
    aws.bucket("in-bkt")
    status, err = run_word_count("--s3-endpoint", aws.endpoint, "s3://in-bkt/nothing-here")
    assert status == 2
    assert one_line(err).endswith("error: input path s3://in-bkt/nothing-here does not exist")


def test_no_credentials(aws, monkeypatch):
    aws.bucket("in-bkt")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    status, err = run_word_count("--s3-endpoint", aws.endpoint, "s3://in-bkt/a.txt")
    assert status == 2  # a set-up problem, like a usage error
    assert "error: no AWS credentials found for s3://in-bkt/a.txt: set AWS_ACCESS_KEY_ID" in (
        one_line(err))
    assert "--aws-profile" in err


def test_unknown_region(aws):
    # checked before any request, so no endpoint is needed
    status, err = run_word_count("--region", "us-wset-2", "s3://in-bkt/a.txt")
    assert status == 1
    assert "error: unknown AWS region 'us-wset-2' (did you mean 'us-west-2'?)" in one_line(err)


def test_unknown_region_from_the_environment(aws, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "mars-north-1")
    status, err = run_word_count("s3://in-bkt/a.txt")
    assert status == 1
    assert "unknown AWS region 'mars-north-1'" in one_line(err)


def test_any_region_name_goes_with_a_custom_endpoint(aws):
    # S3-compatible stores have region names of their own
    aws.bucket("in-bkt")
    aws.put("s3://in-bkt/a.txt", b"a b a\n")
    status, err = run_word_count("--s3-endpoint", aws.endpoint, "--region", "garage",
                                 "s3://in-bkt/a.txt")
    assert status == 0, err


def test_wrong_endpoint(aws):
    status, err = run_word_count("--s3-endpoint", "http://127.0.0.1:9", "s3://in-bkt/a.txt")
    assert status == 1
    assert one_line(err).endswith(
        "error: cannot connect to S3 at http://127.0.0.1:9 for s3://in-bkt/a.txt: check"
        " s3_endpoint, AWS_ENDPOINT_URL and your network")


def test_wrong_endpoint_from_the_environment(aws, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    status, err = run_word_count("--aws-max-attempts", "1", "s3://in-bkt/a.txt")
    assert status == 1
    assert one_line(err).endswith("error: cannot connect to S3 at http://127.0.0.1:9 for"
                                  " s3://in-bkt/a.txt: check s3_endpoint, AWS_ENDPOINT_URL"
                                  " and your network")


def test_unknown_profile(aws):
    status, err = run_word_count("--aws-profile", "nosuch", "s3://in-bkt/a.txt")
    assert status == 1
    assert "error: AWS profile 'nosuch' is not in your AWS config files" in one_line(err)


def test_key_without_secret(aws, tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text("runners:\n  inline:\n    aws_access_key_id: AKIA\n")
    result = run_script(WORD_COUNT, ["-r", "inline", "-c", str(conf), "--s3-endpoint",
                                     aws.endpoint, "s3://in-bkt/a.txt"])
    assert result.returncode == 1
    assert "aws_access_key_id and aws_secret_access_key go together" in one_line(
        result.stderr.decode().strip())


def test_profile_from_aws_config_is_used(aws, tmp_path, monkeypatch):
    aws.bucket("in-bkt")
    aws.put("s3://in-bkt/a.txt", b"hello hello\n")
    config = tmp_path / "aws-config"
    config.write_text("[profile team]\nregion = eu-west-1\naws_access_key_id = k\n"
                      "aws_secret_access_key = s\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # it would win over the profile's region
    connection = AWSConnection({"profile": "team", "s3_endpoint": aws.endpoint})
    assert connection.region == "eu-west-1"
    assert connection.credential_source() == "the AWS config file"
    status, err = run_word_count("--aws-profile", "team", "--s3-endpoint", aws.endpoint,
                                 "s3://in-bkt/a.txt")
    assert status == 0, err


# --- access control: moto checks signatures and IAM policies while this is on ---------


def limited_user(aws, monkeypatch, statements):
    """Use the credentials of a new IAM user whose policy is *statements*,
    with moto checking every request against IAM from now on."""
    import boto3
    import moto.settings

    iam = boto3.client("iam", endpoint_url=aws.endpoint, region_name="us-east-1")
    iam.create_user(UserName="limited")
    iam.put_user_policy(UserName="limited", PolicyName="limits", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": statements}))
    key = iam.create_access_key(UserName="limited")["AccessKey"]
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    return key


@pytest.fixture()
def reader(aws, monkeypatch):
    """Credentials that may list buckets but read nothing."""
    aws.bucket("locked-bkt")
    aws.put("s3://locked-bkt/a.txt", b"secret words\n")
    return limited_user(aws, monkeypatch, [
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}])


def test_access_denied(aws, reader):
    status, err = run_word_count("--s3-endpoint", aws.endpoint, "s3://locked-bkt/a.txt")
    assert status == 1
    assert one_line(err).endswith(
        "error: access denied to s3://locked-bkt/a.txt for the credentials from the"
        " AWS_ACCESS_KEY_ID environment variable (or those credentials are not valid): allow"
        " it in the IAM policy of those credentials and in the bucket policy")


def test_access_denied_on_a_listing_names_the_prefix(aws, reader):
    fs = make_filesystem({"s3_endpoint": aws.endpoint})
    assert fs.files("s3://locked-bkt/") == ["s3://locked-bkt/a.txt"]  # listing is allowed
    with pytest.raises(AWSError, match=r"^access denied to s3://locked-bkt/a.txt"):
        b"".join(fs.cat("s3://locked-bkt/a.txt"))


def test_rejected_credentials(aws, reader, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANOSUCHKEY")
    status, err = run_word_count("--s3-endpoint", aws.endpoint, "s3://locked-bkt/")
    assert status == 1
    assert one_line(err).endswith(
        "error: AWS rejected the credentials from the AWS_ACCESS_KEY_ID environment variable"
        " for s3://locked-bkt/ (InvalidAccessKeyId): check the access key, secret key and"
        " session token")


def test_output_bucket_that_cannot_be_checked_stops_before_running(aws, reader, tmp_path):
    text = tmp_path / "in.txt"
    text.write_text("a b a\n")
    status, err = run_word_count("--s3-endpoint", aws.endpoint, str(text),
                                 "-o", "s3://locked-bkt/out/")
    assert status == 1
    assert "error: access denied to s3://locked-bkt/ for the credentials" in one_line(err)


def test_denied_upload_leaves_no_output(aws, monkeypatch, tmp_path):
    aws.bucket("out-bkt")
    limited_user(aws, monkeypatch, [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}])
    text = tmp_path / "in.txt"
    text.write_text("a b a\n")
    status, err = run_word_count("--s3-endpoint", aws.endpoint, str(text),
                                 "-o", "s3://out-bkt/out/")
    assert status == 1
    assert "error: access denied to s3://out-bkt/out/part-00000 for the credentials" in (
        one_line(err))
    import moto.settings

    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", float("inf"))
    assert aws.keys("s3://out-bkt/out/") == []
