"""The edge: a viewer request in, the cached or origin response out.

For a distribution and path: pick the cache behaviour, check signed URLs or cookies when the
behaviour trusts key groups, answer from the cache when a fresh entry exists, revalidate a
stale one with the origin (If-None-Match / If-Modified-Since), or fetch it once however many
viewers miss at the same moment (request collapsing), store it, and serve it; then apply the
custom error pages and the response headers policy.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import secrets
from dataclasses import dataclass
from typing import Any

from cloudlet.core.store import atomic_write_async
from cloudlet.edge.types import Headers, Request, Response
from cloudlet.services.cloudfront import (
    behaviors,
    cache,
    cached_replies,
    compression,
    freshness,
    response_headers,
    signed_urls,
    store,
)
from cloudlet.services.cloudfront.origins import OriginReply, Origins
from cloudlet.services.cloudfront.policy_operations import policy_config
from cloudlet.services.cloudfront.validation import items

log = logging.getLogger("cloudlet.cloudfront")

POP = "LCL1-C1"
_ORIGIN_ERRORS = frozenset({500, 502, 503, 504})
_ACCESS_DENIED = (
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>{}</Message></Error>'
)


@dataclass
class View:
    """One viewer request resolved against its distribution."""

    request: Request
    distribution: store.Resource
    behavior: dict[str, Any]
    path: str  # the viewer path, percent-encoded
    origin_path: str  # after the default root object
    policy: behaviors.CachePolicy
    origin_policy: dict[str, Any] | None
    headers_policy: dict[str, Any] | None
    encoding: str

    def origins(self) -> tuple[list[dict[str, Any]], frozenset[int]]:
        """The origins to try in order, and the statuses that move on to the next (origin groups)."""
        target = self.behavior["TargetOriginId"]
        config = self.distribution.config
        by_id = {origin["Id"]: origin for origin in items(config.get("Origins"))}
        if target in by_id:
            return [by_id[target]], frozenset()
        for group in items(config.get("OriginGroups")):
            if group["Id"] == target:
                members = [
                    by_id[m["OriginId"]] for m in items(group.get("Members")) if m["OriginId"] in by_id
                ]
                statuses = frozenset(items((group.get("FailoverCriteria") or {}).get("StatusCodes")))
                return members, statuses
        raise LookupError(target)


def _edge_page(status: int, message: str) -> Response:
    body = (
        f'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML><HEAD><TITLE>ERROR: The '
        f"request could not be satisfied</TITLE></HEAD><BODY><H1>{status} ERROR</H1><H2>The request could not "
        f"be satisfied.</H2><HR>{message}</BODY></HTML>"
    ).encode()
    return Response(
        status, Headers([("Content-Type", "text/html"), ("X-Cache", "Error from cloudfront")]), body
    )


def access_denied(message: str) -> Response:
    return Response(
        403,
        Headers([("Content-Type", "text/xml"), ("X-Cache", "Error from cloudfront")]),
        _ACCESS_DENIED.format(message).encode(),
    )


class Edge:
    def __init__(self, env: Any) -> None:
        self.env = env
        self.origins = Origins(env)
        self._inflight: dict[str, asyncio.Future] = {}
        self.limit = cache.limit_bytes(env.config.extra)

    async def close(self) -> None:
        await self.origins.close()

    def not_found(self) -> Response:
        return _edge_page(404, "Not found.")

    # -- the request, top to bottom --------------------------------------------------------------

    async def serve(self, request: Request, distribution_id: str, path: str) -> Response:
        view = self._resolve(request, distribution_id, path)
        if isinstance(view, Response):
            return self._finish(None, view)
        refused = self._check_signature(view)
        if refused is not None:
            return self._finish(view, refused)
        if (
            view.headers_policy
            and view.headers_policy.get("CorsConfig")
            and response_headers.is_preflight(request)
        ):
            answer = Response(200, Headers([("Content-Length", "0")]), b"")
            response_headers.apply(view.headers_policy, request, answer.headers, preflight=True)
            return self._finish(view, answer, "Miss")
        try:
            response, state = await self._respond(view)
            if response.status >= 400:
                response = await self._error_page(view, response)
        except Exception:
            log.exception("CloudFront edge failure for %s %s", request.method, request.path)
            return self._finish(view, _edge_page(502, "CloudFront could not reach the origin."))
        response_headers.apply(view.headers_policy, request, response.headers)
        return self._finish(view, response, state)

    def _resolve(self, request: Request, distribution_id: str, path: str) -> View | Response:
        with self.env.store.read() as conn:
            distribution = store.find(conn, "distribution", distribution_id)
            if distribution is None:
                return _edge_page(404, "The distribution does not exist.")
            config = distribution.config
            if not config.get("Enabled"):
                return _edge_page(403, "The distribution is disabled.")
            behavior = behaviors.select(config, path)
            cache_config = (
                policy_config(conn, "cache-policy", behavior["CachePolicyId"])
                if behavior.get("CachePolicyId")
                else None
            )
            origin_policy = (
                policy_config(conn, "origin-request-policy", behavior["OriginRequestPolicyId"])
                if behavior.get("OriginRequestPolicyId")
                else None
            )
            headers_policy = (
                policy_config(conn, "response-headers-policy", behavior["ResponseHeadersPolicyId"])
                if behavior.get("ResponseHeadersPolicyId")
                else None
            )
        allowed = items(behavior.get("AllowedMethods")) or ["GET", "HEAD"]
        answers_preflight = bool(headers_policy and headers_policy.get("CorsConfig"))
        if request.method not in allowed and not (
            answers_preflight and response_headers.is_preflight(request)
        ):
            return _edge_page(
                403,
                "This distribution is not configured to allow the HTTP request method that "
                "was used for this request.",
            )
        policy = behaviors.cache_policy(behavior, cache_config)
        root = config.get("DefaultRootObject") or ""
        origin_path = f"/{root}" if path == "/" and root else path
        compress = bool(behavior.get("Compress"))
        encoding = compression.viewer_encoding(
            request.headers.get("accept-encoding"), compress and policy.gzip, compress and policy.brotli
        )
        return View(
            request,
            distribution,
            behavior,
            path,
            origin_path,
            policy,
            origin_policy,
            headers_policy,
            encoding,
        )

    def _check_signature(self, view: View) -> Response | None:
        group_ids = items(view.behavior.get("TrustedKeyGroups"))
        if not group_ids or not view.behavior["TrustedKeyGroups"].get("Enabled", True):
            return None
        try:
            creds = signed_urls.credentials(view.request)
            with self.env.store.read() as conn:
                trusted = {
                    key_id
                    for gid in group_ids
                    if (group := store.find(conn, "key-group", gid))
                    for key_id in items(group.config)
                }
                key = (
                    store.find(conn, "public-key", creds.key_pair_id)
                    if creds.key_pair_id in trusted
                    else None
                )
            if key is None:
                raise signed_urls.Refused("Access denied")
            signed_urls.verify(
                creds,
                key.config["EncodedKey"],
                signed_urls.unsigned_url(view.request),
                view.request.client,
                self.env.clock.now(),
            )
        except signed_urls.Refused as refused:
            return access_denied(str(refused))
        return None

    async def _respond(self, view: View) -> tuple[Response, str]:
        method = view.request.method
        cached = items((view.behavior.get("AllowedMethods") or {}).get("CachedMethods")) or ["GET", "HEAD"]
        if view.policy.caches and (method in ("GET", "HEAD") or (method == "OPTIONS" and method in cached)):
            return await self._through_cache(view)
        return await self._forward(view), "Miss"

    # -- the cache -------------------------------------------------------------------------------

    def _key(self, view: View, path: str | None = None) -> str:
        return behaviors.cache_key(
            view.distribution.id, path or view.origin_path, view.policy, view.request, view.encoding
        )

    async def _through_cache(self, view: View) -> tuple[Response, str]:
        key = self._key(view)
        now = self.env.clock.now()
        with self.env.store.read() as conn:
            entry = cache.lookup(conn, key)
        if entry is not None and entry.fresh(now):
            served = cached_replies.from_entry(self.env.store, view.request, entry, now)
            if served is not None:
                cache.touch(self.env.store, entry, now)
                return served, "Hit"
        waiting = self._inflight.get(key)
        if waiting is not None:
            stored = await asyncio.shield(waiting)
            if stored is not None:
                served = cached_replies.from_entry(self.env.store, view.request, stored, self.env.clock.now())
                if served is not None:
                    return served, "Hit"
            return await self._forward(view), "Miss"
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            stored, response, state = await self._fill(view, key, entry)
        except BaseException:
            future.set_result(None)
            raise
        finally:
            self._inflight.pop(key, None)
        if not future.done():
            future.set_result(stored)
        return response, state

    async def _fill(
        self, view: View, key: str, stale: cache.Entry | None
    ) -> tuple[cache.Entry | None, Response, str]:
        headers = self._origin_headers(view)
        if stale is not None:
            if stale.header("etag"):
                headers["If-None-Match"] = stale.header("etag") or ""
            if stale.header("last-modified"):
                headers["If-Modified-Since"] = stale.header("last-modified") or ""
        method = "OPTIONS" if view.request.method == "OPTIONS" else "GET"
        reply = await self._fetch(view, method, self._origin_query(view), headers)
        now = self.env.clock.now()
        if stale is not None and (reply.unreachable or reply.status in _ORIGIN_ERRORS):
            # An expired copy beats an error page when the origin cannot answer.
            served = cached_replies.from_entry(self.env.store, view.request, stale, now)
            if served is not None:
                await reply.close()
                return None, served, "Hit"
        if stale is not None and reply.status == 304:
            await reply.close()
            refreshed = self._refreshed(view, stale, reply, now)
            served = cached_replies.from_entry(self.env.store, view.request, refreshed, now)
            if served is not None:
                return refreshed, served, "RefreshHit"
            return await self._fill(view, key, None)
        ttl = freshness.ttl(
            view.policy,
            reply.status,
            reply.header("cache-control"),
            reply.header("expires"),
            now,
            self._error_ttl(view, reply.status),
        )
        if ttl is None:
            return None, self._streamed(view, reply), "Miss"
        entry = await self._store(view, key, reply, ttl, now)
        if entry is None:
            return None, _edge_page(502, "The origin response could not be stored."), "Error"
        served = cached_replies.from_entry(self.env.store, view.request, entry, now, age=False)
        if served is None:
            return None, _edge_page(502, "The cached response disappeared."), "Error"
        return entry, served, "Miss"

    def _refreshed(self, view: View, entry: cache.Entry, reply: OriginReply, now: float) -> cache.Entry:
        updates = {
            k.lower(): v
            for k, v in reply.headers
            if k.lower() in ("cache-control", "expires", "etag", "last-modified", "date")
        }
        headers = [(k, updates.pop(k.lower(), v)) for k, v in entry.headers] + list(updates.items())
        entry.headers = headers
        ttl = freshness.ttl(
            view.policy, entry.status, entry.header("cache-control"), entry.header("expires"), now
        )
        entry.stored_at, entry.ttl, entry.last_used = now, ttl or 0.0, now
        with self.env.store.db() as conn:
            cache.refresh(conn, entry)
        return entry

    async def _store(
        self, view: View, key: str, reply: OriginReply, ttl: float, now: float
    ) -> cache.Entry | None:
        name, path = cache.new_blob_path(self.env.store)
        headers = list(reply.headers)
        try:
            size = await atomic_write_async(path, reply.body)
        finally:
            await reply.close()
        encoding = next((v for k, v in headers if k.lower() == "content-encoding"), None)
        content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
        if view.encoding != "identity" and compression.compressible(content_type, size, encoding):
            zipped_name, zipped_path = cache.new_blob_path(self.env.store)
            size = await asyncio.to_thread(compression.compress_file, view.encoding, path, zipped_path)
            os.unlink(path)
            name = zipped_name
            headers = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-md5")]
            headers += [("Content-Encoding", view.encoding), ("Vary", "Accept-Encoding")]
        entry = cache.Entry(
            key, view.distribution.id, view.origin_path, reply.status, headers, name, size, now, ttl, now
        )
        if size > self.limit:
            # Too big for the cache at all: served from its file, which goes once sent.
            entry.ttl = 0.0
            entry.blob = name
            return entry
        with self.env.store.db() as conn:
            dropped = cache.put(conn, entry)
            dropped += cache.evict(conn, self.limit, keep=key)
        cache.remove_blobs(self.env.store, dropped)
        return entry

    def _error_ttl(self, view: View, status: int) -> float | None:
        for response in items(view.distribution.config.get("CustomErrorResponses")):
            if int(response["ErrorCode"]) == status and response.get("ErrorCachingMinTTL") is not None:
                return float(response["ErrorCachingMinTTL"])
        return None

    # -- straight to the origin -------------------------------------------------------------------

    def _origin_headers(self, view: View) -> Headers:
        request = view.request
        headers = Headers(behaviors.origin_headers(view.policy, view.origin_policy, request))
        cookies = behaviors.origin_cookies(view.policy, view.origin_policy, request)
        headers.remove("cookie")
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies)
        headers.remove("accept-encoding")
        if view.encoding != "identity":
            headers["Accept-Encoding"] = view.encoding
        headers.setdefault("User-Agent", "Amazon CloudFront")
        headers["Via"] = f"1.1 {_via_host(view)} (CloudFront)"
        headers["X-Amz-Cf-Id"] = _request_id()
        if request.client:
            forwarded = request.headers.get("x-forwarded-for")
            headers["X-Forwarded-For"] = f"{forwarded}, {request.client}" if forwarded else request.client
        return headers

    def _origin_query(self, view: View) -> str:
        return behaviors.origin_query(view.policy, view.origin_policy, view.request.query)

    async def _forward(self, view: View) -> Response:
        request = view.request
        headers = self._origin_headers(view)
        for name in ("range", "if-none-match", "if-modified-since", "if-match", "if-unmodified-since"):
            value = request.headers.get(name)
            if value is not None:
                headers[name] = value
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            # A body's own description always goes along; and CloudFront strips Authorization only
            # from GET, HEAD and OPTIONS requests (unless a policy forwards it).
            for name in ("content-type", "content-encoding", "authorization"):
                value = request.headers.get(name)
                if value is not None:
                    headers[name] = value
        body = b""
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            body = await request.body.read(self.env.config.max_body)
        reply = await self._fetch(view, request.method, self._origin_query(view), headers, body)
        return self._streamed(view, reply)

    async def _fetch(
        self, view: View, method: str, query: str, headers: Headers, body: bytes = b""
    ) -> OriginReply:
        """One origin request; for an origin group, the next member after a failover status."""
        members, statuses = view.origins()
        for index, origin in enumerate(members):
            reply = await self.origins.fetch(
                view.distribution, origin, method, view.origin_path, query, headers, body
            )
            last = index + 1 == len(members)
            if last or method not in ("GET", "HEAD", "OPTIONS"):
                return reply
            if not reply.unreachable and reply.status not in statuses:
                return reply
            await reply.close()
        raise LookupError("an origin group without members")

    @staticmethod
    def _streamed(view: View, reply: OriginReply) -> Response:
        async def body() -> Any:
            try:
                async for chunk in reply.body:
                    yield chunk
            finally:
                await reply.close()

        return Response(reply.status, Headers(reply.headers), body())

    # -- custom error pages ---------------------------------------------------------------------

    async def _error_page(self, view: View, response: Response) -> Response:
        for custom in items(view.distribution.config.get("CustomErrorResponses")):
            if int(custom["ErrorCode"]) != response.status or not custom.get("ResponsePagePath"):
                continue
            kept = Headers(
                [
                    (k, v)
                    for k, v in view.request.headers.items()
                    if k.lower() not in ("range", "if-none-match", "if-modified-since")
                ]
            )
            page_request = Request(
                "GET",
                custom["ResponsePagePath"],
                "",
                kept,
                scheme=view.request.scheme,
                client=view.request.client,
            )
            page = self._resolve(page_request, view.distribution.id, custom["ResponsePagePath"])
            if isinstance(page, Response):
                return response
            served, _ = await self._respond(page)
            if served.status >= 400:
                await _discard(served)
                return response
            await _discard(response)
            code = custom.get("ResponseCode")
            served.status = int(code) if code else response.status
            return served
        return response

    # -- every answer ---------------------------------------------------------------------------

    def _finish(self, view: View | None, response: Response, state: str | None = None) -> Response:
        headers = response.headers
        if state is not None:
            headers["X-Cache"] = f"{state} from cloudfront"
        headers["Via"] = f"1.1 {_via_host(view)} (CloudFront)"
        headers["X-Amz-Cf-Pop"] = POP
        headers["X-Amz-Cf-Id"] = _request_id()
        if isinstance(response.body, (bytes, bytearray)) and response.status != 304:
            headers.setdefault("Content-Length", str(len(response.body)))
        return response


async def _discard(response: Response) -> None:
    aclose = getattr(response.body, "aclose", None)
    if aclose is not None:
        await aclose()


def _via_host(view: View | None) -> str:
    seed = view.distribution.id if view else "cloudlet"
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def _request_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(42)).decode()
