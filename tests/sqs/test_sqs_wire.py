"""Both wire protocols: query/XML form posts as older SDKs send them, JSON errors, the AWS CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.serialize import create_serializer

NS = {"sqs": "http://queue.amazonaws.com/doc/2012-11-05/"}
MODEL = botocore.session.get_session().get_service_model("sqs")


def _post(endpoint: str, path: str, body: str) -> tuple[int, ET.Element]:
    request = AWSRequest("POST", endpoint + path, data=body.encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials("test", "test"), "sqs", "us-east-1").add_auth(request)
    prepared = urllib.request.Request(request.url, data=request.body, headers=dict(request.headers), method="POST")
    try:
        with urllib.request.urlopen(prepared, timeout=10) as reply:
            return reply.status, ET.fromstring(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, ET.fromstring(error.read())


def _query(endpoint: str, operation: str, params: dict) -> tuple[int, ET.Element]:
    """Serialized by botocore's own query serializer against the SQS model."""
    serialized = create_serializer("query").serialize_to_request(params, MODEL.operation_model(operation))
    body = serialized["body"]
    if isinstance(body, dict):
        body = urllib.parse.urlencode(body)
    return _post(endpoint, serialized["url_path"], body)


def _form(endpoint: str, path: str, pairs: list[tuple[str, str]]) -> tuple[int, ET.Element]:
    """Hand-written, with the element names of the query-era SQS API (Attribute.1.Name...)."""
    return _post(endpoint, path, urllib.parse.urlencode([("Version", "2012-11-05"), *pairs]))


def _text(root: ET.Element, path: str) -> str | None:
    found = root.find(path, NS)
    return None if found is None else found.text


