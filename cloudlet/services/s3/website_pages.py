"""Serving a bucket as a website, as S3 website endpoints do: anonymous reads only (what the
bucket policy or ACLs make public), an index document per "directory", a custom error
document served with the error's status, whole-site and per-rule redirects, objects that
redirect (x-amz-website-redirect-location), and errors as HTML pages."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import quote, unquote

from cloudlet.aws.serializing.s3 import host_id
from cloudlet.edge.types import Headers, Request, RequestContext, Response
from cloudlet.services.environment import Environment
from cloudlet.services.s3 import serving, store

_REASONS = {
    301: "Moved Permanently",
    302: "Found",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
}


class WebsiteError(Exception):
    def __init__(self, status: int, code: str, message: str, **fields: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


async def serve(env: Environment, request: Request, bucket_name: str, path: str, prefix: str) -> Response:
    site = _Site(env, request, bucket_name, prefix)
    try:
        return await site.answer(path)
    except WebsiteError as error:
        return site.error_page(error)


class _Site:
    def __init__(self, env: Environment, request: Request, bucket_name: str, prefix: str) -> None:
        self.env, self.request, self.bucket_name, self.prefix = env, request, bucket_name, prefix
        self.request_id = RequestContext(request).request_id
        self.config: dict[str, Any] = {}

    async def answer(self, path: str) -> Response:
        if self.request.method not in ("GET", "HEAD"):
            raise WebsiteError(
                405,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
                Method=self.request.method,
                ResourceType="OBJECT",
            )
        self.provider = await self.env.registry.provider("s3")
        with self.env.store.read() as conn:
            bucket = store.find_bucket(conn, self.bucket_name)
            config = store.get_config(conn, self.bucket_name, "website") if bucket else None
        if bucket is None:
            raise WebsiteError(
                404, "NoSuchBucket", "The specified bucket does not exist", BucketName=self.bucket_name
            )
        if config is None:
            raise WebsiteError(
                404,
                "NoSuchWebsiteConfiguration",
                "The specified bucket does not have a website configuration",
                BucketName=self.bucket_name,
            )
        self.config = config
        everything = config.get("RedirectAllRequestsTo")
        if everything:
            protocol = everything.get("Protocol") or self.request.scheme
            return _redirect(301, f"{protocol}://{everything['HostName']}{path}")
        key = unquote(path.lstrip("/"))
        rule = self._rule(key, None)
        if rule is not None:
            return self._follow(rule, key)
        return await self._page(key)

    async def _page(self, key: str) -> Response:
        suffix = self.config["IndexDocument"]["Suffix"]
        wanted = key + suffix if key == "" or key.endswith("/") else key
        response = await self._fetch(wanted)
        if response.status < 400:
            location = response.headers.get("x-amz-website-redirect-location")
            if location:
                _discard(response)
                return _redirect(301, location)
            return response
        _discard(response)
        if wanted == key and (await self._readable(f"{key}/{suffix}")):
            return _redirect(302, f"{self.prefix}/{quote(key)}/")
        status = response.status
        rule = self._rule(key, status)
        if rule is not None:
            return self._follow(rule, key)
        error = (
            WebsiteError(404, "NoSuchKey", "The specified key does not exist.", Key=wanted)
            if status == 404
            else WebsiteError(status, "AccessDenied", "Access Denied")
        )
        return await self._error_document(error)

    async def _fetch(self, key: str, method: str | None = None) -> Response:
        ctx = RequestContext(
            self.request, request_id=self.request_id, service="s3", region=self.env.config.region
        )
        headers = self.request.headers if method is None else None
        return await serving.object_response(
            self.provider,
            ctx,
            method or self.request.method,
            serving.object_params(self.bucket_name, key, headers),
        )

    async def _readable(self, key: str) -> bool:
        response = await self._fetch(key, "HEAD")
        _discard(response)
        return response.status == 200

    def _rule(self, key: str, status: int | None) -> dict[str, Any] | None:
        """The first routing rule whose conditions all hold (error-code rules only after an error)."""
        for rule in self.config.get("RoutingRules") or []:
            condition = rule.get("Condition") or {}
            code = condition.get("HttpErrorCodeReturnedEquals")
            if code is not None and str(code) != str(status):
                continue
            if code is None and status is not None and condition:
                continue  # prefix-only rules were already tried before the object was looked up
            if not key.startswith(condition.get("KeyPrefixEquals") or ""):
                continue
            return rule
        return None

    def _follow(self, rule: dict[str, Any], key: str) -> Response:
        redirect = rule.get("Redirect") or {}
        if redirect.get("ReplaceKeyWith") is not None:
            key = redirect["ReplaceKeyWith"]
        elif redirect.get("ReplaceKeyPrefixWith") is not None:
            prefix = (rule.get("Condition") or {}).get("KeyPrefixEquals") or ""
            key = redirect["ReplaceKeyPrefixWith"] + key[len(prefix) :]
        status = int(redirect.get("HttpRedirectCode") or 301)
        path = quote(key)
        if redirect.get("HostName"):
            protocol = redirect.get("Protocol") or self.request.scheme
            return _redirect(status, f"{protocol}://{redirect['HostName']}/{path}")
        if redirect.get("Protocol"):
            return _redirect(status, f"{redirect['Protocol']}://{self.request.host}{self.prefix}/{path}")
        return _redirect(status, f"{self.prefix}/{path}")

    async def _error_document(self, error: WebsiteError) -> Response:
        document = (self.config.get("ErrorDocument") or {}).get("Key")
        if not document:
            return self.error_page(error)
        response = await self._fetch(document, "GET" if self.request.method == "GET" else "HEAD")
        if response.status == 200:
            response.status = error.status
            for name in ("x-amz-request-id", "x-amz-id-2"):
                response.headers.remove(name)
            return response
        _discard(response)
        nested = (
            WebsiteError(404, "NoSuchKey", "The specified key does not exist.", Key=document)
            if response.status == 404
            else WebsiteError(403, "AccessDenied", "Access Denied")
        )
        return self.error_page(error, nested)

    def error_page(self, error: WebsiteError, nested: WebsiteError | None = None) -> Response:
        title = f"{error.status} {_REASONS.get(error.status, 'Error')}"
        lines = [
            "<html>",
            f"<head><title>{title}</title></head>",
            "<body>",
            f"<h1>{title}</h1>",
            *_details(error, self.request_id),
        ]
        if nested is not None:
            lines += [
                "<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>",
                *_details(nested, None),
            ]
        lines += ["<hr/>", "</body>", "</html>", ""]
        body = "\n".join(lines).encode()
        headers = Headers(
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("x-amz-request-id", self.request_id),
                ("x-amz-id-2", host_id(self.request_id)),
            ]
        )
        if error.code == "NoSuchKey" and self.request.method == "HEAD":
            headers.add("x-amz-error-code", error.code)
        return Response(error.status, headers, body if self.request.method != "HEAD" else b"")


def _details(error: WebsiteError, request_id: str | None) -> list[str]:
    items = [
        f"Code: {error.code}",
        f"Message: {error.message}",
        *(f"{k}: {v}" for k, v in error.fields.items()),
    ]
    if request_id:
        items += [f"RequestId: {request_id}", f"HostId: {host_id(request_id)}"]
    return ["<ul>", *(f"<li>{_escape(item)}</li>" for item in items), "</ul>"]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _redirect(status: int, location: str) -> Response:
    return Response(status, Headers([("Location", location), ("Content-Length", "0")]), b"")


def _discard(response: Response) -> None:
    """Closes a body that will not be sent (an open object file)."""
    body: Any = response.body
    if hasattr(body, "close"):
        with contextlib.suppress(OSError):
            body.close()
