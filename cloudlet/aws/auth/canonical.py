"""The SigV4 canonical request, string to sign and signing key, as AWS computes them server-side."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# Services that sign the path as sent (encoded once); every other service encodes it twice
# and drops empty and dot segments first.
SINGLE_ENCODING_SERVICES = frozenset({"s3", "s3-object-lambda", "s3-outposts", "s3express"})

_UNRESERVED_PATH = re.compile(r"^[A-Za-z0-9\-._~/]*$")
_UNRESERVED = re.compile(r"^[A-Za-z0-9\-._~]*$")
_SIGNING_KEY_CACHE_SIZE = 1024
_signing_keys: dict[tuple[str, str, str, str], bytes] = {}


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """kSigning for a scope; derived once per (secret, day, region, service) and remembered."""
    cache_key = (secret, date, region, service)
    key = _signing_keys.get(cache_key)
    if key is None:
        key = _hmac(("AWS4" + secret).encode(), date)
        key = _hmac(key, region)
        key = _hmac(key, service)
        key = _hmac(key, "aws4_request")
        if len(_signing_keys) >= _SIGNING_KEY_CACHE_SIZE:
            _signing_keys.clear()
        _signing_keys[cache_key] = key
    return key


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.digest(key, msg.encode(), "sha256")


def sign(key: bytes, string_to_sign: str) -> str:
    # hmac.digest is the one-shot C path: several times faster than hmac.new(...).hexdigest()
    return hmac.digest(key, string_to_sign.encode(), "sha256").hex()


def string_to_sign(amz_date: str, scope: str, canonical_request: str) -> str:
    digest = hashlib.sha256(as_sent(canonical_request)).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def as_sent(canonical_request: str) -> bytes:
    """The canonical request's bytes. Header values arrive as bytes, kept as Latin-1 text, and
    are signed as sent: a client that sends UTF-8 (botocore does, for a non-ASCII x-amz-meta-*
    value) signed those UTF-8 bytes. Everything else in it is ASCII by construction."""
    try:
        return canonical_request.encode("latin-1")
    except UnicodeEncodeError:
        return canonical_request.encode()


def canonical_request(
    method: str,
    uri: str,
    query: str,
    headers: str,
    signed_headers: str,
    payload_hash: str,
) -> str:
    return f"{method}\n{uri}\n{query}\n{headers}\n\n{signed_headers}\n{payload_hash}"


def canonical_uri(raw_path: str, service: str) -> str:
    """The path as the signer saw it, rebuilt from what arrived (clients differ in which
    characters they escape, so each segment is decoded and re-encoded the AWS way)."""
    path = raw_path or "/"
    once = path if _UNRESERVED_PATH.match(path) else "/".join(_encode(unquote(s)) for s in path.split("/"))
    if service in SINGLE_ENCODING_SERVICES:
        return once
    normalized = _remove_dot_segments(once)
    return normalized if _UNRESERVED_PATH.match(normalized) else quote(normalized, safe="/~")


def canonical_uris(raw_path: str, service: str) -> list[str]:
    """canonical_uri, then (when it differs) the wire path encoded as it arrived: botocore and
    the JavaScript SDK sign a path character sent raw, such as the @ of `/@connections/`,
    encoded once, where rebuilding each segment encodes it twice."""
    first = canonical_uri(raw_path, service)
    if service in SINGLE_ENCODING_SERVICES or _UNRESERVED_PATH.match(raw_path or "/"):
        return [first]
    literal = quote(_remove_dot_segments(raw_path or "/"), safe="/~")
    return [first] if literal == first else [first, literal]


def _encode(value: str) -> str:
    return value if _UNRESERVED.match(value) else quote(value, safe="~")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 dot-segment removal; AWS also collapses repeated slashes."""
    if "//" not in path and "/." not in path:
        return path
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if out:
                out.pop()
        elif segment and segment != ".":
            out.append(segment)
    trailing = "/" if path.endswith("/") and out else ""
    return "/" + "/".join(out) + trailing


def canonical_query(raw_query: str, skip: str | None = None) -> str:
    """Sorted, re-encoded query pairs; `skip` leaves out one key (X-Amz-Signature)."""
    if not raw_query:
        return ""
    pairs = []
    for item in raw_query.split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        if skip is not None and key == skip:
            continue
        pairs.append((_encode_query(key), _encode_query(value)))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def _encode_query(value: str) -> str:
    if _UNRESERVED.match(value):
        return value
    return quote(unquote(value), safe="-_.~")


def canonical_headers(headers: Iterable[tuple[str, str]], signed: list[str]) -> str:
    """`name:value` lines for the signed headers (values trimmed, inner runs of spaces
    collapsed, repeats joined by commas), without the final newline. `headers` are
    (lowercase name, value) pairs."""
    wanted = dict.fromkeys(signed)
    values: dict[str, list[str]] = {}
    for name, value in headers:
        if name in wanted:
            trimmed = value.strip()
            if "  " in trimmed or "\t" in trimmed or "\n" in trimmed:
                trimmed = " ".join(trimmed.split())
            values.setdefault(name, []).append(trimmed)
    return "\n".join(f"{name}:{','.join(values.get(name, ()))}" for name in signed)


def chunk_string_to_sign(amz_date: str, scope: str, previous: str, chunk_hash: str) -> str:
    return f"{ALGORITHM}-PAYLOAD\n{amz_date}\n{scope}\n{previous}\n{EMPTY_SHA256}\n{chunk_hash}"


def trailer_string_to_sign(amz_date: str, scope: str, previous: str, trailer_hash: str) -> str:
    return f"{ALGORITHM}-TRAILER\n{amz_date}\n{scope}\n{previous}\n{trailer_hash}"
