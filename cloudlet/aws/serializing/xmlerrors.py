"""The XML error document shared by the query protocol and the rest-xml services but S3."""

from __future__ import annotations

from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import Shape
from cloudlet.aws.serializing.base import fault
from cloudlet.aws.serializing.values import xml_escape
from cloudlet.aws.serializing.xmlbody import XML_DECLARATION, XmlWriters


def error_fields(parts: list[str], writers: XmlWriters, error: ServiceError, shape: Shape | None) -> None:
    """Modelled fields as their shape writes them; others (S3's BucketName) as plain text."""
    if not error.fields:
        return
    members = shape.members if shape is not None else {}
    if shape is not None:
        writers.structure(shape).children(parts, error.fields)
    for key, value in error.fields.items():
        if value is not None and key not in members:
            parts.append(f"<{key}>{xml_escape(_text(value))}</{key}>")


def error_document(namespace: str, writers: XmlWriters, code: str, error: ServiceError, shape: Shape | None,
                   request_id: str) -> bytes:
    """`<ErrorResponse><Error><Type/><Code/><Message/>fields</Error><RequestId/></ErrorResponse>`."""
    parts = [
        f"{XML_DECLARATION}<ErrorResponse{namespace}><Error><Type>{fault(error)}</Type>"
        f"<Code>{xml_escape(code)}</Code>"
        f"<Message>{xml_escape(error.message or '')}</Message>"
    ]
    error_fields(parts, writers, error, shape)
    parts.append(f"</Error><RequestId>{xml_escape(request_id)}</RequestId></ErrorResponse>")
    return "".join(parts).encode("utf-8")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
