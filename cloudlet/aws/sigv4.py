"""SigV4 verification: header-signed and presigned requests, checked exactly as AWS does.

The signature covers the payload through x-amz-content-sha256 (or the body's SHA-256). When the
body is streamed (S3 uploads), the signature is checked against the header value at once and
the body against that value as it streams (`verify_payload_hash`, or the aws-chunked decoder
for per-chunk signatures).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

from cloudlet.aws.auth import canonical
from cloudlet.aws.auth.errors import (
    AuthError,
    XAmzContentSHA256Mismatch,
    auth_error,
    signature_mismatch_message,
)
from cloudlet.aws.errors import ServiceError
from cloudlet.aws.hashing import BackgroundDigest
from cloudlet.core.credentials import Credential, CredentialRegistry
from cloudlet.edge.types import Request

__all__ = [
    "AuthError", "AuthResult", "XAmzContentSHA256Mismatch", "auth_error", "authenticate",
    "parse_scope", "verify_payload_hash",
]

MAX_SKEW = 15 * 60
MAX_PRESIGN_EXPIRES = 7 * 24 * 3600
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_MODES = frozenset({
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
})
_PAYLOAD_MODES = STREAMING_MODES | {UNSIGNED_PAYLOAD}
_HEX_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")
_PRESIGN_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date",
                   "X-Amz-SignedHeaders", "X-Amz-Expires")


@dataclass(slots=True)
class AuthResult:
    credential: Credential | None
    region: str = ""
    service: str = ""  # the credential scope's service: "s3", "dynamodb", "execute-api"...
    payload_mode: str = UNSIGNED_PAYLOAD  # a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* mode
    signature: str = ""  # the seed signature of a signed aws-chunked body
    signing_key: bytes = b""
    amz_date: str = ""
    scope: str = ""  # "20240101/us-east-1/s3/aws4_request"
    anonymous: bool = False
    verified: bool = False  # False when auth is off: chunk signatures are then not checked either
    presigned: bool = False


class _HeaderView:
    """The request's headers lowered once: authentication reads several of them."""

    __slots__ = ("first", "items")

    def __init__(self, request: Request) -> None:
        self.items = [(name.lower(), value) for name, value in request.headers.items()]
        self.first: dict[str, str] = {}
        for name, value in self.items:
            self.first.setdefault(name, value)

    def get(self, name: str) -> str | None:
        return self.first.get(name)


