"""Request-level faults and the record of every request, done by wrapping
the moto server's WSGI application.

Every request that reaches the server is first named (service from its
SigV4 credential scope, operation from ``X-Amz-Target``, the ``Action``
parameter, or for S3 from method, path and query), recorded with its
parameters, and then either answered with an injected error or passed on
to moto. Requests the simulator makes for itself carry the header
``x-streamr-sim-internal`` and are neither recorded nor failed.

Faults (each fires on the next *times* matching requests, then is spent):

* :meth:`FaultPlan.throttle` ``(operation, times, service="emr")``: EMR
  (and other JSON services) answer HTTP 400 ``ThrottlingException`` "Rate
  exceeded"; query services (IAM, STS) HTTP 400 ``Throttling``; S3 HTTP 503
  ``SlowDown``.
* :meth:`FaultPlan.deny` ``(operation, times, service="emr")``: EMR (and
  other JSON services) answer HTTP 400 ``AccessDeniedException``, "User ...
  is not authorized to perform: elasticmapreduce:<operation>", as AWS does
  for a call the credentials' IAM policy does not allow.
* :meth:`FaultPlan.lose_answer` ``(operation, times, service="emr")``: the
  request is carried out, then answered HTTP 500 ``InternalServerError``
  as if its answer had been lost on the way: the client retries a request
  that may have taken effect.
* :meth:`FaultPlan.fail_s3` ``(key_prefix_or_uri, times, code)``: S3
  requests whose key starts with the prefix (``s3://bucket/prefix`` limits
  it to one bucket; a bare prefix matches in any bucket; listings match on
  their ``prefix`` parameter) answer with S3 error *code*: InternalError
  (500), AccessDenied (403), NoSuchKey (404), SlowDown (503),
  ServiceUnavailable (503), or any other code as HTTP 400.

Holds (:meth:`FaultPlan.hold` ``(operation, after=None)``): the next
matching request is carried out, but its answer is kept back until the test
sets the hold's ``release`` event; ``arrived`` is set once the request has
been carried out. With *after*, only a request that comes after one of that
operation matches. That is how a test puts the client "while the answer is
in flight" without a sleep.

EMR requests are answered holding the driver's lock, so that a client
never sees a cluster half-way through a change. A ``POST /moto-api/reset``
passing through tells the simulator to forget its clusters too."""

from __future__ import annotations

import io
import json
import threading
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["INTERNAL_HEADER", "FaultPlan", "RecordedRequest", "RequestMiddleware"]

INTERNAL_HEADER = "x-streamr-sim-internal"
_INTERNAL_ENVIRON = "HTTP_" + INTERNAL_HEADER.upper().replace("-", "_")

#: short service names used in the API -> SigV4 signing names
_SIGNING_NAMES = {"emr": "elasticmapreduce"}

_S3_ERRORS = {
    "InternalError": (500, "We encountered an internal error. Please try again."),
    "AccessDenied": (403, "Access Denied"),
    "NoSuchKey": (404, "The specified key does not exist."),
    "NoSuchBucket": (404, "The specified bucket does not exist"),
    "SlowDown": (503, "Please reduce your request rate."),
    "ServiceUnavailable": (503, "Service is unable to handle request."),
}


@dataclass
class RecordedRequest:
    """One request the server received: its service (signing name, e.g.
    ``elasticmapreduce``, ``s3``, ``iam``), operation and parameters."""

    service: str
    operation: str
    params: dict[str, Any] = field(default_factory=dict)
    faulted: bool = False


@dataclass
class _Fault:
    service: str
    operation: str | None
    bucket: str | None
    prefix: str | None
    code: str
    left: int
    #: the request is carried out before the error is answered
    carried_out: bool = False


@dataclass
class Hold:
    """An answer kept back: ``arrived`` is set once the request has been
    carried out, and the answer goes out once the test sets ``release``."""

    service: str
    operation: str
    after: str | None
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    armed: bool = True


