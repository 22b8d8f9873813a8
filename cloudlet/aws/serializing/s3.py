"""S3's departures from plain rest-xml: its request-id headers, root element names, bare
`<Error>` documents and GetBucketLocation's text-only root."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import OperationModel, Shape
from cloudlet.aws.serializing.base import Plan, buffered
from cloudlet.aws.serializing.bindings import Bindings
from cloudlet.aws.serializing.rest import RestXmlSerializer
from cloudlet.aws.serializing.values import xml_escape
from cloudlet.aws.serializing.xmlbody import XML_DECLARATION
from cloudlet.aws.serializing.xmlerrors import error_fields
from cloudlet.edge.types import Response

NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"

# The root element S3 answers with, where the model's output shape has no payload member.
# SDKs that parse with SAX-style handlers (the v1 Java SDK) match on these names.
ROOT_NAMES = {
    "CompleteMultipartUpload": "CompleteMultipartUploadResult",
    "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "CreateSession": "CreateSessionResult",
    "DeleteObjects": "DeleteResult",
    "GetBucketAccelerateConfiguration": "AccelerateConfiguration",
    "GetBucketAcl": "AccessControlPolicy",
    "GetBucketCors": "CORSConfiguration",
    "GetBucketLifecycle": "LifecycleConfiguration",
    "GetBucketLifecycleConfiguration": "LifecycleConfiguration",
    "GetBucketLogging": "BucketLoggingStatus",
    "GetBucketNotification": "NotificationConfiguration",
    "GetBucketNotificationConfiguration": "NotificationConfiguration",
    "GetBucketRequestPayment": "RequestPaymentConfiguration",
    "GetBucketTagging": "Tagging",
    "GetBucketVersioning": "VersioningConfiguration",
    "GetBucketWebsite": "WebsiteConfiguration",
    "GetObjectAcl": "AccessControlPolicy",
    "GetObjectAttributes": "GetObjectAttributesResponse",
    "GetObjectTagging": "Tagging",
    "ListBucketAnalyticsConfigurations": "ListBucketAnalyticsConfigurationResult",
    "ListBucketIntelligentTieringConfigurations": "ListBucketIntelligentTieringConfigurationsOutput",
    "ListBucketInventoryConfigurations": "ListInventoryConfigurationsResult",
    "ListBucketMetricsConfigurations": "ListMetricsConfigurationsResult",
    "ListBuckets": "ListAllMyBucketsResult",
    "ListDirectoryBuckets": "ListAllMyDirectoryBucketsResult",
    "ListMultipartUploads": "ListMultipartUploadsResult",
    "ListObjectVersions": "ListVersionsResult",
    "ListObjects": "ListBucketResult",
    "ListObjectsV2": "ListBucketResult",
    "ListParts": "ListPartsResult",
}


def _partial_content(plan: Plan) -> Plan:
    """GetObject answers a range with 206, a status its output shape has no member for."""

    def answer(output: dict[str, Any], request_id: str) -> Response:
        response = plan(output, request_id)
        if output.get("ContentRange") and response.status == 200:
            response.status = 206
        return response
    return answer


def host_id(request_id: str) -> str:
    """S3's x-amz-id-2: an opaque token; derived from the request id so it needs no state."""
    return base64.b64encode(hashlib.sha256(request_id.encode()).digest()).decode("ascii")


class S3Serializer(RestXmlSerializer):
    content_type = "application/xml"
    default_namespace = NAMESPACE

    def request_id_headers(self, request_id: str) -> list[tuple[str, str]]:
        return [("x-amz-request-id", request_id), ("x-amz-id-2", host_id(request_id))]

    def root_name(self, operation: OperationModel, shape: Shape) -> str:
        return ROOT_NAMES.get(operation.name) or super().root_name(operation, shape)

    def compile(self, operation: OperationModel) -> Plan:
        if operation.name == "GetBucketLocation":
            return self._bucket_location
        plan = super().compile(operation)
        if operation.name == "GetObject":
            return _partial_content(plan)
        return plan

    def _bucket_location(self, output: dict[str, Any], request_id: str) -> Response:
        # The region is the root's text (empty for us-east-1), not a child element.
        region = output.get("LocationConstraint") or ""
        body = f'{XML_DECLARATION}<LocationConstraint xmlns="{NAMESPACE}">{xml_escape(region)}</LocationConstraint>'
        headers = [*self.request_id_headers(request_id), ("Content-Type", self.content_type)]
        return buffered(200, headers, body.encode("utf-8"))

    def error_headers(self, error: ServiceError, shape: Shape | None) -> list[tuple[str, str]]:
        return []

    def error_body(self, error: ServiceError, shape: Shape | None, bindings: Bindings, fields: dict[str, Any],
                   request_id: str) -> bytes:
        # No namespace: clients recognise S3's error document by its bare root tag <Error>.
        parts = [
            f"{XML_DECLARATION}<Error><Code>{xml_escape(self.wire_code(error, shape))}</Code>"
            f"<Message>{xml_escape(error.message or '')}</Message>"
        ]
        error_fields(parts, self.writers, error, shape)
        parts.append(f"<RequestId>{xml_escape(request_id)}</RequestId><HostId>{host_id(request_id)}</HostId></Error>")
        return "".join(parts).encode("utf-8")
