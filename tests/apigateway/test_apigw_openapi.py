"""GetExport (Swagger 2.0, OpenAPI 3.0) and ImportRestApi / PutRestApi, round trip included."""

from __future__ import annotations

import json

import pytest
import yaml
from botocore.exceptions import ClientError

DEFINITION = {
    "openapi": "3.0.1",
    "info": {"title": "imported", "version": "1"},
    "x-amazon-apigateway-binary-media-types": ["image/png"],
    "paths": {
        "/pets/{id}": {
            "get": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}},
                "security": [{"api_key": []}],
                "x-amazon-apigateway-integration": {
                    "type": "mock",
                    "requestTemplates": {"application/json": '{"statusCode": 200}'},
                    "responses": {
                        "default": {
                            "statusCode": "200",
                            "responseTemplates": {"application/json": '{"pet": "$input.params(\'id\')"}'},
                        }
                    },
                },
            }
        }
    },
    "components": {
        "securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}},
        "schemas": {"Pet": {"type": "object"}},
    },
}


def test_import_then_serve(apigw, http):
    api = apigw.import_rest_api(body=json.dumps(DEFINITION).encode())
    assert api["name"] == "imported" and api["binaryMediaTypes"] == ["image/png"]
    paths = {r["path"] for r in apigw.get_resources(restApiId=api["id"])["items"]}
    assert paths == {"/", "/pets", "/pets/{id}"}
    resource = next(r for r in apigw.get_resources(restApiId=api["id"])["items"] if r["path"] == "/pets/{id}")
    method = apigw.get_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET")
    assert method["apiKeyRequired"] is True
    assert method["requestParameters"] == {"method.request.path.id": True}
    assert apigw.get_model(restApiId=api["id"], modelName="Pet")["contentType"] == "application/json"
    apigw.update_method(
        restApiId=api["id"],
        resourceId=resource["id"],
        httpMethod="GET",
        patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "false"}],
    )
    apigw.create_deployment(restApiId=api["id"], stageName="v1")
    reply = http.get(f"/{api['id']}/v1/pets/rex")
    assert (reply.status_code, reply.json()) == (200, {"pet": "rex"})


def test_export_swagger_and_oas3_round_trip(apigw):
    api = apigw.import_rest_api(body=yaml.safe_dump(DEFINITION).encode())
    apigw.create_deployment(restApiId=api["id"], stageName="v1")
    swagger = json.loads(
        apigw.get_export(restApiId=api["id"], stageName="v1", exportType="swagger")["body"].read()
    )
    assert swagger["swagger"] == "2.0" and swagger["basePath"] == "/v1"
    operation = swagger["paths"]["/pets/{id}"]["get"]
    assert operation["parameters"] == [{"name": "id", "in": "path", "required": True, "type": "string"}]
    assert operation["security"] == [{"api_key": []}]
    assert "x-amazon-apigateway-integration" not in operation
    assert swagger["securityDefinitions"]["api_key"]["name"] == "x-api-key"
    reply = apigw.get_export(
        restApiId=api["id"],
        stageName="v1",
        exportType="oas30",
        parameters={"extensions": "integrations"},
        accepts="application/yaml",
    )
    assert reply["contentType"] == "application/yaml"
    oas3 = yaml.safe_load(reply["body"].read())
    assert oas3["openapi"] == "3.0.1" and oas3["servers"][0]["variables"]["basePath"]["default"] == "v1"
    integration = oas3["paths"]["/pets/{id}"]["get"]["x-amazon-apigateway-integration"]
    assert integration["type"] == "mock" and integration["responses"]["default"]["statusCode"] == "200"
    again = apigw.import_rest_api(body=json.dumps(oas3).encode())
    assert {r["path"] for r in apigw.get_resources(restApiId=again["id"])["items"]} == {
        "/",
        "/pets",
        "/pets/{id}",
    }


def test_put_rest_api_merge_and_overwrite(apigw, rest_api):
    api_id, root = rest_api("put")
    apigw.create_resource(restApiId=api_id, parentId=root, pathPart="old")
    apigw.put_rest_api(restApiId=api_id, mode="merge", body=json.dumps(DEFINITION).encode())
    assert {r["path"] for r in apigw.get_resources(restApiId=api_id)["items"]} == {
        "/",
        "/old",
        "/pets",
        "/pets/{id}",
    }
    replaced = apigw.put_rest_api(restApiId=api_id, mode="overwrite", body=json.dumps(DEFINITION).encode())
    assert replaced["name"] == "imported" and replaced["rootResourceId"] == root
    assert {r["path"] for r in apigw.get_resources(restApiId=api_id)["items"]} == {"/", "/pets", "/pets/{id}"}


@pytest.mark.parametrize(
    "body",
    [
        b"{not: [valid",
        b'{"info": {"title": "x"}}',
        b"[]",
        json.dumps(
            {
                "swagger": "2.0",
                "info": {"title": "t"},
                "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "teleport"}}}},
            }
        ).encode(),
    ],
)
def test_malformed_definitions_are_bad_requests(apigw, body):
    with pytest.raises(ClientError) as info:
        apigw.import_rest_api(body=body)
    assert info.value.response["Error"]["Code"] == "BadRequestException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_export_errors(apigw, rest_api):
    api_id, _ = rest_api("no-stage")
    with pytest.raises(ClientError) as info:
        apigw.get_export(restApiId=api_id, stageName="nope", exportType="swagger")
    assert info.value.response["Error"]["Code"] == "NotFoundException"
