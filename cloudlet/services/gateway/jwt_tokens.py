"""JWTs checked as API Gateway's JWT (HTTP APIs) and Cognito user pool (REST APIs) authorizers
check them, against the issuer's published keys.

The keys come from the issuer's OpenID discovery document (ISSUER/.well-known/openid-configuration,
then its jwks_uri), fetched over HTTP and kept for a while; an unknown `kid` fetches them again.
Only RSA signatures (RS256/384/512) are accepted, as on AWS.
"""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

KEYS_TTL = 7200.0
REFETCH_AFTER = 10.0  # an unknown kid fetches the keys again, at most this often
# cryptography is imported when a token is first checked: it costs megabytes of memory that a
# server whose APIs use no JWT or Cognito authorizer should not carry.
ALGORITHMS = ("RS256", "RS384", "RS512")


class InvalidToken(Exception):
    """401: the token is missing, malformed, badly signed, expired or not for this API."""


class InsufficientScope(Exception):
    """403: a valid token without any of the route's scopes."""


@dataclass(frozen=True)
class Verified:
    claims: dict[str, Any]
    scopes: list[str] | None


@dataclass
class _KeySet:
    keys: dict[str, rsa.RSAPublicKey]
    fetched: float


class KeyCache:
    def __init__(self) -> None:
        self._sets: dict[str, _KeySet] = {}

    async def key(self, issuer: str, kid: str, now: float) -> rsa.RSAPublicKey:
        cached = self._sets.get(issuer)
        stale = cached is None or now - cached.fetched > KEYS_TTL
        unknown = cached is not None and kid not in cached.keys and now - cached.fetched > REFETCH_AFTER
        if stale or unknown:
            try:
                keys = await asyncio.to_thread(_fetch_keys, issuer)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise InvalidToken("the issuer's signing keys could not be fetched") from exc
            cached = self._sets[issuer] = _KeySet(keys, now)
        assert cached is not None
        if kid not in cached.keys:
            raise InvalidToken("the token's kid is not among the issuer's keys")
        return cached.keys[kid]


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as reply:
        return json.load(reply)


def _fetch_keys(issuer: str) -> dict[str, rsa.RSAPublicKey]:
    from cryptography.hazmat.primitives.asymmetric import rsa

    discovery = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    document = _get_json(discovery["jwks_uri"])
    keys = {}
    for jwk in document.get("keys", []):
        if jwk.get("kty") == "RSA" and "kid" in jwk:
            numbers = rsa.RSAPublicNumbers(_b64_int(jwk["e"]), _b64_int(jwk["n"]))
            keys[jwk["kid"]] = numbers.public_key()
    return keys


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64_int(text: str) -> int:
    return int.from_bytes(_b64(text), "big")


def split_token(value: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, claims, signed part, signature) of a compact JWS."""
    token = value[7:].strip() if value[:7].lower() == "bearer " else value.strip()
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("the token is not a JWT")
    try:
        header, claims = json.loads(_b64(parts[0])), json.loads(_b64(parts[1]))
        signature = _b64(parts[2])
    except ValueError as exc:
        raise InvalidToken("the token could not be decoded") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidToken("the token could not be decoded")
    return header, claims, f"{parts[0]}.{parts[1]}".encode(), signature


async def verified_claims(token: str, issuer: str, keys: KeyCache, now: float) -> dict[str, Any]:
    """The claims of a token signed by one of the issuer's keys, issued by it and valid now."""
    header, claims, signed, signature = split_token(token)
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS or not isinstance(header.get("kid"), str):
        raise InvalidToken("the token's algorithm or kid is not supported")
    key = await keys.key(issuer, header["kid"], now)
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        key.verify(signature, signed, padding.PKCS1v15(), getattr(hashes, "SHA" + algorithm[2:])())
    except InvalidSignature as exc:
        raise InvalidToken("signature is invalid") from exc
    if claims.get("iss") != issuer:
        raise InvalidToken("the token's issuer is not the authorizer's")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now:
        raise InvalidToken("the token has expired")
    nbf, iat = claims.get("nbf"), claims.get("iat")
    if isinstance(nbf, int | float) and nbf > now:
        raise InvalidToken("the token is not valid yet")
    if isinstance(iat, int | float) and iat > now + 300:
        raise InvalidToken("the token was issued in the future")
    return claims


async def verify(
    token: str, config: dict[str, Any], scopes: list[str], keys: KeyCache, now: float
) -> Verified:
    """A JWT authorizer's check: issuer, one of its audiences, and one of the route's scopes."""
    claims = await verified_claims(token, config.get("Issuer") or "", keys, now)
    audience = claims.get("aud", claims.get("client_id"))
    given = set([audience] if isinstance(audience, str) else audience or [])
    if not given & set(config.get("Audience") or []):
        raise InvalidToken("the token's audience is not the authorizer's")
    granted = scopes_of(claims)
    if scopes and not set(scopes) & set(granted or []):
        raise InsufficientScope("the token has none of the route's scopes")
    return Verified(claims, granted)


def scopes_of(claims: dict[str, Any]) -> list[str] | None:
    value = claims.get("scope", claims.get("scp"))
    if value is None:
        return None
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def flat_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as integrations see them: every value a string, lists as "[a b]"."""
    return {name: _claim_text(value) for name, value in claims.items()}


def _claim_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_claim_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
