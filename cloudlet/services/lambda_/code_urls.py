"""Code.Location of GetFunction (and Content.Location of GetLayerVersion): a presigned URL.

    http://HOST:PORT/_aws/lambda-code/<code|layers>/<sha256 hex>.zip?Expires=T&Signature=S

As on AWS the link works for 10 minutes without credentials and only as signed: the signature
is an HMAC of the path and expiry under a key kept in the data directory (so every worker
process and every restart accepts the links the others made). The zip served is the one
uploaded, kept beside its unpacked directory; a package unpacked before zips were kept is
zipped again from its directory on first download.

Imported at start-up with the route table, so it stays light.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from cloudlet.edge.types import Headers, Request, Response

if TYPE_CHECKING:
    from cloudlet.core.store import Store
    from cloudlet.services.environment import Environment

PREFIX = "/_aws/lambda-code/"
LIFETIME = 600  # seconds, as AWS's presigned code links
_PATH = re.compile(r"^/_aws/lambda-code/(code|layers)/([0-9a-f]{64})\.zip$")
_KEY_FILE = ("lambda", "code-url.key")


def _key(store: Store) -> bytes:
    path = store.blob_path(*_KEY_FILE)
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temp = f"{path}.tmp-{os.urandom(6).hex()}"
    with open(temp, "wb") as fh:
        fh.write(os.urandom(32))
    try:
        os.link(temp, path)  # the first process to get here wins; the others read its key
    except FileExistsError:
        pass
    finally:
        os.unlink(temp)
    with open(path, "rb") as fh:
        return fh.read()


def _signature(store: Store, path: str, expires: int) -> str:
    return hmac.new(_key(store), f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()


def location(store: Store, base_url: str, code_dir: str, kind: str, now: float) -> str:
    """The presigned URL of the package unpacked at `code_dir`."""
    path = f"{PREFIX}{kind}/{os.path.basename(code_dir)}.zip"
    expires = int(now) + LIFETIME
    return f"{base_url}{path}?Expires={expires}&Signature={_signature(store, path, expires)}"


def zip_path(code_dir: str) -> str:
    return code_dir + ".zip"


def _error(status: int, code: str, message: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return Response(status, Headers([("Content-Type", "application/xml")]), body.encode())


class CodeDownloadRoute:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def matches(self, request: Request) -> bool:
        return request.path.startswith(PREFIX) and request.method in ("GET", "HEAD")

    async def handle(self, request: Request) -> Response:
        match = _PATH.match(request.path)
        query = {key: values[0] for key, values in parse_qs(request.query).items()}
        try:
            expires = int(query.get("Expires", ""))
        except ValueError:
            return _error(403, "AccessDenied", "Query-string authentication requires the Signature and Expires"
                                               " parameters")
        if match is None or not hmac.compare_digest(
                query.get("Signature", ""), _signature(self.env.store, request.path, expires)):
            return _error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the"
                                                        " signature you provided.")
        if self.env.clock.now() > expires:
            return _error(403, "AccessDenied", "Request has expired")
        code_dir = self.env.store.blob_path("lambda", match.group(1), match.group(2))
        data = _read_or_rezip(code_dir)
        if data is None:
            return _error(404, "NoSuchKey", "The specified key does not exist.")
        headers = Headers([("Content-Type", "application/zip"), ("Content-Length", str(len(data)))])
        return Response(200, headers, b"" if request.method == "HEAD" else data)


def _read_or_rezip(code_dir: str) -> bytes | None:
    import io  # here, not at start-up: few servers ever zip a package again
    import zipfile

    try:
        with open(zip_path(code_dir), "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        pass
    if not os.path.isdir(code_dir):
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, _, files in os.walk(code_dir):
            for name in sorted(files):
                full = os.path.join(folder, name)
                info = zipfile.ZipInfo.from_file(full, os.path.relpath(full, code_dir))
                with open(full, "rb") as fh:
                    archive.writestr(info, fh.read(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
