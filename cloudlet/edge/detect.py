"""Which AWS service a request on the shared port is for.

Clues, strongest first: X-Amz-Target (JSON and CBOR RPC), the CBOR path, the SigV4
credential scope, the Host (virtual-hosted S3), the query-protocol Action and Version.
A request with no clue at all is S3: browsers and curl fetching objects send nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs

from cloudlet.aws.index import service_index
from cloudlet.aws.sigv4 import parse_scope
from cloudlet.edge.types import Request

_CBOR_PATH = re.compile(r"^/service/([^/]+)/operation/[^/]+$")
_CONNECTIONS = re.compile(r"^(.*)/@connections/[^/]+$")
_EXECUTE_API_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.", re.IGNORECASE)
_EXECUTE_API_PATH = "/_aws/execute-api/"
_S3_HOST = re.compile(r"(^|\.)s3([.-][a-z0-9-]+)?\.(localhost|amazonaws\.com)(:\d+)?$")


def is_s3_host(host: str) -> bool:
    return bool(_S3_HOST.search(host.lower()))


def is_connections_call(request: Request) -> bool:
    """A call of the @connections API (apigatewaymanagementapi): at a WebSocket API's stage URL
    (host or path form), or at cloudlet's own endpoint signed for execute-api. Marks the stage
    URL's path as the request's endpoint prefix."""
    match = _CONNECTIONS.match(request.path)
    if match is None:
        return False
    scope = parse_scope(request)
    if not (
        (scope is not None and scope[1] == "execute-api")
        or _EXECUTE_API_HOST.match(request.host)
        or request.path.startswith(_EXECUTE_API_PATH)
    ):
        return False
    request.endpoint_prefix = match.group(1)
    return True


def _rank(candidates: list[str], signing_name: str, implemented: Callable[[str], bool]) -> list[str]:
    return sorted(candidates, key=lambda s: (not implemented(s), s != signing_name, s))


def detect_service(
    request: Request,
    implemented: Callable[[str], bool],
    fits: Callable[[str, Request], bool],
) -> str | None:
    """The botocore service name, or None when nothing names a service.

    `fits(service, request)` tells whether the service's model has an operation matching the
    request; it separates services that share a signing name (ses/sesv2, s3/s3control,
    apigateway/apigatewayv2).
    """
    if request.endpoint_prefix is not None:  # marked by is_connections_call
        return "apigatewaymanagementapi"
    index = service_index()
    headers = request.headers
    target = headers.get("x-amz-target")
    if target:
        service = index.by_target_prefix.get(target.rpartition(".")[0])
        if service:
            return service
    match = _CBOR_PATH.match(request.path)
    if match and match.group(1) in index.by_target_prefix:
        return index.by_target_prefix[match.group(1)]

    scope = parse_scope(request)
    if scope is not None:
        signing_name = scope[1]
        candidates = _rank(index.by_signing_name.get(signing_name, []), signing_name, implemented)
        for service in candidates:
            if fits(service, request):
                return service
        if candidates:
            return candidates[0]

    if is_s3_host(request.host):
        return "s3"
    if "Action=" in request.query or _is_form(request):
        version = _query_param(request, "Version")
        if version and version in index.query_services:
            return index.query_services[version]
    return "s3"


def _is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type") or ""
    return content_type.startswith("application/x-www-form-urlencoded")


def _query_param(request: Request, name: str) -> str | None:
    value = request.query_dict().get(name)
    if value is None and _is_form(request) and request.body.is_buffered:
        values = parse_qs(request.body.data.decode("utf-8", "replace")).get(name)
        value = values[0] if values else None
    return value
