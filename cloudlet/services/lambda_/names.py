"""Function names as callers write them: name, ARN or partial ARN, with or without a qualifier."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloudlet.services.lambda_.errors import InvalidParameterValueException

_FULL = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9-_$]+))?$")
_PARTIAL = re.compile(r"^(\d{12}):function:([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9-_$]+))?$")
_NAME = re.compile(r"^([a-zA-Z0-9-_]{1,64})(?::([a-zA-Z0-9-_$]+))?$")


@dataclass(frozen=True)
class FunctionRef:
    account: str
    region: str
    name: str
    qualifier: str | None

    @property
    def arn(self) -> str:
        return function_arn(self.region, self.account, self.name)

    @property
    def qualified_arn(self) -> str:
        return self.arn + (f":{self.qualifier}" if self.qualifier else "")


def function_arn(region: str, account: str, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def parse(value: str, account: str, region: str, qualifier: str | None = None) -> FunctionRef:
    if match := _FULL.match(value):
        region, account, name, embedded = match.groups()
    elif match := _PARTIAL.match(value):
        account, name, embedded = match.groups()
    elif match := _NAME.match(value):
        name, embedded = match.groups()
    else:
        raise InvalidParameterValueException(f"1 validation error detected: Value '{value}' at 'functionName' failed "
                                             "to satisfy constraint: Member must satisfy regular expression pattern: "
                                             "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
                                             "(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?")
    if embedded and qualifier and embedded != qualifier:
        raise InvalidParameterValueException("The derived qualifier from the function name does not match "
                                             "the specified qualifier.")
    return FunctionRef(account, region, name, embedded or qualifier)
