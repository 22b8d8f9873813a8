"""Serving a function URL request: authorize it, build the payload format 2.0 event, invoke the
function through Lambda's Invoke operation, and turn its answer into HTTP.

AuthType NONE needs a resource policy statement letting anyone call lambda:InvokeFunctionUrl
(as on AWS, where creating the URL from the console adds it); AWS_IAM needs a valid SigV4
signature, and a caller from another account also needs a statement naming it.
"""

from __future__ import annotations

import json
import time
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from cloudlet.aws.auth.errors import AuthError
from cloudlet.aws.errors import ServiceError
from cloudlet.aws.sigv4 import authenticate
from cloudlet.core.credentials import Credential
from cloudlet.edge.types import (
    BodyTooLarge,
    Headers,
    Principal,
    Request,
    RequestContext,
    Response,
    new_request_id,
)
from cloudlet.services.gateway import proxy_events
from cloudlet.services.lambda_ import store, url_cors, urls
from cloudlet.services.lambda_.functions import LATEST

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

MAX_REQUEST = 6 * 1024 * 1024
_INVOKE_ACTIONS = ("lambda:InvokeFunctionUrl", "lambda:*", "*")


async def serve(env: Environment, request: Request, url_id: str, path: str) -> Response:
    with env.store.read() as conn:
        url = store.find_url_by_id(conn, url_id)
        fn = store.find_function(conn, url.account, url.region, url.name) if url else None
    if url is None or fn is None:
        return _message(403, "Forbidden")
    cors = url.config.get("Cors")
    if url_cors.is_preflight(cors, request):
        return url_cors.preflight(cors, request)
    try:
        body = await request.body.read(MAX_REQUEST)
    except BodyTooLarge:
        return _message(413, "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
    try:
        caller = _caller(env, request, url.config["AuthType"])
    except AuthError:
        return _message(403, "Forbidden")
    if not _allowed(fn.policy, url, caller):
        return _message(403, "Forbidden")
    request_id = new_request_id()
    event = _event(request, url, path, body, request_id, caller)
    response = await _invoke(env, url, event, request_id)
    response.headers["X-Amzn-RequestId"] = request_id
    url_cors.decorate(cors, request, response)
    return response


def _caller(env: Environment, request: Request, auth_type: str) -> Credential | None:
    """Who signed an AWS_IAM request (AuthError when nobody validly did); None for AuthType NONE."""
    if auth_type != "AWS_IAM":
        return None
    auth = authenticate(
        request, env.credentials, env.clock.now(), enforce=env.config.auth, skew_now=time.time()
    )
    if auth.credential is None:
        raise AuthError("missing", "Missing Authentication Token")
    return auth.credential


def _allowed(policy: dict[str, Any] | None, url: store.FunctionUrl, caller: Credential | None) -> bool:
    if caller is not None and caller.account_id == url.account:
        return True  # same account: its identity policies decide, and cloudlet grants them
    auth_type = url.config["AuthType"]
    resource = url.config["FunctionArn"]
    for statement in (policy or {}).get("Statement", []):
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        condition = (statement.get("Condition") or {}).get("StringEquals", {})
        if (
            statement.get("Effect") == "Allow"
            and any(a in _INVOKE_ACTIONS for a in actions)
            and condition.get("lambda:FunctionUrlAuthType", auth_type) == auth_type
            and _resource_matches(statement.get("Resource"), resource)
            and _principal_matches(statement.get("Principal"), caller)
        ):
            return True
    return False


def _resource_matches(pattern: Any, resource: str) -> bool:
    patterns = pattern if isinstance(pattern, list) else [pattern]
    return any(isinstance(p, str) and fnmatchcase(resource, p) for p in patterns)


def _principal_matches(principal: Any, caller: Credential | None) -> bool:
    if principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*"):
        return True
    if caller is None or not isinstance(principal, dict):
        return False
    names = principal.get("AWS")
    names = names if isinstance(names, list) else [names]
    return (
        caller.arn in names or f"arn:aws:iam::{caller.account_id}:root" in names or caller.account_id in names
    )


def _event(
    request: Request,
    url: store.FunctionUrl,
    path: str,
    body: bytes,
    request_id: str,
    caller: Credential | None,
) -> dict[str, Any]:
    facts = proxy_events.Facts(
        method=request.method,
        path=path,
        raw_path=path,
        query=request.query,
        headers=request.headers,
        body=body,
        source_ip=request.client.split(":")[0] if request.client else "127.0.0.1",
        api_id=url.url_id,
        stage="$default",
        account=caller.account_id if caller else "anonymous",
        request_id=request_id,
        domain=urls.host(url.url_id, url.region),
    )
    authorizer = None
    if caller is not None:
        authorizer = {
            "iam": {
                "accessKey": caller.access_key,
                "accountId": caller.account_id,
                "callerId": caller.user_id,
                "cognitoIdentity": None,
                "principalOrgId": None,
                "userArn": caller.arn,
                "userId": caller.user_id,
            }
        }
    event = proxy_events.event_v2(facts, "$default", {}, {}, authorizer)
    event["requestContext"]["authentication"] = None
    event.setdefault("pathParameters", None)
    event.setdefault("stageVariables", None)
    return event


async def _invoke(
    env: Environment, url: store.FunctionUrl, event: dict[str, Any], request_id: str
) -> Response:
    ctx = RequestContext(
        Request("POST", "/", "", Headers()),
        request_id,
        "lambda",
        "Invoke",
        "rest-json",
        url.region,
        Principal("", url.account, f"arn:aws:iam::{url.account}:root", url.account),
    )
    params: dict[str, Any] = {"FunctionName": url.name, "Payload": json.dumps(event).encode()}
    if url.qualifier != LATEST:
        params["Qualifier"] = url.qualifier
    lambda_ = await env.registry.provider("lambda")
    try:
        reply = await lambda_.invoke(ctx, params)  # type: ignore[attr-defined]
    except ServiceError as exc:
        status = exc.status if exc.status in (413, 429) else 502
        return _message(status, exc.message)
    if reply.get("FunctionError"):
        return _internal_error()
    try:
        return proxy_events.response_v2(reply.get("Payload") or b"")
    except proxy_events.MalformedResponse:
        return _internal_error()


def _message(status: int, text: str) -> Response:
    return Response(
        status, Headers([("Content-Type", "application/json")]), json.dumps({"Message": text}).encode()
    )


def _internal_error() -> Response:
    return Response(502, Headers([("Content-Type", "text/plain")]), b"Internal Server Error")
