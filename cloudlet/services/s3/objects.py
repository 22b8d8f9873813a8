"""Object operations: put, get, head, delete (one or many), copy."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from cloudlet.aws.errors import ServiceError
from cloudlet.edge.types import RequestContext
from cloudlet.services.s3 import access, blobs, conditions, integrity, lifecycle, store
from cloudlet.services.s3.common import S3Operations, refuse_body, timestamp
from cloudlet.services.s3.errors import (
    AccessDenied,
    InvalidArgument,
    InvalidPartNumber,
    InvalidRequest,
    MalformedXML,
    MethodNotAllowed,
    NoSuchBucket,
    NoSuchKey,
    NoSuchVersion,
    S3Error,
)
from cloudlet.services.s3.metadata import (
    canned_acl,
    encryption_of,
    object_headers,
    output_headers,
    parse_tagging,
    storage_class,
)
from cloudlet.services.s3.naming import check_key
from cloudlet.services.s3.notifications import record_event

MAX_DELETE_KEYS = 1000
_VERSION_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._")


def check_version_id(version_id: str | None) -> None:
    if version_id is None or version_id == "null":
        return
    if len(version_id) != 32 or not set(version_id) <= _VERSION_CHARS:
        raise InvalidArgument("Invalid version id specified", "versionId", version_id)


def parse_copy_source(source: str) -> tuple[str, str, str | None]:
    """`bucket/key[?versionId=v]`, URL-encoded, optionally with a leading slash."""
    path, _, query = source.partition("?")
    version = query[len("versionId=") :] if query.startswith("versionId=") else None
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if not bucket or not key:
        raise InvalidArgument("Invalid copy source object key", "x-amz-copy-source", source)
    return bucket, key, version


def source_context(ctx: RequestContext, bucket: str, key: str, version_id: str | None) -> RequestContext:
    """A copy's read of its source, as access control sees it: s3:GetObject on the source."""
    params = {"Bucket": bucket, "Key": key, "VersionId": version_id}
    return dataclasses.replace(ctx, operation="GetObject", params=params)


