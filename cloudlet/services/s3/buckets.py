"""Bucket operations: create, delete, head, list, location, versioning."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.s3 import blobs, store
from cloudlet.services.s3.common import S3Operations, owner_of, timestamp
from cloudlet.services.s3.errors import (
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    IllegalLocationConstraintException,
    InvalidArgument,
    InvalidBucketState,
    InvalidLocationConstraint,
    MalformedXML,
)
from cloudlet.services.s3.metadata import canned_acl
from cloudlet.services.s3.naming import check_bucket_name

DEFAULT_REGION = "us-east-1"
MAX_BUCKETS_PAGE = 10000


def _token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def _untoken(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidArgument(
            "The continuation token provided is incorrect", "continuation-token", token
        ) from None


class BucketOperations(S3Operations):
    def create_bucket(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["Bucket"]
        check_bucket_name(name)
        region = self._bucket_region(ctx, params.get("CreateBucketConfiguration") or {})
        acl = canned_acl(params.get("ACL"))
        with self.env.store.db() as conn:
            existing = store.find_bucket(conn, name)
            if existing is not None:
                if existing.account_id != ctx.account_id:
                    raise BucketAlreadyExists(name)
                if existing.region == DEFAULT_REGION and region == DEFAULT_REGION:
                    return {"Location": f"/{name}"}  # us-east-1 answers a repeat create with success
                raise BucketAlreadyOwnedByYou(name)
            lock = bool(params.get("ObjectLockEnabledForBucket"))
            store.insert_bucket(
                conn,
                store.Bucket(name, ctx.account_id, region, self.now(), "Enabled" if lock else None, lock),
            )
            if acl:
                store.put_config(conn, name, "acl", acl)
            if params.get("ObjectOwnership"):
                store.put_config(
                    conn, name, "ownership", {"Rules": [{"ObjectOwnership": params["ObjectOwnership"]}]}
                )
        return {"Location": f"/{name}", "BucketArn": f"arn:aws:s3:::{name}"}

    @staticmethod
    def _bucket_region(ctx: RequestContext, configuration: dict[str, Any]) -> str:
        constraint = configuration.get("LocationConstraint")
        if constraint == DEFAULT_REGION:
            raise InvalidLocationConstraint(LocationConstraint=constraint)
        if constraint is None:
            if ctx.region != DEFAULT_REGION:
                raise IllegalLocationConstraintException(
                    "The unspecified location constraint is incompatible for the region specific endpoint this "
                    "request was sent to."
                )
            return DEFAULT_REGION
        if ctx.region not in (DEFAULT_REGION, constraint):
            raise IllegalLocationConstraintException(
                f"The {constraint} location constraint is incompatible for the region specific endpoint this "
                "request was sent to."
            )
        return constraint

    def delete_bucket(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            if store.bucket_has_content(conn, bucket.name):
                raise BucketNotEmpty(bucket.name, versioned=bucket.versioning is not None)
            orphans = store.delete_bucket(conn, bucket.name)
        blobs.unlink(self.env.store, orphans)
        return {}

    def head_bucket(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
        return {
            "BucketRegion": bucket.region,
            "AccessPointAlias": False,
            "BucketArn": f"arn:aws:s3:::{bucket.name}",
        }

    def list_buckets(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        limit = params.get("MaxBuckets", MAX_BUCKETS_PAGE)
        if not 1 <= limit <= MAX_BUCKETS_PAGE:
            raise InvalidArgument(
                "Argument max-buckets must be an integer between 1 and 10000", "max-buckets", str(limit)
            )
        after = _untoken(params["ContinuationToken"]) if params.get("ContinuationToken") else ""
        prefix = params.get("Prefix") or ""
        with self.env.store.read() as conn:
            buckets = store.list_buckets(
                conn, ctx.account_id, after, prefix, params.get("BucketRegion"), limit + 1
            )
        output: dict[str, Any] = {
            "Buckets": [
                {
                    "Name": b.name,
                    "CreationDate": timestamp(b.created_at),
                    "BucketRegion": b.region,
                    "BucketArn": f"arn:aws:s3:::{b.name}",
                }
                for b in buckets[:limit]
            ],
            "Owner": owner_of(ctx.account_id),
        }
        if len(buckets) > limit:
            output["ContinuationToken"] = _token(buckets[limit - 1].name)
        if "Prefix" in params:
            output["Prefix"] = prefix
        return output

    def get_bucket_location(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
        return {"LocationConstraint": None if bucket.region == DEFAULT_REGION else bucket.region}

    def put_bucket_versioning(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        status = (params.get("VersioningConfiguration") or {}).get("Status")
        if status not in ("Enabled", "Suspended"):
            raise MalformedXML()
        with self.env.store.db() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            if bucket.object_lock and status == "Suspended":
                raise InvalidBucketState(
                    "An Object Lock configuration is present on this bucket, so the "
                    "versioning state cannot be changed."
                )
            store.set_versioning(conn, bucket.name, status)
        return {}

    def get_bucket_versioning(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
        return {"Status": bucket.versioning} if bucket.versioning else {}