def test_query_protocol_round_trip(endpoint):
    name = "wire-" + uuid.uuid4().hex[:8]
    status, root = _query(endpoint, "CreateQueue", {"QueueName": name, "Attributes": {"VisibilityTimeout": "45"}})
    assert status == 200, ET.tostring(root)
    url = _text(root, "sqs:CreateQueueResult/sqs:QueueUrl")
    assert url == f"{endpoint}/000000000000/{name}"

    status, root = _query(endpoint, "SendMessage", {
        "QueueUrl": url, "MessageBody": "over query",
        "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}})
    assert status == 200
    assert _text(root, "sqs:SendMessageResult/sqs:MD5OfMessageBody") == hashlib.md5(b"over query").hexdigest()

    status, root = _query(endpoint, "ReceiveMessage", {"QueueUrl": url, "MessageAttributeNames": ["All"],
                                                       "AttributeNames": ["All"]})
    message = root.find("sqs:ReceiveMessageResult/sqs:Message", NS)
    assert message is not None, ET.tostring(root)
    assert _text(message, "sqs:Body") == "over query"
    attributes = {_text(a, "sqs:Name"): _text(a, "sqs:Value") for a in message.findall("sqs:Attribute", NS)}
    assert attributes["ApproximateReceiveCount"] == "1"
    user = message.find("sqs:MessageAttribute", NS)
    assert _text(user, "sqs:Name") == "k" and _text(user, "sqs:Value/sqs:StringValue") == "v"

    status, root = _query(endpoint, "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["VisibilityTimeout"]})
    assert {_text(a, "sqs:Name"): _text(a, "sqs:Value")
            for a in root.findall("sqs:GetQueueAttributesResult/sqs:Attribute", NS)} == {"VisibilityTimeout": "45"}


def test_query_era_parameter_names(endpoint):
    name = "legacy-" + uuid.uuid4().hex[:8]
    status, root = _form(endpoint, "/", [("Action", "CreateQueue"), ("QueueName", name),
                                         ("Attribute.1.Name", "DelaySeconds"), ("Attribute.1.Value", "0"),
                                         ("Attribute.2.Name", "VisibilityTimeout"), ("Attribute.2.Value", "12")])
    assert status == 200, ET.tostring(root)
    url = _text(root, "sqs:CreateQueueResult/sqs:QueueUrl")
    path = urllib.parse.urlsplit(url).path
    status, root = _form(endpoint, path, [
        ("Action", "SendMessageBatch"), ("QueueUrl", url),
        ("SendMessageBatchRequestEntry.1.Id", "a"), ("SendMessageBatchRequestEntry.1.MessageBody", "one"),
        ("SendMessageBatchRequestEntry.1.MessageAttribute.1.Name", "n"),
        ("SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType", "Number"),
        ("SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue", "3")])
    assert status == 200, ET.tostring(root)
    assert _text(root, "sqs:SendMessageBatchResult/sqs:SendMessageBatchResultEntry/sqs:Id") == "a"
    status, root = _form(endpoint, path, [("Action", "ReceiveMessage"), ("QueueUrl", url),
                                          ("MessageAttributeName.1", "All"), ("AttributeName.1", "SentTimestamp")])
    message = root.find("sqs:ReceiveMessageResult/sqs:Message", NS)
    assert _text(message, "sqs:MessageAttribute/sqs:Value/sqs:StringValue") == "3"
    assert _text(message, "sqs:Attribute/sqs:Name") == "SentTimestamp"
    status, root = _form(endpoint, path, [("Action", "GetQueueAttributes"), ("QueueUrl", url),
                                          ("AttributeName.1", "VisibilityTimeout")])
    assert _text(root, "sqs:GetQueueAttributesResult/sqs:Attribute/sqs:Value") == "12"


def test_query_request_posted_to_the_queue_url(endpoint):
    # Older SDKs post to the queue's URL and leave QueueUrl out of the form.
    name = "path-" + uuid.uuid4().hex[:8]
    _form(endpoint, "/", [("Action", "CreateQueue"), ("QueueName", name)])
    status, root = _form(endpoint, f"/000000000000/{name}", [("Action", "SendMessage"), ("MessageBody", "x")])
    assert status == 200, ET.tostring(root)


def test_query_errors_carry_query_codes(endpoint):
    status, root = _query(endpoint, "GetQueueUrl", {"QueueName": "does-not-exist"})
    assert status == 400
    assert _text(root, "sqs:Error/sqs:Code") == "AWS.SimpleQueueService.NonExistentQueue"
    assert _text(root, "sqs:Error/sqs:Type") == "Sender"
    assert _text(root, "sqs:Error/sqs:Message") == "The specified queue does not exist."


def test_json_errors_carry_the_query_error_header(client):
    sqs = client("sqs")
    events = []
    sqs.meta.events.register("after-call.sqs.GetQueueUrl", lambda http_response, **_: events.append(http_response))
    try:
        sqs.get_queue_url(QueueName="does-not-exist")
    except sqs.exceptions.QueueDoesNotExist as exc:
        assert exc.response["Error"]["QueryErrorCode"] == "QueueDoesNotExist"
    else:
        raise AssertionError("expected QueueDoesNotExist")
    assert events[0].headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    assert json.loads(events[0].content)["__type"].endswith("QueueDoesNotExist")


def test_aws_cli(endpoint, tmp_path):
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}

    def aws(*args: str) -> dict:
        done = subprocess.run([sys.executable, "-m", "awscli", "--endpoint-url", endpoint, "sqs", *args,
                               "--output", "json"], capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    name = "cli-" + uuid.uuid4().hex[:8]
    url = aws("create-queue", "--queue-name", name)["QueueUrl"]
    aws("send-message", "--queue-url", url, "--message-body", "from the cli",
        "--message-attributes", '{"k": {"DataType": "String", "StringValue": "v"}}')
    received = aws("receive-message", "--queue-url", url, "--message-attribute-names", "All",
                   "--wait-time-seconds", "1")["Messages"]
    assert received[0]["Body"] == "from the cli"
    aws("delete-message", "--queue-url", url, "--receipt-handle", received[0]["ReceiptHandle"])
    assert url in aws("list-queues", "--queue-name-prefix", name)["QueueUrls"]
