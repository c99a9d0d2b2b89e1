"""moto as a real HTTP server on 127.0.0.1, for tests that talk to AWS.

boto3 reaches it through its ordinary endpoint settings (the ``s3_endpoint``
option or ``AWS_ENDPOINT_URL``), so boto3's real wire code runs. Run this
file on its own to keep a server up for manual trials::

    python tests/moto_server.py [PORT]
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import urllib.request

__all__ = ["FAKE_CREDENTIALS", "MotoServer", "offline_aws_environment"]

#: credentials moto accepts (it checks none unless told to)
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

# boto3 settings that would reach outside the test: files in the home
# directory, the instance-metadata service, real endpoints
_CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
            "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_EMR",
            "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS", "AWS_RETRY_MODE",
            "AWS_MAX_ATTEMPTS", "AWS_REGION", "AWS_DEFAULT_REGION",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN")


def offline_aws_environment(tmp_dir: str, credentials: bool = True) -> dict:
    """Environment variables under which boto3 finds nothing outside the
    test: no config files, no instance role, no profile; fake credentials
    unless *credentials* is false."""
    env = {name: None for name in _CLEARED}
    env.update({
        "AWS_CONFIG_FILE": os.path.join(tmp_dir, "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp_dir, "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None,
    })
    if credentials:
        env.update(FAKE_CREDENTIALS)
    return env


class MotoServer:
    """A moto server in a thread of this process, on a free port."""

    def __init__(self, port: int = 0):
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request
        self.endpoint = None

    def start(self) -> str:
        # the server prints a banner to stdout even when asked not to, in
        # some versions: keep stdout clean for tests that read it
        with contextlib.redirect_stdout(io.StringIO()):
            self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = "http://%s:%d" % (host, port)
        return self.endpoint

    def reset(self) -> None:
        """Forget every bucket, object and cluster."""
        request = urllib.request.Request(self.endpoint + "/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()

    def stop(self) -> None:
        self._server.stop()


if __name__ == "__main__":
    server = MotoServer(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    endpoint = server.start()
    print("moto listening at %s; set AWS_ENDPOINT_URL=%s (Ctrl-C stops it)"
          % (endpoint, endpoint), flush=True)
    try:
        server._server._thread.join()
    except KeyboardInterrupt:
        server.stop()
