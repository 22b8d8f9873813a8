"""Route keys and AWS's route selection for HTTP APIs, as pure logic (no server)."""

from __future__ import annotations

import pytest

from cloudlet.services.apigatewayv2.routing import Router, valid_route_key
from cloudlet.services.gateway.policies import MalformedPolicy, allows


def _router(*keys: str) -> Router:
    return Router([{"RouteKey": key, "RouteId": key} for key in keys])


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("$default", True),
        ("GET /", True),
        ("ANY /{proxy+}", True),
        ("POST /a/{b}/c", True),
        ("GET /a/{proxy+}", True),
        ("get /a", False),
        ("GET a", False),
        ("GET /{a+}/b", False),
        ("TRACE /a", False),
        ("GET", False),
        ("$connect", False),
    ],
)
def test_route_keys(key, valid):
    assert valid_route_key(key) is valid


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/pets/dog", "GET /pets/dog"),  # literal beats variable
        ("GET", "/pets/cat", "GET /pets/{name}"),
        ("PUT", "/pets/cat", "ANY /pets/{name}"),  # method beats ANY only on the same path
        ("GET", "/pets/cat/toys", "GET /pets/{name}/toys"),
        ("GET", "/pets/cat/toys/ball", "ANY /pets/{proxy+}"),  # greedy catches deeper paths
        ("GET", "/pets", "$default"),  # a greedy variable needs at least one segment
        ("GET", "/", "GET /"),
        ("POST", "/", "$default"),
        ("GET", "/pets/cat/", "GET /pets/{name}"),  # a trailing slash names the same resource
    ],
)
def test_selection_precedence(method, path, expected):
    router = _router(
        "$default",
        "GET /",
        "GET /pets/dog",
        "GET /pets/{name}",
        "ANY /pets/{name}",
        "GET /pets/{name}/toys",
        "ANY /pets/{proxy+}",
    )
    route, _ = router.select(method, path)
    assert route["RouteKey"] == expected


def test_parameters_and_no_default():
    router = _router("GET /a/{x}/b/{y}", "GET /files/{path+}")
    assert router.select("GET", "/a/1/b/two%2Fparts")[1] == {"x": "1", "y": "two/parts"}
    assert router.select("GET", "/files/x/y.txt")[1] == {"path": "x/y.txt"}
    assert router.select("GET", "/nothing") is None
    assert router.select("GET", "/a//b/2") is None  # an empty segment is no value


def test_iam_policies_of_lambda_authorizers():
    arn = "arn:aws:execute-api:us-east-1:000000000000:api/$default/GET/items/1"
    allow = {
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": "arn:aws:execute-api:*:*:api/*/GET/*",
    }
    deny = {"Effect": "Deny", "Action": "execute-api:*", "Resource": [arn]}
    assert allows({"Statement": [allow]}, arn)
    assert allows({"Statement": allow}, arn)
    assert not allows({"Statement": [allow, deny]}, arn)
    assert not allows({"Statement": [{**allow, "Resource": "arn:aws:execute-api:*:*:api/*/POST/*"}]}, arn)
    assert not allows({"Statement": [{**allow, "Action": "s3:GetObject"}]}, arn)
    for broken in (None, {}, {"Statement": "x"}, {"Statement": [{"Effect": "Maybe"}]}):
        with pytest.raises(MalformedPolicy):
            allows(broken, arn)
