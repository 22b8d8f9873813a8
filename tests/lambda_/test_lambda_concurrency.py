"""Scale-out: concurrent invokes get their own execution environments, up to the function's
reserved concurrency; beyond it a synchronous invoke is throttled with AWS's 429."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from cloudlet.testing.clients import make_client

# The log stream names the execution environment, as on AWS.
SLOW = '''
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"environment": context.log_stream_name}
'''


@pytest.fixture(scope="module")
def parallel(endpoint):
    """A client with a pool big enough for several invokes at once, and no retries to hide a 429."""
    return make_client(endpoint, "lambda", config=Config(max_pool_connections=8, retries={"max_attempts": 1},
                                                         read_timeout=30))


def _invoke(client, name: str, sleep: float) -> dict:
    try:
        reply = client.invoke(FunctionName=name, Payload=json.dumps({"sleep": sleep}))
    except ClientError as exc:
        return {"error": exc.response["Error"]["Code"], "reason": exc.response.get("Reason")}
    return json.loads(reply["Payload"].read())


def _at_once(client, name: str, count: int, sleep: float) -> list[dict]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: _invoke(client, name, sleep), range(count)))


def test_concurrent_invokes_run_in_separate_environments_then_reuse_them(lam, create, parallel):
    create("scaled", SLOW, Timeout=10)
    _invoke(parallel, "scaled", 0)  # one warm environment to start from
    results = _at_once(parallel, "scaled", 3, 1.5)
    environments = {result["environment"] for result in results}
    assert len(environments) == 3, results  # each concurrent request had an environment of its own
    time.sleep(0.2)  # the server returns environments to the pool just after answering
    again = {result["environment"] for result in _at_once(parallel, "scaled", 3, 0.5)}
    assert again <= environments  # the warm environments served the next wave: no new cold starts


def test_reserved_concurrency_caps_the_environments(lam, create, parallel):
    create("capped", SLOW, Timeout=10)
    lam.put_function_concurrency(FunctionName="capped", ReservedConcurrentExecutions=1)
    _invoke(parallel, "capped", 0)
    results = _at_once(parallel, "capped", 3, 1.5)
    served = [r for r in results if "environment" in r]
    throttled = [r for r in results if "error" in r]
    assert len(served) >= 1 and throttled, results
    assert all(r == {"error": "TooManyRequestsException",
                     "reason": "ReservedFunctionConcurrentInvocationLimitExceeded"} for r in throttled)
    assert len({r["environment"] for r in served}) == 1
