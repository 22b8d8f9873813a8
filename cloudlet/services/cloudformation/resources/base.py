"""What a resource type is: create / update / delete through the owning service's public
operations, and the Ref value and Fn::GetAtt attributes AWS documents for it."""

from __future__ import annotations

import inspect
import secrets
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import load_service
from cloudlet.aws.validate import validate
from cloudlet.edge.types import Headers, Principal, Request, RequestContext

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

_SUFFIX_ALPHABET = string.ascii_uppercase + string.digits


class ResourceFailed(Exception):
    """Why a resource could not be created, updated or deleted (the event's reason)."""


@dataclass
class ResourceContext:
    env: Environment
    account: str
    region: str
    stack_name: str
    stack_id: str
    logical_id: str
    tags: list[dict[str, str]]
    previous_tags: list[dict[str, str]] | None = None  # during an update: the stack's tags before it
    host: str = ""  # the Host the operation's requester used; addresses handed out (queue URLs) name it

    async def call(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """The service's public operation, validated against its model as a wire call would be."""
        provider = await self.env.registry.provider(service)
        handler = provider.handler(operation)
        if handler is None:
            raise ResourceFailed(f"cloudlet's {service} does not implement {operation}")
        model = load_service(service)
        validate(model.operation(operation), params, model.protocol)
        principal = Principal("", self.account, f"arn:aws:iam::{self.account}:root", self.account)
        host = self.host or self.env.config.endpoint.split("://", 1)[1]
        ctx = RequestContext(
            Request("POST", "/", "", Headers([("host", host)])), region=self.region, principal=principal
        )
        ctx.service, ctx.operation, ctx.params = service, operation, params
        result = handler(ctx, params)
        if inspect.isawaitable(result):
            result = await result
        return result or {}

    def physical_name(self, max_length: int = 255, *, lower: bool = False, suffix: str = "") -> str:
        """AWS's generated name: stack-logical-RANDOM, the first two cut to fit."""
        random = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(12))
        room = max_length - len(random) - len(suffix) - 2
        stack, logical = self.stack_name, self.logical_id
        if len(stack) + len(logical) > room:
            stack = stack[: max(room // 2, room - len(logical))]
            logical = logical[: room - len(stack)]
        name = f"{stack}-{logical}-{random}{suffix}"
        return name.lower() if lower else name

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:aws:{service}:{self.region if region else ''}:{self.account if account else ''}:{resource}"
        )


@dataclass
class Created:
    physical_id: str
    attributes: dict[str, Any]


class ResourceType:
    """A handler of one resource type. Ref is the physical id unless `ref` says otherwise."""

    type: ClassVar[str]
    # Properties whose change makes CloudFormation replace the resource rather than update it.
    replace_on: ClassVar[frozenset[str]] = frozenset()
    # Properties that name the resource: replacing a resource that has one set fails, as in AWS.
    name_property: ClassVar[str | None] = None
    attributes: ClassVar[tuple[str, ...]] = ()
    # Every property change replaces the resource (types AWS cannot update in place).
    immutable: ClassVar[bool] = False
    taggable: ClassVar[bool] = False
    capability: ClassVar[str | None] = None

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        raise NotImplementedError

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        raise NotImplementedError

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        raise NotImplementedError

    def needs_replacement(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        if self.immutable:
            return old != new
        return any(old.get(key) != new.get(key) for key in self.replace_on)


def required(props: dict[str, Any], *names: str) -> None:
    missing = [name for name in names if props.get(name) in (None, "", [])]
    if missing:
        raise ResourceFailed(
            f"Properties validation failed for resource: required key [{missing[0]}] not found"
        )


def tags_with(
    ctx: ResourceContext, tags: list[dict[str, str]] | None, *, before: bool = False
) -> list[dict[str, str]]:
    """The resource's own tags plus the stack's, which CloudFormation propagates (`before`: the
    stack's tags before the update under way)."""
    own = {tag["Key"]: tag["Value"] for tag in tags or []}
    stack_tags = ctx.tags if not before or ctx.previous_tags is None else ctx.previous_tags
    for tag in stack_tags:
        own.setdefault(tag["Key"], tag["Value"])
    return [{"Key": key, "Value": str(value)} for key, value in own.items()]


def not_found(exc: ServiceError) -> bool:
    """A delete can treat the resource as gone."""
    return (
        exc.status == 404
        or "NotFound" in exc.code
        or "NoSuch" in exc.code
        or exc.code in ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")
    )
