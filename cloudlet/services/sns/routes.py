"""What SNS serves outside the AWS API: the signing certificate, and the SubscribeURL and
UnsubscribeURL links of its messages, which subscribers open without signing (as on AWS)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import load_service
from cloudlet.aws.serializing import create_serializer
from cloudlet.edge.types import Headers, Principal, Request, RequestContext, Response
from cloudlet.services.sns.urls import CERT_PATH_PREFIX

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment
    from cloudlet.services.sns.provider import SnsProvider

_LINK_ACTIONS = {"ConfirmSubscription": "confirm_subscription", "Unsubscribe": "unsubscribe"}


class SnsRoutes:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def matches(self, request: Request) -> bool:
        if request.method != "GET":
            return False
        if request.path.startswith(CERT_PATH_PREFIX):
            return request.path.endswith(".pem")
        return (request.path == "/" and request.query.startswith(("Action=ConfirmSubscription&",
                                                                   "Action=Unsubscribe&"))
                and "authorization" not in request.headers and "X-Amz-Signature" not in request.query)

    async def handle(self, request: Request) -> Response:
        provider: SnsProvider = await self.env.registry.provider("sns")  # type: ignore[assignment]
        if request.path.startswith(CERT_PATH_PREFIX):
            path, pem = provider.signer.certificate()
            if path != request.path:
                return Response(404, Headers([("Content-Type", "text/plain")]), b"Not Found")
            return Response(200, Headers([("Content-Type", "application/x-x509-ca-cert")]), pem.encode())
        return self._link(provider, request)

    def _link(self, provider: SnsProvider, request: Request) -> Response:
        query = {key: values[0] for key, values in parse_qs(request.query).items()}
        action = query.pop("Action")
        model = load_service("sns")
        operation = model.operation(action)
        serializer = create_serializer(model, "query")
        request_id = str(uuid.uuid4())
        arn = query.get("TopicArn") or query.get("SubscriptionArn") or ""
        parts = arn.split(":")
        account = parts[4] if len(parts) > 4 else "000000000000"
        ctx = RequestContext(request, request_id, "sns", action, "query",
                             parts[3] if len(parts) > 3 else self.env.config.region,
                             Principal("", account, f"arn:aws:iam::{account}:root", account))
        try:
            result = getattr(provider, _LINK_ACTIONS[action])(ctx, query)
        except ServiceError as exc:
            return serializer.serialize_error(operation, exc, request_id)
        return serializer.serialize_response(operation, result, request_id)
