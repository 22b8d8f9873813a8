"""MemorySize is a limit: a function whose memory grows past it dies with Runtime.OutOfMemory."""

from __future__ import annotations

import base64
import json

HOG = """
import time
def handler(event, context):
    data = b"x" * (event["mb"] * 1024 * 1024)
    if event.get("hold"):
        time.sleep(event["hold"])
    return len(data) // (1024 * 1024)
"""


def report(reply) -> str:
    return next(
        line
        for line in base64.b64decode(reply["LogResult"]).decode().splitlines()
        if line.startswith("REPORT ")
    )


def test_growing_past_memory_size_kills_the_function(lam, create):
    create("hog", HOG, MemorySize=128, Timeout=30)
    reply = lam.invoke(FunctionName="hog", Payload=json.dumps({"mb": 200, "hold": 20}), LogType="Tail")
    assert reply["FunctionError"] == "Unhandled"
    error = json.loads(reply["Payload"].read())
    assert error["errorType"] == "Runtime.OutOfMemory"
    assert error["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    line = report(reply)
    assert "Max Memory Used: 128 MB" in line and line.endswith(
        "\tStatus: error\tError Type: Runtime.OutOfMemory"
    )
    after = lam.invoke(FunctionName="hog", Payload=json.dumps({"mb": 1}))
    assert "FunctionError" not in after and json.loads(after["Payload"].read()) == 1


def test_a_short_peak_past_memory_size_fails_too(lam, create):
    create("spiky", HOG, MemorySize=128)
    reply = lam.invoke(FunctionName="spiky", Payload=json.dumps({"mb": 200}))
    assert json.loads(reply["Payload"].read())["errorType"] == "Runtime.OutOfMemory"


def test_within_memory_size_runs(lam, create):
    create("roomy", HOG, MemorySize=512)
    reply = lam.invoke(FunctionName="roomy", Payload=json.dumps({"mb": 200}), LogType="Tail")
    assert json.loads(reply["Payload"].read()) == 200
    assert "Status: error" not in report(reply)
