"""What a function can see: its code, its layers, the AWS runtime's boto3; not cloudlet's own
packages, nor the server's environment."""

from __future__ import annotations

import json

PROBE = """
import importlib.util, os
import six  # the function's own copy (boto3, which needs the real one, is not imported here)
def handler(event, context):
    return {
        "hidden": [m for m in ("cloudlet", "httpx", "uvicorn", "cryptography") if importlib.util.find_spec(m)],
        "runtime": [m for m in ("boto3", "botocore", "awslambdaric") if importlib.util.find_spec(m)],
        "six": getattr(six, "WHO", "runtime"),
        "exit": callable(exit),
        "server_variables": sorted(k for k in os.environ if k.startswith(("CLOUDLET", "PYTEST"))),
        "tmp": os.environ["TMPDIR"],
    }
"""


def test_function_sees_only_its_code_and_the_runtime(lam, create):
    create("probe", {"app.py": PROBE, "six.py": "WHO = 'function'"})
    result = json.loads(lam.invoke(FunctionName="probe")["Payload"].read())
    assert result["hidden"] == [], "server packages must not be importable in a function"
    assert result["runtime"] == ["boto3", "botocore", "awslambdaric"] and result["exit"] is True
    assert result["six"] == "function", "the function's own copy of a runtime package wins"
    assert result["server_variables"] == []
    assert "probe-" in result["tmp"]
