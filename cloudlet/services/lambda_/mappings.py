"""Event source mapping configurations: checked and defaulted per source kind, shown as AWS shows them.

States: a new mapping is Creating until its poller runs (then Enabled, or Disabled when created
disabled); an update is Updating, Enabling or Disabling until the running process applies it;
a deleted mapping is Deleting until its poller has stopped, then gone.
"""

from __future__ import annotations

import time
import uuid as uuids
from datetime import UTC, datetime
from typing import Any

from cloudlet.services import event_patterns as patterns
from cloudlet.services.lambda_.errors import InvalidParameterValueException
from cloudlet.services.lambda_.names import FunctionRef

SQS, DYNAMODB = "sqs", "dynamodb"
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
# Members an update may change, per source kind (others are fixed at creation).
_UPDATABLE = {
    SQS: ("BatchSize", "MaximumBatchingWindowInSeconds", "FilterCriteria", "FunctionResponseTypes", "ScalingConfig"),
    DYNAMODB: ("BatchSize", "MaximumBatchingWindowInSeconds", "FilterCriteria", "FunctionResponseTypes",
               "MaximumRetryAttempts", "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError",
               "DestinationConfig", "ParallelizationFactor", "TumblingWindowInSeconds"),
}
_MAX_FILTERS = 5


def source_kind(arn: str | None) -> str:
    parts = (arn or "").split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        if parts[2] == "sqs":
            return SQS
        if parts[2] == "dynamodb" and "/stream/" in parts[5]:
            return DYNAMODB
        if parts[2] in ("kinesis", "kafka", "mq", "rds"):
            raise InvalidParameterValueException(
                f"cloudlet's event source mappings read SQS queues and DynamoDB streams; {parts[2]} sources are"
                " not supported yet.")
    raise InvalidParameterValueException(f"Unrecognized event source, must be kinesis, dynamodb stream or sqs: {arn}")


def is_fifo(arn: str) -> bool:
    return arn.endswith(".fifo")


def new(ref: FunctionRef, params: dict[str, Any], kind: str) -> dict[str, Any]:
    """The stored configuration of a new mapping (without its state)."""
    mapping_id = str(uuids.uuid4())
    source = params["EventSourceArn"]
    config: dict[str, Any] = {
        "UUID": mapping_id,
        "EventSourceArn": source,
        "FunctionArn": ref.qualified_arn,
        "BatchSize": params.get("BatchSize", 10 if kind == SQS else 100),
        "MaximumBatchingWindowInSeconds": params.get("MaximumBatchingWindowInSeconds", 0),
        "FunctionResponseTypes": params.get("FunctionResponseTypes") or [],
        "EventSourceMappingArn": f"arn:aws:lambda:{ref.region}:{ref.account}:event-source-mapping:{mapping_id}",
        "Enabled": params.get("Enabled", True),
    }
    if kind == SQS:
        if params.get("StartingPosition"):
            raise InvalidParameterValueException("StartingPosition is not valid for SQS event sources.")
    else:
        position = params.get("StartingPosition")
        if position not in ("TRIM_HORIZON", "LATEST"):
            raise InvalidParameterValueException(
                f"1 validation error detected: Value '{position}' at 'startingPosition' failed to satisfy constraint: Member"
                " must satisfy enum value set: [TRIM_HORIZON, LATEST]")
        config.update({
            "StartingPosition": position, "ParallelizationFactor": 1, "DestinationConfig": {"OnFailure": {}},
            "MaximumRecordAgeInSeconds": -1, "BisectBatchOnFunctionError": False, "MaximumRetryAttempts": -1,
            "TumblingWindowInSeconds": 0,
        })
    for member in _UPDATABLE[kind]:
        if member in params and member not in ("BatchSize", "MaximumBatchingWindowInSeconds"):
            config[member] = params[member]
    if params.get("Tags"):
        config["Tags"] = params["Tags"]
    check(config, kind)
    touch(config)
    return config


def update(config: dict[str, Any], params: dict[str, Any], kind: str) -> None:
    for member in _UPDATABLE[kind]:
        if member in params:
            config[member] = params[member]
    if "Enabled" in params:
        config["Enabled"] = params["Enabled"]
    check(config, kind)
    touch(config)


def check(config: dict[str, Any], kind: str) -> None:
    batch, window = config["BatchSize"], config["MaximumBatchingWindowInSeconds"]
    if kind == SQS:
        limit = 10 if is_fifo(config["EventSourceArn"]) else 10_000
        if not 1 <= batch <= limit:
            raise InvalidParameterValueException(
                f"BatchSize must be between 1 and {limit} for this event source; {batch} was given.")
        if batch > 10 and window < 1:
            raise InvalidParameterValueException(
                "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
    else:
        if not 1 <= batch <= 10_000:
            raise InvalidParameterValueException(f"BatchSize must be between 1 and 10000; {batch} was given.")
        age = config["MaximumRecordAgeInSeconds"]
        if age != -1 and not 60 <= age <= 604_800:
            raise InvalidParameterValueException(
                "MaximumRecordAgeInSeconds must be -1 (infinite) or between 60 and 604800.")
        _check_destination(config.get("DestinationConfig") or {})
    for kind_name in config["FunctionResponseTypes"]:
        if kind_name != REPORT_BATCH_ITEM_FAILURES:
            raise InvalidParameterValueException(f"Unsupported FunctionResponseType: {kind_name}")
    compiled_filters(config)


def _check_destination(destination: dict[str, Any]) -> None:
    if destination.get("OnSuccess", {}).get("Destination"):
        raise InvalidParameterValueException("Unsupported DestinationConfig parameter for given event source"
                                             " mapping type.")
    target = destination.get("OnFailure", {}).get("Destination")
    if target and target.split(":")[2:3] not in (["sqs"], ["sns"]):
        raise InvalidParameterValueException(
            "The provided destination config DestinationType is invalid: an SQS queue or SNS topic is required.")


def compiled_filters(config: dict[str, Any]) -> list[patterns.Pattern]:
    filters = (config.get("FilterCriteria") or {}).get("Filters") or []
    if len(filters) > _MAX_FILTERS:
        raise InvalidParameterValueException(
            f"The number of filters ({len(filters)}) exceeds the limit of {_MAX_FILTERS}.")
    try:
        return [patterns.parse(f.get("Pattern") or "") for f in filters]
    except patterns.PatternError:
        raise InvalidParameterValueException("Invalid filter pattern definition.") from None


def touch(config: dict[str, Any]) -> None:
    config["LastModified"] = time.time()


def view(config: dict[str, Any], state: str, last_result: str) -> dict[str, Any]:
    shown = {key: value for key, value in config.items() if key not in ("Enabled", "Tags")}
    shown["LastModified"] = datetime.fromtimestamp(config["LastModified"], UTC)
    shown["State"] = state
    shown["StateTransitionReason"] = "USER_INITIATED"
    if source_kind(config["EventSourceArn"]) == DYNAMODB:
        shown["LastProcessingResult"] = last_result
    return shown
