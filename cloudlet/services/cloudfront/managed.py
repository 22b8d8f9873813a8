"""The policies AWS manages: present in every account under their AWS ids, never editable."""

from __future__ import annotations

from typing import Any

_NONE_HEADERS = {"HeaderBehavior": "none"}
_NONE_COOKIES = {"CookieBehavior": "none"}
_NONE_QUERY = {"QueryStringBehavior": "none"}
_ALL_COOKIES = {"CookieBehavior": "all"}
_ALL_QUERY = {"QueryStringBehavior": "all"}


def _list(*values: str) -> dict[str, Any]:
    return {"Quantity": len(values), "Items": list(values)}


def _cache(
    name: str,
    comment: str,
    ttls: tuple[int, int, int],
    headers: dict,
    cookies: dict,
    query: dict,
    compressed: bool,
) -> dict[str, Any]:
    low, default, high = ttls
    return {
        "Name": name,
        "Comment": comment,
        "MinTTL": low,
        "DefaultTTL": default,
        "MaxTTL": high,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": compressed,
            "EnableAcceptEncodingBrotli": compressed,
            "HeadersConfig": headers,
            "CookiesConfig": cookies,
            "QueryStringsConfig": query,
        },
    }


def _headers(*names: str) -> dict[str, Any]:
    return {"HeaderBehavior": "whitelist", "Headers": _list(*names)}


_YEAR = 31536000
CACHE_POLICIES: dict[str, dict[str, Any]] = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": _cache(
        "Managed-CachingOptimized",
        "Policy with caching enabled. Supports Gzip and Brotli compression.",
        (1, 86400, _YEAR),
        _NONE_HEADERS,
        _NONE_COOKIES,
        _NONE_QUERY,
        True,
    ),
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": _cache(
        "Managed-CachingDisabled",
        "Policy with caching disabled",
        (0, 0, 0),
        _NONE_HEADERS,
        _NONE_COOKIES,
        _NONE_QUERY,
        False,
    ),
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": _cache(
        "Managed-CachingOptimizedForUncompressedObjects",
        "Default policy when compression is disabled",
        (1, 86400, _YEAR),
        _NONE_HEADERS,
        _NONE_COOKIES,
        _NONE_QUERY,
        False,
    ),
    "08627262-05a9-4f76-9ded-b50ca2e3a84f": _cache(
        "Managed-Elemental-MediaPackage",
        "Policy for Elemental MediaPackage Origin",
        (0, 86400, _YEAR),
        _headers("origin"),
        _NONE_COOKIES,
        {
            "QueryStringBehavior": "whitelist",
            "QueryStrings": _list("aws.manifestfilter", "start", "end", "m"),
        },
        True,
    ),
    "2e54312d-136d-493c-8eb9-b001f22f67d2": _cache(
        "Managed-Amplify",
        "Policy for Amplify Origin",
        (2, 2, _YEAR),
        _headers("Authorization", "CloudFront-Viewer-Country", "Host"),
        _ALL_COOKIES,
        _ALL_QUERY,
        True,
    ),
    "83da9c7e-98b4-4e11-a168-04f0df8e2c65": _cache(
        "UseOriginCacheControlHeaders",
        "Policy for origins that return Cache-Control headers. Query strings "
        "are not included in the cache key.",
        (0, 0, _YEAR),
        _headers("host", "origin", "x-http-method-override", "x-http-method", "x-method-override"),
        _ALL_COOKIES,
        _NONE_QUERY,
        True,
    ),
    "4cc15a8a-d715-48a4-82b8-cc0b614638fe": _cache(
        "UseOriginCacheControlHeaders-QueryStrings",
        "Policy for origins that return Cache-Control headers "
        "and serve different content based on query strings.",
        (0, 0, _YEAR),
        _headers("host", "origin", "x-http-method-override", "x-http-method", "x-method-override"),
        _ALL_COOKIES,
        _ALL_QUERY,
        True,
    ),
}


def _origin(name: str, comment: str, headers: dict, cookies: dict, query: dict) -> dict[str, Any]:
    return {
        "Name": name,
        "Comment": comment,
        "HeadersConfig": headers,
        "CookiesConfig": cookies,
        "QueryStringsConfig": query,
    }


