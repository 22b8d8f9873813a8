"""Names and ARNs of buses and rules; a bus is named by its name or its ARN wherever AWS allows."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_BUS = "default"
_BUS_ARN = re.compile(r"arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):event-bus/(.+)")
_RULE_ARN = re.compile(r"arn:aws[\w-]*:events:([a-z0-9-]+):(\d{12}):rule/(?:(.+)/)?([^/]+)")


@dataclass(frozen=True)
class BusRef:
    account: str
    region: str
    name: str

    @property
    def arn(self) -> str:
        return bus_arn(self.account, self.region, self.name)

    def rule_arn(self, rule: str) -> str:
        return rule_arn(self.account, self.region, self.name, rule)


def bus_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:events:{region}:{account}:event-bus/{name}"


def rule_arn(account: str, region: str, bus: str, name: str) -> str:
    """AWS's form: rules of the default bus are rule/NAME, the others rule/BUS/NAME."""
    path = name if bus == DEFAULT_BUS else f"{bus}/{name}"
    return f"arn:aws:events:{region}:{account}:rule/{path}"


def bus_ref(value: str | None, account: str, region: str) -> BusRef:
    """The bus a request names (its name or ARN; the default bus when it names none)."""
    if not value:
        return BusRef(account, region, DEFAULT_BUS)
    match = _BUS_ARN.fullmatch(value)
    if match:
        return BusRef(match.group(2), match.group(1), match.group(3))
    return BusRef(account, region, value)


def parse_bus_arn(arn: str) -> BusRef | None:
    match = _BUS_ARN.fullmatch(arn)
    return BusRef(match.group(2), match.group(1), match.group(3)) if match else None


def parse_rule_arn(arn: str) -> tuple[BusRef, str] | None:
    match = _RULE_ARN.fullmatch(arn)
    if not match:
        return None
    region, account, bus, name = match.groups()
    return BusRef(account, region, bus or DEFAULT_BUS), name
