"""Signed URLs and signed cookies, verified as CloudFront verifies them.

A canned policy is rebuilt from the URL and its Expires; a custom policy travels base64-encoded
in Policy. Either is signed with RSA-SHA1 (PKCS#1 v1.5) by a key in one of the behaviour's
trusted key groups, named by Key-Pair-Id. CloudFront's base64 replaces + = / with - _ ~.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from cloudlet.edge.types import Request
from cloudlet.services.cloudfront.behaviors import viewer_cookies

_SIGNING_PARAMS = ("Expires", "Policy", "Signature", "Key-Pair-Id")
_FROM_CLOUDFRONT = bytes.maketrans(b"-_~", b"+=/")


class Refused(Exception):
    """The viewer gets 403 AccessDenied with this message."""


@dataclass(frozen=True)
class Credentials:
    key_pair_id: str
    signature: str
    expires: str | None
    policy: str | None


def _decode(value: str) -> bytes:
    try:
        return base64.b64decode(value.encode().translate(_FROM_CLOUDFRONT), validate=True)
    except (binascii.Error, ValueError):
        raise Refused("Access denied") from None


def credentials(request: Request) -> Credentials:
    query = dict(parse_qsl(request.query, keep_blank_values=True))
    if "Signature" in query or "Key-Pair-Id" in query:
        source = query
        get = source.get
    else:
        cookies = dict(viewer_cookies(request))
        source = {
            name: cookies[f"CloudFront-{name}"] for name in _SIGNING_PARAMS if f"CloudFront-{name}" in cookies
        }
        get = source.get
    if not get("Key-Pair-Id"):
        raise Refused("Missing Key-Pair-Id query parameter or cookie value")
    if not get("Signature"):
        raise Refused("Missing Signature query parameter or cookie value")
    if not get("Expires") and not get("Policy"):
        raise Refused("Missing Expires or Policy query parameter or cookie value")
    return Credentials(get("Key-Pair-Id") or "", get("Signature") or "", get("Expires"), get("Policy"))


def unsigned_url(request: Request) -> str:
    """The URL as the signer saw it: the viewer's URL without the signing parameters."""
    kept = [(k, v) for k, v in parse_qsl(request.query, keep_blank_values=True) if k not in _SIGNING_PARAMS]
    url = f"{request.scheme}://{request.host}{request.path}"
    if kept:
        # Re-encoding could differ from what was signed; the raw text of the kept part is used.
        raw = "&".join(
            part for part in request.query.split("&") if part.split("=", 1)[0] not in _SIGNING_PARAMS
        )
        url += "?" + (raw or urlencode(kept))
    return url


def _canned(url: str, expires: str) -> bytes:
    # Byte for byte what signers (botocore's CloudFrontSigner among them) sign: no spaces.
    return json.dumps(
        {"Statement": [{"Resource": url, "Condition": {"DateLessThan": {"AWS:EpochTime": int(expires)}}}]},
        separators=(",", ":"),
    ).encode()


def _resource_matches(pattern: str, url: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, url, re.DOTALL) is not None


def verify(creds: Credentials, public_key_pem: str, url: str, client_ip: str, now: float) -> None:
    """Raises Refused unless the signature is good and the policy lets this URL in now."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    if creds.policy:
        document = _decode(creds.policy)
    else:
        if not re.fullmatch(r"\d{1,12}", creds.expires or ""):
            raise Refused("Access denied")
        document = _canned(url, creds.expires or "")
    key = load_pem_public_key(public_key_pem.encode())
    try:
        key.verify(_decode(creds.signature), document, padding.PKCS1v15(), hashes.SHA1())  # type: ignore[union-attr,call-arg]
    except (InvalidSignature, ValueError, TypeError):
        raise Refused("Access denied") from None
    _check_policy(document, url, client_ip, now)


def _check_policy(document: bytes, url: str, client_ip: str, now: float) -> None:
    try:
        policy = json.loads(document)
        statement = policy["Statement"][0]
        condition: dict[str, Any] = statement.get("Condition") or {}
        less_than = condition["DateLessThan"]["AWS:EpochTime"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise Refused("Access denied") from None
    if now >= float(less_than):
        raise Refused("Access denied")
    after = (condition.get("DateGreaterThan") or {}).get("AWS:EpochTime")
    if after is not None and now < float(after):
        raise Refused("Access denied")
    resource = statement.get("Resource")
    if resource is not None and not _resource_matches(resource, url):
        raise Refused("Access denied")
    network = (condition.get("IpAddress") or {}).get("AWS:SourceIp")
    if network is not None:
        try:
            if ipaddress.ip_address(client_ip) not in ipaddress.ip_network(network, strict=False):
                raise Refused("Access denied")
        except ValueError:
            raise Refused("Access denied") from None
