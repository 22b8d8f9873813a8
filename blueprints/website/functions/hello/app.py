"""The website's API: counts visits and greets, behind an HTTP API (payload format 2.0)."""

from __future__ import annotations

import os
from typing import Any

import boto3

visits = boto3.resource("dynamodb").Table(os.environ["VISITS_TABLE"])


def handler(event: dict, context: Any) -> dict:
    name = (event.get("queryStringParameters") or {}).get("name") or "visitor"
    counted = visits.update_item(
        Key={"page": "home"}, UpdateExpression="ADD hits :one",
        ExpressionAttributeValues={":one": 1}, ReturnValues="UPDATED_NEW",
    )
    hits = int(counted["Attributes"]["hits"])
    return {"message": f"Hello, {name[:40]}!", "visits": hits}
