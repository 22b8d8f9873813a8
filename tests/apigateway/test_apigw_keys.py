"""API keys and usage plans: required keys, throttling and quotas, usage reports."""

from __future__ import annotations

import datetime

import pytest
from botocore.exceptions import ClientError


@pytest.fixture(scope="module")
def keyed(apigw, rest_api):
    """An API whose GET / (MOCK) needs an API key, deployed to stage "v1"."""
    api_id, root = rest_api("keyed")
    apigw.put_method(
        restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE", apiKeyRequired=True
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        statusCode="200",
        responseTemplates={"application/json": '{"key": "$context.identity.apiKeyId"}'},
    )
    apigw.create_deployment(restApiId=api_id, stageName="v1")
    return api_id


def _key(apigw, plan_id: str, value: str) -> str:
    key = apigw.create_api_key(name=value[:8], value=value, enabled=True)
    apigw.create_usage_plan_key(usagePlanId=plan_id, keyId=key["id"], keyType="API_KEY")
    return key["id"]


def test_api_key_crud(apigw):
    key = apigw.create_api_key(name="reader", enabled=True)
    assert len(key["value"]) >= 20 and key["enabled"] is True
    assert "value" not in apigw.get_api_key(apiKey=key["id"])
    assert apigw.get_api_key(apiKey=key["id"], includeValue=True)["value"] == key["value"]
    assert key["id"] in [k["id"] for k in apigw.get_api_keys(nameQuery="read")["items"]]
    updated = apigw.update_api_key(
        apiKey=key["id"], patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}]
    )
    assert updated["enabled"] is False
    with pytest.raises(ClientError) as info:
        apigw.create_api_key(name="short", value="tooshort")
    assert info.value.response["Error"]["Code"] == "BadRequestException"
    apigw.delete_api_key(apiKey=key["id"])
    with pytest.raises(ClientError) as info:
        apigw.get_api_key(apiKey=key["id"])
    assert info.value.response["Error"]["Message"] == "Invalid API Key identifier specified"


def test_key_required(apigw, http, keyed):
    plan = apigw.create_usage_plan(name="basic", apiStages=[{"apiId": keyed, "stage": "v1"}])
    key_id = _key(apigw, plan["id"], "k" * 20 + "basic")
    forbidden = {"message": "Forbidden"}
    missing = http.get(f"/{keyed}/v1/")
    assert (missing.status_code, missing.json()) == (403, forbidden)
    wrong = http.get(f"/{keyed}/v1/", headers={"x-api-key": "x" * 30})
    assert (wrong.status_code, wrong.json()) == (403, forbidden)
    ok = http.get(f"/{keyed}/v1/", headers={"x-api-key": "k" * 20 + "basic"})
    assert (ok.status_code, ok.json()) == (200, {"key": key_id})
    # a key outside every plan of this stage is refused too
    loose = apigw.create_api_key(name="loose", value="l" * 25, enabled=True)
    assert http.get(f"/{keyed}/v1/", headers={"x-api-key": loose["value"]}).status_code == 403
    assert [k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]] == [key_id]


def test_throttle_and_quota(apigw, http, keyed, server):
    plan = apigw.create_usage_plan(
        name="tight",
        apiStages=[{"apiId": keyed, "stage": "v1"}],
        throttle={"burstLimit": 2, "rateLimit": 1.0},
        quota={"limit": 3, "period": "DAY"},
    )
    value = "t" * 20 + "tight"
    key_id = _key(apigw, plan["id"], value)
    headers = {"x-api-key": value}
    assert [http.get(f"/{keyed}/v1/", headers=headers).status_code for _ in range(2)] == [200, 200]
    throttled = http.get(f"/{keyed}/v1/", headers=headers)
    assert (throttled.status_code, throttled.json()) == (429, {"message": "Too Many Requests"})
    server.advance_clock(2)
    assert http.get(f"/{keyed}/v1/", headers=headers).status_code == 200
    server.advance_clock(2)
    over = http.get(f"/{keyed}/v1/", headers=headers)
    assert (over.status_code, over.json()) == (429, {"message": "Limit Exceeded"})
    server.advance_clock(86400)
    assert http.get(f"/{keyed}/v1/", headers=headers).status_code == 200
    today = datetime.datetime.now(datetime.UTC).date()
    usage = apigw.get_usage(
        usagePlanId=plan["id"],
        startDate=today.isoformat(),
        endDate=(today + datetime.timedelta(days=3)).isoformat(),
    )
    assert sum(day[0] for day in usage["items"][key_id]) == 4


def test_usage_plan_validation_and_updates(apigw, keyed):
    with pytest.raises(ClientError) as info:
        apigw.create_usage_plan(name="bad", apiStages=[{"apiId": keyed, "stage": "nope"}])
    assert info.value.response["Error"]["Code"] == "BadRequestException"
    plan = apigw.create_usage_plan(name="edit")
    updated = apigw.update_usage_plan(
        usagePlanId=plan["id"],
        patchOperations=[
            {"op": "add", "path": "/apiStages", "value": f"{keyed}:v1"},
            {"op": "replace", "path": "/throttle/rateLimit", "value": "5"},
        ],
    )
    assert updated["apiStages"] == [{"apiId": keyed, "stage": "v1"}]
    assert updated["throttle"]["rateLimit"] == 5.0
    apigw.delete_usage_plan(usagePlanId=plan["id"])
    with pytest.raises(ClientError) as info:
        apigw.get_usage_plan(usagePlanId=plan["id"])
    assert info.value.response["Error"]["Code"] == "NotFoundException"


def test_import_api_keys_and_update_usage(apigw, http, keyed):
    plan = apigw.create_usage_plan(
        name="imported", apiStages=[{"apiId": keyed, "stage": "v1"}], quota={"limit": 1, "period": "MONTH"}
    )
    csv_body = f"Name,Key,Enabled,UsagePlanIds\nfirst,{'i' * 24},true,{plan['id']}\nbroken,,true,\n"
    reply = apigw.import_api_keys(body=csv_body.encode(), format="csv")
    assert len(reply["ids"]) == 1 and len(reply["warnings"]) == 1
    key_id = reply["ids"][0]
    headers = {"x-api-key": "i" * 24}
    assert http.get(f"/{keyed}/v1/", headers=headers).status_code == 200
    assert http.get(f"/{keyed}/v1/", headers=headers).status_code == 429
    apigw.update_usage(
        usagePlanId=plan["id"],
        keyId=key_id,
        patchOperations=[{"op": "replace", "path": "/remaining", "value": "1"}],
    )
    assert http.get(f"/{keyed}/v1/", headers=headers).status_code == 200
