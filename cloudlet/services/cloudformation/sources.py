"""Where a template comes from: TemplateBody, or TemplateURL naming an object in cloudlet's S3."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from cloudlet.aws.errors import ServiceError
from cloudlet.services.cloudformation.errors import ValidationError

if TYPE_CHECKING:
    from cloudlet.edge.types import RequestContext
    from cloudlet.services.environment import Environment

MAX_BODY = 51_200
MAX_URL_BODY = 1_000_000


def s3_location(url: str) -> tuple[str, str]:
    """(bucket, key) of an S3 URL, virtual-hosted or path style (also cloudlet's own endpoint)."""
    parts = urlsplit(url)
    host, path = parts.hostname or "", unquote(parts.path.lstrip("/"))
    if ".s3" in host and not host.startswith("s3"):
        bucket, key = host.split(".s3", 1)[0], path
    else:
        bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise ValidationError("TemplateURL must be a supported URL.")
    return bucket, key


async def read_object(env: Environment, ctx: RequestContext, bucket: str, key: str, limit: int) -> bytes:
    s3 = await env.registry.provider("s3")
    try:
        reply = s3.get_object(ctx, {"Bucket": bucket, "Key": key})
    except ServiceError as exc:
        raise ValidationError(f"S3 error: {exc.message}") from None
    body: Any = reply["Body"]
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if hasattr(body, "read"):
        try:
            return body.read(limit + 1)
        finally:
            body.close()
    return b"".join([chunk async for chunk in body])


async def template_body(
    env: Environment, ctx: RequestContext, params: dict[str, Any], previous: str | None = None
) -> str:
    if params.get("UsePreviousTemplate"):
        if params.get("TemplateBody") or params.get("TemplateURL"):
            raise ValidationError("Specify exactly one of TemplateBody, TemplateURL or UsePreviousTemplate.")
        if previous is None:
            raise ValidationError("UsePreviousTemplate can only be used when updating an existing stack.")
        return previous
    if params.get("TemplateBody") and params.get("TemplateURL"):
        raise ValidationError("Specify exactly one of TemplateBody or TemplateUrl.")
    if params.get("TemplateBody"):
        body = params["TemplateBody"]
        if len(body.encode()) > MAX_BODY:
            raise ValidationError(
                f"1 validation error detected: Value '{body[:20]}...' at 'templateBody' failed to"
                f" satisfy constraint: Member must have length less than or equal to {MAX_BODY}"
            )
        return body
    if params.get("TemplateURL"):
        bucket, key = s3_location(params["TemplateURL"])
        data = await read_object(env, ctx, bucket, key, MAX_URL_BODY)
        try:
            return data.decode()
        except UnicodeDecodeError:
            raise ValidationError("Template format error: unsupported structure.") from None
    raise ValidationError("Either Template URL or Template Body must be specified.")
