"""Run the ASGI app under uvicorn: one process, or several sharing the port and data directory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys

import uvicorn

from cloudlet.config import Config
from cloudlet.edge.http1 import Http1Protocol

PRELOAD_DELAY = 0.5  # seconds after start: as the services, after the first request could come

BANNER = """\
cloudlet {version} ready
  endpoint     {endpoint}
  region       {region}
  credentials  aws_access_key_id=test aws_secret_access_key=test (account 000000000000){auth}
  data dir     {data_dir}
  try          AWS_ENDPOINT_URL={endpoint} aws sts get-caller-identity
"""


def _banner(config: Config) -> str:
    from cloudlet import __version__

    auth = "" if config.auth else "\n  auth         off: any signature is accepted"
    return BANNER.format(version=__version__, endpoint=config.endpoint, region=config.region,
                         auth=auth, data_dir=config.data_dir)


class _WebSockets:
    """uvicorn's WebSocket protocol, imported when first needed (or shortly after start): the
    websockets library costs tens of milliseconds of start-up that no first request should wait for."""

    def __new__(cls, *args: object, **kwargs: object) -> asyncio.Protocol:
        return _websockets_protocol()(*args, **kwargs)


def _websockets_protocol() -> type:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    return WebSocketsSansIOProtocol


class _Server(uvicorn.Server):
    """Prints the banner once the socket is bound, not before."""

    def __init__(self, config: uvicorn.Config, banner: str) -> None:
        super().__init__(config)
        self._banner = banner

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        if self.started:
            sys.stdout.write(self._banner)
            sys.stdout.flush()
            asyncio.get_running_loop().call_later(PRELOAD_DELAY, _websockets_protocol)


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper()), stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from cloudlet.edge.request_log import REQUEST_LOG

    REQUEST_LOG.write_to(sys.stderr)  # this process's logging is ours: the request log may write directly


def serve(config: Config) -> int:
    os.makedirs(config.data_dir, exist_ok=True)
    _configure_logging(config.log_level)
    common = dict(
        host=config.host, port=config.port, log_config=None, access_log=False, http=Http1Protocol,
        lifespan="on", timeout_graceful_shutdown=5, server_header=False, date_header=True,
        # WebSocket APIs: AWS refuses messages over 128 KB (close code 1009, as here).
        ws=_WebSockets, ws_max_size=128 * 1024,
    )
    if config.workers > 1:
        os.environ["CLOUDLET_CONFIG"] = config.to_env()
        uv_config = uvicorn.Config("cloudlet.edge.app:create_app", factory=True, workers=config.workers, **common)
        from uvicorn.supervisors import Multiprocess

        sock = uv_config.bind_socket()
        sys.stdout.write(_banner(config))
        sys.stdout.flush()
        Multiprocess(uv_config, sockets=[sock]).run()
        return 0
    from cloudlet.edge.app import App

    uv_config = uvicorn.Config(App(config), **common)
    server = _Server(uv_config, _banner(config))
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal; ending as a
    # normal exit lets the caller clean up (an --ephemeral data directory) and report success.
    signal.signal(signal.SIGTERM, _exit)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 1


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(0)
