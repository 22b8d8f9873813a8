"""Helpers for HTTP API tests: Lambda functions built in memory, and calls to invoke URLs in
both forms (the API's host name, and the /_aws/execute-api/ path for clients without it)."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from cloudlet.testing.packages import zip_files as make_zip

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
ACCOUNT = "000000000000"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def apigw(client):
    return client("apigatewayv2")


@pytest.fixture(scope="module")
def lam(client):
    return client("lambda")


@pytest.fixture(scope="module")
def function(lam):
    """function(name, code, permit=True) -> the function's ARN; by default API Gateway may invoke it."""

    def create(name: str, code: str, *, permit: bool = True, **config) -> str:
        config.setdefault("Runtime", "python3.12")
        config.setdefault("Handler", "app.handler")
        reply = lam.create_function(
            FunctionName=name, Role=ROLE, Code={"ZipFile": make_zip({"app.py": code})}, **config
        )
        if permit:
            lam.add_permission(
                FunctionName=name,
                StatementId="apigateway",
                Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
                SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:*",
            )
        return reply["FunctionArn"]

    return create


class Invoke:
    """Calls an API's invoke URL: `host` sends Host: APIID.execute-api.localhost:PORT, `path` uses
    /_aws/execute-api/APIID/..., `call` picks by name so tests can run in both forms."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.port = urlsplit(endpoint).port
        self.http = httpx.Client(timeout=30)

    def host(self, api_id: str, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"Host": f"{api_id}.execute-api.localhost:{self.port}", **kwargs.pop("headers", {})}
        return self.http.request(method, f"{self.endpoint}{path}", headers=headers, **kwargs)

    def path(self, api_id: str, method: str, path: str, **kwargs) -> httpx.Response:
        return self.http.request(method, f"{self.endpoint}/_aws/execute-api/{api_id}{path}", **kwargs)

    def call(self, form: str, api_id: str, method: str, path: str, **kwargs) -> httpx.Response:
        return getattr(self, form)(api_id, method, path, **kwargs)


@pytest.fixture(scope="module")
def invoke(endpoint):
    helper = Invoke(endpoint)
    yield helper
    helper.http.close()
