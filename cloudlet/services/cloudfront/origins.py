"""Origin requests: where an origin's domain name points, and fetching from it.

- S3 REST endpoints (`BUCKET.s3.amazonaws.com`, `BUCKET.s3.REGION.amazonaws.com`,
  `BUCKET.s3-REGION.amazonaws.com`) are cloudlet's S3, read through the S3 provider's
  `read_for_service` as the principal the origin's access settings give: the service
  principal `cloudfront.amazonaws.com` with aws:SourceArn = the distribution (origin access
  control), the identity's canonical user (legacy OAI), or anonymous. The bucket policy decides.
- S3 website endpoints (`BUCKET.s3-website-REGION.amazonaws.com`) and API Gateway stages
  (`APIID.execute-api.REGION.amazonaws.com`) are cloudlet's own website and invoke routes,
  fetched over HTTP on cloudlet's port; so are `localhost`/`127.0.0.1` origins.
- Anything else is a real web server, fetched over HTTP or HTTPS as the origin's protocol
  policy says.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from cloudlet.edge.types import Headers
from cloudlet.services.cloudfront import ids, store
from cloudlet.services.cloudfront.access_operations import OAI_PREFIX, oai_arn
from cloudlet.services.cloudfront.validation import items

_S3_REST = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3(?:[.-](?!website)(?P<region>[a-z0-9-]+))?"
    r"\.(?:amazonaws\.com(?:\.cn)?|localhost)$"
)
_S3_WEBSITE = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3-website[.-][a-z0-9-]+\.amazonaws\.com(?:\.cn)?$"
)
_EXECUTE_API = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$")
_LOCAL = re.compile(r"^(localhost|127\.0\.0\.1|\[::1\]|[a-z0-9.-]+\.localhost)(:\d+)?$")
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
SERVICE_PRINCIPAL = "cloudfront.amazonaws.com"
READ_CHUNK = 256 * 1024


@dataclass
class OriginReply:
    status: int
    headers: list[tuple[str, str]]
    body: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]] = field(default=lambda: _nothing())
    unreachable: bool = False  # no answer at all (connection refused, timeout): origin groups fail over

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)


async def _nothing() -> None:
    return None


async def _bytes(data: bytes) -> AsyncIterator[bytes]:
    if data:
        yield data


async def _file(fh: Any) -> AsyncIterator[bytes]:
    try:
        while chunk := fh.read(READ_CHUNK):
            yield chunk
    finally:
        fh.close()


def end_to_end(headers: Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers.items() if k.lower() not in _HOP_BY_HOP]


def reply_from_response(response: Any) -> OriginReply:
    """A cloudlet Response (from an in-process service) as an origin reply."""
    body = response.body
    if isinstance(body, (bytes, bytearray)):
        stream: AsyncIterator[bytes] = _bytes(bytes(body))
    elif hasattr(body, "read"):
        stream = _file(body)
    else:
        stream = body

    async def close() -> None:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()

    return OriginReply(response.status, end_to_end(response.headers), stream, close)


def failure(status: int, message: str, unreachable: bool = False) -> OriginReply:
    return OriginReply(
        status, [("Content-Type", "text/plain")], _bytes(message.encode()), unreachable=unreachable
    )


class Origins:
    def __init__(self, env: Any) -> None:
        self.env = env
        self._client: Any = None

    def _http(self) -> Any:
        if self._client is None:
            import httpx

            logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per origin request otherwise
            self._client = httpx.AsyncClient(
                follow_redirects=False,
                verify=True,
                trust_env=False,
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def own_base(self) -> str:
        return f"http://127.0.0.1:{self.env.config.port}"

    async def fetch(
        self,
        distribution: store.Resource,
        origin: dict[str, Any],
        method: str,
        path: str,
        query: str,
        headers: Headers,
        body: bytes = b"",
    ) -> OriginReply:
        """One origin request; `path` is the viewer's (percent-encoded), without the origin path."""
        domain = origin["DomainName"].lower()
        full_path = (origin.get("OriginPath") or "") + path
        s3 = _S3_REST.match(domain)
        if s3 is not None and "CustomOriginConfig" not in origin:
            return await self._s3(distribution, origin, s3.group("bucket"), full_path, method, headers)
        website = _S3_WEBSITE.match(domain)
        if website is not None:
            url = f"{self.own_base()}/_aws/s3-website/{website.group('bucket')}{full_path}"
        elif (api := _EXECUTE_API.match(domain)) is not None:
            url = f"{self.own_base()}/_aws/execute-api/{api.group('api')}{full_path}"
        else:
            url = self._custom_url(origin, domain, full_path)
        if query:
            url += "?" + query
        return await self._http_fetch(origin, method, url, headers, body)

    def _custom_url(self, origin: dict[str, Any], domain: str, path: str) -> str:
        custom = origin.get("CustomOriginConfig") or {}
        if _LOCAL.match(domain):
            host = (
                domain
                if ":" in domain.lstrip("[").split("]")[-1]
                else f"{domain}:{custom.get('HTTPPort', 80)}"
            )
            return f"http://{host}{path}"
        scheme = "https" if custom.get("OriginProtocolPolicy") == "https-only" else "http"
        port = custom.get("HTTPSPort", 443) if scheme == "https" else custom.get("HTTPPort", 80)
        default = 443 if scheme == "https" else 80
        return f"{scheme}://{domain}{'' if port == default else f':{port}'}{path}"

    async def _http_fetch(
        self, origin: dict[str, Any], method: str, url: str, headers: Headers, body: bytes
    ) -> OriginReply:
        import httpx

        custom = origin.get("CustomOriginConfig") or {}
        timeout = httpx.Timeout(
            float(custom.get("OriginReadTimeout", 30)), connect=float(origin.get("ConnectionTimeout", 10))
        )
        client = self._http()
        outgoing = [(k, v) for k, v in headers.items() if k.lower() != "host"]
        outgoing += [(h["HeaderName"], h["HeaderValue"]) for h in items(origin.get("CustomHeaders"))]
        try:
            request = client.build_request(
                method, url, headers=outgoing, content=body or None, timeout=timeout
            )
            response = await client.send(request, stream=True)
        except httpx.TimeoutException:
            return failure(504, "The origin did not answer in time.", unreachable=True)
        except httpx.HTTPError:
            return failure(502, "CloudFront could not connect to the origin.", unreachable=True)
        return OriginReply(
            response.status_code, end_to_end(response.headers), _raw(response), response.aclose
        )

    async def _s3(
        self,
        distribution: store.Resource,
        origin: dict[str, Any],
        bucket: str,
        path: str,
        method: str,
        headers: Headers,
    ) -> OriginReply:
        key = unquote(path.lstrip("/"))
        if method not in ("GET", "HEAD"):
            return failure(403, "CloudFront forwards only GET and HEAD to this S3 origin.")
        if not key:
            return OriginReply(
                403,
                [("Content-Type", "application/xml")],
                _bytes(
                    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                    b"<Message>Access Denied</Message></Error>"
                ),
            )
        principal = self._s3_principal(distribution, origin)
        s3 = await self.env.registry.provider("s3")
        response = await s3.read_for_service(
            method, bucket, key, headers, request_id=secrets.token_hex(8), **principal
        )
        return reply_from_response(response)

    def _s3_principal(self, distribution: store.Resource, origin: dict[str, Any]) -> dict[str, Any]:
        oac_id = origin.get("OriginAccessControlId")
        if oac_id:
            with self.env.store.read() as conn:
                oac = store.find(conn, "origin-access-control", oac_id)
            if oac is not None and oac.config.get("SigningBehavior") != "never":
                return {
                    "service_principal": SERVICE_PRINCIPAL,
                    "source_arn": ids.distribution_arn(distribution.account_id, distribution.id),
                    "source_account": distribution.account_id,
                }
            return {}
        identity = (origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity") or ""
        if identity.startswith(OAI_PREFIX):
            oai_id = identity[len(OAI_PREFIX) :]
            with self.env.store.read() as conn:
                oai = store.find(conn, "origin-access-identity", oai_id)
            if oai is not None:
                return {"canonical_user": oai.extra["S3CanonicalUserId"], "oai_arn": oai_arn(oai_id)}
        return {}


async def _raw(response: Any) -> AsyncIterator[bytes]:
    async for chunk in response.aiter_raw():
        yield chunk


def quote_path(path: str) -> str:
    return quote(path, safe="/~!$&'()*+,;=:@%")
