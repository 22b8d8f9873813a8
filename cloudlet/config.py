"""Server settings: one frozen value built from the command line or the environment."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

DEFAULT_PORT = 4566
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "000000000000"


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: str = ".cloudlet"
    region: str = DEFAULT_REGION
    auth: bool = True
    credentials_file: str | None = None
    fsync: str = "normal"  # "normal": survives kill -9; "full": survives power loss
    workers: int = 1
    cors_origins: tuple[str, ...] = ("*",)
    log_level: str = "info"
    max_body: int = 64 * 1024 * 1024  # buffered (non-streaming) request bodies
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    def to_env(self) -> str:
        """Serialized for worker processes, which rebuild the same Config."""
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, value: str | None = None) -> Config:
        raw = value if value is not None else os.environ.get("CLOUDLET_CONFIG")
        if not raw:
            return cls()
        data = json.loads(raw)
        data["cors_origins"] = tuple(data.get("cors_origins", ("*",)))
        return cls(**data)
