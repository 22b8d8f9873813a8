"""A handler written with AWS Lambda Powertools, shipped as a layer, called through a function URL:
its structured log lines land in CloudWatch Logs and JSON filter patterns find them."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from urllib.parse import urlsplit

import aws_lambda_powertools
import httpx
import pytest
import typing_extensions

HANDLER = """
import json
import aws_lambda_powertools
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import LambdaFunctionUrlEvent, event_source

logger = Logger(service="orders")

@logger.inject_lambda_context
@event_source(data_class=LambdaFunctionUrlEvent)
def handler(event: LambdaFunctionUrlEvent, context):
    order = event.get_query_string_value("id")
    logger.info("order received", extra={"order_id": order, "method": event.http_method})
    body = {"path": event.path, "order": order, "powertools": aws_lambda_powertools.__file__}
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
"""


def powertools_layer() -> bytes:
    """Powertools and what it needs beyond the runtime, zipped as a layer (python/...), as AWS's
    own Powertools layer ships them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for module in (aws_lambda_powertools, typing_extensions):
            path = module.__file__
            root = os.path.dirname(path) if path.endswith("__init__.py") else path
            base = os.path.dirname(root)
            for folder, _, files in (
                os.walk(root) if os.path.isdir(root) else [(base, [], [os.path.basename(root)])]
            ):
                for name in files:
                    if not name.endswith(".pyc"):
                        full = os.path.join(folder, name)
                        archive.write(full, os.path.join("python", os.path.relpath(full, base)))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def orders_url(lam, create):
    layer = lam.publish_layer_version(
        LayerName="powertools",
        Content={"ZipFile": powertools_layer()},
        CompatibleRuntimes=["python3.11", "python3.12"],
    )
    create("orders", HANDLER, Layers=[layer["LayerVersionArn"]], Timeout=10)
    url = lam.create_function_url_config(FunctionName="orders", AuthType="NONE")["FunctionUrl"]
    lam.add_permission(
        FunctionName="orders",
        StatementId="public",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    return url


def test_powertools_handler_logs_structured_lines(orders_url, endpoint, client):
    host = f"{urlsplit(orders_url).hostname}:{urlsplit(endpoint).port}"
    reply = httpx.get(f"{endpoint}/orders/new?id=42", headers={"Host": host}, timeout=30)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["path"] == "/orders/new" and body["order"] == "42"
    layer_file = body["powertools"]  # /opt when sandboxed, else the layer's own directory
    assert layer_file.startswith("/opt/python/") or "/blobs/lambda/layers/" in layer_file, "from the layer"
    logs = client("logs")
    pattern = '{ $.service = "orders" && $.order_id = "42" && $.level = "INFO" }'
    deadline = time.monotonic() + 15
    while True:
        events = (
            logs.filter_log_events(logGroupName="/aws/lambda/orders", filterPattern=pattern)["events"]
            if logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/orders")["logGroups"]
            else []
        )
        if events or time.monotonic() > deadline:
            break
        time.sleep(0.02)  # logs are shipped just after the invoke returns: nothing to await here
    assert len(events) == 1
    line = json.loads(events[0]["message"])
    assert line["message"] == "order received" and line["method"] == "GET"
    assert line["function_name"] == "orders" and line["function_request_id"]
    assert line["cold_start"] is True
