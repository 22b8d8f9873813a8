"""The apigatewayv2 control plane through boto3: APIs, routes, integrations, authorizers,
stages, tags and custom domain metadata, and the errors AWS answers to bad input."""

from __future__ import annotations

import datetime

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

FN = "arn:aws:lambda:us-east-1:000000000000:function:anything"


def _error(caught) -> tuple[str, str, int]:
    response = caught.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


@pytest.fixture(scope="module")
def raw(client):
    """A client that sends what it is given, so the server's own checks answer."""
    return client("apigatewayv2", config=Config(parameter_validation=False, retries={"max_attempts": 1}))


@pytest.fixture
def api_id(apigw):
    return apigw.create_api(Name="control", ProtocolType="HTTP", Description="d", Tags={"team": "a"})["ApiId"]


def test_api_lifecycle(apigw, api_id):
    api = apigw.get_api(ApiId=api_id)
    assert api["Name"] == "control" and api["Description"] == "d"
    assert api["ApiKeySelectionExpression"] == "$request.header.x-api-key"
    assert api["DisableExecuteApiEndpoint"] is False
    assert isinstance(api["CreatedDate"], datetime.datetime)
    assert api["Tags"] == {"team": "a"}
    assert api_id in [a["ApiId"] for a in apigw.get_apis()["Items"]]
    updated = apigw.update_api(
        ApiId=api_id, Name="renamed", CorsConfiguration={"AllowOrigins": ["https://a.example"]}
    )
    assert updated["Name"] == "renamed"
    assert updated["CorsConfiguration"] == {"AllowOrigins": ["https://a.example"]}
    apigw.delete_cors_configuration(ApiId=api_id)
    assert "CorsConfiguration" not in apigw.get_api(ApiId=api_id)
    apigw.delete_api(ApiId=api_id)
    with pytest.raises(ClientError) as caught:
        apigw.get_api(ApiId=api_id)
    assert _error(caught) == (
        "NotFoundException",
        f"Invalid API identifier specified 000000000000:{api_id}",
        404,
    )


def test_routes_integrations_and_authorizers_crud(apigw, api_id):
    integration = apigw.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationMethod="GET",
        IntegrationUri="https://example.com/{proxy}",
    )
    assert integration["PayloadFormatVersion"] == "1.0" and integration["TimeoutInMillis"] == 30000
    authorizer = apigw.create_authorizer(
        ApiId=api_id,
        Name="jwt",
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": "https://issuer.example", "Audience": ["aud"]},
    )
    route = apigw.create_route(
        ApiId=api_id,
        RouteKey="GET /pets/{proxy+}",
        AuthorizationType="JWT",
        AuthorizerId=authorizer["AuthorizerId"],
        AuthorizationScopes=["read"],
        Target=f"integrations/{integration['IntegrationId']}",
    )
    got = apigw.get_route(ApiId=api_id, RouteId=route["RouteId"])
    assert got["RouteKey"] == "GET /pets/{proxy+}" and got["AuthorizationScopes"] == ["read"]
    assert [r["RouteId"] for r in apigw.get_routes(ApiId=api_id)["Items"]] == [route["RouteId"]]
    apigw.update_route(ApiId=api_id, RouteId=route["RouteId"], AuthorizationType="NONE")
    assert "AuthorizerId" not in apigw.get_route(ApiId=api_id, RouteId=route["RouteId"])
    apigw.update_integration(ApiId=api_id, IntegrationId=integration["IntegrationId"], TimeoutInMillis=5000)
    assert (
        apigw.get_integration(ApiId=api_id, IntegrationId=integration["IntegrationId"])["TimeoutInMillis"]
        == 5000
    )
    apigw.update_authorizer(ApiId=api_id, AuthorizerId=authorizer["AuthorizerId"], Name="renamed")
    assert apigw.get_authorizers(ApiId=api_id)["Items"][0]["Name"] == "renamed"
    with pytest.raises(ClientError) as caught:
        apigw.delete_integration(ApiId=api_id, IntegrationId=integration["IntegrationId"])
    assert _error(caught)[0] == "ConflictException"
    apigw.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    apigw.delete_integration(ApiId=api_id, IntegrationId=integration["IntegrationId"])
    apigw.delete_authorizer(ApiId=api_id, AuthorizerId=authorizer["AuthorizerId"])
    assert apigw.get_routes(ApiId=api_id)["Items"] == []
    with pytest.raises(ClientError) as caught:
        apigw.get_route(ApiId=api_id, RouteId=route["RouteId"])
    assert _error(caught)[:2] == (
        "NotFoundException",
        f"Invalid Route identifier specified {route['RouteId']}",
    )


@pytest.mark.parametrize("key", ["GET", "GET pets", "FETCH /pets", "GET /{proxy+}/x", "/pets", "$connect"])
def test_invalid_route_keys_are_refused(apigw, api_id, key):
    with pytest.raises(ClientError) as caught:
        apigw.create_route(ApiId=api_id, RouteKey=key)
    assert _error(caught)[0::2] == ("BadRequestException", 400)


