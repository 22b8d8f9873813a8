"""A function reaches cloudlet through the AWS API, not through cloudlet's own endpoints: it can
neither wipe every account nor move the clock, as nothing in AWS lets a function do either."""

from __future__ import annotations

import json
import uuid

TRIER = """
import json, os, urllib.request
def call(method, path, body=None):
    request = urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + path, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code
def handler(event, context):
    return {
        "reset": call("POST", "/_cloudlet/reset", b"{}"),
        "clock": call("POST", "/_cloudlet/clock", json.dumps({"advance": 3600}).encode()),
        "health": call("GET", "/_cloudlet/health"),
    }
"""


def test_functions_cannot_reset_or_move_the_clock(server, client, create, lam):
    s3 = client("s3")
    bucket = f"kept-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    before = server.get("/_cloudlet/clock")["now"]
    create("internal-trier", TRIER, Timeout=30)
    reply = lam.invoke(FunctionName="internal-trier", Payload=b"{}")
    answers = json.loads(reply["Payload"].read())
    assert "FunctionError" not in reply, answers
    assert answers == {"reset": 403, "clock": 403, "health": 200}
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]  # nothing was wiped
    assert server.get("/_cloudlet/clock")["now"] - before < 600  # time did not jump an hour
    assert server.advance_clock(0) >= before  # whoever runs cloudlet still may
