"""Request validators: required method request parameters and a body valid for its model."""

from __future__ import annotations

import json
from typing import Any

from cloudlet.services.apigateway.answers import GatewayError
from cloudlet.services.apigateway.requests import MethodRequest


def validate(call: MethodRequest, validators: dict[str, Any], models: dict[str, Any]) -> None:
    validator = validators.get(call.method.get("requestValidatorId") or "")
    if validator is None:
        return
    if validator.get("validateRequestParameters"):
        missing = [
            name.rsplit(".", 1)[-1]
            for name, required in (call.method.get("requestParameters") or {}).items()
            if required and not call.value(name)
        ]
        if missing:
            raise GatewayError(
                "BAD_REQUEST_BODY", f"Missing required request parameters: [{', '.join(missing)}]"
            )
    if validator.get("validateRequestBody"):
        _validate_body(call, models)


def _validate_body(call: MethodRequest, models: dict[str, Any]) -> None:
    request_models = call.method.get("requestModels") or {}
    content_type = (call.facts.headers.get("content-type") or "application/json").split(";")[0].strip()
    name = request_models.get(content_type) or request_models.get("$default")
    model = models.get(name or "")
    if model is None or not model.get("schema"):
        return
    # jsonschema is imported by the first body validation, not with the service: it costs
    # tens of milliseconds and several megabytes that APIs without validators never use.
    import jsonschema

    try:
        document = json.loads(call.facts.body or b"null")
        jsonschema.validate(document, json.loads(model["schema"]))
    except (ValueError, jsonschema.ValidationError, jsonschema.SchemaError) as exc:
        raise GatewayError("BAD_REQUEST_BODY") from exc
