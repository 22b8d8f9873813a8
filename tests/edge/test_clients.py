"""Unmodified AWS clients against cloudlet: the AWS CLI, aiobotocore, and a browser's CORS dance."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import urllib.request

import boto3
import pytest
from aiobotocore.session import get_session
from botocore.exceptions import ClientError

from cloudlet.testing.server import RunningServer


def _aws(endpoint: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint, "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    return subprocess.run([aws, *args, "--output", "json"], capture_output=True, text=True, env=env, timeout=60)


def test_aws_cli_get_caller_identity(server: RunningServer):
    result = _aws(server.endpoint, "sts", "get-caller-identity")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Account"] == "000000000000"


def test_aws_cli_reports_errors(server: RunningServer):
    result = _aws(server.endpoint, "sts", "assume-role", "--role-arn", "arn:aws:iam::123456789012:user/x",
                  "--role-session-name", "sess")
    assert result.returncode != 0
    assert "ValidationError" in result.stderr


def test_aiobotocore(server: RunningServer):
    async def call() -> dict:
        session = get_session()
        async with session.create_client(
            "sts", region_name="us-east-1", endpoint_url=server.endpoint,
            aws_access_key_id="test", aws_secret_access_key="test",
        ) as sts:
            return await sts.get_caller_identity()

    assert asyncio.run(call())["Account"] == "000000000000"


def test_browser_preflight_and_cors_headers(server: RunningServer):
    preflight = urllib.request.Request(server.endpoint + "/", method="OPTIONS", headers={
        "Origin": "http://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,x-amz-date,x-amz-target,content-type",
    })
    with urllib.request.urlopen(preflight, timeout=5) as reply:
        assert reply.status == 200
        assert reply.headers["Access-Control-Allow-Origin"] == "http://app.example"
        assert "POST" in reply.headers["Access-Control-Allow-Methods"]
        assert "x-amz-target" in reply.headers["Access-Control-Allow-Headers"]

    # The actual call carries CORS headers so the page can read the reply and its request id.
    sts = boto3.client("sts", endpoint_url=server.endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    sts.meta.events.register("before-sign.sts.*", lambda request, **_: request.headers.add_header(
        "Origin", "http://app.example"))
    seen: dict = {}
    sts.meta.events.register("after-call.sts.*", lambda http_response, **_: seen.update(http_response.headers))
    sts.get_caller_identity()
    headers = {k.lower(): v for k, v in seen.items()}
    assert headers["access-control-allow-origin"] == "http://app.example"
    assert "x-amzn-RequestId" in headers["access-control-expose-headers"]


@pytest.mark.parametrize(("service", "call", "operation"), [
    ("codecommit", lambda c: c.list_repositories(), "ListRepositories"),  # json
    ("route53", lambda c: c.list_hosted_zones(), "ListHostedZones"),  # rest-xml
    ("glacier", lambda c: c.list_vaults(), "ListVaults"),  # rest-json
    ("elasticache", lambda c: c.describe_cache_clusters(), "DescribeCacheClusters"),  # query
])
def test_unimplemented_services_answer_in_their_protocol(client, service, call, operation):
    with pytest.raises(ClientError) as exc:
        call(client(service))
    assert exc.value.response["Error"]["Code"] == "NotImplemented"
    assert operation in exc.value.response["Error"]["Message"]
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
