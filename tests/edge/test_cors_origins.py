"""`cloudlet up --cors-origins A,B`: only the listed origins get CORS answers from the AWS API."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request

import boto3
import pytest

from cloudlet.testing.server import start_server


@pytest.fixture(scope="module")
def restricted(tmp_path_factory):
    data_dir = str(tmp_path_factory.mktemp("cors"))
    running = start_server(data_dir, "--cors-origins", "http://app.example,http://admin.example")
    yield running
    running.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def _preflight(endpoint: str, origin: str) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(endpoint + "/", method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,x-amz-date,x-amz-target",
    })
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status, {k.lower(): v for k, v in reply.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}


@pytest.mark.parametrize("origin", ["http://app.example", "http://admin.example"])
def test_listed_origins_are_allowed(restricted, origin):
    status, headers = _preflight(restricted.endpoint, origin)
    assert status == 200 and headers["access-control-allow-origin"] == origin


def test_other_origins_are_refused(restricted):
    status, headers = _preflight(restricted.endpoint, "http://evil.example")
    assert status == 403 and "access-control-allow-origin" not in headers
    # A signed call from that origin is answered, without the CORS headers a browser would need.
    sts = boto3.client("sts", endpoint_url=restricted.endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    sts.meta.events.register("before-sign.sts.*", lambda request, **_: request.headers.add_header(
        "Origin", "http://evil.example"))
    seen: dict = {}
    sts.meta.events.register("after-call.sts.*", lambda http_response, **_: seen.update(http_response.headers))
    assert sts.get_caller_identity()["Account"] == "000000000000"
    assert "access-control-allow-origin" not in {k.lower() for k in seen}
