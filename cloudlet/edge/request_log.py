"""The request log: one line per AWS API call (service, operation, status, duration, request id).

Through the logging module a line costs a LogRecord, a caller lookup, a strftime and a write:
about a sixth of a small request's time in the server. When `cloudlet up` owns the process's
logging it hands this log the stream, and lines are formatted here the way its logging
format would, then written together once per event-loop turn. Anywhere else (cloudlet run
inside another program) the lines go through the `cloudlet.request` logger as usual.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TextIO

LOGGER = logging.getLogger("cloudlet.request")


class RequestLog:
    def __init__(self) -> None:
        self._stream: TextIO | None = None
        self._pending: list[str] = []
        self._second = -1
        self._stamp = ""

    def write_to(self, stream: TextIO | None) -> None:
        """Writes lines straight to `stream` (None: back to the logger)."""
        self.flush()
        self._stream = stream

    def line(self, service: str, operation: str, status: int, ms: float, request_id: str) -> None:
        if not LOGGER.isEnabledFor(logging.INFO):
            return
        if self._stream is None:
            LOGGER.info("%s %s %d %.2fms %s", service, operation, status, ms, request_id)
            return
        now = time.time()
        second = int(now)
        if second != self._second:
            # logging's default asctime: local time, then milliseconds after a comma
            self._second, self._stamp = second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        millis = int((now - second) * 1000)
        self._pending.append(
            f"{self._stamp},{millis:03d} INFO cloudlet.request: {service} {operation} {status} {ms:.2f}ms {request_id}\n"
        )
        if len(self._pending) == 1:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:
                self.flush()

    def flush(self) -> None:
        if not self._pending or self._stream is None:
            return
        text, self._pending = "".join(self._pending), []
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken stderr must not fail the requests it would have described


REQUEST_LOG = RequestLog()
