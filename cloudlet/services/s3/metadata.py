"""What an object carries besides its bytes: content headers, user metadata, tags, ACL.

Stored as one JSON dict per version, keyed by the model's member names, so it goes back out
into GetObject/HeadObject output unchanged.
"""

from __future__ import annotations

import email.errors
import email.header
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from cloudlet.services.s3.errors import (
    InvalidArgument,
    InvalidStorageClass,
    InvalidTag,
    MalformedXML,
    MetadataTooLarge,
)

# Members of PutObject/CopyObject/CreateMultipartUpload input stored and returned as they are.
CONTENT_MEMBERS = (
    "ContentType",
    "ContentEncoding",
    "ContentDisposition",
    "ContentLanguage",
    "CacheControl",
    "WebsiteRedirectLocation",
    "ServerSideEncryption",
    "SSEKMSKeyId",
    "BucketKeyEnabled",
)
DEFAULT_CONTENT_TYPE = "binary/octet-stream"
MAX_METADATA_BYTES = 2048
MAX_TAGS = 10
CANNED_ACLS = (
    "private",
    "public-read",
    "public-read-write",
    "authenticated-read",
    "aws-exec-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
)
STORAGE_CLASSES = (
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "OUTPOSTS",
    "GLACIER_IR",
    "SNOW",
    "EXPRESS_ONEZONE",
)
# Response-header overrides of GetObject (query parameters) -> the output member they replace.
OVERRIDES = {
    "ResponseCacheControl": "CacheControl",
    "ResponseContentDisposition": "ContentDisposition",
    "ResponseContentEncoding": "ContentEncoding",
    "ResponseContentLanguage": "ContentLanguage",
    "ResponseContentType": "ContentType",
    "ResponseExpires": "Expires",
}


def object_headers(params: dict[str, Any]) -> dict[str, Any]:
    """The stored headers of a new object, from the write request's input."""
    headers: dict[str, Any] = {}
    for member in CONTENT_MEMBERS:
        value = params.get(member)
        if value is not None:
            headers[member] = value
    encoding = _without_aws_chunked(headers.get("ContentEncoding"))
    if encoding:
        headers["ContentEncoding"] = encoding
    else:
        headers.pop("ContentEncoding", None)
    headers.setdefault("ContentType", DEFAULT_CONTENT_TYPE)
    expires = params.get("Expires")
    if isinstance(expires, datetime):
        headers["Expires"] = expires.timestamp()
    metadata = {k.lower(): _mail_decoded(v) for k, v in (params.get("Metadata") or {}).items()}
    if sum(len(k) + len(v) for k, v in metadata.items()) > MAX_METADATA_BYTES:
        raise MetadataTooLarge(
            Size=str(sum(len(k) + len(v) for k, v in metadata.items())),
            MaxSizeAllowed=str(MAX_METADATA_BYTES),
        )
    if metadata:
        headers["Metadata"] = metadata
    return headers


def _mail_decoded(value: str) -> str:
    """S3 stores user metadata sent RFC 2047-encoded (=?UTF-8?B?...?=) as the text it encodes
    (and encodes non-ASCII text that way again when it answers)."""
    if "=?" not in value:
        return value
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
        return value


def _without_aws_chunked(encoding: str | None) -> str | None:
    if not encoding:
        return None
    rest = [e.strip() for e in encoding.split(",") if e.strip() and e.strip().lower() != "aws-chunked"]
    return ",".join(rest) or None


def encryption_of(stored: dict[str, Any]) -> str:
    """x-amz-server-side-encryption of an object: S3 encrypts every object, SSE-S3 unless told."""
    return stored.get("ServerSideEncryption") or "AES256"


def output_headers(stored: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Output members for GetObject/HeadObject, with any response-* overrides applied."""
    out = {k: v for k, v in stored.items() if k != "Expires"}
    out["ServerSideEncryption"] = encryption_of(stored)
    if "Expires" in stored:
        out["Expires"] = datetime.fromtimestamp(stored["Expires"], UTC)
    for param, member in OVERRIDES.items():
        value = (params or {}).get(param)
        if value is not None:
            out[member] = value
    return out


def parse_tagging(header: str | None) -> dict[str, str] | None:
    """The `x-amz-tagging` header (URL-encoded `k=v&k2=v2`)."""
    if header is None:
        return None
    return check_tags(parse_qsl(header, keep_blank_values=True))


def parse_tagging_document(document: str | None) -> dict[str, str] | None:
    """A `<Tagging><TagSet><Tag>...` document, as a browser form's `tagging` field carries it."""
    if document is None:
        return None
    try:
        root = defused_fromstring(document)
    except (ParseError, DefusedXmlException):
        raise MalformedXML() from None
    pairs = [
        (tag.findtext("{*}Key") or "", tag.findtext("{*}Value") or "")
        for tag in root.iterfind("{*}TagSet/{*}Tag")
    ]
    return check_tags(pairs)


def check_tags(pairs: list[tuple[str, str]]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for key, value in pairs:
        if key in tags:
            raise InvalidTag("Cannot provide multiple Tags with the same key", TagKey=key)
        if not key or len(key) > 128:
            raise InvalidTag("The TagKey you have provided is invalid", TagKey=key)
        if len(value) > 256:
            raise InvalidTag("The TagValue you have provided is invalid", TagKey=key, TagValue=value)
        tags[key] = value
    if len(tags) > MAX_TAGS:
        raise InvalidTag("Object tags cannot be greater than 10")
    return tags


def tag_set(tags: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in (tags or {}).items()]


def tagging_header(tags: dict[str, str]) -> str:
    return urlencode(tags)


def canned_acl(value: str | None) -> str | None:
    if value is not None and value not in CANNED_ACLS:
        raise InvalidArgument("", "x-amz-acl", value)
    return value


def storage_class(value: str | None) -> str:
    if value is None:
        return "STANDARD"
    if value not in STORAGE_CLASSES:
        raise InvalidStorageClass(StorageClassRequested=value)
    return value
