"""MyBlog.com's REST API behind API Gateway (Lambda proxy integration, payload format 1.0).

GET /posts, GET /posts/{id}, POST /posts (author only: the method requires an API key),
POST /subscribers, POST /photos (a presigned POST for the browser), GET /photos/{id}.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from decimal import Decimal
from typing import Any

import boto3
from botocore.exceptions import ClientError

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PHOTO_BYTES = 10 * 1024 * 1024
UPLOAD_SECONDS = 600

dynamodb = boto3.resource("dynamodb")
s3 = boto3.client("s3")
cloudfront = boto3.client("cloudfront")
apigateway = boto3.client("apigateway")


def handler(event: dict, context: Any) -> dict:
    route = (event["httpMethod"], event["resource"])
    action = ROUTES.get(route)
    if action is None:
        return reply(404, {"message": "Not Found"})
    try:
        body = json.loads(event.get("body") or "{}") if event["httpMethod"] == "POST" else {}
    except json.JSONDecodeError:
        return reply(400, {"message": "the body is not JSON"})
    answer = action(event.get("pathParameters") or {}, body)
    if route == ("POST", "/posts") and answer["statusCode"] == 201:
        # the stage cache holds reads too: a new post empties it (posts are rarely written)
        context = event["requestContext"]
        apigateway.flush_stage_cache(restApiId=context["apiId"], stageName=context["stage"])
    return answer


def list_posts(params: dict, body: dict) -> dict:
    items = _table("POSTS_TABLE").scan()["Items"]
    items.sort(key=lambda post: post["createdAt"], reverse=True)
    return reply(200, {"posts": [_summary(post) for post in items]}, cache_seconds=60)


def get_post(params: dict, body: dict) -> dict:
    post = _table("POSTS_TABLE").get_item(Key={"id": params["id"]}).get("Item")
    if post is None:
        return reply(404, {"message": "no such post"})
    return reply(200, post, cache_seconds=300)


def save_post(params: dict, body: dict) -> dict:
    title, text = body.get("title"), body.get("body")
    if not isinstance(title, str) or not title.strip() or not isinstance(text, str):
        return reply(400, {"message": "a post needs a title and a body"})
    post_id = body.get("id") or uuid.uuid4().hex[:12]
    post = {"id": post_id, "title": title.strip(), "body": text, "createdAt": int(time.time() * 1000)}
    _table("POSTS_TABLE").put_item(Item=post)
    _invalidate(["/posts", f"/posts/{post_id}"])
    return reply(201, post)


def subscribe(params: dict, body: dict) -> dict:
    email = body.get("email")
    if not isinstance(email, str) or not EMAIL.match(email):
        return reply(400, {"message": "a valid email address is needed"})
    try:
        _table("SUBSCRIBERS_TABLE").put_item(
            Item={"email": email.lower(), "subscribedAt": int(time.time() * 1000)},
            ConditionExpression="attribute_not_exists(email)",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return reply(200, {"email": email.lower(), "subscribed": True, "new": False})
    return reply(201, {"email": email.lower(), "subscribed": True, "new": True})


def new_photo(params: dict, body: dict) -> dict:
    photo_id = uuid.uuid4().hex
    _table("PHOTOS_TABLE").put_item(Item={"id": photo_id, "status": "pending"})
    upload = s3.generate_presigned_post(
        os.environ["PHOTO_BUCKET"], f"uploads/{photo_id}",
        Conditions=[["content-length-range", 1, MAX_PHOTO_BYTES]],
        ExpiresIn=UPLOAD_SECONDS,
    )
    return reply(201, {"id": photo_id, "upload": upload})


def get_photo(params: dict, body: dict) -> dict:
    photo = _table("PHOTOS_TABLE").get_item(Key={"id": params["id"]}).get("Item")
    if photo is None:
        return reply(404, {"message": "no such photo"})
    answer = {"id": photo["id"], "status": photo["status"], "thumbnailUrl": None}
    if photo["status"] == "ready":
        # a path on the site: the thumbnail bucket is served by the same distribution
        answer["thumbnailUrl"] = f"/{photo['thumbnailKey']}"
        answer.update(width=photo.get("width"), height=photo.get("height"))
    return reply(200, answer)


ROUTES = {
    ("GET", "/posts"): list_posts,
    ("GET", "/posts/{id}"): get_post,
    ("POST", "/posts"): save_post,
    ("POST", "/subscribers"): subscribe,
    ("POST", "/photos"): new_photo,
    ("GET", "/photos/{id}"): get_photo,
}


def reply(status: int, value: Any, cache_seconds: int = 0) -> dict:
    cache = f"public, max-age={cache_seconds}" if cache_seconds else "no-store"
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "Cache-Control": cache,
                    "Access-Control-Allow-Origin": "*"},
        "body": json.dumps(value, default=_plain),
    }


def _summary(post: dict) -> dict:
    return {"id": post["id"], "title": post["title"], "createdAt": post["createdAt"],
            "excerpt": post["body"][:200]}


def _table(variable: str):
    return dynamodb.Table(os.environ[variable])


def _invalidate(paths: list[str]) -> None:
    distribution = _distribution_id()
    if distribution is None:
        return
    cloudfront.create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths},
                           "CallerReference": uuid.uuid4().hex},
    )


def _distribution_id() -> str | None:
    comment = os.environ.get("DISTRIBUTION_COMMENT")
    for page in cloudfront.get_paginator("list_distributions").paginate():
        for summary in page["DistributionList"].get("Items", []):
            if summary["Comment"] == comment:
                return summary["Id"]
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
