"""AWS::IAM::Role, Policy and ManagedPolicy.

cloudlet has no IAM service yet: these entities are kept in CloudFormation's own table
(cfn_iam_entities) with the names, ARNs and ids AWS documents, so templates that reference a
role's Arn deploy and the values are stable. Nothing enforces them until IAM lands.
"""

from __future__ import annotations

import datetime
import secrets
import string
from typing import Any

from cloudlet.services.cloudformation import store
from cloudlet.services.cloudformation.resources.base import (
    Created,
    ResourceContext,
    ResourceFailed,
    ResourceType,
    required,
)

_ID_ALPHABET = string.ascii_uppercase + string.digits


def _entity_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(17))


def _path(props: dict[str, Any]) -> str:
    return props.get("Path") or "/"


def _put(ctx: ResourceContext, kind: str, name: str, arn: str, entity_id: str, props: dict[str, Any]) -> None:
    with ctx.env.store.db() as conn:
        if not store.put_iam_entity(
            conn, ctx.account, kind, name, arn, entity_id, props, ctx.env.clock.now()
        ):
            label = {"role": "Role", "managed-policy": "A policy called", "policy": "Policy"}[kind]
            raise ResourceFailed(
                f'Resource handler returned message: "{label} with name {name} already exists."'
                " (HandlerErrorCode: AlreadyExists)"
                if kind == "role"
                else f'Resource handler returned message: "{label} {name} already exists."'
                " (HandlerErrorCode: AlreadyExists)"
            )


def _update(ctx: ResourceContext, kind: str, name: str, props: dict[str, Any]) -> None:
    with ctx.env.store.db() as conn:
        store.update_iam_entity(conn, ctx.account, kind, name, props)


def _delete(ctx: ResourceContext, kind: str, name: str) -> None:
    with ctx.env.store.db() as conn:
        store.delete_iam_entity(conn, ctx.account, kind, name)


class _Entity(ResourceType):
    """An IAM entity kept in the stack's own table: updated in place, deleted by its name."""

    kind: str  # "role", "policy", "managed-policy"

    @staticmethod
    def _name(physical_id: str) -> str:
        return physical_id

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        _update(ctx, self.kind, self._name(physical_id), new)
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        _delete(ctx, self.kind, self._name(physical_id))


class Role(_Entity):
    type = "AWS::IAM::Role"
    kind = "role"
    replace_on = frozenset({"RoleName", "Path"})
    name_property = "RoleName"
    attributes = ("Arn", "RoleId")
    capability = "CAPABILITY_IAM"

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        required(props, "AssumeRolePolicyDocument")
        name = props.get("RoleName") or ctx.physical_name(64)
        arn = f"arn:aws:iam::{ctx.account}:role{_path(props)}{name}"
        role_id = _entity_id("AROA")
        _put(ctx, self.kind, name, arn, role_id, props)
        return Created(name, {"Arn": arn, "RoleId": role_id})


class Policy(_Entity):
    type = "AWS::IAM::Policy"
    kind = "policy"
    attributes = ("Id",)
    capability = "CAPABILITY_IAM"

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        required(props, "PolicyName", "PolicyDocument")
        if not any(props.get(key) for key in ("Roles", "Users", "Groups")):
            raise ResourceFailed("At least one of [Groups,Roles,Users] must be non-empty.")
        physical_id = ctx.physical_name(128)
        _put(ctx, self.kind, physical_id, f"policy:{physical_id}", physical_id, props)
        return Created(physical_id, {"Id": physical_id})


class ManagedPolicy(_Entity):
    type = "AWS::IAM::ManagedPolicy"
    kind = "managed-policy"
    replace_on = frozenset({"ManagedPolicyName", "Path", "Description"})
    name_property = "ManagedPolicyName"
    attributes = (
        "AttachmentCount",
        "CreateDate",
        "DefaultVersionId",
        "IsAttachable",
        "PermissionsBoundaryUsageCount",
        "PolicyArn",
        "PolicyId",
        "UpdateDate",
    )
    capability = "CAPABILITY_IAM"

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        required(props, "PolicyDocument")
        name = props.get("ManagedPolicyName") or ctx.physical_name(128)
        arn = f"arn:aws:iam::{ctx.account}:policy{_path(props)}{name}"
        policy_id = _entity_id("ANPA")
        _put(ctx, self.kind, name, arn, policy_id, props)
        return Created(arn, self._view(ctx, arn, policy_id, props, 1))

    @staticmethod
    def _view(
        ctx: ResourceContext, arn: str, policy_id: str, props: dict[str, Any], version: int
    ) -> dict[str, Any]:
        # CreateDate and UpdateDate: ISO 8601, as IAM reports a policy's dates
        now = datetime.datetime.fromtimestamp(ctx.env.clock.now(), datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        attached = sum(len(props.get(key) or []) for key in ("Roles", "Users", "Groups"))
        return {
            "PolicyArn": arn,
            "PolicyId": policy_id,
            "DefaultVersionId": f"v{version}",
            "AttachmentCount": attached,
            "IsAttachable": "true",
            "PermissionsBoundaryUsageCount": 0,
            "CreateDate": now,
            "UpdateDate": now,
        }

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        _update(ctx, self.kind, self._name(physical_id), new)
        version = int(str(attributes.get("DefaultVersionId", "v1"))[1:]) + (
            old.get("PolicyDocument") != new.get("PolicyDocument")
        )
        view = self._view(ctx, physical_id, attributes["PolicyId"], new, version)
        view["CreateDate"] = attributes.get("CreateDate", view["CreateDate"])
        return view

    @staticmethod
    def _name(physical_id: str) -> str:
        return physical_id.rsplit("/", 1)[1]  # the physical id is the policy's ARN
