"""`Fn::ForEach` of the AWS::LanguageExtensions transform: a fragment repeated for each item
of a collection, `${Identifier}` (and `&{Identifier}`, letters and digits only) replaced in its
keys and values, `Ref: Identifier` by the item."""

from __future__ import annotations

import re
from typing import Any

from cloudlet.services.cloudformation.errors import ValidationError

PREFIX = "Fn::ForEach::"


def expand(value: Any, parameters: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [expand(item, parameters) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key.startswith(PREFIX):
            for name, fragment in _loop(key, item, parameters).items():
                if name in result:
                    raise ValidationError(
                        f"Transform AWS::LanguageExtensions failed with: {key} generates the"
                        f" duplicate key {name}"
                    )
                result[name] = fragment
        else:
            result[key] = expand(item, parameters)
    return result


def _loop(key: str, argument: Any, parameters: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(argument, list) or len(argument) != 3 or not isinstance(argument[2], dict):
        raise ValidationError(
            f"Transform AWS::LanguageExtensions failed with: {key} needs [Identifier,"
            " Collection, OutputFragment]"
        )
    identifier, collection, fragment = argument
    items = _collection(collection, parameters)
    generated: dict[str, Any] = {}
    for item in items:
        replaced = _substitute(fragment, identifier, str(item))
        generated.update(expand(replaced, parameters))
    return generated


def _collection(collection: Any, parameters: dict[str, Any]) -> list[Any]:
    if isinstance(collection, dict) and list(collection) == ["Ref"]:
        value = parameters.get(collection["Ref"])
        if value is None:
            raise ValidationError(
                f"Transform AWS::LanguageExtensions failed with: {collection['Ref']} is not a parameter"
            )
        return value if isinstance(value, list) else str(value).split(",")
    if isinstance(collection, list):
        return collection
    raise ValidationError(
        "Transform AWS::LanguageExtensions failed with: Fn::ForEach collections must be a list"
        " or a Ref to a list parameter"
    )


def _substitute(value: Any, identifier: str, item: str) -> Any:
    if isinstance(value, dict):
        if value == {"Ref": identifier}:
            return item
        return {_text(key, identifier, item): _substitute(v, identifier, item) for key, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, identifier, item) for v in value]
    if isinstance(value, str):
        return _text(value, identifier, item)
    return value


def _text(text: str, identifier: str, item: str) -> str:
    text = text.replace("${" + identifier + "}", item)
    return text.replace("&{" + identifier + "}", re.sub(r"[^A-Za-z0-9]", "", item))
