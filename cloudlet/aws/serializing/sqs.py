"""SQS: a JSON model that still answers the query protocol, and error codes from that era.

botocore's SQS model became JSON in 2023 and dropped two things older clients depend on:
the query-era error codes (`AWS.SimpleQueueService.NonExistentQueue`, which SQS still sends
in `x-amzn-query-error` and code matches on `Error.Code`) and the XML element names of the
query answers (`<Message>`, `<Attribute><Name/><Value/></Attribute>`). Both are restored
here from SQS's API reference, as data.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from cloudlet.aws.model import OperationModel, ServiceModel
from cloudlet.aws.serializing.base import Plan
from cloudlet.aws.serializing.jsonrpc import JsonSerializer
from cloudlet.aws.serializing.query import QuerySerializer

NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/"

# Error shape name -> the code SQS answers with (query <Code>, x-amzn-query-error).
QUERY_ERROR_CODES = {
    "BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
    "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
    "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
    "MessageNotInflight": "AWS.SimpleQueueService.MessageNotInflight",
    "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
    "QueueDeletedRecently": "AWS.SimpleQueueService.QueueDeletedRecently",
    "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
    "QueueNameExists": "QueueAlreadyExists",
    "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    "UnsupportedOperation": "AWS.SimpleQueueService.UnsupportedOperation",
    "KmsAccessDenied": "KMS.AccessDeniedException",
    "KmsDisabled": "KMS.DisabledException",
    "KmsInvalidKeyUsage": "KMS.InvalidKeyUsageException",
    "KmsInvalidState": "KMS.InvalidStateException",
    "KmsNotFound": "KMS.NotFoundException",
    "KmsOptInRequired": "KMS.OptInRequired",
    "KmsThrottled": "KMS.ThrottlingException",
}

# List shape -> the element name of its items in query answers.
QUERY_LIST_ITEMS = {
    "BatchResultErrorEntryList": "BatchResultErrorEntry",
    "BinaryList": "BinaryListValue",
    "ChangeMessageVisibilityBatchResultEntryList": "ChangeMessageVisibilityBatchResultEntry",
    "DeleteMessageBatchResultEntryList": "DeleteMessageBatchResultEntry",
    "ListMessageMoveTasksResultEntryList": "ListMessageMoveTasksResultEntry",
    "MessageList": "Message",
    "QueueUrlList": "QueueUrl",
    "SendMessageBatchResultEntryList": "SendMessageBatchResultEntry",
    "StringList": "StringListValue",
}

# Map shape -> (entry element, key element, value element) in query answers.
QUERY_MAP_ENTRIES = {
    "MessageBodyAttributeMap": ("MessageAttribute", "Name", "Value"),
    "MessageSystemAttributeMap": ("Attribute", "Name", "Value"),
    "QueueAttributeMap": ("Attribute", "Name", "Value"),
    "TagMap": ("Tag", "Key", "Value"),
}


def with_query_names(raw: dict[str, Any]) -> dict[str, Any]:
    """A copy of the raw SQS model with the query answers' element names and error codes."""
    patched = copy.deepcopy(raw)
    shapes = patched["shapes"]
    for name, item in QUERY_LIST_ITEMS.items():
        if name in shapes:
            shapes[name]["member"]["locationName"] = item
    for name, (_entry, key, value) in QUERY_MAP_ENTRIES.items():
        if name in shapes:
            shapes[name]["key"]["locationName"] = key
            shapes[name]["value"]["locationName"] = value
    for shape in shapes.values():
        for ref in shape.get("members", {}).values():
            entries = QUERY_MAP_ENTRIES.get(ref["shape"])
            if entries is not None:
                ref.setdefault("locationName", entries[0])
    for name, code in QUERY_ERROR_CODES.items():
        if name in shapes:
            shapes[name].setdefault("error", {})["code"] = code
    return patched


@cache
def query_model(service: ServiceModel) -> ServiceModel:
    return ServiceModel(service.name, with_query_names(service.raw))


class SqsJsonSerializer(JsonSerializer):
    query_error_codes = QUERY_ERROR_CODES


class SqsQuerySerializer(QuerySerializer):
    default_namespace = NAMESPACE
    query_error_codes = QUERY_ERROR_CODES

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(query_model(service))

    def compile(self, operation: OperationModel) -> Plan:
        # The caller's operation comes from the plain JSON model; answer from the renamed one.
        return super().compile(self.service.operation(operation.name))
