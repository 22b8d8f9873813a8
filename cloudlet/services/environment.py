"""What a service gets from the server: store, clock, events, credentials, its peers, and nudges
to the other processes sharing the data directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cloudlet.config import Config
    from cloudlet.core.clock import Clock
    from cloudlet.core.credentials import CredentialRegistry
    from cloudlet.core.nudges import Nudges
    from cloudlet.core.outbox import Dispatcher
    from cloudlet.core.store import Store
    from cloudlet.services.registry import Registry


@dataclass
class Environment:
    config: Config
    store: Store
    clock: Clock
    dispatcher: Dispatcher
    credentials: CredentialRegistry
    registry: Registry
    nudges: Nudges
    extras: dict[str, Any] = field(default_factory=dict)
