"""AWS integrations with services other than Lambda: DynamoDB and SQS called by the gateway."""

from __future__ import annotations

import json

import pytest

ROLE = "arn:aws:iam::000000000000:role/apigw-service"
PUT_TEMPLATE = """{"TableName": "notes", "Item": {"id": {"S": "$input.params('id')"},
 "text": {"S": "$util.escapeJavaScript($input.path('$.text'))"}}}"""
GET_TEMPLATE = """{"TableName": "notes", "Key": {"id": {"S": "$input.params('id')"}}}"""
GET_RESPONSE = """#set($item = $input.path('$.Item'))
#if($item){"id": "$item.id.S", "text": "$util.escapeJavaScript($item.text.S)"}#{else}{"missing": true}#end"""


@pytest.fixture(scope="module")
def service_api(apigw, client, rest_api, add_path):
    dynamodb = client("dynamodb")
    dynamodb.create_table(
        TableName="notes",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    queue_url = client("sqs").create_queue(QueueName="apigw-inbox")["QueueUrl"]
    api_id, root = rest_api("services")
    note = add_path(api_id, root, "/notes/{id}")
    for verb, action, template, response in (
        ("PUT", "PutItem", PUT_TEMPLATE, '{"saved": true}'),
        ("GET", "GetItem", GET_TEMPLATE, GET_RESPONSE),
    ):
        apigw.put_method(restApiId=api_id, resourceId=note, httpMethod=verb, authorizationType="NONE")
        apigw.put_integration(
            restApiId=api_id,
            resourceId=note,
            httpMethod=verb,
            type="AWS",
            integrationHttpMethod="POST",
            credentials=ROLE,
            uri=f"arn:aws:apigateway:us-east-1:dynamodb:action/{action}",
            requestTemplates={"application/json": template},
        )
        for status, pattern in (("200", None), ("400", "4\\d{2}")):
            apigw.put_method_response(restApiId=api_id, resourceId=note, httpMethod=verb, statusCode=status)
            kwargs = {"selectionPattern": pattern} if pattern else {}
            templates = {"application/json": response} if status == "200" else {}
            apigw.put_integration_response(
                restApiId=api_id,
                resourceId=note,
                httpMethod=verb,
                statusCode=status,
                responseTemplates=templates,
                **kwargs,
            )
    inbox = add_path(api_id, root, "/inbox")
    apigw.put_method(restApiId=api_id, resourceId=inbox, httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=inbox,
        httpMethod="POST",
        type="AWS",
        integrationHttpMethod="POST",
        credentials=ROLE,
        uri="arn:aws:apigateway:us-east-1:sqs:action/SendMessage",
        requestParameters={"integration.request.querystring.QueueUrl": f"'{queue_url}'"},
        requestTemplates={"application/json": "MessageBody=$util.urlEncode($input.body)"},
    )
    apigw.put_method_response(restApiId=api_id, resourceId=inbox, httpMethod="POST", statusCode="200")
    apigw.put_integration_response(restApiId=api_id, resourceId=inbox, httpMethod="POST", statusCode="200")
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    return api_id, queue_url


def test_dynamodb_put_and_get(http, service_api):
    api_id, _ = service_api
    saved = http.put(f"/{api_id}/prod/notes/n1", json={"text": 'say "hi"'})
    assert (saved.status_code, saved.json()) == (200, {"saved": True})
    got = http.get(f"/{api_id}/prod/notes/n1")
    assert (got.status_code, got.json()) == (200, {"id": "n1", "text": 'say "hi"'})
    assert http.get(f"/{api_id}/prod/notes/none").json() == {"missing": True}


def test_service_errors_select_by_status(http, service_api):
    api_id, _ = service_api
    # DynamoDB refuses a partition key over 2048 bytes: a 400 the "4\\d{2}" response selects
    reply = http.get(f"/{api_id}/prod/notes/{'k' * 2100}")
    assert reply.status_code == 400
    assert "ValidationException" in reply.text
    broken = http.put(
        f"/{api_id}/prod/notes/bad", content=b'{"text": 1', headers={"Content-Type": "application/json"}
    )
    assert (broken.status_code, broken.json()) == (500, {"message": "Internal server error"})


def test_sqs_send_message(client, http, service_api):
    api_id, queue_url = service_api
    reply = http.post(f"/{api_id}/prod/inbox", json={"hello": "queue"})
    assert reply.status_code == 200
    messages = client("sqs").receive_message(QueueUrl=queue_url, WaitTimeSeconds=5)["Messages"]
    assert json.loads(messages[0]["Body"]) == {"hello": "queue"}
