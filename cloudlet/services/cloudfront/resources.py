"""Versioned configurations: create, read, replace under If-Match, delete; one table for all.

Each kind of resource (distribution, cache policy, key group...) is described by a Kind; the
operations of the provider are thin wrappers that name the kind and shape the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cloudlet.services.cloudfront import errors, ids, store


@dataclass(frozen=True)
class Kind:
    name: str  # row kind, e.g. "distribution"
    label: str  # for messages, e.g. "distribution"
    not_found: str  # NoSuchDistribution
    already_exists: str  # DistributionAlreadyExists
    in_use: str  # ResourceInUse
    new_id: Callable[[], str] = ids.etag


def missing(kind: Kind) -> errors.CloudFrontError:
    return errors.not_found(kind.not_found, f"The specified {kind.label} does not exist.")


def get(conn: Any, kind: Kind, resource_id: str, account_id: str) -> store.Resource:
    resource = store.find(conn, kind.name, resource_id)
    if resource is None or resource.account_id != account_id:
        raise missing(kind)
    return resource


def check_if_match(resource: store.Resource, if_match: str | None) -> None:
    if not if_match:
        raise errors.InvalidIfMatchVersion()
    if if_match != resource.etag:
        raise errors.PreconditionFailed()


def create(
    conn: Any,
    kind: Kind,
    account_id: str,
    config: dict[str, Any],
    now: float,
    extra: dict[str, Any] | None = None,
    resource_id: str | None = None,
) -> store.Resource:
    resource = store.Resource(
        kind.name, resource_id or kind.new_id(), account_id, ids.etag(), config, extra or {}, now, now
    )
    store.insert(conn, resource)
    return resource


def replace(conn: Any, resource: store.Resource, config: dict[str, Any], now: float) -> store.Resource:
    resource.config, resource.etag, resource.modified_at = config, ids.etag(), now
    store.update(conn, resource)
    return resource


def http_date(epoch: float) -> datetime:
    """A stored epoch as the timestamp the model's LastModifiedTime / CreateTime members take."""
    return datetime.fromtimestamp(epoch, UTC)