ORIGIN_REQUEST_POLICIES: dict[str, dict[str, Any]] = {
    "216adef6-5c7f-47e4-b989-5492eafa07d3": _origin(
        "Managed-AllViewer",
        "Policy to forward all parameters in viewer requests",
        {"HeaderBehavior": "allViewer"},
        _ALL_COOKIES,
        _ALL_QUERY,
    ),
    "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf": _origin(
        "Managed-CORS-S3Origin",
        "Policy for origin request headers for S3 CORS",
        _headers("origin", "access-control-request-headers", "access-control-request-method"),
        _NONE_COOKIES,
        _NONE_QUERY,
    ),
    "59781a5b-3903-41f3-afcb-af62929ccde1": _origin(
        "Managed-CORS-CustomOrigin",
        "Policy for origin request headers for custom CORS origins",
        _headers("origin"),
        _NONE_COOKIES,
        _NONE_QUERY,
    ),
    "acba4595-bd28-49b8-b9fe-13317c0390fa": _origin(
        "Managed-UserAgentRefererHeaders",
        "Policy to forward user-agent and referer headers to origin",
        _headers("user-agent", "referer"),
        _NONE_COOKIES,
        _NONE_QUERY,
    ),
    "b689b0a8-53d0-40ab-baf2-68738e2966ac": _origin(
        "Managed-AllViewerExceptHostHeader",
        "Policy to forward all parameters in viewer requests except for the Host header",
        {"HeaderBehavior": "allExcept", "Headers": _list("host")},
        _ALL_COOKIES,
        _ALL_QUERY,
    ),
}


def _cors(methods: list[str], preflight: bool) -> dict[str, Any]:
    config = {
        "AccessControlAllowOrigins": _list("*"),
        "AccessControlAllowHeaders": _list("*"),
        "AccessControlAllowMethods": _list(*methods),
        "AccessControlAllowCredentials": False,
        "OriginOverride": False,
    }
    if preflight:
        config["AccessControlMaxAgeSec"] = 600
    config["AccessControlExposeHeaders"] = _list("*")
    return config


_SECURITY = {
    "XSSProtection": {"Override": False, "Protection": True, "ModeBlock": True},
    "FrameOptions": {"Override": False, "FrameOption": "SAMEORIGIN"},
    "ReferrerPolicy": {"Override": False, "ReferrerPolicy": "strict-origin-when-cross-origin"},
    "ContentTypeOptions": {"Override": True},
    "StrictTransportSecurity": {
        "Override": False,
        "IncludeSubdomains": False,
        "Preload": False,
        "AccessControlMaxAgeSec": 31536000,
    },
}
_SIMPLE = ["GET", "HEAD"]
_ALL_METHODS = ["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"]
RESPONSE_HEADERS_POLICIES: dict[str, dict[str, Any]] = {
    "60669652-455b-4ae9-85a4-c4c02393f86c": {
        "Name": "Managed-SimpleCORS",
        "Comment": "Allow all origins for simple CORS requests",
        "CorsConfig": _cors(_SIMPLE, False),
    },
    "5cc3b908-e619-4b99-88e5-2cf7f45965bd": {
        "Name": "Managed-CORS-With-Preflight",
        "Comment": "Allow all origins, all HTTP methods, and preflight requests",
        "CorsConfig": _cors(_ALL_METHODS, True),
    },
    "67f7725c-6f97-4210-82d7-5512b31e9d03": {
        "Name": "Managed-SecurityHeadersPolicy",
        "Comment": "Adds a set of security headers to every response",
        "SecurityHeadersConfig": _SECURITY,
    },
    "e61eb60c-9c35-4d20-a928-2b84e02af89c": {
        "Name": "Managed-CORS-and-SecurityHeadersPolicy",
        "Comment": "Allow all origins for simple CORS requests and add security headers",
        "CorsConfig": _cors(_SIMPLE, False),
        "SecurityHeadersConfig": _SECURITY,
    },
    "eaab4381-ed33-4a86-88ca-d9558dc6cd63": {
        "Name": "Managed-CORS-with-preflight-and-SecurityHeadersPolicy",
        "Comment": "Allow all origins, all methods, preflight requests, and add security headers",
        "CorsConfig": _cors(_ALL_METHODS, True),
        "SecurityHeadersConfig": _SECURITY,
    },
}

_BY_KIND = {
    "cache-policy": CACHE_POLICIES,
    "origin-request-policy": ORIGIN_REQUEST_POLICIES,
    "response-headers-policy": RESPONSE_HEADERS_POLICIES,
}


def cache_policy(policy_id: str) -> dict[str, Any] | None:
    return CACHE_POLICIES.get(policy_id)


def find(kind: str, policy_id: str) -> dict[str, Any] | None:
    return _BY_KIND[kind].get(policy_id)


def all_of(kind: str) -> dict[str, dict[str, Any]]:
    return _BY_KIND[kind]
