"""Asynchronous invocation settings per function version or alias (FunctionEventInvokeConfig).

MaximumRetryAttempts (0-2, default 2) and MaximumEventAgeInSeconds (60-21600, default 6 hours)
bound the retries of an Event invoke; DestinationConfig names where its invocation record goes
on success or failure: an SQS queue, an SNS topic, a function or an event bus.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from cloudlet.services.lambda_.errors import InvalidParameterValueException

DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE = 21_600
_DESTINATION_SERVICES = ("sqs", "sns", "lambda", "events")


def build(function_arn: str, params: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stored config: `params` over `base` (an update) or alone (a put)."""
    config: dict[str, Any] = dict(base or {})
    for member in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig"):
        if member in params:
            config[member] = params[member]
    destinations = config.get("DestinationConfig") or {}
    for kind in ("OnSuccess", "OnFailure"):
        target = (destinations.get(kind) or {}).get("Destination")
        if target and target.split(":")[2:3] not in [[s] for s in _DESTINATION_SERVICES]:
            raise InvalidParameterValueException(
                f"The destination ARN {target} is invalid: it must be an SQS queue, SNS topic, Lambda function"
                " or EventBridge event bus.")
        if target and target == function_arn:
            raise InvalidParameterValueException("You can't specify the function as a destination for itself.")
    config["FunctionArn"] = function_arn
    config["LastModified"] = time.time()
    return config


def view(config: dict[str, Any]) -> dict[str, Any]:
    destinations = config.get("DestinationConfig") or {}
    shown = {key: config[key] for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds") if key in config}
    return {
        "LastModified": datetime.fromtimestamp(config["LastModified"], UTC),
        "FunctionArn": config["FunctionArn"],
        **shown,
        "DestinationConfig": {"OnSuccess": destinations.get("OnSuccess") or {},
                              "OnFailure": destinations.get("OnFailure") or {}},
    }


def destination(config: dict[str, Any] | None, kind: str) -> str | None:
    return (((config or {}).get("DestinationConfig") or {}).get(kind) or {}).get("Destination")