def test_duplicate_route_key_conflicts(apigw, api_id):
    apigw.create_route(ApiId=api_id, RouteKey="GET /a")
    with pytest.raises(ClientError) as caught:
        apigw.create_route(ApiId=api_id, RouteKey="GET /a")
    assert _error(caught)[0::2] == ("ConflictException", 409)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"RouteKey": "GET /x", "Target": "integrations/nope123"}, "integration"),
        ({"RouteKey": "GET /x", "AuthorizationType": "JWT"}, "Authorizer"),
        ({"RouteKey": "GET /x", "AuthorizationType": "MAGIC"}, "authorizationType"),
        ({"RouteKey": "GET /x", "AuthorizationScopes": ["a"]}, "JWT"),
    ],
)
def test_route_references_are_checked(raw, api_id, kwargs, fragment):
    with pytest.raises(ClientError) as caught:
        raw.create_route(ApiId=api_id, **kwargs)
    code, message, _ = _error(caught)
    assert code == "BadRequestException" and fragment in message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"IntegrationType": "AWS", "IntegrationUri": FN},
        {"IntegrationType": "MOCK"},
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": FN},  # no payload format version
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": FN, "PayloadFormatVersion": "3.0"},
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": "not-an-arn", "PayloadFormatVersion": "2.0"},
        {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "ftp://x", "IntegrationMethod": "GET"},
        {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://x", "PayloadFormatVersion": "2.0"},
        {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://x", "TimeoutInMillis": 30001},
        {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://x", "TimeoutInMillis": 10},
        {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://x", "RequestParameters": {"bogus": "x"}},
    ],
)
def test_bad_integrations_are_refused(raw, api_id, kwargs):
    with pytest.raises(ClientError) as caught:
        raw.create_integration(ApiId=api_id, **kwargs)
    assert _error(caught)[0::2] == ("BadRequestException", 400)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"AuthorizerType": "JWT", "IdentitySource": ["$request.header.Authorization"]},
        {
            "AuthorizerType": "JWT",
            "IdentitySource": ["$request.header.Authorization"],
            "JwtConfiguration": {"Issuer": "https://i"},
        },
        {
            "AuthorizerType": "REQUEST",
            "IdentitySource": ["$request.header.A"],
            "AuthorizerPayloadFormatVersion": "2.0",
        },
        {
            "AuthorizerType": "REQUEST",
            "AuthorizerUri": FN,
            "AuthorizerPayloadFormatVersion": "1.0",
            "EnableSimpleResponses": True,
        },
        {
            "AuthorizerType": "REQUEST",
            "AuthorizerUri": FN,
            "AuthorizerPayloadFormatVersion": "2.0",
            "AuthorizerResultTtlInSeconds": 300,
        },
        {
            "AuthorizerType": "REQUEST",
            "AuthorizerUri": FN,
            "AuthorizerPayloadFormatVersion": "2.0",
            "IdentitySource": ["header.Authorization"],
        },
        {"AuthorizerType": "TOKEN", "AuthorizerUri": FN},
    ],
)
def test_bad_authorizers_are_refused(raw, api_id, kwargs):
    with pytest.raises(ClientError) as caught:
        raw.create_authorizer(ApiId=api_id, Name="bad", **kwargs)
    assert _error(caught)[0::2] == ("BadRequestException", 400)


def test_stage_errors(apigw, api_id):
    apigw.create_stage(ApiId=api_id, StageName="dev", StageVariables={"a": "b"})
    with pytest.raises(ClientError) as caught:
        apigw.create_stage(ApiId=api_id, StageName="dev")
    assert _error(caught)[0] == "ConflictException"
    for name, variables in (("bad name", {}), ("ok", {"bad-name": "x"}), ("ok", {"a": "spaces are bad"})):
        with pytest.raises(ClientError) as caught:
            apigw.create_stage(ApiId=api_id, StageName=name, StageVariables=variables)
        assert _error(caught)[0] == "BadRequestException"
    with pytest.raises(ClientError) as caught:
        apigw.create_stage(ApiId=api_id, StageName="x", DeploymentId="nodeploy")
    assert _error(caught)[0] == "NotFoundException"
    with pytest.raises(ClientError) as caught:
        apigw.get_stage(ApiId=api_id, StageName="nope")
    assert _error(caught)[:2] == ("NotFoundException", "Invalid Stage identifier specified nope")
    apigw.update_stage(ApiId=api_id, StageName="dev", RouteSettings={"GET /a": {"ThrottlingBurstLimit": 5}})
    apigw.delete_route_settings(ApiId=api_id, StageName="dev", RouteKey="GET /a")
    assert apigw.get_stage(ApiId=api_id, StageName="dev")["RouteSettings"] == {}
    with pytest.raises(ClientError) as caught:
        apigw.delete_route_settings(ApiId=api_id, StageName="dev", RouteKey="GET /a")
    assert _error(caught)[0] == "NotFoundException"