class FaultPlan:
    """The faults waiting to fire, and the requests seen so far."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._holds: list[Hold] = []
        self.requests: list[RecordedRequest] = []

    def clear(self) -> None:
        with self._lock:
            for hold in self._holds:
                hold.release.set()
            self._holds.clear()
            self._faults.clear()
            self.requests.clear()

    def hold(self, operation: str, after: str | None = None, service: str = "emr") -> Hold:
        """Keep back the answer to the next *operation* request (that comes
        after an *after* request, if given)."""
        hold = Hold(_SIGNING_NAMES.get(service, service), operation, after)
        with self._lock:
            self._holds.append(hold)
        return hold

    def take_hold(self, request: RecordedRequest) -> Hold | None:
        """The hold this request (already recorded) sets off, if any."""
        with self._lock:
            for hold in self._holds:
                if not hold.armed or hold.service != request.service \
                        or hold.operation != request.operation:
                    continue
                if hold.after and not any(r.operation == hold.after
                                          for r in self.requests[:-1]):
                    continue
                hold.armed = False
                return hold
        return None

    def throttle(self, operation: str, times: int = 1, service: str = "emr") -> None:
        """Answer the next *times* calls of *operation* (e.g. ``"DescribeCluster"``,
        ``"PutObject"``) as throttled."""
        signing = _SIGNING_NAMES.get(service, service)
        code = "SlowDown" if signing == "s3" else "Throttling"
        with self._lock:
            self._faults.append(_Fault(signing, operation, None, None, code, times))

    def deny(self, operation: str, times: int = 1, service: str = "emr") -> None:
        """Refuse the next *times* calls of *operation* as not allowed."""
        signing = _SIGNING_NAMES.get(service, service)
        with self._lock:
            self._faults.append(_Fault(signing, operation, None, None, "AccessDeniedException",
                                       times))

    def lose_answer(self, operation: str, times: int = 1, service: str = "emr") -> None:
        """Carry out the next *times* calls of *operation*, then answer each
        with an internal error instead of its result."""
        signing = _SIGNING_NAMES.get(service, service)
        with self._lock:
            self._faults.append(_Fault(signing, operation, None, None, "InternalServerError",
                                       times, carried_out=True))

    def fail_s3(self, key_prefix_or_uri: str, times: int = 1, code: str = "InternalError",
                operation: str | None = None) -> None:
        """Fail the next *times* S3 requests on matching keys with *code*
        (only those of *operation*, when given)."""
        bucket = None
        prefix = key_prefix_or_uri
        for scheme in ("s3://", "s3n://", "s3a://"):
            if prefix.startswith(scheme):
                bucket, _, prefix = prefix[len(scheme):].partition("/")
                break
        with self._lock:
            self._faults.append(_Fault("s3", operation, bucket, prefix, code, times))

    def record(self, request: RecordedRequest) -> RecordedRequest:
        with self._lock:
            self.requests.append(request)
        return request

    def take_fault(self, request: RecordedRequest) -> _Fault | None:
        """The fault this request sets off (using up one of its times), if any."""
        with self._lock:
            for fault in self._faults:
                if fault.left > 0 and _matches(fault, request):
                    fault.left -= 1
                    return fault
        return None

    def of(self, operation: str, service: str | None = None) -> list[dict[str, Any]]:
        signing = _SIGNING_NAMES.get(service, service) if service else None
        with self._lock:
            return [req.params for req in self.requests
                    if req.operation == operation and (signing is None or req.service == signing)]


def _matches(fault: _Fault, request: RecordedRequest) -> bool:
    if fault.service != request.service:
        return False
    if fault.operation is not None and fault.operation != request.operation:
        return False
    if fault.prefix is None:
        return True
    if fault.bucket is not None and request.params.get("Bucket") != fault.bucket:
        return False
    key = request.params.get("Key", request.params.get("Prefix"))
    return key is not None and key.startswith(fault.prefix)


class RequestMiddleware:
    """WSGI middleware around moto's application: names and records each
    request, fires faults, and reports resets."""

    def __init__(self, app: Callable, plan: FaultPlan, on_reset: Callable[[], None],
                 emr_lock: Any = None):
        self.app = app
        self.plan = plan
        self.on_reset = on_reset
        self.emr_lock = emr_lock

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api/reset") and environ.get("REQUEST_METHOD") == "POST":
            self.on_reset()
            return self.app(environ, start_response)
        if environ.get(_INTERNAL_ENVIRON):
            return self.app(environ, start_response)
        request = describe_request(environ)
        if request is None:
            return self.app(environ, start_response)
        self.plan.record(request)
        fault = self.plan.take_fault(request)
        if fault is None:
            hold = self.plan.take_hold(request)
            if request.service == "elasticmapreduce" and self.emr_lock is not None:
                with self.emr_lock:  # the driver changes the same models
                    answer = self.app(environ, start_response)
                    if hold is not None:
                        answer = [b"".join(answer)]
            else:
                answer = self.app(environ, start_response)
            if hold is not None:
                answer = [b"".join(answer)]  # carried out in full before it is held
                hold.arrived.set()
                hold.release.wait(120)
            return answer
        request.faulted = True
        if fault.carried_out:
            with self.emr_lock if self.emr_lock is not None else threading.Lock():
                b"".join(self.app(environ, lambda *args: None))
        status, headers, body = error_response(request, fault.code,
                                               environ.get("REQUEST_METHOD") == "HEAD")
        start_response(status, headers)
        return [body]


def describe_request(environ: dict[str, Any]) -> RecordedRequest | None:
    """Service, operation and parameters of a request, or None when it is
    not an AWS API request (no signature)."""
    service = _signing_service(environ)
    if service is None:
        return None
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if service == "s3":
        return RecordedRequest("s3", *_s3_operation(environ, query))
    body = _read_body(environ)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {}
        return RecordedRequest(service, target.rpartition(".")[2], params)
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    form.update(query)
    params = {name: values[0] if len(values) == 1 else values for name, values in form.items()}
    return RecordedRequest(service, str(params.pop("Action", "")), params)


def _signing_service(environ: dict[str, Any]) -> str | None:
    credential = None
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in auth:
        credential = auth.split("Credential=", 1)[1].split(",", 1)[0]
    else:
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        credential = (query.get("X-Amz-Credential") or [None])[0]
    if not credential:
        return None
    parts = credential.strip().split("/")
    return parts[3] if len(parts) >= 5 else None


def _read_body(environ: dict[str, Any]) -> bytes:
    """The request body, leaving an equal copy for the application."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _s3_operation(environ: dict[str, Any], query: dict[str, list[str]]
                  ) -> tuple[str, dict[str, Any]]:
    method = environ.get("REQUEST_METHOD", "GET")
    raw_path = environ.get("RAW_URI") or environ.get("PATH_INFO", "/")
    path = urllib.parse.unquote(raw_path.split("?", 1)[0])
    bucket, _, key = path.lstrip("/").partition("/")
    params: dict[str, Any] = {}
    if bucket:
        params["Bucket"] = bucket
    if key:
        params["Key"] = key
    if "prefix" in query:
        params["Prefix"] = query["prefix"][0]
    has = query.__contains__
    if not bucket:
        return "ListBuckets", params
    if not key:
        if method == "GET":
            if has("location"):
                return "GetBucketLocation", params
            return ("ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"), params
        if method == "POST" and has("delete"):
            return "DeleteObjects", params
        return {"PUT": "CreateBucket", "HEAD": "HeadBucket",
                "DELETE": "DeleteBucket"}.get(method, method + "Bucket"), params
    if has("uploadId"):
        if method == "PUT":
            return "UploadPart", params
        return {"POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload",
                "GET": "ListParts"}.get(method, "MultipartUpload"), params
    if method == "POST" and has("uploads"):
        return "CreateMultipartUpload", params
    if method == "PUT" and environ.get("HTTP_X_AMZ_COPY_SOURCE"):
        return "CopyObject", params
    return {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject",
            "DELETE": "DeleteObject"}.get(method, method + "Object"), params


