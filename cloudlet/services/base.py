"""What every service provider is: one method per AWS operation, found by name at start-up."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from cloudlet.core.credentials import Credential
    from cloudlet.core.migrations import Migration
    from cloudlet.services.environment import Environment

_FIRST = re.compile(r"(.)([A-Z][a-z]+)")
_REST = re.compile(r"([a-z0-9])([A-Z])")


@functools.cache  # operation names come from the models: a bounded set, converted once each
def snake_case(operation: str) -> str:
    """GetCallerIdentity -> get_caller_identity, ListObjectsV2 -> list_objects_v2."""
    return _REST.sub(r"\1_\2", _FIRST.sub(r"\1_\2", operation)).lower()


class Provider:
    """Base of every service: `def put_item(self, ctx, params) -> dict` per operation.

    A method may be sync (quick store work) or async (long polls, Lambda invokes). It returns
    the operation's output as a plain dict shaped as the model says, or raises ServiceError.
    """

    service: ClassVar[str]
    migrations: ClassVar[tuple[Migration, ...]] = ()

    def __init__(self, env: Environment) -> None:
        self.env = env

    def handler(self, operation: str) -> Callable[..., Any] | None:
        name = snake_case(operation)
        if callable(getattr(type(self), name, None)):
            return getattr(self, name)
        return None

    @classmethod
    def implemented(cls, operations: list[str]) -> list[str]:
        """The operations of the model this provider class implements (read from the code)."""
        return [op for op in operations if callable(getattr(cls, snake_case(op), None))]

    def lookup_credential(self, access_key: str) -> Credential | None:
        """For services in registry.CREDENTIAL_ISSUERS: the temporary credential with this key."""
        return None

    async def start(self) -> None:
        """Hook for background work (pollers, reapers) once the server runs."""

    async def stop(self) -> None:
        """Hook to stop background work."""
