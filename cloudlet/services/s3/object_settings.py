"""Per-object settings beside the bytes: tagging, ACLs, and GetObjectAttributes."""

from __future__ import annotations

import re
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.s3 import access, store
from cloudlet.services.s3.common import S3Operations, account_id_canonical, owner_of, timestamp
from cloudlet.services.s3.errors import InvalidArgument
from cloudlet.services.s3.metadata import canned_acl, check_tags, tag_set
from cloudlet.services.s3.notifications import record_event
from cloudlet.services.s3.objects import check_version_id

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
_CANONICAL_ID = re.compile("[0-9a-f]{64}")


def acl_grants(acl: str | None, account_id: str) -> list[dict[str, Any]]:
    """The grants a canned ACL stands for."""
    owner = {
        "Grantee": {
            "Type": "CanonicalUser",
            "ID": account_id_canonical(account_id),
            "DisplayName": "webfile",
        },
        "Permission": "FULL_CONTROL",
    }
    grants = [owner]
    if acl in ("public-read", "public-read-write"):
        grants.append({"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"})
    if acl == "public-read-write":
        grants.append({"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "WRITE"})
    if acl == "authenticated-read":
        grants.append({"Grantee": {"Type": "Group", "URI": AUTHENTICATED_USERS}, "Permission": "READ"})
    return grants


def canned_from_policy(policy: dict[str, Any] | None) -> str:
    """The canned ACL an AccessControlPolicy amounts to (what access checks use)."""
    granted: dict[str, set[str]] = {}
    for grant in (policy or {}).get("Grants") or []:
        grantee = grant.get("Grantee") or {}
        user_id = grantee.get("ID")
        if grantee.get("Type") == "CanonicalUser" and not _CANONICAL_ID.fullmatch(user_id or ""):
            raise InvalidArgument("Invalid id", "CanonicalUser/ID", user_id)
        granted.setdefault(grantee.get("URI"), set()).add(grant.get("Permission") or "")
    everyone = granted.get(ALL_USERS, set())
    if "FULL_CONTROL" in everyone or {"READ", "WRITE"} <= everyone:
        return "public-read-write"
    if "READ" in everyone:
        return "public-read"
    if "READ" in granted.get(AUTHENTICATED_USERS, set()):
        return "authenticated-read"
    return "private"


class ObjectSettingsOperations(S3Operations):
    def _version(
        self, conn: Any, ctx: RequestContext, params: dict[str, Any]
    ) -> tuple[store.ObjectVersion, store.Bucket]:
        check_version_id(params.get("VersionId"))
        return self.readable(conn, ctx, params["Bucket"], params["Key"], params.get("VersionId"))

    def put_object_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        pairs = [(t["Key"], t["Value"]) for t in (params.get("Tagging") or {}).get("TagSet") or []]
        tags = check_tags(pairs)
        with self.env.store.db() as conn:
            obj, bucket = self._version(conn, ctx, params)
            store.update_object(conn, obj, tags=tags)
            record_event(conn, ctx, bucket, "ObjectTagging:Put", obj)
        return {"VersionId": self.shown_version(bucket, obj.version_id)}

    def get_object_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            obj, bucket = self._version(conn, ctx, params)
        return {"TagSet": tag_set(obj.tags), "VersionId": self.shown_version(bucket, obj.version_id)}

    def delete_object_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            obj, bucket = self._version(conn, ctx, params)
            store.update_object(conn, obj, tags=None)
            record_event(conn, ctx, bucket, "ObjectTagging:Delete", obj)
        return {"VersionId": self.shown_version(bucket, obj.version_id)}

    def put_object_acl(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        acl = canned_acl(params.get("ACL")) or canned_from_policy(params.get("AccessControlPolicy"))
        with self.env.store.db() as conn:
            obj, _ = self._version(conn, ctx, params)
            access.refuse_public_acl(conn, obj.bucket, acl)
            store.update_object(conn, obj, acl=acl)
        return {}

    def get_object_acl(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            obj, _ = self._version(conn, ctx, params)
        return {"Owner": owner_of(obj.owner), "Grants": acl_grants(obj.acl, obj.owner)}

    def get_object_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        wanted = set(params.get("ObjectAttributes") or [])
        with self.env.store.read() as conn:
            obj, bucket = self._version(conn, ctx, params)
        output: dict[str, Any] = {
            "LastModified": timestamp(obj.modified),
            "VersionId": self.shown_version(bucket, obj.version_id),
        }
        if "ETag" in wanted:
            output["ETag"] = obj.etag.strip('"')
        if "StorageClass" in wanted:
            output["StorageClass"] = obj.storage_class
        if "ObjectSize" in wanted:
            output["ObjectSize"] = obj.size
        if "Checksum" in wanted and obj.checksum:
            output["Checksum"] = {
                f"Checksum{obj.checksum['algorithm']}": obj.checksum["value"],
                "ChecksumType": obj.checksum["type"],
            }
        if "ObjectParts" in wanted and obj.parts:
            output["ObjectParts"] = _object_parts(obj, params)
        return output


def _object_parts(obj: store.ObjectVersion, params: dict[str, Any]) -> dict[str, Any]:
    parts = obj.parts or []
    marker = params.get("PartNumberMarker") or 0
    limit = params.get("MaxParts") or 1000
    page = [(number, part) for number, part in enumerate(parts, 1) if number > marker][:limit]
    algorithm = (obj.checksum or {}).get("algorithm")
    entries = []
    for number, part in page:
        entry: dict[str, Any] = {"PartNumber": number, "Size": part["Size"]}
        if algorithm and part.get("Checksum"):
            entry[f"Checksum{algorithm}"] = part["Checksum"]
        entries.append(entry)
    result: dict[str, Any] = {
        "TotalPartsCount": len(parts),
        "PartNumberMarker": marker,
        "MaxParts": limit,
        "IsTruncated": bool(page) and page[-1][0] < len(parts),
        "Parts": entries,
    }
    if result["IsTruncated"]:
        result["NextPartNumberMarker"] = page[-1][0]
    return result
