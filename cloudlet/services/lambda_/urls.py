"""Function URL configurations: the address, auth type, CORS and invoke mode of a function's URL."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime
from typing import Any

from cloudlet.services.lambda_.errors import InvalidParameterValueException
from cloudlet.services.lambda_.functions import LATEST
from cloudlet.services.lambda_.names import FunctionRef

ID_ALPHABET = string.ascii_lowercase + string.digits
ID_LENGTH = 32
PATH_PREFIX = "/_aws/lambda-url/"  # for clients that cannot resolve *.localhost


def new_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def host(url_id: str, region: str) -> str:
    return f"{url_id}.lambda-url.{region}.localhost"


def url(url_id: str, region: str, port: int) -> str:
    return f"http://{host(url_id, region)}:{port}/"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def qualifier(ref: FunctionRef) -> str:
    """URLs belong to the unqualified function or to an alias, never to a numbered version."""
    if ref.qualifier and ref.qualifier.isdigit():
        raise InvalidParameterValueException(
            "Function URLs can only be created for the $LATEST version or an alias."
        )
    return ref.qualifier or LATEST


def new_config(ref: FunctionRef, url_id: str, port: int, params: dict[str, Any]) -> dict[str, Any]:
    created = now()
    config: dict[str, Any] = {
        "FunctionUrl": url(url_id, ref.region, port),
        "FunctionArn": ref.qualified_arn,
        "AuthType": params["AuthType"],
        "CreationTime": created,
        "LastModifiedTime": created,
        "InvokeMode": params.get("InvokeMode") or "BUFFERED",
    }
    if params.get("Cors"):
        config["Cors"] = params["Cors"]
    return config


def update(config: dict[str, Any], params: dict[str, Any]) -> None:
    for member in ("AuthType", "Cors", "InvokeMode"):
        if member in params:
            config[member] = params[member]
    config["LastModifiedTime"] = now()


def created_view(config: dict[str, Any]) -> dict[str, Any]:
    """CreateFunctionUrlConfig's answer has no LastModifiedTime."""
    return {key: value for key, value in config.items() if key != "LastModifiedTime"}
