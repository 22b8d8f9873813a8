"""Multipart uploads: parts streamed to their own files, joined into one object on completion.

The object's ETag is the MD5 of the parts' binary MD5s, suffixed with the part count; its
checksum is COMPOSITE (of the parts' checksums, "-N") or FULL_OBJECT (of all its bytes).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.edge.types import RequestContext
from cloudlet.services.s3 import access, blobs, conditions, integrity, store
from cloudlet.services.s3.common import S3Operations, owner_of, refuse_body, timestamp
from cloudlet.services.s3.errors import (
    AccessDenied,
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    InvalidRequest,
    MalformedXML,
    NoSuchBucket,
    NoSuchUpload,
)
from cloudlet.services.s3.metadata import (
    canned_acl,
    encryption_of,
    object_headers,
    parse_tagging,
    storage_class,
)
from cloudlet.services.s3.naming import check_key
from cloudlet.services.s3.objects import parse_copy_source, source_context

MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_NUMBER = 10000
MAX_PARTS_PAGE = 1000


def _check_part_number(number: int) -> None:
    if not 1 <= number <= MAX_PART_NUMBER:
        raise InvalidArgument(
            "Part number must be an integer between 1 and 10000, inclusive", "partNumber", str(number)
        )


def _checksum_type(algorithm: str | None, requested: str | None) -> str | None:
    if algorithm is None:
        return None
    kind = requested or ("FULL_OBJECT" if algorithm in integrity.FULL_OBJECT_ONLY else "COMPOSITE")
    if (kind == "COMPOSITE" and algorithm in integrity.FULL_OBJECT_ONLY) or (
        kind == "FULL_OBJECT" and algorithm in integrity.COMPOSITE_ONLY
    ):
        raise InvalidRequest(
            f"The {kind} checksum type cannot be used with the {algorithm.lower()} checksum algorithm."
        )
    return kind


def _initiated_by_caller(ctx: RequestContext, upload: store.Upload | None) -> bool:
    """Whoever started an upload may list its parts and abort it, whatever else it may do."""
    return (
        upload is not None
        and ctx.operation in ("AbortMultipartUpload", "ListParts")
        and ctx.principal is not None
        and ctx.principal.account_id == upload.owner
    )


def multipart_etag(md5s: list[str]) -> str:
    digest = hashlib.md5(b"".join(bytes.fromhex(m) for m in md5s)).hexdigest()
    return f'"{digest}-{len(md5s)}"'


class MultipartOperations(S3Operations):
    def _upload(self, conn: Any, ctx: RequestContext, params: dict[str, Any]) -> store.Upload:
        bucket = store.find_bucket(conn, params["Bucket"])
        if bucket is None:
            raise NoSuchBucket(params["Bucket"])
        upload = store.find_upload(conn, params["UploadId"])
        if not self.allowed(conn, ctx, bucket) and not _initiated_by_caller(ctx, upload):
            raise AccessDenied()
        if upload is None or upload.bucket != params["Bucket"] or upload.key != params["Key"]:
            raise NoSuchUpload(params["UploadId"])
        return upload

    def create_multipart_upload(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        check_key(params["Key"])
        algorithm = params.get("ChecksumAlgorithm")
        algorithm = algorithm.upper() if algorithm else None
        upload = store.Upload(
            upload_id=secrets.token_urlsafe(48),
            bucket=params["Bucket"],
            key=params["Key"],
            initiated=self.now(),
            storage_class=storage_class(params.get("StorageClass")),
            headers=object_headers(params),
            checksum_algorithm=algorithm,
            checksum_type=_checksum_type(algorithm, params.get("ChecksumType")),
            tags=parse_tagging(params.get("Tagging")),
            acl=canned_acl(params.get("ACL")),
            owner=ctx.account_id,
        )
        with self.env.store.db() as conn:
            self.bucket(conn, ctx, params["Bucket"])
            access.refuse_public_acl(conn, upload.bucket, upload.acl)
            store.insert_upload(conn, upload)
        output = {"Bucket": upload.bucket, "Key": upload.key, "UploadId": upload.upload_id}
        if algorithm:
            output.update({"ChecksumAlgorithm": algorithm, "ChecksumType": upload.checksum_type})
        return output

    async def upload_part(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        try:
            _check_part_number(params["PartNumber"])
            with self.env.store.read() as conn:
                upload = self._upload(conn, ctx, params)
            expected = integrity.expected_body(params, ctx.request.headers, default=upload.checksum_algorithm)
            if expected.md5_b64 is not None:
                blobs.decode_md5(expected.md5_b64)
        except ServiceError as exc:
            await refuse_body(params["Body"], ctx.request.headers, exc)
            raise
        if upload.checksum_algorithm and expected.algorithm != upload.checksum_algorithm:
            raise InvalidRequest(
                f"Checksum Type mismatch occurred, expected checksum Type: "
                f"{upload.checksum_algorithm.lower()}, actual checksum Type: "
                f"{(expected.algorithm or 'null').lower()}"
            )
        written = await blobs.write(self.env.store, params["Body"].chunks(), expected)
        part = store.Part(
            params["PartNumber"],
            f'"{written.md5}"',
            written.size,
            self.now(),
            written.blob,
            written.checksum if upload.checksum_algorithm else None,
        )
        self._save_part(ctx, params, part)
        output = {"ETag": part.etag}
        if part.checksum and upload.checksum_algorithm:
            output[f"Checksum{upload.checksum_algorithm}"] = part.checksum
        return output

    def _save_part(self, ctx: RequestContext, params: dict[str, Any], part: store.Part) -> None:
        try:
            with self.env.store.db() as conn:
                self._upload(conn, ctx, params)
                replaced = store.put_part(conn, params["UploadId"], part)
        except BaseException:
            blobs.unlink(self.env.store, [part.blob])
            raise
        blobs.unlink(self.env.store, [replaced])

    async def upload_part_copy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        _check_part_number(params["PartNumber"])
        src_bucket, src_key, src_version = parse_copy_source(params["CopySource"])
        with self.env.store.read() as conn:
            upload = self._upload(conn, ctx, params)
            reading = source_context(ctx, src_bucket, src_key, src_version)
            source, _ = self.readable(conn, reading, src_bucket, src_key, src_version)
        conditions.check_read(params, source.etag, source.modified, prefix="CopySource")
        first, last = 0, source.size - 1
        if params.get("CopySourceRange"):
            span = conditions.copy_range(params["CopySourceRange"], source.size)
            if span is None:
                raise InvalidArgument(
                    "The x-amz-copy-source-range value must be of the form bytes=first-last where "
                    "first and last are the zero-based offsets of the first and last bytes to copy",
                    "x-amz-copy-source-range",
                    params["CopySourceRange"],
                )
            first, last = span
        written = await blobs.copy(self.env.store, [(source.blob, first, last)] if source.blob else [])
        checksum = None
        if upload.checksum_algorithm:
            checksum = await blobs.checksum_of(self.env.store, written.blob, upload.checksum_algorithm)
        part = store.Part(
            params["PartNumber"], f'"{written.md5}"', written.size, self.now(), written.blob, checksum
        )
        self._save_part(ctx, params, part)
        result: dict[str, Any] = {"ETag": part.etag, "LastModified": timestamp(part.modified)}
        if checksum and upload.checksum_algorithm:
            result[f"Checksum{upload.checksum_algorithm}"] = checksum
        return {"CopyPartResult": result, "CopySourceVersionId": src_version}

    async def complete_multipart_upload(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        requested = (params.get("MultipartUpload") or {}).get("Parts") or []
        if not requested:
            raise MalformedXML()
        with self.env.store.read() as conn:
            try:
                upload = self._upload(conn, ctx, params)
            except NoSuchUpload:
                done = self._completed(conn, params, requested)
                if done is None:
                    raise
                return done
            stored = {p.number: p for p in store.list_parts(conn, upload.upload_id)}
        parts = _chosen_parts(requested, stored)
        if params.get("MpuObjectSize") is not None and params["MpuObjectSize"] != sum(p.size for p in parts):
            raise InvalidRequest(
                "The provided 'x-amz-mp-object-size' header value does not match what was computed."
            )
        full = upload.checksum_algorithm if upload.checksum_type == "FULL_OBJECT" else None
        if upload.checksum_algorithm is None:
            full = integrity.DEFAULT_ALGORITHM
        blob, full_checksum = await blobs.concatenate(self.env.store, [p.blob for p in parts], full)
        obj = store.ObjectVersion(
            bucket=upload.bucket,
            key=upload.key,
            version_id="",
            size=sum(p.size for p in parts),
            etag=multipart_etag([p.etag.strip('"') for p in parts]),
            blob=blob,
            storage_class=upload.storage_class,
            headers=upload.headers,
            tags=upload.tags,
            acl=upload.acl,
            owner=upload.owner,
            parts=[{"Size": p.size, "Checksum": p.checksum} for p in parts],
            checksum=_object_checksum(upload, parts, full, full_checksum),
        )
        bucket = self.commit_object(
            ctx,
            obj,
            params,
            "ObjectCreated:CompleteMultipartUpload",
            finish=lambda conn: store.delete_upload(conn, upload.upload_id),
        )
        output = {
            "Bucket": upload.bucket,
            "Key": upload.key,
            "ETag": obj.etag,
            "Location": f"/{upload.bucket}/{upload.key}",
            "VersionId": self.shown_version(bucket, obj.version_id),
            "ServerSideEncryption": encryption_of(obj.headers),
        }
        if upload.checksum_algorithm and obj.checksum:
            output.update(integrity.checksum_output(obj.checksum))
        return output

    def _completed(
        self, conn: Any, params: dict[str, Any], requested: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        """A retried CompleteMultipartUpload: S3 answers it as it answered the first call while
        the object that upload made is still the key's current version."""
        obj = store.find_object(conn, params["Bucket"], params["Key"])
        etags = [str(p.get("ETag") or "").strip('"') for p in requested]
        if obj is None or obj.delete_marker:
            return None
        try:
            if obj.etag != multipart_etag(etags):
                return None
        except ValueError:  # not an ETag S3 made
            return None
        bucket = store.find_bucket(conn, params["Bucket"])
        return {
            "Bucket": obj.bucket,
            "Key": obj.key,
            "ETag": obj.etag,
            "Location": f"/{obj.bucket}/{obj.key}",
            "VersionId": self.shown_version(bucket, obj.version_id) if bucket else None,
        }

    def abort_multipart_upload(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            upload = self._upload(conn, ctx, params)
            orphans = store.delete_upload(conn, upload.upload_id)
        blobs.unlink(self.env.store, orphans)
        return {}

    def list_parts(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        marker, limit = (
            params.get("PartNumberMarker") or 0,
            min(params.get("MaxParts") or MAX_PARTS_PAGE, MAX_PARTS_PAGE),
        )
        with self.env.store.read() as conn:
            upload = self._upload(conn, ctx, params)
            parts = store.list_parts(conn, upload.upload_id, marker, limit + 1)
        output: dict[str, Any] = {
            "Bucket": upload.bucket,
            "Key": upload.key,
            "UploadId": upload.upload_id,
            "PartNumberMarker": marker,
            "MaxParts": limit,
            "IsTruncated": len(parts) > limit,
            "StorageClass": upload.storage_class,
            "Owner": owner_of(upload.owner),
            "Initiator": owner_of(upload.owner),
            "Parts": [_part_entry(upload, p) for p in parts[:limit]],
        }
        if upload.checksum_algorithm:
            output.update(
                {"ChecksumAlgorithm": upload.checksum_algorithm, "ChecksumType": upload.checksum_type}
            )
        if parts[:limit]:
            output["NextPartNumberMarker"] = parts[:limit][-1].number
        return output

    def list_multipart_uploads(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        limit = min(params.get("MaxUploads") or MAX_PARTS_PAGE, MAX_PARTS_PAGE)
        key_marker, upload_marker = params.get("KeyMarker") or "", params.get("UploadIdMarker") or ""
        if key_marker and not upload_marker:
            upload_marker = "\U0010ffff"  # a key marker alone skips every upload of that key
        with self.env.store.read() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            uploads = store.list_uploads(
                conn, bucket.name, params.get("Prefix") or "", key_marker, upload_marker, limit + 1
            )
        output: dict[str, Any] = {
            "Bucket": bucket.name,
            "KeyMarker": params.get("KeyMarker") or "",
            "UploadIdMarker": params.get("UploadIdMarker") or "",
            "MaxUploads": limit,
            "IsTruncated": len(uploads) > limit,
            "Prefix": params.get("Prefix") or "",
            "Uploads": [
                {
                    "UploadId": u.upload_id,
                    "Key": u.key,
                    "Initiated": timestamp(u.initiated),
                    "StorageClass": u.storage_class,
                    "Owner": owner_of(u.owner),
                    "Initiator": owner_of(u.owner),
                    **(
                        {"ChecksumAlgorithm": u.checksum_algorithm, "ChecksumType": u.checksum_type}
                        if u.checksum_algorithm
                        else {}
                    ),
                }
                for u in uploads[:limit]
            ],
        }
        if len(uploads) > limit:
            output["NextKeyMarker"] = uploads[limit - 1].key
            output["NextUploadIdMarker"] = uploads[limit - 1].upload_id
        return output


def _chosen_parts(requested: list[dict[str, Any]], stored: dict[int, store.Part]) -> list[store.Part]:
    """The parts a CompleteMultipartUpload names, checked against what was uploaded."""
    parts: list[store.Part] = []
    previous = 0
    for entry in requested:
        number = entry.get("PartNumber") or 0
        if number <= previous:
            raise InvalidPartOrder(UploadId=None)
        previous = number
        part = stored.get(number)
        if part is None or (entry.get("ETag") or "").strip('"') != part.etag.strip('"'):
            raise InvalidPart(PartNumber=str(number), ETag=entry.get("ETag"))
        parts.append(part)
    for part in parts[:-1]:
        if part.size < MIN_PART_SIZE:
            raise EntityTooSmall(
                ProposedSize=str(part.size),
                MinSizeAllowed=str(MIN_PART_SIZE),
                PartNumber=str(part.number),
                ETag=part.etag.strip('"'),
            )
    return parts


def _object_checksum(
    upload: store.Upload, parts: list[store.Part], full: str | None, full_checksum: str | None
) -> dict[str, str] | None:
    if full is not None and full_checksum is not None:
        return {"algorithm": full, "value": full_checksum, "type": "FULL_OBJECT"}
    algorithm = upload.checksum_algorithm
    if algorithm is None or any(p.checksum is None for p in parts):
        return None
    return {
        "algorithm": algorithm,
        "value": integrity.composite(algorithm, [p.checksum or "" for p in parts]),
        "type": "COMPOSITE",
    }


def _part_entry(upload: store.Upload, part: store.Part) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "PartNumber": part.number,
        "LastModified": timestamp(part.modified),
        "ETag": part.etag,
        "Size": part.size,
    }
    if part.checksum and upload.checksum_algorithm:
        entry[f"Checksum{upload.checksum_algorithm}"] = part.checksum
    return entry