def test_create_api_errors(raw):
    cases = [
        {"Name": "ws", "ProtocolType": "WEBSOCKET"},  # no route selection expression
        {"Name": "x", "ProtocolType": "HTTP", "RouteKey": "GET /a"},
        {
            "Name": "x",
            "ProtocolType": "HTTP",
            "CorsConfiguration": {"AllowOrigins": ["*"], "AllowCredentials": True},
        },
        {"Name": "x", "ProtocolType": "HTTP", "CorsConfiguration": {"MaxAge": 86401}},
        {"Name": "x", "ProtocolType": "HTTP", "Target": "not a target"},
    ]
    for kwargs in cases:
        with pytest.raises(ClientError) as caught:
            raw.create_api(**kwargs)
        assert _error(caught)[0::2] == ("BadRequestException", 400), kwargs


def test_tags_on_apis_and_stages(apigw, api_id):
    arn = f"arn:aws:apigateway:us-east-1::/apis/{api_id}"
    apigw.tag_resource(ResourceArn=arn, Tags={"env": "test"})
    assert apigw.get_tags(ResourceArn=arn)["Tags"] == {"team": "a", "env": "test"}
    apigw.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert apigw.get_tags(ResourceArn=arn)["Tags"] == {"env": "test"}
    apigw.create_stage(ApiId=api_id, StageName="tagged", Tags={"s": "1"})
    assert apigw.get_tags(ResourceArn=f"{arn}/stages/tagged")["Tags"] == {"s": "1"}
    with pytest.raises(ClientError) as caught:
        apigw.get_tags(ResourceArn="arn:aws:apigateway:us-east-1::/apis/nosuchapi")
    assert _error(caught)[0] == "NotFoundException"
    with pytest.raises(ClientError) as caught:
        apigw.get_tags(ResourceArn="arn:aws:sqs:us-east-1:000000000000:q")
    assert _error(caught)[0] == "BadRequestException"


def test_domain_names_and_api_mappings(apigw, api_id):
    apigw.create_stage(ApiId=api_id, StageName="prod")
    domain = apigw.create_domain_name(
        DomainName="api.example.com",
        DomainNameConfigurations=[{"CertificateArn": "arn:aws:acm:us-east-1:000000000000:certificate/abc"}],
    )
    assert domain["ApiMappingSelectionExpression"] == "$request.basepath"
    [config] = domain["DomainNameConfigurations"]
    assert config["DomainNameStatus"] == "AVAILABLE" and config["EndpointType"] == "REGIONAL"
    assert config["ApiGatewayDomainName"].endswith(".execute-api.us-east-1.amazonaws.com")
    with pytest.raises(ClientError) as caught:
        apigw.create_domain_name(DomainName="api.example.com")
    assert _error(caught)[0] == "ConflictException"
    mapping = apigw.create_api_mapping(
        DomainName="api.example.com", ApiId=api_id, Stage="prod", ApiMappingKey="v1"
    )
    assert (
        apigw.get_api_mapping(DomainName="api.example.com", ApiMappingId=mapping["ApiMappingId"])["Stage"]
        == "prod"
    )
    with pytest.raises(ClientError) as caught:
        apigw.create_api_mapping(DomainName="api.example.com", ApiId=api_id, Stage="nope")
    assert _error(caught)[0] == "NotFoundException"
    apigw.update_api_mapping(
        DomainName="api.example.com", ApiMappingId=mapping["ApiMappingId"], ApiId=api_id, ApiMappingKey="v2"
    )
    assert [m["ApiMappingKey"] for m in apigw.get_api_mappings(DomainName="api.example.com")["Items"]] == [
        "v2"
    ]
    assert "api.example.com" in [d["DomainName"] for d in apigw.get_domain_names()["Items"]]
    apigw.delete_api_mapping(DomainName="api.example.com", ApiMappingId=mapping["ApiMappingId"])
    apigw.delete_domain_name(DomainName="api.example.com")
    with pytest.raises(ClientError) as caught:
        apigw.get_domain_name(DomainName="api.example.com")
    assert _error(caught)[0::2] == ("NotFoundException", 404)
    with pytest.raises(ClientError) as caught:
        apigw.create_domain_name(DomainName="not a domain")
    assert _error(caught)[0] == "BadRequestException"


def test_lists_come_in_pages(apigw, raw):
    api_id = apigw.create_api(Name="paged", ProtocolType="HTTP")["ApiId"]
    keys = [f"GET /p{i}" for i in range(7)]
    for key in keys:
        apigw.create_route(ApiId=api_id, RouteKey=key)
    first = apigw.get_routes(ApiId=api_id, MaxResults="3")
    assert len(first["Items"]) == 3 and first["NextToken"]
    pages = apigw.get_paginator("get_routes").paginate(ApiId=api_id, PaginationConfig={"PageSize": 3})
    assert [r["RouteKey"] for p in pages for r in p["Items"]] == keys
    for kwargs in ({"MaxResults": "0"}, {"MaxResults": "many"}, {"NextToken": "garbage"}):
        with pytest.raises(ClientError) as caught:
            raw.get_routes(ApiId=api_id, **kwargs)
        assert _error(caught)[0::2] == ("BadRequestException", 400)
