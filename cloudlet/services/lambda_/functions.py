"""Function configurations: built from CreateFunction, changed by updates, frozen into versions."""

from __future__ import annotations

import copy
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from cloudlet.services.lambda_.code import Package
from cloudlet.services.lambda_.errors import InvalidParameterValueException
from cloudlet.services.lambda_.names import FunctionRef, function_arn

LATEST = "$LATEST"
INSTALLED_PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"
DEPRECATED = frozenset({"python2.7", "python3.6", "python3.7", "python3.8", "provided"})
# Variables the Lambda service sets itself; a function may not define them.
RESERVED_VARIABLES = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
# Members UpdateFunctionConfiguration may change, copied as given.
_UPDATABLE = (
    "Role",
    "Handler",
    "Description",
    "Timeout",
    "MemorySize",
    "Runtime",
    "DeadLetterConfig",
    "TracingConfig",
    "EphemeralStorage",
)


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def new_config(
    ref: FunctionRef, params: dict[str, Any], package: Package, *, strict: bool = False
) -> dict[str, Any]:
    check_runtime(params.get("Runtime"), params.get("Handler"), strict=strict)
    check_environment(params.get("Environment"))
    config = {
        "FunctionName": ref.name,
        "FunctionArn": ref.arn,
        "Runtime": params["Runtime"],
        "Role": params["Role"],
        "Handler": params["Handler"],
        "Description": params.get("Description", ""),
        "Timeout": params.get("Timeout", 3),
        "MemorySize": params.get("MemorySize", 128),
        "Version": LATEST,
        "TracingConfig": params.get("TracingConfig", {"Mode": "PassThrough"}),
        "PackageType": "Zip",
        "Architectures": params.get("Architectures", ["x86_64"]),
        "EphemeralStorage": params.get("EphemeralStorage", {"Size": 512}),
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": logging_config(ref.name, {}, params.get("LoggingConfig") or {}),
        "RuntimeVersionConfig": {"RuntimeVersionArn": f"arn:aws:lambda:{ref.region}::runtime:cloudlet"},
    }
    for member in ("Environment", "DeadLetterConfig"):
        if params.get(member):
            config[member] = params[member]
    set_code(config, package)
    return config


def check_runtime(runtime: str | None, handler: str | None, *, strict: bool = False) -> None:
    if not runtime or not handler:
        raise InvalidParameterValueException(
            "Runtime and Handler are mandatory parameters for functions created with deployment packages."
        )
    if runtime in DEPRECATED:
        raise InvalidParameterValueException(
            f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
            "functions. We recommend you use a supported runtime while creating or updating functions."
        )
    if not (runtime.startswith("python3") or runtime.startswith("provided.")):
        raise InvalidParameterValueException(
            f"The runtime {runtime} is not available in cloudlet: it runs python3.x and provided.al2023/al2 "
            "(custom runtime) functions."
        )
    if strict and not runtime_installed(runtime):
        raise InvalidParameterValueException(not_installed(runtime))


def runtime_installed(runtime: str) -> bool:
    """Python functions run on this interpreter; other Python versions run on it with a warning."""
    return runtime.startswith("provided.") or runtime == INSTALLED_PYTHON


def not_installed(runtime: str) -> str:
    return (
        f"The runtime {runtime} is not installed in this cloudlet, which runs {INSTALLED_PYTHON}, and "
        f"--strict-runtimes is set: use {INSTALLED_PYTHON}, or start cloudlet without --strict-runtimes."
    )


def check_environment(environment: dict[str, Any] | None) -> None:
    variables = (environment or {}).get("Variables") or {}
    reserved = sorted(set(variables) & RESERVED_VARIABLES)
    if reserved:
        raise InvalidParameterValueException(
            f"Lambda was unable to configure your environment variables because the environment variables you "
            f"have provided contains reserved keys that are currently not supported for modification. "
            f"Reserved keys used in this request: {','.join(reserved)}"
        )


def set_code(config: dict[str, Any], package: Package) -> None:
    config["CodeSha256"] = package.sha256
    config["CodeSize"] = package.size
    touch(config)


def update(config: dict[str, Any], params: dict[str, Any], *, strict: bool = False) -> None:
    for member in _UPDATABLE:
        if member in params:
            config[member] = params[member]
    if "Environment" in params:
        check_environment(params["Environment"])
        config["Environment"] = params["Environment"]
    if "LoggingConfig" in params:
        config["LoggingConfig"] = logging_config(
            config["FunctionName"], config.get("LoggingConfig") or {}, params["LoggingConfig"]
        )
    check_runtime(config.get("Runtime"), config.get("Handler"), strict=strict)
    touch(config)


def logging_config(name: str, current: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """Where a function's logs go (LogGroup) and in which format; log levels only apply to JSON."""
    merged = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}", **current, **given}
    if merged["LogFormat"] == "JSON":
        merged.setdefault("ApplicationLogLevel", "INFO")
        merged.setdefault("SystemLogLevel", "INFO")
    elif "ApplicationLogLevel" in given or "SystemLogLevel" in given:
        raise InvalidParameterValueException(
            "ApplicationLogLevel and SystemLogLevel can only be set when LogFormat is JSON."
        )
    else:
        merged.pop("ApplicationLogLevel", None)
        merged.pop("SystemLogLevel", None)
    return merged


def touch(config: dict[str, Any]) -> None:
    config["LastModified"] = timestamp()
    config["RevisionId"] = str(uuid.uuid4())


def published(config: dict[str, Any], version: str, description: str | None) -> dict[str, Any]:
    frozen = copy.deepcopy(config)
    frozen["Version"] = version
    frozen["FunctionArn"] = f"{config['FunctionArn']}:{version}"
    if description is not None:
        frozen["Description"] = description
    frozen["RevisionId"] = str(uuid.uuid4())
    return frozen


def view(
    config: dict[str, Any], *, state: str = "Active", update_status: str = "Successful"
) -> dict[str, Any]:
    """The configuration as operations return it: stored fields plus its state."""
    shown = dict(config)
    shown.pop("PublishedFrom", None)  # cloudlet's own bookkeeping
    shown["State"] = state
    shown["LastUpdateStatus"] = update_status
    if state == "Pending":
        shown["StateReason"] = "The function is being created."
        shown["StateReasonCode"] = "Creating"
    if update_status == "InProgress":
        shown["LastUpdateStatusReason"] = "The function is being created."
        shown["LastUpdateStatusReasonCode"] = "Creating"
    return shown


def alias_config(
    region: str,
    account: str,
    name: str,
    alias: str,
    version: str,
    description: str,
    routing: dict[str, Any] | None,
) -> dict[str, Any]:
    config = {
        "AliasArn": function_arn(region, account, name, alias),
        "Name": alias,
        "FunctionVersion": version,
        "Description": description,
        "RevisionId": str(uuid.uuid4()),
    }
    if routing:
        config["RoutingConfig"] = routing
    return config
