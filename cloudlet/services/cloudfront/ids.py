"""CloudFront's identifiers: distribution, invalidation and key ids, ETags, ARNs."""

from __future__ import annotations

import secrets
import string
import uuid

_UPPER = string.ascii_uppercase + string.digits


def _token(prefix: str, length: int = 13) -> str:
    return prefix + "".join(secrets.choice(_UPPER) for _ in range(length))


def distribution_id() -> str:
    return _token("E")


def invalidation_id() -> str:
    return _token("I")


def public_key_id() -> str:
    return _token("K")


def etag() -> str:
    return _token("E")


def policy_id() -> str:
    return str(uuid.uuid4())


def distribution_arn(account_id: str, distribution_id: str) -> str:
    return f"arn:aws:cloudfront::{account_id}:distribution/{distribution_id}"


def domain_name(distribution_id: str) -> str:
    """What GetDistribution reports; the data plane also answers DISTID.cloudfront.localhost."""
    return f"{distribution_id.lower()}.cloudfront.net"
