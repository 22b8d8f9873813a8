"""REST APIs, their stage cache and usage counters live in the store: they survive a restart and
are shared by every worker process."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server


class Counting(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        body = f'{{"hit": {type(self).hits}}}'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_cache_and_api_survive_restart_and_are_shared_by_workers(tmp_path):
    origin = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    data_dir = str(tmp_path / "data")
    first = start_server(data_dir)
    try:
        apigw = make_client(first.endpoint, "apigateway")
        api = apigw.create_rest_api(name="durable")
        root = api["rootResourceId"]
        apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(
            restApiId=api["id"],
            resourceId=root,
            httpMethod="GET",
            type="HTTP_PROXY",
            integrationHttpMethod="GET",
            uri=f"http://127.0.0.1:{origin.server_address[1]}/",
        )
        apigw.create_deployment(restApiId=api["id"], stageName="prod", cacheClusterEnabled=True)
        apigw.update_stage(
            restApiId=api["id"],
            stageName="prod",
            patchOperations=[{"op": "replace", "path": "/*/*/caching/enabled", "value": "true"}],
        )
        path = f"/_aws/execute-api/{api['id']}/prod/"
        assert httpx.get(first.endpoint + path).json() == {"hit": 1}
    finally:
        first.stop()
    second = start_server(data_dir, "--workers", "2")
    try:
        replies = [httpx.get(second.endpoint + path).json() for _ in range(8)]
        assert replies == [{"hit": 1}] * 8
        assert Counting.hits == 1
    finally:
        second.stop()
        origin.shutdown()
