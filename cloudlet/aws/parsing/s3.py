"""S3's quirks on top of rest-xml: virtual-hosted buckets and its own routing errors."""

from __future__ import annotations

import re

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import OperationModel
from cloudlet.aws.parsing.rest import RestXmlRequestParser
from cloudlet.edge.types import Request

# BUCKET.s3.localhost, BUCKET.s3.amazonaws.com, BUCKET.s3.us-east-1.amazonaws.com,
# BUCKET.s3-us-west-2.amazonaws.com, BUCKET.s3.dualstack.eu-west-1.amazonaws.com,
# BUCKET.s3.localhost.localstack.cloud. Not the website, access-point, control or outposts
# endpoints: those name something other than a bucket. A bare BUCKET.localhost is not
# taken either: `123456789012.localhost` is how s3control's account host prefix arrives.
_VIRTUAL_HOST = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9._-]*?)"
    r"\.s3(?:-(?!website|accesspoint|object-lambda|control|outposts)[a-z0-9-]+)?"
    r"(?:\.(?!website)[a-z0-9-]+)*?"
    r"\.(?:localhost(?:\.localstack\.cloud)?|amazonaws\.com(?:\.cn)?)$"
)


def s3_bucket_from_host(host: str) -> str | None:
    """The bucket a virtual-hosted-style S3 host names, or None for a path-style host."""
    name = host.lower().rsplit(":", 1)[0] if not host.startswith("[") else ""
    match = _VIRTUAL_HOST.match(name)
    return match.group("bucket") if match else None


class S3RequestParser(RestXmlRequestParser):
    def request_path(self, request: Request) -> str:
        """A virtual-hosted request rewritten path-style: `b.s3.localhost/k` -> `/b/k`."""
        bucket = s3_bucket_from_host(request.host)
        path = request.path or "/"
        if bucket is None:
            return path
        return f"/{bucket}" if path == "/" else f"/{bucket}{path}"

    def operation(self, request: Request) -> OperationModel:
        # S3 Control shares S3's signing name and its paths look like object keys
        # (/v20180820/accesspoint); every S3 Control call names its account in this header
        # and no S3 operation takes it.
        if "x-amz-account-id" in request.headers:
            raise self._unknown_operation(f"{request.method} {request.path}")
        return super().operation(request)

    def _no_route(self, request: Request, path: str) -> ServiceError:
        if self.router.allows_other_method(request.method, path):
            return ServiceError("The specified method is not allowed against this resource.",
                                code="MethodNotAllowed", status=405)
        return ServiceError("A header you provided implies functionality that is not implemented.",
                            code="NotImplemented", status=501)

    def _unknown_operation(self, name: str) -> ServiceError:
        return ServiceError("A header you provided implies functionality that is not implemented.",
                            code="NotImplemented", status=501)
