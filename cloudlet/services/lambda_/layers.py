"""Layers: published versions of a zip, unpacked once, laid out for functions as AWS's /opt.

A function's layers are checked when it is created or updated: each must exist and, when it
belongs to another account, be granted by the version's policy; at most five, one version per
layer. They are found again, deleted or not, when an environment starts.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any

from cloudlet.services.lambda_ import store
from cloudlet.services.lambda_.code import Package
from cloudlet.services.lambda_.errors import (
    AccessDeniedException,
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)

MAX_LAYERS = 5
_VERSION_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):(\d+)$")
_NAME_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+)$")


def layer_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:layer:{name}"


def parse_version_arn(arn: str) -> tuple[str, str, str, int]:
    """(region, account, name, version) of a layer version ARN."""
    match = _VERSION_ARN.match(arn)
    if match is None:
        raise InvalidParameterValueException(f"Invalid Layer name: {arn}")
    region, account, name, version = match.groups()
    return region, account, name, int(version)


def parse_name(value: str, account: str, region: str) -> tuple[str, str, str]:
    """(region, account, name) of a LayerName given as a name or a layer ARN."""
    match = _NAME_ARN.match(value)
    return (match.group(1), match.group(2), match.group(3)) if match else (region, account, value)


def new_version(
    region: str, account: str, name: str, version: int, params: dict[str, Any], package: Package
) -> dict[str, Any]:
    arn = layer_arn(region, account, name)
    config: dict[str, Any] = {
        "Content": {"CodeSha256": package.sha256, "CodeSize": package.size},
        "LayerArn": arn,
        "LayerVersionArn": f"{arn}:{version}",
        "Description": params.get("Description", ""),
        "CreatedDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
        "Version": version,
    }
    for member in ("CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"):
        if params.get(member):
            config[member] = params[member]
    return config


def list_item(config: dict[str, Any]) -> dict[str, Any]:
    """A version as ListLayers / ListLayerVersions show it (no Content, no LayerArn)."""
    return {key: value for key, value in config.items() if key not in ("Content", "LayerArn")}


def compatible(config: dict[str, Any], runtime: str | None, architecture: str | None) -> bool:
    if runtime and runtime not in config.get("CompatibleRuntimes", []):
        return False
    return not architecture or architecture in config.get("CompatibleArchitectures", [])


def function_layers(conn: sqlite3.Connection, arns: list[str], account: str) -> list[dict[str, Any]]:
    """The Layers member of a function configuration, every ARN checked."""
    if len(arns) > MAX_LAYERS:
        raise InvalidParameterValueException(f"Cannot reference more than {MAX_LAYERS} layers.")
    names = [parse_version_arn(arn)[:3] for arn in arns]
    if len(set(names)) != len(names):
        raise InvalidParameterValueException(
            "Two different versions of the same layer are not allowed to be referenced in the same function."
        )
    found = []
    for arn in arns:
        region, owner, name, version = parse_version_arn(arn)
        layer = store.find_layer_version(conn, owner, region, name, version)
        if layer is None:
            raise InvalidParameterValueException(f"Layer version {arn} does not exist.")
        check_access(layer, owner, account, arn)
        found.append({"Arn": arn, "CodeSize": layer.config["Content"]["CodeSize"]})
    return found


def layer_dirs(conn: sqlite3.Connection, config: dict[str, Any]) -> tuple[str, ...]:
    """Where a function's layers are unpacked, in the order the function lists them."""
    dirs = []
    for layer in config.get("Layers") or []:
        region, account, name, version = parse_version_arn(layer["Arn"])
        found = store.find_layer_version(conn, account, region, name, version, deleted=True)
        if found is None:
            raise ResourceNotFoundException(f"Layer version {layer['Arn']} does not exist.")
        dirs.append(found.code_dir)
    return tuple(dirs)


# -- who may use a layer version -------------------------------------------------------------------


def check_access(layer: store.LayerVersion, owner: str, caller: str, arn: str) -> None:
    """Another account uses a layer version only when its policy grants lambda:GetLayerVersion."""
    if caller == owner:
        return
    for statement in (layer.policy or {}).get("Statement", []):
        principal = statement.get("Principal")
        if principal == "*" or (
            isinstance(principal, dict) and principal.get("AWS") in ("*", f"arn:aws:iam::{caller}:root")
        ):
            return
    raise AccessDeniedException(
        f"User: arn:aws:iam::{caller}:root is not authorized to perform: lambda:GetLayerVersion on resource: {arn}"
    )


def add_permission(layer: store.LayerVersion, params: dict[str, Any]) -> dict[str, Any]:
    policy = layer.policy or {"Version": "2012-10-17", "Id": "default", "Statement": []}
    if params.get("RevisionId") and params["RevisionId"] != policy.get("RevisionId"):
        raise PreconditionFailedException("The Revision Id provided does not match the latest Revision Id.")
    sid = params["StatementId"]
    if any(statement["Sid"] == sid for statement in policy["Statement"]):
        raise ResourceConflictException(
            f"The statement id ({sid}) provided already exists. Please specify a new statement id, or remove "
            "the existing statement."
        )
    principal = params["Principal"]
    who: Any = (
        "*"
        if principal == "*"
        else {"AWS": principal if principal.startswith("arn:") else f"arn:aws:iam::{principal}:root"}
    )
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": who,
        "Action": params["Action"],
        "Resource": layer.config["LayerVersionArn"],
    }
    if params.get("OrganizationId"):
        statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": params["OrganizationId"]}}
    policy["Statement"].append(statement)
    policy["RevisionId"] = str(uuid.uuid4())
    layer.policy = policy
    return {"Statement": json.dumps(statement), "RevisionId": policy["RevisionId"]}


def remove_permission(layer: store.LayerVersion, sid: str, revision: str | None) -> None:
    policy = layer.policy or {"Statement": []}
    if revision and revision != policy.get("RevisionId"):
        raise PreconditionFailedException("The Revision Id provided does not match the latest Revision Id.")
    kept = [statement for statement in policy["Statement"] if statement["Sid"] != sid]
    if len(kept) == len(policy["Statement"]):
        raise ResourceNotFoundException(f"Statement {sid} is not found in resource policy.")
    policy["Statement"] = kept
    policy["RevisionId"] = str(uuid.uuid4())
    layer.policy = policy if kept else None


def policy_view(layer: store.LayerVersion) -> dict[str, Any]:
    if not layer.policy:
        raise ResourceNotFoundException("No policy is associated with the given resource.")
    shown = {key: value for key, value in layer.policy.items() if key != "RevisionId"}
    return {"Policy": json.dumps(shown), "RevisionId": layer.policy["RevisionId"]}
