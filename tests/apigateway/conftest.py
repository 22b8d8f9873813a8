"""Helpers for REST API tests: Lambda functions from inline code, invoke URLs, deployments."""

from __future__ import annotations

import io
import time
import zipfile

import httpx
import pytest

from cloudlet.testing.sink import SINK_RECORD

ROLE = "arn:aws:iam::000000000000:role/apigw-lambda"
REGION = "us-east-1"


def _zip(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", code)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def apigw(client):
    return client("apigateway")


@pytest.fixture(scope="module")
def lam(client):
    return client("lambda")


@pytest.fixture(scope="module")
def function(lam):
    """function(name, code, **config) -> the function's ARN, once it is Active."""

    def create(name: str, code: str, **config) -> str:
        arn = lam.create_function(
            FunctionName=name,
            Role=ROLE,
            Runtime="python3.12",
            Handler="app.handler",
            Code={"ZipFile": _zip(code)},
            **config,
        )["FunctionArn"]
        deadline = time.monotonic() + 15
        while lam.get_function(FunctionName=name)["Configuration"]["State"] != "Active":
            assert time.monotonic() < deadline, f"{name} never became Active"
            time.sleep(0.05)  # the state changes in the server: nothing to await from here
        return arn

    return create


def lambda_uri(arn: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"


@pytest.fixture(scope="module")
def uri_of():
    return lambda_uri


@pytest.fixture(scope="module")
def http(endpoint):
    """An httpx client on the /_aws/execute-api/ form of invoke URLs: http.get(f"/{api}/{stage}/path")."""
    with httpx.Client(base_url=f"{endpoint}/_aws/execute-api", timeout=30) as session:
        yield session


@pytest.fixture(scope="module")
def rest_api(apigw):
    """rest_api(name) -> (api id, root resource id)."""

    def create(name: str, **kwargs) -> tuple[str, str]:
        api = apigw.create_rest_api(name=name, **kwargs)
        return api["id"], api["rootResourceId"]

    return create


@pytest.fixture(scope="module")
def add_path(apigw):
    """add_path(api, root, "/a/{b}") -> id of the last resource, creating what is missing."""

    def add(api_id: str, root: str, path: str) -> str:
        existing = {r["path"]: r["id"] for r in apigw.get_resources(restApiId=api_id, limit=500)["items"]}
        parent, current = root, ""
        for part in [p for p in path.split("/") if p]:
            current += "/" + part
            if current not in existing:
                existing[current] = apigw.create_resource(restApiId=api_id, parentId=parent, pathPart=part)[
                    "id"
                ]
            parent = existing[current]
        return parent

    return add


COUNTER = SINK_RECORD + """
import json, os
def handler(event, context):
    record(os.environ["CALLS_URL"], context.aws_request_id)
    return {"statusCode": 200, "body": json.dumps({"call": context.aws_request_id, "path": event["path"],
            "query": event["queryStringParameters"]})}
"""


@pytest.fixture(scope="module")
def counter(function, reports):
    """counter(name) -> (function ARN, calls()): a proxy function that reports each invocation."""

    def create(name: str):
        arn = function(name, COUNTER, Environment={"Variables": {"CALLS_URL": reports.url_for(name)}})
        return arn, lambda: len(reports.records(name))

    return create
