"""ImportApi, ReimportApi and ExportApi with OpenAPI 3 definitions and API Gateway's extensions."""

from __future__ import annotations

import json

import pytest
import yaml
from botocore.exceptions import ClientError

ECHO = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"route": event["routeKey"], "params": event.get("pathParameters")})}
"""


@pytest.fixture(scope="module")
def echo(function):
    return function("gw-openapi-echo", ECHO)


def _definition(echo: str) -> dict:
    integration = {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "payloadFormatVersion": "2.0",
        "uri": f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{echo}/invocations",
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "pets", "version": "2024-01-01", "description": "imported"},
        "x-amazon-apigateway-cors": {"allowOrigins": ["https://pets.example"], "allowMethods": ["GET"]},
        "paths": {
            "/pets": {
                "get": {"operationId": "listPets", "x-amazon-apigateway-integration": integration},
                "post": {
                    "security": [{"jwt": ["pets:write"]}],
                    "x-amazon-apigateway-integration": integration,
                },
            },
            "/pets/{petId}": {
                "x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": integration}
            },
            "/$default": {
                "x-amazon-apigateway-any-method": {
                    "x-amazon-apigateway-integration": {
                        "type": "http_proxy",
                        "httpMethod": "ANY",
                        "uri": "https://example.com",
                        "payloadFormatVersion": "1.0",
                    }
                }
            },
        },
        "components": {
            "securitySchemes": {
                "jwt": {
                    "type": "oauth2",
                    "flows": {},
                    "x-amazon-apigateway-authorizer": {
                        "type": "jwt",
                        "identitySource": "$request.header.Authorization",
                        "jwtConfiguration": {"issuer": "https://issuer.example", "audience": ["pets"]},
                    },
                }
            }
        },
    }


def test_import_creates_routes_integrations_authorizers_and_cors(apigw, invoke, echo):
    api = apigw.import_api(Body=json.dumps(_definition(echo)))
    api_id = api["ApiId"]
    assert api["Name"] == "pets" and api["Version"] == "2024-01-01" and api["Description"] == "imported"
    assert api["CorsConfiguration"] == {"AllowOrigins": ["https://pets.example"], "AllowMethods": ["GET"]}
    routes = {r["RouteKey"]: r for r in apigw.get_routes(ApiId=api_id)["Items"]}
    assert set(routes) == {"GET /pets", "POST /pets", "ANY /pets/{petId}", "$default"}
    assert routes["GET /pets"]["OperationName"] == "listPets"
    assert routes["POST /pets"]["AuthorizationType"] == "JWT"
    assert routes["POST /pets"]["AuthorizationScopes"] == ["pets:write"]
    [authorizer] = apigw.get_authorizers(ApiId=api_id)["Items"]
    assert authorizer["AuthorizerType"] == "JWT" and authorizer["Name"] == "jwt"
    assert authorizer["JwtConfiguration"] == {"Issuer": "https://issuer.example", "Audience": ["pets"]}
    assert routes["POST /pets"]["AuthorizerId"] == authorizer["AuthorizerId"]
    integrations = {i["IntegrationId"]: i for i in apigw.get_integrations(ApiId=api_id)["Items"]}
    default = integrations[routes["$default"]["Target"].removeprefix("integrations/")]
    assert default["IntegrationType"] == "HTTP_PROXY" and default["IntegrationUri"] == "https://example.com"

    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    reply = invoke.host(api_id, "GET", "/pets/12")
    assert reply.json() == {"route": "ANY /pets/{petId}", "params": {"petId": "12"}}
    assert invoke.host(api_id, "POST", "/pets").status_code == 401


def test_export_round_trips_through_import(apigw, echo):
    api_id = apigw.import_api(Body=json.dumps(_definition(echo)))["ApiId"]
    exported = json.loads(
        apigw.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON")["body"].read()
    )
    assert exported["openapi"].startswith("3.0")
    assert exported["info"]["title"] == "pets"
    assert set(exported["paths"]) == {"/pets", "/pets/{petId}", "/$default"}
    get = exported["paths"]["/pets"]["get"]
    assert get["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    assert get["x-amazon-apigateway-integration"]["payloadFormatVersion"] == "2.0"
    assert exported["paths"]["/pets"]["post"]["security"] == [{"jwt": ["pets:write"]}]
    assert exported["paths"]["/pets/{petId}"]["parameters"][0]["name"] == "petId"
    scheme = exported["components"]["securitySchemes"]["jwt"]["x-amazon-apigateway-authorizer"]
    assert scheme["type"] == "jwt" and scheme["jwtConfiguration"]["audience"] == ["pets"]
    assert exported["x-amazon-apigateway-cors"]["allowOrigins"] == ["https://pets.example"]

    again = apigw.import_api(Body=json.dumps(exported))["ApiId"]
    keys = sorted(r["RouteKey"] for r in apigw.get_routes(ApiId=again)["Items"])
    assert keys == sorted(r["RouteKey"] for r in apigw.get_routes(ApiId=api_id)["Items"])

    as_yaml = yaml.safe_load(
        apigw.export_api(ApiId=api_id, Specification="OAS30", OutputType="YAML")["body"].read()
    )
    assert as_yaml["paths"].keys() == exported["paths"].keys()
    bare = json.loads(
        apigw.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON", IncludeExtensions=False)[
            "body"
        ].read()
    )
    assert "x-amazon-apigateway-integration" not in bare["paths"]["/pets"]["get"]


def test_export_of_a_stage_is_its_deployed_version(apigw, echo):
    api_id = apigw.import_api(Body=json.dumps(_definition(echo)))["ApiId"]
    apigw.create_stage(ApiId=api_id, StageName="v1")
    apigw.create_deployment(ApiId=api_id, StageName="v1")
    route = next(r for r in apigw.get_routes(ApiId=api_id)["Items"] if r["RouteKey"] == "GET /pets")
    apigw.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    deployed = json.loads(
        apigw.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON", StageName="v1")[
            "body"
        ].read()
    )
    current = json.loads(
        apigw.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON")["body"].read()
    )
    assert "get" in deployed["paths"]["/pets"]
    assert "get" not in current["paths"]["/pets"]


def test_reimport_replaces_the_definition_and_keeps_the_id(apigw, invoke, echo):
    api_id = apigw.import_api(Body=json.dumps(_definition(echo)))["ApiId"]
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    smaller = _definition(echo)
    smaller["info"]["title"] = "pets-v2"
    del smaller["paths"]["/pets/{petId}"]
    del smaller["paths"]["/$default"]
    smaller["paths"]["/cats/{name}"] = {"get": smaller["paths"]["/pets"]["get"]}
    reply = apigw.reimport_api(ApiId=api_id, Body=yaml.safe_dump(smaller))
    assert reply["ApiId"] == api_id and reply["Name"] == "pets-v2"
    keys = sorted(r["RouteKey"] for r in apigw.get_routes(ApiId=api_id)["Items"])
    assert keys == ["GET /cats/{name}", "GET /pets", "POST /pets"]
    assert invoke.host(api_id, "GET", "/cats/tom").json() == {
        "route": "GET /cats/{name}",
        "params": {"name": "tom"},
    }
    assert invoke.host(api_id, "GET", "/pets/1").status_code == 404


def test_warnings_and_fail_on_warnings(apigw):
    definition = {"openapi": "3.0.1", "info": {"title": "w", "version": "1"}, "paths": {"/x": {"get": {}}}}
    api = apigw.import_api(Body=json.dumps(definition))
    assert api["Warnings"] and "GET /x" in api["Warnings"][0]
    assert [r["RouteKey"] for r in apigw.get_routes(ApiId=api["ApiId"])["Items"]] == ["GET /x"]
    with pytest.raises(ClientError) as caught:
        apigw.import_api(Body=json.dumps(definition), FailOnWarnings=True)
    assert caught.value.response["Error"]["Code"] == "BadRequestException"


@pytest.mark.parametrize(
    "body",
    [
        "{not json: [",
        "[1, 2]",
        json.dumps({"info": {"title": "x"}, "paths": {}}),
        json.dumps({"openapi": "3.0.1", "paths": {}}),
        json.dumps({"openapi": "3.0.1", "info": {"title": "x"}, "paths": []}),
        json.dumps(
            {
                "openapi": "3.0.1",
                "info": {"title": "x"},
                "paths": {"/x": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}},
            }
        ),
        json.dumps(
            {
                "openapi": "3.0.1",
                "info": {"title": "x"},
                "paths": {
                    "/x": {
                        "get": {
                            "x-amazon-apigateway-integration": {
                                "type": "aws_proxy",
                                "payloadFormatVersion": "2.0",
                            }
                        }
                    }
                },
            }
        ),
        json.dumps(
            {
                "openapi": "3.0.1",
                "info": {"title": "x"},
                "paths": {"/x": {"get": {"security": [{"nope": []}]}}},
            }
        ),
        json.dumps({"openapi": "3.0.1", "info": {"title": "x"}, "paths": {"/{a+}/b": {"get": {}}}}),
    ],
)
def test_malformed_definitions_are_refused(apigw, body):
    with pytest.raises(ClientError) as caught:
        apigw.import_api(Body=body)
    error = caught.value.response
    assert error["Error"]["Code"] == "BadRequestException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_export_errors(apigw, echo):
    api_id = apigw.import_api(Body=json.dumps(_definition(echo)))["ApiId"]
    with pytest.raises(ClientError) as caught:
        apigw.export_api(ApiId=api_id, Specification="OAS30", OutputType="JSON", StageName="nope")
    assert caught.value.response["Error"]["Code"] == "NotFoundException"
    with pytest.raises(ClientError) as caught:
        apigw.export_api(ApiId="nosuchapi1", Specification="OAS30", OutputType="JSON")
    assert caught.value.response["Error"]["Code"] == "NotFoundException"
    with pytest.raises(ClientError) as caught:
        apigw.reimport_api(ApiId="nosuchapi1", Body=json.dumps(_definition(echo)))
    assert caught.value.response["Error"]["Code"] == "NotFoundException"