def error_response(request: RecordedRequest, code: str, head: bool
                   ) -> tuple[str, list[tuple[str, str]], bytes]:
    """The HTTP answer AWS gives for error *code* to *request*."""
    request_id = uuid.uuid4().hex.upper()[:16]
    if request.service == "s3":
        status, message = _S3_ERRORS.get(code, (400, code))
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
                "<Message>%s</Message><RequestId>%s</RequestId></Error>"
                % (code, message, request_id)).encode()
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    elif request.service in ("iam", "sts"):
        status = 400
        body = ("<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code>"
                "<Message>Rate exceeded</Message></Error><RequestId>%s</RequestId>"
                "</ErrorResponse>" % (code, request_id)).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    else:
        status = 500 if code == "InternalServerError" else 400
        name = "ThrottlingException" if code == "Throttling" else code
        message = "Internal server error" if status == 500 else "Rate exceeded"
        if code == "AccessDeniedException":
            message = ("User: arn:aws:iam::123456789012:user/streamr-test is not authorized to"
                       " perform: %s:%s" % (request.service, request.operation))
        body = json.dumps({"__type": name, "message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"),
                   ("x-amzn-RequestId", request_id)]
    if head:
        body = b""
    headers.append(("Content-Length", str(len(body))))
    reason = {400: "Bad Request", 403: "Forbidden", 404: "Not Found",
              500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Error")
    return "%d %s" % (status, reason), headers, body