class ObjectOperations(S3Operations):
    # -- writes ----------------------------------------------------------------------------------

    async def put_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        try:
            obj, expected = self._prepare_put(ctx, params)
        except ServiceError as exc:
            await refuse_body(params["Body"], ctx.request.headers, exc)
            raise
        written = await blobs.write(self.env.store, params["Body"].chunks(), expected)
        obj.blob, obj.size, obj.etag = written.blob, written.size, f'"{written.md5}"'
        if written.checksum is not None and expected.algorithm is not None:
            obj.checksum = {"algorithm": expected.algorithm, "value": written.checksum, "type": "FULL_OBJECT"}
        bucket = self.commit_object(ctx, obj, params, "ObjectCreated:Put")
        return {
            "ETag": obj.etag,
            "VersionId": self.shown_version(bucket, obj.version_id),
            "Expiration": lifecycle.expiration_of(bucket.lifecycle, obj),
            "ServerSideEncryption": encryption_of(obj.headers),
            **integrity.checksum_output(obj.checksum),
        }

    def _prepare_put(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> tuple[store.ObjectVersion, blobs.Expected]:
        check_key(params["Key"])
        with self.env.store.read() as conn:
            self.bucket(conn, ctx, params["Bucket"])
            access.refuse_public_acl(conn, params["Bucket"], canned_acl(params.get("ACL")))
        expected = integrity.expected_body(params, ctx.request.headers)
        if expected.md5_b64 is not None:
            blobs.decode_md5(expected.md5_b64)
        obj = store.ObjectVersion(
            bucket=params["Bucket"],
            key=params["Key"],
            version_id="",
            headers=object_headers(params),
            storage_class=storage_class(params.get("StorageClass")),
            tags=parse_tagging(params.get("Tagging")),
            acl=canned_acl(params.get("ACL")),
            owner=ctx.account_id,
        )
        return obj, expected

    def commit_object(
        self,
        ctx: RequestContext,
        obj: store.ObjectVersion,
        params: dict[str, Any],
        event: str,
        finish: Callable[[Any], list[str]] | None = None,
    ) -> store.Bucket:
        """Makes a written blob the key's latest version (or discards it if that fails).

        `finish(conn)` runs in the same transaction (a multipart upload retiring its parts) and
        returns blobs to unlink once it has committed.
        """
        try:
            with self.env.store.db() as conn:
                bucket = self.bucket(conn, ctx, obj.bucket)
                access.refuse_public_acl(conn, obj.bucket, obj.acl)
                bucket = dataclasses.replace(
                    bucket, lifecycle=store.get_config(conn, obj.bucket, "lifecycle")
                )
                current = store.find_object(conn, obj.bucket, obj.key)
                live = current if current is not None and not current.delete_marker else None
                conditions.check_write(params, live.etag if live else None)
                obj.version_id = self.version_id_for(bucket)
                obj.modified = self.now()
                replaced = store.insert_object(conn, obj)
                if finish is not None:
                    replaced += finish(conn)
                record_event(conn, ctx, bucket, event, obj)
        except BaseException:
            blobs.unlink(self.env.store, [obj.blob])
            raise
        blobs.unlink(self.env.store, replaced)
        return bucket

    def copy_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        check_key(params["Key"])
        src_bucket, src_key, src_version = parse_copy_source(params["CopySource"])
        with self.env.store.read() as conn:
            self.bucket(conn, ctx, params["Bucket"])
            reading = source_context(ctx, src_bucket, src_key, src_version)
            source, _ = self.readable(conn, reading, src_bucket, src_key, src_version)
            conditions.check_read(params, source.etag, source.modified, prefix="CopySource")
        replace = params.get("MetadataDirective") == "REPLACE"
        if (
            (src_bucket, src_key) == (params["Bucket"], params["Key"])
            and not replace
            and not src_version
            and not params.get("StorageClass")
            and not params.get("WebsiteRedirectLocation")
            and not params.get("ServerSideEncryption")
        ):
            raise InvalidRequest(
                "This copy request is illegal because it is trying to copy an object to itself "
                "without changing the object's metadata, storage class, website redirect location "
                "or encryption attributes."
            )
        tags = (
            parse_tagging(params.get("Tagging"))
            if params.get("TaggingDirective") == "REPLACE"
            else source.tags
        )
        obj = store.ObjectVersion(
            bucket=params["Bucket"],
            key=params["Key"],
            version_id="",
            size=source.size,
            etag=source.etag,
            headers=object_headers(params) if replace else dict(source.headers),
            checksum=source.checksum,
            storage_class=storage_class(params.get("StorageClass")),
            tags=tags,
            parts=source.parts,
            acl=canned_acl(params.get("ACL")),
            owner=ctx.account_id,
            blob=blobs.link(self.env.store, source.blob) if source.blob else None,
        )
        bucket = self.commit_object(ctx, obj, params, "ObjectCreated:Copy")
        result = {"ETag": obj.etag, "LastModified": timestamp(obj.modified)}
        if obj.checksum:
            result.update(
                {
                    f"Checksum{obj.checksum['algorithm']}": obj.checksum["value"],
                    "ChecksumType": obj.checksum["type"],
                }
            )
        return {
            "CopyObjectResult": result,
            "VersionId": self.shown_version(bucket, obj.version_id),
            "ServerSideEncryption": encryption_of(obj.headers),
            "CopySourceVersionId": src_version
            or (source.version_id if source.version_id != "null" else None),
        }

    # -- reads -----------------------------------------------------------------------------------

    def readable(
        self, conn: Any, ctx: RequestContext, bucket_name: str, key: str, version_id: str | None
    ) -> tuple[store.ObjectVersion, store.Bucket]:
        """The version a read names; 404/405 as S3 answers for missing keys and delete markers."""
        bucket, document, obj = store.find_for_read(conn, bucket_name, key, version_id)
        if bucket is None:
            raise NoSuchBucket(bucket_name)
        if not self.allowed(conn, ctx, bucket, document=document):
            raise AccessDenied()
        check_version_id(version_id)
        if (obj is None or obj.delete_marker) and not self.may_list(conn, ctx, bucket):
            raise AccessDenied()  # S3 tells who may not list whether a key exists
        if obj is None:
            raise NoSuchVersion(key, version_id) if version_id else NoSuchKey(key)
        if obj.delete_marker:
            error: S3Error = MethodNotAllowed() if version_id else NoSuchKey(key)
            error.headers = {"x-amz-delete-marker": "true", "x-amz-version-id": obj.version_id}
            if version_id:
                error.headers["Last-Modified"] = timestamp(obj.modified).strftime("%a, %d %b %Y %H:%M:%S GMT")
            raise error
        return obj, bucket

    def head_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        conn = self.env.store.query()  # readable() reads in one statement
        obj, bucket = self.readable(conn, ctx, params["Bucket"], params["Key"], params.get("VersionId"))
        conditions.check_read(params, obj.etag, obj.modified)
        output = self.object_output(bucket, obj, params)
        span = self._span(obj, params, output)
        if span is not None:
            output["ContentLength"] = span[1] - span[0] + 1
        return output

    def get_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        conn = self.env.store.query()  # readable() reads in one statement
        obj, bucket = self.readable(conn, ctx, params["Bucket"], params["Key"], params.get("VersionId"))
        conditions.check_read(params, obj.etag, obj.modified)
        output = self.object_output(bucket, obj, params)
        try:
            fh = blobs.open_blob(self.env.store, obj.blob)
        except FileNotFoundError:  # deleted since we looked
            raise NoSuchKey(obj.key) from None
        span = self._span(obj, params, output)
        if span is None:
            output["Body"] = blobs.small_body(fh, obj.size) if fh is not None else b""
        else:
            output["ContentLength"] = span[1] - span[0] + 1
            output["Body"] = blobs.read_range(fh, *span)
        return output

    @staticmethod
    def _span(
        obj: store.ObjectVersion, params: dict[str, Any], output: dict[str, Any]
    ) -> tuple[int, int] | None:
        """The byte range a read asks for (Range header or PartNumber), noted in the output."""
        part_number = params.get("PartNumber")
        if part_number is not None:
            span = _part_span(obj, part_number)
        else:
            span = conditions.byte_range(params.get("Range"), obj.size)
        if span is not None:
            output["ContentRange"] = f"bytes {span[0]}-{span[1]}/{obj.size}"
            if span != (0, obj.size - 1) or part_number is None:
                for name in [k for k in output if k.startswith("Checksum")]:
                    del output[name]
        return span

    def object_output(
        self, bucket: store.Bucket, obj: store.ObjectVersion, params: dict[str, Any]
    ) -> dict[str, Any]:
        output: dict[str, Any] = {
            **output_headers(obj.headers, params),
            "ContentLength": obj.size,
            "ETag": obj.etag,
            "LastModified": timestamp(obj.modified),
            "AcceptRanges": "bytes",
            "VersionId": self.shown_version(bucket, obj.version_id),
        }
        if obj.storage_class != "STANDARD":
            output["StorageClass"] = obj.storage_class
        if bucket.lifecycle:
            output["Expiration"] = lifecycle.expiration_of(bucket.lifecycle, obj)
        if obj.tags:
            output["TagCount"] = len(obj.tags)
        if obj.parts and params.get("PartNumber") is not None:
            output["PartsCount"] = len(obj.parts)
        if params.get("ChecksumMode") == "ENABLED":
            output.update(integrity.checksum_output(obj.checksum))
        return output

    # -- deletes ---------------------------------------------------------------------------------

    def delete_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        check_version_id(params.get("VersionId"))
        with self.env.store.db() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            result, orphans = self.delete_one(conn, ctx, bucket, params["Key"], params.get("VersionId"))
        blobs.unlink(self.env.store, orphans)
        return result

    def delete_one(
        self, conn: Any, ctx: RequestContext, bucket: store.Bucket, key: str, version_id: str | None
    ) -> tuple[dict[str, Any], list[str | None]]:
        """Deletes a version, or the key (a delete marker in versioned buckets); in `conn`'s transaction."""
        if version_id is not None or bucket.versioning is None:
            obj = store.find_object(conn, bucket.name, key, version_id or "null")
            if obj is None:
                return ({"VersionId": version_id} if version_id else {}), []
            store.delete_version(conn, obj)
            event = "ObjectRemoved:Delete"
            record_event(conn, ctx, bucket, event, obj)
            result: dict[str, Any] = {"VersionId": version_id}
            if obj.delete_marker:
                result["DeleteMarker"] = True
            return result, [obj.blob]
        marker = store.ObjectVersion(
            bucket=bucket.name,
            key=key,
            version_id=self.version_id_for(bucket),
            delete_marker=True,
            modified=self.now(),
            owner=ctx.account_id,
        )
        replaced = store.insert_object(conn, marker)
        record_event(conn, ctx, bucket, "ObjectRemoved:DeleteMarkerCreated", marker)
        return {"DeleteMarker": True, "VersionId": marker.version_id}, list(replaced)

    def delete_objects(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        request = params.get("Delete") or {}
        entries = request.get("Objects") or []
        if not entries or len(entries) > MAX_DELETE_KEYS:
            raise MalformedXML()
        deleted, errors, orphans = [], [], []
        with self.env.store.db() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            for entry in entries:
                key, version_id = entry["Key"], entry.get("VersionId")
                try:
                    check_version_id(version_id)
                    result, blobs_of = self.delete_one(conn, ctx, bucket, key, version_id)
                except S3Error as exc:
                    errors.append(
                        {"Key": key, "VersionId": version_id, "Code": exc.code, "Message": exc.message}
                    )
                    continue
                orphans.extend(blobs_of)
                deleted.append(_deleted_entry(key, version_id, result))
        blobs.unlink(self.env.store, orphans)
        output: dict[str, Any] = {"Errors": errors} if errors else {}
        if not request.get("Quiet"):
            output["Deleted"] = deleted
        return output


def _deleted_entry(key: str, version_id: str | None, result: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"Key": key}
    if version_id:
        entry["VersionId"] = version_id
    if result.get("DeleteMarker"):
        entry["DeleteMarker"] = True
        if version_id is None:
            entry["DeleteMarkerVersionId"] = result["VersionId"]
        elif version_id:
            entry["DeleteMarkerVersionId"] = version_id
    return entry


def _part_span(obj: store.ObjectVersion, part_number: int) -> tuple[int, int]:
    parts = obj.parts or [{"Size": obj.size}]
    if not 1 <= part_number <= len(parts):
        raise InvalidPartNumber()
    start = sum(p["Size"] for p in parts[: part_number - 1])
    return start, start + parts[part_number - 1]["Size"] - 1
