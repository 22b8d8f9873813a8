"""What every S3 operation group shares: finding a bucket the caller may use, version ids."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from datetime import UTC, datetime

from cloudlet.aws.errors import ServiceError
from cloudlet.edge.types import Body, Headers, RequestContext
from cloudlet.services.base import Provider
from cloudlet.services.s3 import access, store
from cloudlet.services.s3.errors import AccessDenied, NoSuchBucket

_VERSION_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"


def new_version_id() -> str:
    return "".join(secrets.choice(_VERSION_ALPHABET) for _ in range(32))


def timestamp(epoch: float) -> datetime:
    """S3 timestamps have millisecond precision on the wire, whole seconds in HTTP dates."""
    return datetime.fromtimestamp(round(epoch, 3), UTC)


def owner_of(account_id: str) -> dict[str, str]:
    return {"ID": account_id_canonical(account_id), "DisplayName": "webfile"}


def account_id_canonical(account_id: str) -> str:
    """A stable 64-hex canonical user id for an account (S3 shows owners this way)."""
    return hashlib.sha256(f"cloudlet-canonical-{account_id}".encode()).hexdigest()


# An upload refused before its body was read: bodies up to this size are read and dropped so
# the client's keep-alive connection stays in step; past it the connection is closed instead.
DRAIN_LIMIT = 1024 * 1024


async def refuse_body(body: Body, headers: Headers, error: ServiceError) -> None:
    """Leaves the connection usable after answering an upload without reading its body."""
    try:
        length = int(headers.get("content-length") or 0)
    except ValueError:
        length = DRAIN_LIMIT + 1
    # A client that asked to wait for 100 Continue never sends the body of a refused upload
    # (as S3 answers it): there is nothing to drain, and the connection closes, since a client
    # that stopped waiting could still send it.
    if length > DRAIN_LIMIT or (headers.get("expect") or "").lower() == "100-continue":
        error.headers["Connection"] = "close"
        return
    try:
        async for _ in body.chunks():
            pass
    except Exception:  # the body itself is bad (a chunk signature, a disconnect): just close
        error.headers["Connection"] = "close"


class S3Operations(Provider):
    """Base of the operation mixins that make up the S3 provider."""

    def now(self) -> float:
        return self.env.clock.now()

    def bucket(self, conn: sqlite3.Connection, ctx: RequestContext, name: str) -> store.Bucket:
        """The bucket named, if it exists and the caller may use it."""
        bucket = store.find_bucket(conn, name)
        if bucket is None:
            raise NoSuchBucket(name)
        if not self.allowed(conn, ctx, bucket):
            raise AccessDenied()
        return bucket

    def allowed(self, conn: sqlite3.Connection, ctx: RequestContext, bucket: store.Bucket,
                document: object = access.UNREAD) -> bool:
        """The owner may; anyone else only as a bucket policy or public ACL grants (see access.py)."""
        if ctx.principal is None and not self.env.config.auth and not isinstance(ctx, access.ServiceContext):
            return True
        return access.allowed(conn, ctx, bucket, self.now(), document=document)

    def may_list(self, conn: sqlite3.Connection, ctx: RequestContext, bucket: store.Bucket) -> bool:
        if ctx.principal is not None and ctx.principal.account_id == bucket.account_id:
            return True
        if ctx.principal is None and not self.env.config.auth and not isinstance(ctx, access.ServiceContext):
            return True
        return access.allowed(conn, ctx, bucket, self.now(), "ListObjects")

    def version_id_for(self, bucket: store.Bucket) -> str:
        return new_version_id() if bucket.versioning == "Enabled" else "null"

    @staticmethod
    def shown_version(bucket: store.Bucket, version_id: str) -> str | None:
        """The version id S3 reports: none at all for a bucket that never had versioning."""
        return None if bucket.versioning is None else version_id
