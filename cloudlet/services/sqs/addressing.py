"""Queue URLs, ARNs and receipt handles: how callers name queues and messages.

A queue URL is `http://<host the caller used>/<account>/<name>`, as AWS forms its path-style
URLs; any host is accepted back, only the path names the queue. A receipt handle names one
receive of one message: the queue, the message row and that receive's random token, in an
opaque base64 string.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from urllib.parse import urlsplit

from cloudlet.edge.types import RequestContext
from cloudlet.services.sqs.errors import QueueDoesNotExist, ReceiptHandleIsInvalid

_ACCOUNT = re.compile(r"^\d{12}$")
_HANDLE = re.compile(r"^(\d+):(\d+):([0-9a-f]{32})$")


def queue_url(ctx: RequestContext, account_id: str, name: str) -> str:
    request = ctx.request
    host = request.host or "localhost:4566"
    return f"{request.scheme or 'http'}://{host}/{account_id}/{name}"


def queue_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:sqs:{region}:{account_id}:{name}"


def parse_queue_url(ctx: RequestContext, url: str) -> tuple[str, str]:
    """(account id, queue name) named by a queue URL (or a bare queue name)."""
    if "/" not in url:
        return ctx.account_id, url
    parts = urlsplit(url).path.strip("/").split("/")
    if len(parts) >= 2 and _ACCOUNT.match(parts[-2]):
        return parts[-2], parts[-1]
    raise QueueDoesNotExist()


def parse_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account id, name) of an SQS queue ARN, or None."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs":
        return None
    return parts[3], parts[4], parts[5]


def new_token() -> str:
    return secrets.token_hex(16)


def receipt_handle(queue_id: int, row_id: int, token: str) -> str:
    raw = f"{queue_id}:{row_id}:{token}".encode()
    # Padded to the length clients are used to (AWS's are ~180 characters). The padding comes
    # from the token, so one receive always has one handle: a FIFO receive repeated with its
    # ReceiveRequestAttemptId answers the same handles.
    return base64.b64encode(raw + b"\x00" + hashlib.shake_256(raw).digest(96)).decode()


def parse_receipt_handle(handle: str) -> tuple[int, int, str]:
    """(queue id, message row id, token); ReceiptHandleIsInvalid when it is not one of ours."""
    try:
        raw = base64.b64decode(handle.encode(), validate=True).split(b"\x00", 1)[0].decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    match = _HANDLE.match(raw)
    if match is None:
        raise ReceiptHandleIsInvalid(f'The input receipt handle "{handle}" is not a valid receipt handle.')
    return int(match.group(1)), int(match.group(2)), match.group(3)
