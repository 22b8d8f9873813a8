"""A rule's targets: checked as AWS checks them, at most five per rule, kept as given."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from cloudlet.services.events import paging, store, transform
from cloudlet.services.events.errors import LimitExceededException, ValidationException, not_valid

MAX_TARGETS = 5
# Services cloudlet delivers to; a target of another service is refused, not silently kept.
DELIVERED = ("sqs", "sns", "lambda", "events")
_ARN_PARTS = 6


def put(conn: sqlite3.Connection, rule: store.Rule, targets: list[dict[str, Any]]) -> dict[str, Any]:
    for target in targets:
        check(target)
    existing = store.target_ids(conn, rule.arn)
    failed: list[dict[str, Any]] = []
    accepted = []
    for target in targets:
        service = target["Arn"].split(":")[2]
        if service not in DELIVERED:
            failed.append({"TargetId": target["Id"], "ErrorCode": "NotImplemented",
                           "ErrorMessage": f"cloudlet does not deliver EventBridge events to {service} targets."})
        else:
            accepted.append(target)
    if len(existing | {target["Id"] for target in accepted}) > MAX_TARGETS:
        raise LimitExceededException("The requested resource exceeds the maximum number allowed.")
    for target in accepted:
        store.save_target(conn, rule.arn, target)
    return {"FailedEntryCount": len(failed), "FailedEntries": failed}


def check(target: dict[str, Any]) -> None:
    arn = target["Arn"]
    if not arn.startswith("arn:") or len(arn.split(":", _ARN_PARTS - 1)) < _ARN_PARTS:
        raise not_valid(arn, "Provided Arn is not in correct format.")
    inputs = [member for member in ("Input", "InputPath", "InputTransformer") if member in target]
    if len(inputs) > 1:
        raise ValidationException(
            f"Only one of Input, InputPath, or InputTransformer must be provided for target {target['Id']}.")
    if "Input" in target:
        _check_json(target["Input"], "Input", target["Id"])
    if "InputPath" in target:
        _check_path(target["InputPath"], "InputPath")
    if "InputTransformer" in target:
        _check_transformer(target["InputTransformer"], target["Id"])
    if arn.split(":")[2] == "sqs" and arn.endswith(".fifo") and not (target.get("SqsParameters") or {}).get(
            "MessageGroupId"):
        raise ValidationException(f"Parameter(s) SqsParameters must be specified for target: {target['Id']}.")
    dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn")
    if dead_letter and (dead_letter.split(":")[2:3] != ["sqs"] or dead_letter.endswith(".fifo")):
        raise not_valid("DeadLetterConfig.Arn", "Only a standard SQS queue can be a dead-letter queue.")


def _check_json(text: str, member: str, target_id: str) -> None:
    try:
        json.loads(text)
    except ValueError:
        raise ValidationException(f"{member} for target {target_id} is not a valid JSON text.") from None


def _check_path(path: str, member: str) -> None:
    try:
        transform.check_path(path)
    except transform.PathError:
        raise not_valid(member, f"{path} is not a valid JSON path.") from None


def _check_transformer(transformer: dict[str, Any], target_id: str) -> None:
    paths = transformer.get("InputPathsMap") or {}
    if len(paths) > 100:
        raise not_valid("InputPathsMap", "It can hold at most 100 entries.")
    for name, path in paths.items():
        if name.lower().startswith("aws."):
            raise not_valid("InputPathsMap", f"{name} is a reserved variable name.")
        _check_path(path, "InputPathsMap")


def remove(conn: sqlite3.Connection, rule: store.Rule, ids: list[str]) -> dict[str, Any]:
    for target_id in ids:
        store.delete_target(conn, rule.arn, target_id)
    return {"FailedEntryCount": 0, "FailedEntries": []}


def listing(conn: sqlite3.Connection, rule: store.Rule, params: dict[str, Any]) -> dict[str, Any]:
    found = sorted(store.targets(conn, rule.arn), key=lambda target: target["Id"])
    chosen, token = paging.page(found, lambda target: target["Id"], params)
    result: dict[str, Any] = {"Targets": chosen}
    if token:
        result["NextToken"] = token
    return result
