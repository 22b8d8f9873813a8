"""Log group and stream ARNs, and the group a request names (by name or by identifier)."""

from __future__ import annotations

import re
from typing import Any

from cloudlet.services.logs.errors import InvalidParameterException

_GROUP_ARN = re.compile(r"^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):log-group:([^:]+)(?::\*)?$")


def group_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def stream_arn(region: str, account: str, group: str, stream: str) -> str:
    return f"{group_arn(region, account, group)}:log-stream:{stream}"


def parse_group_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account, name) of a log group ARN, with or without its trailing `:*`."""
    match = _GROUP_ARN.match(arn)
    return (match.group(1), match.group(2), match.group(3)) if match else None


def requested_group(params: dict[str, Any]) -> str:
    """The group of an operation that takes logGroupName or logGroupIdentifier (a name or ARN)."""
    name, identifier = params.get("logGroupName"), params.get("logGroupIdentifier")
    if name and identifier:
        raise InvalidParameterException("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    if identifier:
        parsed = parse_group_arn(identifier)
        return parsed[2] if parsed else identifier
    if not name:
        raise InvalidParameterException("Either logGroupName or logGroupIdentifier is required.")
    return name
