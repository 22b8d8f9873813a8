"""SQS over the query protocol, as clients written against its old query model send it.

SQS moved to JSON and its model lost the query names: botocore's query serializer now
writes `Attributes.1.key`, while older SDKs send `Attribute.1.Name`, `AttributeName.1`,
`MessageAttribute.1.Value.StringValue` or `SendMessageBatchRequestEntry.1.Id`. Both read
the same.
"""

from __future__ import annotations

import re
from typing import Any

from cloudlet.aws.model import OperationModel, Shape
from cloudlet.aws.parsing.query import QueryRequestParser
from cloudlet.edge.types import Request

_QUEUE_PATH = re.compile(r"^/\d{12}/[\w-]{1,80}(\.fifo)?$")

# Member name -> the name the query-era model gave it on the wire.
_LEGACY_NAMES = {
    "Attributes": "Attribute",
    "AttributeNames": "AttributeName",
    "MessageAttributes": "MessageAttribute",
    "MessageAttributeNames": "MessageAttributeName",
    "MessageSystemAttributes": "MessageSystemAttribute",
    "MessageSystemAttributeNames": "MessageSystemAttributeName",
    "AWSAccountIds": "AWSAccountId",
    "Actions": "ActionName",
    "Tags": "Tag",
    "tags": "Tag",
    "TagKeys": "TagKey",
    "StringListValues": "StringListValue",
    "BinaryListValues": "BinaryListValue",
}


class SqsQueryRequestParser(QueryRequestParser):
    def parse(self, request: Request, operation: OperationModel) -> dict[str, Any]:
        params = super().parse(request, operation)
        # Older SDKs post to the queue's own URL and leave QueueUrl out of the form.
        shape = operation.input_shape
        if shape is not None and "QueueUrl" in shape.members and "QueueUrl" not in params \
                and _QUEUE_PATH.match(request.path):
            params["QueueUrl"] = f"{request.scheme}://{request.host}{request.path}"
        return params

    def wire_names(self, name: str, member: Shape) -> tuple[str, ...]:
        names = super().wire_names(name, member)
        legacy = _LEGACY_NAMES.get(name)
        if legacy is None and name == "Entries" and member.type_name == "list":
            legacy = member.member.name  # batch entries were named for their shape
        return names if legacy is None else (*names, legacy)

    def entry_names(self, shape: Shape) -> tuple[tuple[str, ...], tuple[str, ...]]:
        keys, values = super().entry_names(shape)
        return (*keys, "Name", "Key"), (*values, "Value")
