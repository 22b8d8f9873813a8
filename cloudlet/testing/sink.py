"""An HTTP endpoint on loopback where test functions report what they saw.

Functions run sandboxed: they cannot leave a file for a test to read, but they share the
machine's network. A function POSTs to `sink.url_for(CHANNEL)` (SINK_RECORD below does it from
a handler, with the standard library only); the test reads `sink.wait(CHANNEL, n)` or
`sink.records(CHANNEL)`. The post is answered before the handler returns, so by the time an
invoke answers, its records are here.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Handler code: record(url, text) posts one record.
SINK_RECORD = """
import urllib.request
def record(url, text):
    urllib.request.urlopen(urllib.request.Request(url, data=text.encode(), method="POST"), timeout=10).read()
"""


class Sink:
    def __init__(self) -> None:
        self._records: dict[str, list[str]] = defaultdict(list)
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, name="sink", daemon=True).start()

    def url_for(self, channel: str) -> str:
        return f"{self.url}/{channel}"

    def records(self, channel: str) -> list[str]:
        with self._changed:
            return list(self._records[channel])

    def wait(self, channel: str, count: int, timeout: float = 10.0) -> list[str]:
        """The channel's records once there are at least `count`; AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._records[channel]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{channel}: {len(self._records[channel])} of {count} records came")
                self._changed.wait(left)
            return list(self._records[channel])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _add(self, channel: str, text: str) -> None:
        with self._changed:
            self._records[channel].append(text)
            self._changed.notify_all()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sink._add(self.path.strip("/"), body.decode(errors="replace"))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
