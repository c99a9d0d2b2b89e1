"""Connections to AWS: one boto3 session per set of options, clients with
botocore's retry modes and endpoint overrides, and AWS's refusals turned
into one line that says what to fix.

Credentials, region, retry mode and endpoints follow boto3's own
conventions (environment, ``~/.aws/config``, instance role); the options
``aws_access_key_id``, ``aws_secret_access_key``, ``aws_session_token``,
``profile``, ``region``, ``s3_endpoint``, ``emr_endpoint``,
``aws_retry_mode`` and ``aws_max_attempts`` override them when set.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Iterator
from typing import Any

from streamr.errors import AWSError, AWSSetupError

__all__ = ["AWSConnection", "DEFAULT_REGION", "aws_refused", "describe_aws_error"]

#: region used when neither the options nor boto3's configuration name one
DEFAULT_REGION = "us-west-2"

# retry attempts per service when neither the options nor boto3's
# configuration set any: EMR's Describe/List calls are throttled often
_DEFAULT_MAX_ATTEMPTS = {"emr": 8}

_ENDPOINT_OPTIONS = {"s3": "s3_endpoint", "emr": "emr_endpoint",
                     "emr-serverless": "emr_serverless_endpoint"}


class AWSConnection:
    """A boto3 session built from runner options, handing out clients.

    *opts* is a mapping of option names to values; missing names count as
    unset. Nothing talks to AWS until a client makes a call."""

    def __init__(self, opts: dict):
        self._opts = dict(opts)
        self._session = None
        self._clients: dict = {}

    @property
    def session(self):
        if self._session is None:
            self._session = self._make_session()
        return self._session

    def _make_session(self):
        import boto3
        import botocore.exceptions

        opts = self._opts
        try:
            session = boto3.session.Session(
                aws_access_key_id=opts.get("aws_access_key_id") or None,
                aws_secret_access_key=opts.get("aws_secret_access_key") or None,
                aws_session_token=opts.get("aws_session_token") or None,
                profile_name=opts.get("profile") or None,
                region_name=opts.get("region") or None,
            )
        except botocore.exceptions.ProfileNotFound as exc:
            raise AWSError("AWS profile %r is not in your AWS config files (~/.aws/config,"
                           " ~/.aws/credentials); check profile / --aws-profile"
                           % exc.kwargs.get("profile")) from None
        if bool(opts.get("aws_access_key_id")) != bool(opts.get("aws_secret_access_key")):
            raise AWSError("aws_access_key_id and aws_secret_access_key go together; set"
                           " both or neither")
        if not self._custom_endpoint():
            # other stores behind an endpoint may have regions of their own
            _check_region(session, session.region_name or DEFAULT_REGION)
        return session

    def _custom_endpoint(self) -> bool:
        import os

        if any(self._opts.get(name) for name in _ENDPOINT_OPTIONS.values()):
            return True
        return any(os.environ.get(name) for name in (
            "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_EMR"))

    @property
    def region(self) -> str:
        """The region in use, which is the ``region`` option, else boto3's
        configured region, else :data:`DEFAULT_REGION`."""
        return self.session.region_name or DEFAULT_REGION

    def endpoint(self, service: str) -> str | None:
        """The endpoint URL the options give for *service* (None: boto3
        decides, which honours ``AWS_ENDPOINT_URL`` and friends)."""
        name = _ENDPOINT_OPTIONS.get(service)
        return (self._opts.get(name) or None) if name else None

    def client(self, service: str, region: str | None = None):
        """A boto3 client for *service* in *region* (default: :attr:`region`),
        made once per connection."""
        region = region or self.region
        if (service, region) not in self._clients:
            from botocore.config import Config

            config = Config(retries=self._retries(service),
                            user_agent_extra="streamr")
            self._clients[service, region] = self.session.client(
                service, region_name=region, endpoint_url=self.endpoint(service),
                config=config)
        return self._clients[service, region]

    def _retries(self, service: str) -> dict:
        botocore_session = self.session._session
        mode = self._opts.get("aws_retry_mode") or botocore_session.get_config_variable(
            "retry_mode")
        if mode not in ("standard", "adaptive"):
            mode = "standard"  # botocore's old "legacy" mode retries too little
        attempts = self._opts.get("aws_max_attempts") or botocore_session.get_config_variable(
            "max_attempts") or _DEFAULT_MAX_ATTEMPTS.get(service)
        retries: dict[str, Any] = {"mode": mode}
        if attempts:
            retries["total_max_attempts"] = int(attempts)
        return retries

    def credential_source(self) -> str:
        """Where the credentials in use came from, in words (for messages)."""
        try:
            creds = self.session.get_credentials()
        except Exception:
            return "unknown source"
        if creds is None:
            return "nowhere"
        return _CREDENTIAL_METHODS.get(creds.method, creds.method)


_CREDENTIAL_METHODS = {
    "explicit": "the aws_access_key_id option",
    "env": "the AWS_ACCESS_KEY_ID environment variable",
    "shared-credentials-file": "the AWS credentials file",
    "config-file": "the AWS config file",
    "iam-role": "the instance role",
    "container-role": "the container role",
    "assume-role": "an assumed role",
    "sso": "AWS SSO",
}


def _check_region(session, region: str) -> None:
    known = set()
    for partition in session.get_available_partitions():
        known.update(session.get_available_regions("s3", partition_name=partition))
    if not known or region in known:
        return
    close = difflib.get_close_matches(region, sorted(known), n=1)
    hint = " (did you mean %r?)" % close[0] if close else ""
    raise AWSError("unknown AWS region %r%s; check the region option or AWS_DEFAULT_REGION"
                   " (a region newer than this boto3 needs a boto3 upgrade)"
                   % (region, hint))


def _find_botocore_error(exc: BaseException):
    """*exc* or the botocore exception it was raised from, if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if type(exc).__module__.startswith("botocore"):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def aws_refused(exc: BaseException) -> bool:
    """Whether *exc* is AWS's answer refusing a request (an HTTP 4xx: the
    request did nothing), rather than an interrupt, a lost connection or a
    server error, after which it may have been carried out all the same."""
    import botocore.exceptions as bce

    error = _find_botocore_error(exc)
    if not isinstance(error, bce.ClientError):
        return False
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 400
    return status < 500


