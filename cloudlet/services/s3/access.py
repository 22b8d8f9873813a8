"""Who may act on a bucket: its owner, and anyone else its policy or public ACLs let in, less
what Block Public Access switches off and whatever an explicit Deny refuses.

Callers are of four kinds, each a policy principal:
- an account's identity (a signed request): the bucket owner's account may do anything no
  Deny statement forbids (identity policies are not modelled: the default keys administer
  their account); another account needs an Allow or an ACL grant;
- anonymous (an unsigned request, a website visitor): only a policy naming "*" or a public ACL;
- an AWS service acting for one of its resources, e.g. CloudFront origin access control
  (`cloudfront.amazonaws.com` with `aws:SourceArn` = the distribution): only a policy naming
  that service principal, usually with a condition on aws:SourceArn;
- a CloudFront origin access identity (a canonical user): only a policy naming it.

Service and OAI callers reach S3 in process through `ServiceContext` (see S3Provider's
`read_for_service`); nothing on the wire can claim to be one.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from cloudlet.core import policy
from cloudlet.edge.types import RequestContext
from cloudlet.services.s3 import bucket_policy, store
from cloudlet.services.s3.errors import AccessDenied

UNREAD: Any = object()

# Operations whose IAM action differs from "s3:" + the operation name.
_ACTIONS = {
    "HeadObject": "s3:GetObject",
    "HeadBucket": "s3:ListBucket",
    "ListObjects": "s3:ListBucket",
    "ListObjectsV2": "s3:ListBucket",
    "ListObjectVersions": "s3:ListBucketVersions",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "UploadPartCopy": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "ListParts": "s3:ListMultipartUploadParts",
    "ListMultipartUploads": "s3:ListBucketMultipartUploads",
    "DeleteObjects": "s3:DeleteObject",
    "CopyObject": "s3:PutObject",
    "GetObjectAttributes": "s3:GetObject",
    "PostObject": "s3:PutObject",
    "GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
    "DeleteBucketLifecycle": "s3:PutLifecycleConfiguration",
    "GetBucketCors": "s3:GetBucketCORS",
    "PutBucketCors": "s3:PutBucketCORS",
    "DeleteBucketCors": "s3:PutBucketCORS",
    "GetBucketNotificationConfiguration": "s3:GetBucketNotification",
    "PutBucketNotificationConfiguration": "s3:PutBucketNotification",
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "DeleteBucketWebsite": "s3:DeleteBucketWebsite",
    "GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "PutBucketEncryption": "s3:PutEncryptionConfiguration",
    "DeleteBucketEncryption": "s3:PutEncryptionConfiguration",
    "PutObjectTagging": "s3:PutObjectTagging",
    "GetObjectTagging": "s3:GetObjectTagging",
    "DeleteObjectTagging": "s3:DeleteObjectTagging",
}
# The owner's root can always see and repair its bucket policy, whatever that policy denies.
_EXISTING_TAG = "s3:ExistingObjectTag/"
_POLICY_OPERATIONS = frozenset({"GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"})
_ACL_READ = ("public-read", "public-read-write")
_PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
_ACL_WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject")
# what READ on a bucket's ACL grants (AWS's mapping of ACL permissions to policy actions)
_ACL_LIST_ACTIONS = ("s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads")


@dataclass
class ServiceContext(RequestContext):
    """A request another cloudlet service makes in process, as a service principal
    (`service_principal` with `source_arn` / `source_account`) or as an origin access identity
    (`canonical_user`, with `oai_arn` its IAM-style ARN)."""

    service_principal: str | None = None
    source_arn: str | None = None
    source_account: str | None = None
    canonical_user: str | None = None
    oai_arn: str | None = None


def action_of(operation: str | None) -> str:
    return _ACTIONS.get(operation or "", f"s3:{operation}")


def resource_of(bucket: str, key: str | None) -> str:
    return f"arn:aws:s3:::{bucket}" if key is None else f"arn:aws:s3:::{bucket}/{key}"


def allowed(
    conn: sqlite3.Connection,
    ctx: RequestContext,
    bucket: store.Bucket,
    now: float,
    operation: str | None = None,
    *,
    document: Any = UNREAD,
) -> bool:
    """Whether the caller may run ctx.operation (or `operation`, on the bucket itself) on the
    bucket, and on ctx.params["Key"] in it. `document` is the bucket's policy when the caller
    has already read it (None: the bucket has none)."""
    principal = principal_of(ctx)
    owner = principal.kind == "AWS" and principal.account_id == bucket.account_id
    if document is UNREAD:
        document = store.get_config(conn, bucket.name, "policy")
    if owner and document is None:
        return True  # the common case, decided with one lookup
    if owner and ctx.operation in _POLICY_OPERATIONS:
        return True
    action, key = action_of(operation or ctx.operation), None if operation else ctx.params.get("Key")
    block = store.get_config(conn, bucket.name, "public_access_block") or {}
    decision = policy.Decision.NOT_ALLOWED
    if document is not None:
        context = context_of(ctx, now)
        if key is not None and _EXISTING_TAG in json.dumps(document):
            context.update(_existing_tags(conn, bucket.name, key, ctx.params.get("VersionId")))
        request = policy.PolicyRequest(principal, action, resource_of(bucket.name, key), context)
        decision = _evaluate(document, request)
    if decision is policy.Decision.DENY:
        return False
    if owner:
        return True
    if decision is policy.Decision.ALLOW and not _restricted(block, document, principal, bucket):
        return True
    if principal.kind not in ("AWS", "Anonymous") or block.get("IgnorePublicAcls"):
        return False
    return _acl_grants(conn, bucket, action, key)


def refuse_public_acl(conn: sqlite3.Connection, bucket: str, acl: str | None) -> None:
    """BlockPublicAcls: a request that would set a public ACL fails (S3's PUT ACL, PUT Object, ...)."""
    if acl not in _PUBLIC_ACLS:
        return
    block = store.get_config(conn, bucket, "public_access_block") or {}
    if block.get("BlockPublicAcls"):
        raise AccessDenied()


def _existing_tags(conn: sqlite3.Connection, bucket: str, key: str, version_id: str | None) -> dict[str, str]:
    """s3:ExistingObjectTag/<key> for each tag of the version a request names."""
    obj = store.find_object(conn, bucket, key, version_id)
    return {f"{_EXISTING_TAG}{name}": value for name, value in ((obj.tags if obj else None) or {}).items()}


def _copy_source(params: dict[str, Any]) -> str | None:
    """s3:x-amz-copy-source as policies name it: bucket/key, decoded, without a leading slash."""
    source = params.get("CopySource")
    if not source:
        return None
    return unquote(source.partition("?")[0]).lstrip("/")


def _evaluate(document: dict[str, Any], request: policy.PolicyRequest) -> policy.Decision:
    try:
        return policy.evaluate(document, request)
    except policy.PolicyError:
        return policy.Decision.NOT_ALLOWED


def _restricted(
    block: dict[str, Any],
    document: dict[str, Any] | None,
    principal: policy.PolicyPrincipal,
    bucket: store.Bucket,
) -> bool:
    """RestrictPublicBuckets: a public policy then serves only AWS services and the owner's account."""
    return (
        bool(block.get("RestrictPublicBuckets"))
        and principal.kind != "Service"
        and principal.account_id != bucket.account_id
        and bucket_policy.is_public(document)
    )


def _acl_grants(conn: sqlite3.Connection, bucket: store.Bucket, action: str, key: str | None) -> bool:
    acl = store.get_config(conn, bucket.name, "acl")
    if acl in _ACL_READ and action in _ACL_LIST_ACTIONS:
        return True
    if acl == "public-read-write" and action in _ACL_WRITE_ACTIONS:
        return True
    if action != "s3:GetObject" or key is None:
        return False
    # An object's own ACL decides who reads it. A key that is not there has no ACL: whoever the
    # bucket's ACL lets list may learn that it is missing (404 NoSuchKey rather than 403).
    row = _object_acl(conn, bucket.name, key)
    return row[0] in _ACL_READ if row is not None else acl in _ACL_READ


def _object_acl(conn: sqlite3.Connection, bucket: str, key: str) -> tuple[str | None] | None:
    """The latest version's ACL, in a row (None: no such key)."""
    return conn.execute(
        "SELECT acl FROM s3_objects WHERE bucket = ? AND key = ? AND latest = 1", (bucket, key)
    ).fetchone()


def principal_of(ctx: RequestContext) -> policy.PolicyPrincipal:
    if isinstance(ctx, ServiceContext) and ctx.service_principal:
        return policy.PolicyPrincipal.service(ctx.service_principal)
    if isinstance(ctx, ServiceContext) and ctx.canonical_user:
        aliases = (("AWS", ctx.oai_arn),) if ctx.oai_arn else ()
        return policy.PolicyPrincipal.canonical_user(ctx.canonical_user, *aliases)
    if ctx.principal is None:
        return policy.PolicyPrincipal.anonymous()
    return policy.PolicyPrincipal.aws(ctx.principal.arn, ctx.principal.account_id)


def context_of(ctx: RequestContext, now: float) -> dict[str, Any]:
    """The condition keys of one request: global aws: keys and the S3 keys of its operation."""
    request, params = ctx.request, ctx.params
    keys: dict[str, Any] = {
        "aws:SecureTransport": "true" if request.secure else "false",
        "aws:SourceIp": request.client or None,
        "aws:Referer": request.headers.get("referer"),
        "aws:UserAgent": request.headers.get("user-agent"),
        "aws:PrincipalIsAWSService": "false",
        "s3:prefix": params.get("Prefix"),
        "s3:delimiter": params.get("Delimiter"),
        "s3:max-keys": str(params["MaxKeys"]) if params.get("MaxKeys") is not None else None,
        "s3:x-amz-acl": params.get("ACL"),
        "s3:x-amz-server-side-encryption": params.get("ServerSideEncryption"),
        "s3:x-amz-storage-class": params.get("StorageClass"),
        "s3:VersionId": params.get("VersionId"),
        "s3:x-amz-copy-source": _copy_source(params),
        "s3:x-amz-metadata-directive": params.get("MetadataDirective"),
        **policy.time_keys(now),
    }
    if isinstance(ctx, ServiceContext) and ctx.service_principal:
        keys.update(
            {
                "aws:SourceArn": ctx.source_arn,
                "aws:SourceAccount": ctx.source_account,
                "aws:PrincipalServiceName": ctx.service_principal,
                "aws:PrincipalIsAWSService": "true",
                "aws:SecureTransport": "true",
            }
        )
    elif ctx.principal is not None:
        keys.update(
            {
                "aws:PrincipalAccount": ctx.principal.account_id,
                "aws:PrincipalArn": ctx.principal.arn,
                "aws:userid": ctx.principal.user_id,
            }
        )
    return keys
