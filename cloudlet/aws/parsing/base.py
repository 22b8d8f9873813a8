"""What every protocol's request parser shares: the interface, its two failure kinds, host labels."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import OperationModel, ServiceModel, Shape
from cloudlet.aws.parsing import errors
from cloudlet.edge.types import Request


class InvalidValue(Exception):
    """A value on the wire that is not of its shape's type (a string where an integer belongs).

    Structure walkers prepend the member names on the way out, so the message names the
    offending member (`Item.a.B`) without any cost on the happy path.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str] = []

    def __str__(self) -> str:
        return f"{self.message} at '{'.'.join(self.path)}'" if self.path else self.message


class MalformedBody(Exception):
    """A body that is not well-formed JSON, XML or CBOR, or is hostile (entities, depth)."""


class RequestParser:
    """Finds the operation a request names and reads its input as a plain dict."""

    protocol: ClassVar[str] = ""

    def __init__(self, service: ServiceModel) -> None:
        self.service = service
        self._host_labels: dict[str, _HostLabels | None] = {}

    def operation(self, request: Request) -> OperationModel:
        raise NotImplementedError

    def parse(self, request: Request, operation: OperationModel) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        try:
            params = self._parse(request, operation, shape)
        except InvalidValue as exc:
            raise errors.bad_value(self.service, self.protocol, str(exc)) from None
        except MalformedBody as exc:
            raise errors.malformed_body(self.service, self.protocol, str(exc)) from None
        except RecursionError:
            raise errors.malformed_body(self.service, self.protocol, "the input is nested too deeply") from None
        self._add_host_labels(request, operation, params)
        return params

    def _parse(self, request: Request, operation: OperationModel, shape: Shape) -> dict[str, Any]:
        raise NotImplementedError

    def _unknown_operation(self, name: str) -> ServiceError:
        return errors.unknown_operation(self.service, self.protocol, name)

    def _add_host_labels(self, request: Request, operation: OperationModel, params: dict[str, Any]) -> None:
        labels = self._host_labels.get(operation.name, False)
        if labels is False:
            labels = self._host_labels[operation.name] = _HostLabels.compile(operation)
        if labels is not None:
            labels.fill(request.host, params)


class _HostLabels:
    """Members a client writes into the host name (endpoint hostPrefix, e.g. "{AccountId}.").

    A member bound elsewhere as well (s3control's AccountId is also a header) keeps the value
    bound there; the host only fills what the request carries nowhere else.
    """

    def __init__(self, pattern: re.Pattern[str], names: list[str]) -> None:
        self.pattern = pattern
        self.names = names

    @classmethod
    def compile(cls, operation: OperationModel) -> _HostLabels | None:
        prefix = operation.host_prefix
        shape = operation.input_shape
        if not prefix or shape is None:
            return None
        names = [n for n, m in shape.members.items() if m.traits.get("hostLabel")]
        if not names:
            return None
        regex = "".join(
            # A label is one DNS label: the endpoint's own host follows right after it.
            f"(?P<{part[1:-1]}>[A-Za-z0-9-]+)" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[A-Za-z0-9_]+\})", prefix) if part
        )
        return cls(re.compile(regex, re.IGNORECASE), names)

    def fill(self, host: str, params: dict[str, Any]) -> None:
        match = self.pattern.match(host)
        if match is None:
            return
        for name in self.names:
            if name not in params:
                params[name] = match.group(name)