def describe_aws_error(exc: BaseException, what: str, connection: AWSConnection | None = None,
                       service: str = "s3") -> str | None:
    """One line saying why AWS refused *what* (for example a URI) and what to
    do about it, or None when *exc* is not an AWS refusal."""
    import botocore.exceptions as bce

    error = _find_botocore_error(exc)
    if error is None:
        return None
    source = connection.credential_source() if connection else "your configuration"
    if isinstance(error, bce.NoCredentialsError):
        return ("no AWS credentials found for %s: set AWS_ACCESS_KEY_ID and"
                " AWS_SECRET_ACCESS_KEY, choose a profile with --aws-profile, or set"
                " aws_access_key_id and aws_secret_access_key in the config file" % what)
    if isinstance(error, (bce.EndpointConnectionError, bce.ConnectTimeoutError)):
        endpoint = (connection.endpoint(service) if connection else None) or _site_of(
            getattr(error, "kwargs", {}).get("endpoint_url", "AWS"))
        return ("cannot connect to %s at %s for %s: check %s_endpoint, AWS_ENDPOINT_URL and"
                " your network" % (service.upper(), endpoint, what, service))
    if isinstance(error, bce.ClientError):
        info = error.response.get("Error", {})
        code = str(info.get("Code", ""))
        message = info.get("Message") or ""
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("NoSuchBucket",):
            bucket = info.get("BucketName") or _bucket_of(what)
            return ("bucket %r does not exist (for %s): check the name, or create the"
                    " bucket first" % (bucket, what))
        if code in ("NoSuchKey", "404", "NotFound"):
            return "%s does not exist" % what
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
                    "InvalidToken", "UnrecognizedClientException", "InvalidClientTokenId"):
            return ("AWS rejected the credentials from %s for %s (%s): check the access key,"
                    " secret key and session token" % (source, what, code))
        if code in ("AccessDenied", "403", "AllAccessDisabled", "Forbidden",
                    "AccessDeniedException") or status == 403:
            # answers to HEAD requests carry no error code: the key may be bad too
            maybe = " (or those credentials are not valid)" if code == "403" else ""
            # S3 says no more than "Access Denied"; other services say what
            # was refused to whom (an IAM action, a role that cannot be passed)
            said = (" (%s)" % " ".join(message.split()).rstrip(".")
                    if message and service != "s3" else "")
            where = " and in the bucket policy" if service == "s3" else ""
            return ("access denied to %s for the credentials from %s%s%s: allow it in the IAM"
                    " policy of those credentials%s" % (what, source, maybe, said, where))
        if code in ("Throttling", "ThrottlingException", "SlowDown", "RequestLimitExceeded"):
            return ("AWS kept throttling requests for %s even after retries: retry later,"
                    " or raise aws_max_attempts / use aws_retry_mode adaptive" % what)
        if status and status >= 500:
            return ("AWS failed %s with a server error even after retries (%s%s): retry later"
                    % (what, code, ": %s" % message if message else ""))
        return "AWS refused %s: %s %s" % (what, code, message)
    if isinstance(error, bce.BotoCoreError):
        return "AWS request for %s failed: %s" % (what, error)
    return None


@contextlib.contextmanager
def aws_errors(what: str, connection: AWSConnection | None = None,
               service: str = "s3") -> Iterator[None]:
    """Turn an AWS refusal raised inside the block into :class:`AWSError`
    with the one line :func:`describe_aws_error` gives; other exceptions
    pass unchanged."""
    try:
        yield
    except AWSError:
        raise
    except Exception as exc:
        message = describe_aws_error(exc, what, connection, service)
        if message is None:
            raise
        import botocore.exceptions as bce

        setup = isinstance(_find_botocore_error(exc), bce.NoCredentialsError)
        raise (AWSSetupError if setup else AWSError)(message) from exc


def _site_of(url: str) -> str:
    """``scheme://host[:port]`` of *url*, without the request's path."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return "%s://%s" % (parts.scheme, parts.netloc) if parts.netloc else url


def _bucket_of(uri: str) -> str:
    rest = uri.split("://", 1)[-1]
    return rest.split("/", 1)[0]
