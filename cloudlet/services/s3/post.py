"""Browser POST uploads (presigned POST): a form with a signed policy document and a file.

Traffic of its own, not an AWS API call: the form carries the credentials, so this route
checks the policy's signature, expiry and conditions itself, then stores the file as
PutObject would.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from cloudlet.aws.auth import canonical
from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import load_service
from cloudlet.aws.serializing import create_serializer
from cloudlet.aws.serializing.values import xml_escape
from cloudlet.edge.types import Headers, Principal, Request, RequestContext, Response
from cloudlet.services.environment import Environment
from cloudlet.services.s3 import blobs, store
from cloudlet.services.s3.errors import (
    AccessDenied,
    EntityTooLarge,
    EntityTooSmall,
    InvalidArgument,
    InvalidPolicyDocument,
)
from cloudlet.services.s3.forms import FormReader, boundary_of
from cloudlet.services.s3.metadata import (
    DEFAULT_CONTENT_TYPE,
    canned_acl,
    parse_tagging_document,
    storage_class,
)

# Form fields no policy condition needs to name.
_EXEMPT = frozenset(
    {"policy", "x-amz-signature", "file", "awsaccesskeyid", "signature", "x-amz-security-token"}
)
_CONTENT_FIELDS = {
    "content-type": "ContentType",
    "cache-control": "CacheControl",
    "content-disposition": "ContentDisposition",
    "content-encoding": "ContentEncoding",
    "expires": "Expires",
}


def _policy_failed(condition: str) -> AccessDenied:
    return AccessDenied(f"Invalid according to Policy: Policy Condition failed: {condition}")


class PostPolicy:
    """A decoded policy document: its expiry and the conditions the form must meet."""

    def __init__(self, encoded: str) -> None:
        try:
            self.document = json.loads(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            raise InvalidArgument("Invalid Policy: Invalid JSON.", "policy", encoded[:100]) from None
        if not isinstance(self.document, dict):
            raise InvalidPolicyDocument("Invalid Policy: Invalid JSON.")
        # the document's own keys are case-sensitive: "CONDITIONS" is not "conditions"
        self.conditions = self.document.get("conditions")
        if not isinstance(self.conditions, list):
            raise InvalidPolicyDocument("Invalid Policy: Policy missing conditions.")

    def check(self, fields: dict[str, str], bucket: str, now: float) -> tuple[int, int] | None:
        if _expiry(self.document.get("expiration")) < now:
            raise AccessDenied("Invalid according to Policy: Policy expired.")
        values = {**fields, "bucket": bucket}
        named, size_range = {"bucket"}, None
        for condition in self.conditions:
            if isinstance(condition, dict):
                if len(condition) != 1:
                    raise InvalidPolicyDocument(
                        "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly "
                        "one property specified."
                    )
                for name, expected in condition.items():
                    named.add(name.lower())
                    if values.get(name.lower()) != expected:
                        raise _policy_failed(f'["eq", "${name}", "{expected}"]')
            elif isinstance(condition, list) and condition and condition[0] == "content-length-range":
                size_range = _length_range(condition)
            elif isinstance(condition, list) and len(condition) == 3:
                op, field, expected = condition
                name = str(field).lstrip("$").lower()
                named.add(name)
                value = values.get(name, "")
                if (str(op).lower() == "eq" and value != expected) or (
                    str(op).lower() == "starts-with" and not value.startswith(expected)
                ):
                    raise _policy_failed(json.dumps(condition))
            else:
                raise InvalidPolicyDocument(f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")
        for name in fields:
            if name not in named and name not in _EXEMPT and not name.startswith("x-ignore-"):
                raise AccessDenied(f"Invalid according to Policy: Extra input fields: {name}")
        return size_range


def _expiry(expiration: Any) -> float:
    if expiration is None:
        raise InvalidArgument("Invalid Policy: Policy missing expiration.", "policy", "")
    try:
        # AWS takes ISO 8601 in UTC ("2026-01-01T12:00:00.000Z"), nothing looser
        if not isinstance(expiration, str) or not expiration.endswith("Z") or "T" not in expiration:
            raise ValueError(expiration)
        return datetime.fromisoformat(expiration[:-1] + "+00:00").timestamp()
    except ValueError:
        raise InvalidPolicyDocument(f"Invalid Policy: Invalid 'expiration' value: '{expiration}'") from None


def _length_range(condition: list[Any]) -> tuple[int, int]:
    bounds = condition[1:]
    if len(bounds) != 2 or not all(
        isinstance(b, int) or (isinstance(b, str) and b.isdigit()) for b in bounds
    ):
        raise InvalidPolicyDocument(
            f"Invalid Policy: Invalid content-length-range condition: {json.dumps(condition)}"
        )
    return int(bounds[0]), int(bounds[1])


class PostObjectUpload:
    def __init__(self, env: Environment) -> None:
        self.env = env

    async def handle(self, request: Request, bucket: str) -> Response:
        ctx = RequestContext(request, service="s3", operation="PostObject", region=self.env.config.region)
        try:
            response = await self._upload(ctx, bucket)
        except ServiceError as exc:
            if "connection" not in exc.headers:
                exc.headers["Connection"] = "close"  # the rest of the form may be unread
            serializer = create_serializer(load_service("s3"), "rest-xml")
            response = serializer.serialize_error(None, exc, ctx.request_id)
        if "origin" in request.headers:
            # a browser's form upload: the bucket's CORS rules decide whether the page may read
            # the answer (this route comes before the CORS route, so it applies them itself)
            from cloudlet.services.s3 import cors_rules

            cors_rules.decorate(self.env, request, bucket, response)
        return response

    async def _upload(self, ctx: RequestContext, bucket_name: str) -> Response:
        request = ctx.request
        reader = FormReader(request.body.chunks(), boundary_of(request.headers.get("content-type") or ""))
        fields = await reader.fields()
        if "key" not in fields:
            raise InvalidArgument(
                "Bucket POST must contain a field named 'key'.  If it is specified, please check "
                "the order of the fields.",
                "key",
                "",
            )
        fields["key"] = fields["key"].replace("${filename}", reader.filename)
        size_range = self._authenticate(ctx, fields, bucket_name)
        key = fields["key"]
        tags = parse_tagging_document(fields.get("tagging"))  # refused before the file is stored
        ctx.params = {"Bucket": bucket_name, "Key": key}
        provider = await self.env.registry.provider("s3")
        with self.env.store.read() as conn:
            provider.bucket(conn, ctx, bucket_name)  # type: ignore[attr-defined]
        written = await blobs.write(self.env.store, reader.file(), blobs.Expected(algorithm="CRC64NVME"))
        if size_range is not None and not size_range[0] <= written.size <= size_range[1]:
            blobs.unlink(self.env.store, [written.blob])
            too_big = written.size > size_range[1]
            error = EntityTooLarge() if too_big else EntityTooSmall()
            error.fields = {
                "ProposedSize": str(written.size),
                "MaxSizeAllowed" if too_big else "MinSizeAllowed": str(size_range[1 if too_big else 0]),
            }
            raise error
        obj = self._object(ctx, fields, reader, bucket_name, key, written)
        obj.tags = tags
        bucket = provider.commit_object(ctx, obj, {}, "ObjectCreated:Post")  # type: ignore[attr-defined]
        return self._answer(fields, bucket, obj, ctx.request_id)

    def _authenticate(
        self, ctx: RequestContext, fields: dict[str, str], bucket: str
    ) -> tuple[int, int] | None:
        if "policy" not in fields:
            return None  # anonymous: the bucket's policy or ACL must allow it
        policy = PostPolicy(fields["policy"])
        # Signature Version 4 names its key in x-amz-credential; version 2 (what boto3's
        # generate_presigned_post still makes where S3 is not told to use s3v4) in AWSAccessKeyId.
        v2 = "x-amz-credential" not in fields and "awsaccesskeyid" in fields
        credential_field = fields.get("x-amz-credential", "")
        access_key, _, scope = credential_field.partition("/")
        if v2:
            access_key = fields["awsaccesskeyid"]
        date, region, service = [*scope.split("/"), "", "", ""][:3]
        credential = self.env.credentials.lookup(access_key)
        if credential is None:
            raise ServiceError(
                "The AWS Access Key Id you provided does not exist in our records.",
                code="InvalidAccessKeyId",
                status=403,
            )
        signature_field = "signature" if v2 else "x-amz-signature"
        if signature_field not in fields:
            raise InvalidArgument(
                f"Bucket POST must contain a field named '{signature_field}'.  If it is specified, please "
                "check the order of the fields.",
                signature_field,
                "",
            )
        if v2:
            digest = hmac.new(
                credential.secret_key.encode(), fields["policy"].encode(), hashlib.sha1
            ).digest()
            expected, given = base64.b64encode(digest).decode(), fields.get("signature", "")
        else:
            expected = canonical.sign(
                canonical.signing_key(credential.secret_key, date, region, service or "s3"), fields["policy"]
            )
            given = fields.get("x-amz-signature", "").lower()
        if not hmac.compare_digest(expected, given):
            raise ServiceError(
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method.",
                code="SignatureDoesNotMatch",
                status=403,
            )
        ctx.principal = Principal(
            credential.access_key,
            credential.account_id,
            credential.arn,
            credential.user_id,
            credential.session_token,
        )
        return policy.check(fields, bucket, self.env.clock.now())

    @staticmethod
    def _object(
        ctx: RequestContext,
        fields: dict[str, str],
        reader: FormReader,
        bucket: str,
        key: str,
        written: blobs.Written,
    ) -> store.ObjectVersion:
        headers: dict[str, Any] = {
            member: fields[name]
            for name, member in _CONTENT_FIELDS.items()
            if name in fields and name != "expires"
        }
        headers.setdefault("ContentType", reader.file_content_type or DEFAULT_CONTENT_TYPE)
        metadata = {
            name[len("x-amz-meta-") :]: value
            for name, value in fields.items()
            if name.startswith("x-amz-meta-")
        }
        if metadata:
            headers["Metadata"] = metadata
        return store.ObjectVersion(
            bucket=bucket,
            key=key,
            version_id="",
            size=written.size,
            etag=f'"{written.md5}"',
            blob=written.blob,
            headers=headers,
            storage_class=storage_class(fields.get("x-amz-storage-class")),
            acl=canned_acl(fields.get("acl")),
            owner=ctx.account_id,
            checksum={"algorithm": "CRC64NVME", "value": written.checksum or "", "type": "FULL_OBJECT"},
        )

    @staticmethod
    def _answer(
        fields: dict[str, str], bucket: store.Bucket, obj: store.ObjectVersion, request_id: str
    ) -> Response:
        location = f"/{bucket.name}/{quote(obj.key)}"
        headers = Headers([("ETag", obj.etag), ("Location", location), ("x-amz-request-id", request_id)])
        if bucket.versioning is not None:
            headers["x-amz-version-id"] = obj.version_id
        redirect = fields.get("success_action_redirect") or fields.get("redirect")
        if redirect:
            query = urlencode({"bucket": bucket.name, "key": obj.key, "etag": obj.etag})
            headers["Location"] = f"{redirect}{'&' if '?' in redirect else '?'}{query}"
            return Response(303, headers, b"")
        status = fields.get("success_action_status", "204")
        if status == "201":
            body = (
                f'<?xml version="1.0" encoding="UTF-8"?><PostResponse><Location>{xml_escape(location)}</Location>'
                f"<Bucket>{xml_escape(bucket.name)}</Bucket><Key>{xml_escape(obj.key)}</Key>"
                f"<ETag>{xml_escape(obj.etag)}</ETag></PostResponse>"
            ).encode()
            headers["Content-Type"] = "application/xml"
            return Response(201, headers, body)
        return Response(200 if status == "200" else 204, headers, b"")
