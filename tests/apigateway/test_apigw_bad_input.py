"""Bad input on both planes: AWS-shaped errors, customized gateway responses, unknown ids."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def code_of(call, **kwargs) -> tuple[str, int]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_unknown_ids_are_not_found(apigw, rest_api):
    api_id, root = rest_api("ids")
    assert code_of(apigw.get_resource, restApiId=api_id, resourceId="nope") == ("NotFoundException", 404)
    assert code_of(apigw.get_resources, restApiId="nope") == ("NotFoundException", 404)
    assert code_of(
        apigw.put_method, restApiId=api_id, resourceId="nope", httpMethod="GET", authorizationType="NONE"
    ) == ("NotFoundException", 404)
    assert code_of(apigw.create_deployment, restApiId="nope") == ("NotFoundException", 404)
    assert code_of(apigw.get_deployment, restApiId=api_id, deploymentId="nope") == ("NotFoundException", 404)
    assert code_of(apigw.get_authorizer, restApiId=api_id, authorizerId="nope") == ("NotFoundException", 404)
    assert code_of(apigw.get_usage_plan, usagePlanId="nope") == ("NotFoundException", 404)
    assert code_of(
        apigw.put_method, restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="CUSTOM"
    ) == ("BadRequestException", 400)


def test_bad_patches(apigw, rest_api):
    api_id, _ = rest_api("patches")
    assert code_of(
        apigw.update_rest_api,
        restApiId=api_id,
        patchOperations=[{"op": "replace", "path": "/id", "value": "x"}],
    ) == ("BadRequestException", 400)
    assert code_of(
        apigw.update_rest_api,
        restApiId=api_id,
        patchOperations=[{"op": "move", "path": "/name", "from": "/description"}],
    ) == ("BadRequestException", 400)
    assert code_of(
        apigw.update_rest_api,
        restApiId=api_id,
        patchOperations=[{"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "maybe"}],
    ) == ("BadRequestException", 400)


def test_authorizer_and_key_validation(apigw, rest_api):
    api_id, _ = rest_api("validation")
    assert code_of(
        apigw.create_authorizer, restApiId=api_id, name="a", type="TOKEN", authorizerUri="https://example.com"
    ) == ("BadRequestException", 400)
    assert code_of(apigw.create_usage_plan, name="q", quota={"limit": 5, "period": "YEAR"}) == (
        "BadRequestException",
        400,
    )
    key = apigw.create_api_key(name="dup", value="d" * 24)
    assert code_of(apigw.create_api_key, name="dup2", value="d" * 24) == ("ConflictException", 409)
    plan = apigw.create_usage_plan(name="p")
    apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert code_of(
        apigw.create_usage_plan_key, usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY"
    ) == ("ConflictException", 409)


def test_gateway_responses_customize_errors(apigw, http, rest_api):
    api_id, root = rest_api("custom-errors")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    apigw.put_method(
        restApiId=api_id, resourceId=root, httpMethod="POST", authorizationType="NONE", apiKeyRequired=True
    )
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="POST", type="MOCK")
    default = apigw.get_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN")
    assert default["defaultResponse"] is True and default["statusCode"] == "403"
    apigw.put_gateway_response(
        restApiId=api_id,
        responseType="MISSING_AUTHENTICATION_TOKEN",
        statusCode="404",
        responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
        responseTemplates={
            "application/json": '{"error": $context.error.messageString, "type": '
            '"$context.error.responseType"}'
        },
    )
    apigw.put_gateway_response(
        restApiId=api_id,
        responseType="DEFAULT_4XX",
        responseParameters={"gatewayresponse.header.X-Four": "'yes'"},
    )
    assert len(apigw.get_gateway_responses(restApiId=api_id)["items"]) == 21
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    reply = http.get(f"/{api_id}/prod/missing")
    assert reply.status_code == 404 and reply.headers["access-control-allow-origin"] == "*"
    assert reply.json() == {"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"}
    forbidden = http.post(f"/{api_id}/prod/")  # INVALID_API_KEY falls back to DEFAULT_4XX
    assert (forbidden.status_code, forbidden.json()) == (403, {"message": "Forbidden"})
    assert forbidden.headers["x-four"] == "yes"
    apigw.delete_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN")
    assert (
        apigw.get_gateway_response(restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN")[
            "defaultResponse"
        ]
        is True
    )


def test_unknown_api_on_the_data_plane(http):
    reply = http.get("/doesnotexist/prod/x")
    assert reply.status_code in (403, 404)
    assert "message" in json.loads(reply.content)


def test_operations_cloudlet_lacks_answer_not_implemented(apigw):
    with pytest.raises(ClientError) as info:
        apigw.get_sdk_types()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 501)