@dataclass(slots=True)
class _Signed:
    """What a request claims: parsed from the Authorization header or the query string."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: list[str]
    signature: str
    amz_date: str
    token: str | None
    presigned: bool
    expires: int | None = None

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def parse_scope(request: Request) -> tuple[str, str] | None:
    """(region, service) of the credential scope, read without verifying anything."""
    header = request.headers.get("authorization")
    if header is not None:
        start = header.find("Credential=")
        if start < 0:
            return None
        end = header.find(",", start)
        credential = header[start + 11:end if end >= 0 else None].strip()
    else:
        credential = _raw_query_param(request.query, "X-Amz-Credential")
        if credential is None:
            return None
        credential = unquote(credential)
    parts = credential.rsplit("/", 4)
    if len(parts) != 5:
        return None
    return parts[2], parts[3]


def _raw_query_param(query: str, name: str) -> str | None:
    prefix = name + "="
    start = 0
    while True:
        start = query.find(prefix, start)
        if start < 0:
            return None
        if start == 0 or query[start - 1] == "&":
            end = query.find("&", start)
            return query[start + len(prefix):end if end >= 0 else None]
        start += len(prefix)


def authenticate(request: Request, registry: CredentialRegistry, now: float, *,
                 enforce: bool = True, body_hash: str | None = None,
                 skew_now: float | None = None) -> AuthResult:
    """Who signed the request, verified; raises AuthError when the signature does not hold.

    `now` is the server's clock: token and presigned-URL expiry are measured on it.
    `skew_now` is the wall-clock time the client's signing time is compared with (default
    `now`); pass time.time() when the clock runs ahead of wall time (tests that move it), or
    every request would look skewed. `body_hash` is the hex SHA-256 of a buffered body when
    the caller already knows it.
    With `enforce=False` (auth off) nothing is checked: a known key still resolves its
    account, an unknown or malformed one stands for the default account.
    """
    headers = _HeaderView(request)
    try:
        signed = _parse(request, headers)
    except AuthError:
        if enforce:
            raise
        return AuthResult(registry.fallback(""), payload_mode=_declared_payload(headers))
    if signed is None:
        return AuthResult(None, payload_mode=_declared_payload(headers), anonymous=True)
    if not enforce:
        credential = registry.lookup(signed.access_key) or registry.fallback(signed.access_key)
        return _result(headers, signed, credential, b"", verified=False)
    # Who first, then when: an expired session token reads as such even to a client whose
    # clock has drifted (or a test that moved the server's clock past the skew window).
    credential = _credential(registry, signed, now)
    _check_time(signed, now, now if skew_now is None else skew_now)
    key = canonical.signing_key(credential.secret_key, signed.date, signed.region, signed.service)
    payload_hash = _payload_hash(request, headers, signed, body_hash)
    _verify_signature(request, headers, signed, key, payload_hash)
    # A declared hash is only a claim about the body; a computed one needs no second look.
    declared = headers.get("x-amz-content-sha256") is not None
    if declared and _HEX_SHA256.match(payload_hash) and request.body.is_buffered:
        actual = body_hash or hashlib.sha256(request.body.data).hexdigest()
        if actual != payload_hash.lower():
            raise XAmzContentSHA256Mismatch(payload_hash, actual)
    return _result(headers, signed, credential, key, verified=True)


def _result(headers: _HeaderView, signed: _Signed, credential: Credential, key: bytes, *,
            verified: bool) -> AuthResult:
    mode = _declared_payload(headers)
    if signed.presigned and headers.get("x-amz-content-sha256") is None:
        mode = UNSIGNED_PAYLOAD
    return AuthResult(credential, signed.region, signed.service, mode, signed.signature, key,
                      signed.amz_date, signed.scope, anonymous=False, verified=verified,
                      presigned=signed.presigned)


def _declared_payload(headers: _HeaderView) -> str:
    return headers.get("x-amz-content-sha256") or UNSIGNED_PAYLOAD


def _parse(request: Request, headers: _HeaderView) -> _Signed | None:
    header = headers.get("authorization")
    if header is not None:
        return _parse_header(headers, header)
    if _raw_query_param(request.query, "X-Amz-Algorithm") is not None or \
            _raw_query_param(request.query, "X-Amz-Credential") is not None:
        return _parse_query(request)
    if _raw_query_param(request.query, "AWSAccessKeyId") is not None and \
            _raw_query_param(request.query, "Signature") is not None:
        raise AuthError("unsupported", "Query-string authentication version 2 is not supported; use SigV4.")
    return None


def _parse_header(headers: _HeaderView, header: str) -> _Signed:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != canonical.ALGORITHM:
        raise AuthError("unsupported", f"Unsupported authorization type: {algorithm}")
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, eq, value = item.strip().partition("=")
        if not eq:
            raise AuthError("incomplete", f"'{item.strip()}' not a valid key=value pair (missing equal-sign) "
                            f"in Authorization header: '{header}'.",
                            s3_message="The authorization header is malformed; the authorization component "
                                       f"\"{item.strip()}\" is malformed.")
        parts[key] = value.strip()
    missing = [name for name in ("Credential", "Signature", "SignedHeaders") if name not in parts]
    amz_date = headers.get("x-amz-date") or _from_http_date(headers.get("date"))
    if missing or amz_date is None:
        raise _incomplete_header(missing, amz_date is None, header)
    return _signed(parts["Credential"], parts["SignedHeaders"], parts["Signature"], amz_date,
                   headers.get("x-amz-security-token"), presigned=False)


def _incomplete_header(missing: list[str], no_date: bool, header: str) -> AuthError:
    problems = [f"Authorization header requires '{name}' parameter." for name in missing]
    if no_date:
        problems.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    return AuthError(
        "incomplete", " ".join(problems) + f" Authorization={header}",
        s3_message="The authorization header is malformed; the authorization header requires three "
                   "components: Credential, SignedHeaders, and Signature." if missing else
                   "AWS authentication requires a valid Date or x-amz-date header",
        s3_code=None if missing else "AccessDenied",
    )


def _parse_query(request: Request) -> _Signed:
    params = {name: _raw_query_param(request.query, name) for name in _PRESIGN_PARAMS}
    missing = [name for name, value in params.items() if value is None and name != "X-Amz-Expires"]
    if missing:
        raise AuthError(
            "incomplete", f"AWS query-string parameters must include {', '.join(repr(m) for m in missing)}. "
                          "Re-examine the query-string parameters.",
            s3_code="AuthorizationQueryParametersError",
            s3_message="Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                       "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
        )
    values = {name: unquote(value) for name, value in params.items() if value is not None}
    if values["X-Amz-Algorithm"] != canonical.ALGORITHM:
        raise AuthError("unsupported", f"Unsupported algorithm: {values['X-Amz-Algorithm']}",
                        s3_code="AuthorizationQueryParametersError",
                        s3_message="X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
    token = _raw_query_param(request.query, "X-Amz-Security-Token")
    signed = _signed(values["X-Amz-Credential"], values["X-Amz-SignedHeaders"], values["X-Amz-Signature"],
                     values["X-Amz-Date"], unquote(token) if token is not None else None, presigned=True)
    signed.expires = _expires(values.get("X-Amz-Expires"), signed.service)
    return signed


def _expires(raw: str | None, service: str) -> int | None:
    if raw is None:
        if service in canonical.SINGLE_ENCODING_SERVICES:
            raise AuthError("incomplete", "X-Amz-Expires is required.", s3_code="AuthorizationQueryParametersError",
                            s3_message="Query-string authentication version 4 requires the X-Amz-Algorithm, "
                                       "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
                                       "and X-Amz-Expires parameters.")
        return None
    try:
        expires = int(raw)
    except ValueError:
        expires = -1
    if expires < 0:
        raise AuthError("incomplete", "X-Amz-Expires must be non-negative",
                        s3_code="AuthorizationQueryParametersError")
    if expires > MAX_PRESIGN_EXPIRES:
        raise AuthError("incomplete", "X-Amz-Expires must be less than a week (in seconds); that is, the given "
                        "X-Amz-Expires must be less than 604800 seconds",
                        s3_code="AuthorizationQueryParametersError")
    return expires


def _signed(credential: str, signed_headers: str, signature: str, amz_date: str, token: str | None, *,
            presigned: bool) -> _Signed:
    parts = credential.rsplit("/", 4)
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise AuthError(
            "incomplete", f"Credential should be scoped to a valid region. Credential={credential}",
            s3_code="AuthorizationQueryParametersError" if presigned else None,
            s3_message="The authorization header is malformed; the Credential is mal-formed; expecting "
                       "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        )
    if not _AMZ_DATE.match(amz_date):
        raise AuthError("incomplete", f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'.",
                        s3_code="AuthorizationQueryParametersError" if presigned else "AccessDenied",
                        s3_message="X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    access_key, date, region, service, _ = parts
    if date != amz_date[:8]:
        raise AuthError(
            "incomplete", f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
                          f"HTTP: '{date}' != '{amz_date[:8]}', from '{amz_date}'.",
            s3_code="AuthorizationQueryParametersError" if presigned else None,
            s3_message=f"Invalid credential date \"{date}\". This date is not the same as X-Amz-Date: "
                       f"\"{amz_date[:8]}\".",
        )
    headers = [h.strip().lower() for h in signed_headers.split(";") if h.strip()]
    return _Signed(access_key, date, region, service, headers, signature, amz_date, token, presigned)


def _from_http_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return time.strftime("%Y%m%dT%H%M%SZ", parsedate_to_datetime(value).utctimetuple())
    except (TypeError, ValueError):
        return None


_epochs: dict[str, int] = {}


def _epoch(amz_date: str) -> int:
    # Requests arriving in the same second share their X-Amz-Date: convert each once.
    epoch = _epochs.get(amz_date)
    if epoch is None:
        d = amz_date
        epoch = calendar.timegm((int(d[0:4]), int(d[4:6]), int(d[6:8]), int(d[9:11]), int(d[11:13]),
                                 int(d[13:15]), 0, 0, 0))
        if len(_epochs) >= 256:
            _epochs.clear()
        _epochs[amz_date] = epoch
    return epoch


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _basic(epoch: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


def _check_time(signed: _Signed, now: float, wall: float) -> None:
    signed_at = _epoch(signed.amz_date)
    if signed.presigned:
        _check_presigned_time(signed, signed_at, now, wall)
        return
    now = wall
    if now - signed_at > MAX_SKEW:
        raise AuthError(
            "skew", f"Signature expired: {signed.amz_date} is now earlier than {_basic(now - MAX_SKEW)} "
                    f"({_basic(now)} - 15 min.)", fields=_skew_fields(signed, now))
    elif signed_at - now > MAX_SKEW:
        raise AuthError(
            "skew", f"Signature not yet current: {signed.amz_date} is still later than {_basic(now + MAX_SKEW)} "
                    f"({_basic(now)} + 15 min.)", fields=_skew_fields(signed, now))


def _skew_fields(signed: _Signed, now: float) -> dict[str, str]:
    return {"RequestTime": signed.amz_date, "ServerTime": _iso(now), "MaxAllowedSkewMilliseconds": "900000"}


def _check_presigned_time(signed: _Signed, signed_at: int, now: float, wall: float) -> None:
    if signed_at - wall > MAX_SKEW:
        raise AuthError("expired", f"Signature not yet current: {signed.amz_date} is still later than "
                        f"{_basic(wall + MAX_SKEW)} ({_basic(wall)} + 15 min.)",
                        s3_message="Request is not yet valid",
                        fields={"X-Amz-Date": signed.amz_date, "ServerTime": _iso(wall)})
    expires = signed.expires if signed.expires is not None else MAX_SKEW
    if now > signed_at + expires:
        raise AuthError("expired", f"Signature expired: {signed.amz_date} is now earlier than "
                        f"{_basic(now - expires)} ({_basic(now)} - {expires} sec.)",
                        fields={"X-Amz-Expires": str(expires), "Expires": _iso(signed_at + expires),
                                "ServerTime": _iso(now)})


def _credential(registry: CredentialRegistry, signed: _Signed, now: float) -> Credential:
    credential = registry.lookup(signed.access_key)
    if credential is None:
        raise AuthError("unknown_key", "The security token included in the request is invalid.",
                        fields={"AWSAccessKeyId": signed.access_key})
    if credential.session_token is None:
        if signed.token:
            raise AuthError("bad_token", "The security token included in the request is invalid.")
        return credential
    if not signed.token:
        raise AuthError("missing_token", "The security token included in the request is invalid.",
                        fields={"AWSAccessKeyId": signed.access_key})
    if not hmac.compare_digest(signed.token.encode(), credential.session_token.encode()):
        raise AuthError("bad_token", "The security token included in the request is invalid.")
    if credential.expires_at is not None and now >= credential.expires_at:
        raise AuthError("expired_token", "The security token included in the request is expired")
    return credential


def _payload_hash(request: Request, headers: _HeaderView, signed: _Signed, body_hash: str | None) -> str:
    declared = headers.get("x-amz-content-sha256")
    if declared is not None:
        if declared not in _PAYLOAD_MODES and not _HEX_SHA256.match(declared):
            raise ServiceError(
                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid "
                "sha256 value.", code="InvalidArgument", status=400)
        return declared
    if signed.presigned and signed.service in canonical.SINGLE_ENCODING_SERVICES:
        return UNSIGNED_PAYLOAD
    if body_hash is not None:
        return body_hash
    if not request.body.is_buffered:
        raise AuthError("incomplete", "Missing required header for this request: x-amz-content-sha256",
                        s3_code="InvalidRequest")
    data = request.body.data
    return hashlib.sha256(data).hexdigest() if data else canonical.EMPTY_SHA256


def _verify_signature(request: Request, headers: _HeaderView, signed: _Signed, key: bytes,
                      payload_hash: str) -> None:
    query = canonical.canonical_query(request.query, skip="X-Amz-Signature" if signed.presigned else None)
    canonical_headers = canonical.canonical_headers(headers.items, signed.signed_headers)
    creq = to_sign = ""
    for uri in canonical.canonical_uris(request.path, signed.service):
        attempt = canonical.canonical_request(
            request.method.upper(), uri, query, canonical_headers, ";".join(signed.signed_headers), payload_hash,
        )
        attempt_to_sign = canonical.string_to_sign(signed.amz_date, signed.scope, attempt)
        if hmac.compare_digest(canonical.sign(key, attempt_to_sign), signed.signature.lower()):
            return
        if not creq:  # the mismatch reports the first (the usual) form
            creq, to_sign = attempt, attempt_to_sign
    raise AuthError("bad_signature", signature_mismatch_message(creq, to_sign), fields={
        "AWSAccessKeyId": signed.access_key,
        "StringToSign": to_sign,
        "SignatureProvided": signed.signature,
        "StringToSignBytes": to_sign.encode().hex(" "),
        "CanonicalRequest": creq,
        "CanonicalRequestBytes": canonical.as_sent(creq).hex(" "),
    })


async def verify_payload_hash(chunks: AsyncIterator[bytes], expected_hex: str) -> AsyncIterator[bytes]:
    """Passes the body through; raises XAmzContentSHA256Mismatch at its end if the SHA-256
    differs from the signed x-amz-content-sha256 (the consumer must then discard what it got)."""
    digest = hashlib.sha256()
    hashing = BackgroundDigest(digest)
    async for chunk in chunks:
        await hashing.update(chunk)
        yield chunk
    await hashing.finish()
    actual = digest.hexdigest()
    if actual != expected_hex.lower():
        raise XAmzContentSHA256Mismatch(expected_hex, actual)
