"""DynamoDB stream event source mappings: positions, retries, bisection, record age, destinations, restarts."""

from __future__ import annotations

import itertools
import json
import time

import pytest
from botocore.exceptions import ClientError

from cloudlet.testing.clients import make_client
from cloudlet.testing.packages import zip_files as make_zip
from cloudlet.testing.server import start_server

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
# Reports each batch to the sink queue; fails a batch holding a key that starts with "bad".
REPORTER = '''
import json, os
import boto3
sqs = boto3.client("sqs")
def handler(event, context):
    records = event["Records"]
    sqs.send_message(QueueUrl=os.environ["SINK"], MessageBody=json.dumps({
        "keys": [r["dynamodb"]["Keys"]["pk"]["S"] for r in records],
        "names": [r["eventName"] for r in records],
        "first": records[0]}))
    bad = [r for r in records if r["dynamodb"]["Keys"]["pk"]["S"].startswith("bad")]
    if bad and os.environ.get("PARTIAL"):
        return {"batchItemFailures": [{"itemIdentifier": bad[0]["dynamodb"]["SequenceNumber"]}]}
    if bad:
        raise ValueError("bad record")
    return {}
'''


@pytest.fixture(scope="module")
def ddb(client):
    return client("dynamodb")


def queue(sqs, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def table(ddb, name: str) -> str:
    reply = ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             BillingMode="PAY_PER_REQUEST",
                             StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    return reply["TableDescription"]["LatestStreamArn"]


def reporter(lam, name: str, sink: str, **variables: str) -> str:
    lam.create_function(FunctionName=name, Role=ROLE, Runtime="python3.11", Handler="app.handler", Timeout=10,
                        Code={"ZipFile": make_zip({"app.py": REPORTER})},
                        Environment={"Variables": {"SINK": sink, **variables}})
    return name


def put(ddb, name: str, *keys: str) -> None:
    for key in keys:
        ddb.put_item(TableName=name, Item={"pk": {"S": key}, "data": {"B": b"\x00\x01"}})


def test_trim_horizon_batches_in_order_with_the_lambda_event_shape(lam, ddb, sqs, drain):
    sink, _ = queue(sqs, "s1")
    stream = table(ddb, "tbl1")
    put(ddb, "tbl1", "a", "b", "c")
    fn = reporter(lam, "r1", sink)
    created = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON",
                                              BatchSize=2)
    assert created["StartingPosition"] == "TRIM_HORIZON" and created["MaximumRetryAttempts"] == -1
    assert created["LastProcessingResult"] == "No records processed"
    batches = drain(sqs, sink, 2)
    assert [b["keys"] for b in batches] == [["a", "b"], ["c"]]
    first = batches[0]["first"]
    assert first["eventSource"] == "aws:dynamodb" and first["eventSourceARN"] == stream
    assert first["eventName"] == "INSERT" and isinstance(first["dynamodb"]["ApproximateCreationDateTime"], float)
    assert first["dynamodb"]["NewImage"]["data"] == {"B": "AAE="}
    put(ddb, "tbl1", "d")  # a write after the backlog reaches the function at once
    assert [b["keys"] for b in drain(sqs, sink, 1)] == [["d"]]
    ddb.delete_item(TableName="tbl1", Key={"pk": {"S": "d"}})
    assert drain(sqs, sink, 1)[0]["names"] == ["REMOVE"]
    assert lam.get_event_source_mapping(UUID=created["UUID"])["LastProcessingResult"] == "OK"


def test_latest_skips_earlier_records_and_filters_apply(lam, ddb, sqs, drain, wait_state):
    sink, _ = queue(sqs, "s2")
    stream = table(ddb, "tbl2")
    put(ddb, "tbl2", "old")
    fn = reporter(lam, "r2", sink)
    pattern = {"eventName": ["INSERT"], "dynamodb": {"Keys": {"pk": {"S": [{"prefix": "keep"}]}}}}
    uuid = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="LATEST",
                                           FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]})["UUID"]
    wait_state(lam, uuid, "Enabled")
    put(ddb, "tbl2", "drop-me", "keep-1")
    assert [b["keys"] for b in drain(sqs, sink, 1)] == [["keep-1"]]
    assert not drain(sqs, sink, 1, timeout=0.5)


def test_retries_bisect_and_on_failure_destination(lam, ddb, sqs, drain):
    sink, _ = queue(sqs, "s3")
    failures, failures_arn = queue(sqs, "s3-failures")
    stream = table(ddb, "tbl3")
    fn = reporter(lam, "r3", sink)
    put(ddb, "tbl3", "ok-1", "bad-2", "ok-3", "ok-4")
    lam.create_event_source_mapping(
        EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON", BatchSize=4,
        MaximumRetryAttempts=1, BisectBatchOnFunctionError=True,
        DestinationConfig={"OnFailure": {"Destination": failures_arn}})
    seen = [b["keys"] for b in drain(sqs, sink, 6)]
    # [all four] fails -> halves; [ok-1, bad-2] fails -> [ok-1] ok, [bad-2] fails, retried once, given up.
    assert seen == [["ok-1", "bad-2", "ok-3", "ok-4"], ["ok-1", "bad-2"], ["ok-1"], ["bad-2"], ["bad-2"],
                    ["ok-3", "ok-4"]]
    [record] = drain(sqs, failures, 1)
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2  # the first try and one retry
    assert record["responseContext"]["functionError"] == "Unhandled"
    info = record["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["streamArn"] == stream
    assert info["startSequenceNumber"] == info["endSequenceNumber"]


def test_partial_batch_response_retries_from_the_failed_record(lam, ddb, sqs, drain):
    sink, _ = queue(sqs, "s4")
    stream = table(ddb, "tbl4")
    fn = reporter(lam, "r4", sink, PARTIAL="1")
    put(ddb, "tbl4", "ok-1", "bad-2", "ok-3")
    lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON",
                                    BatchSize=3, MaximumRetryAttempts=0,
                                    FunctionResponseTypes=["ReportBatchItemFailures"])
    put(ddb, "tbl4", "ok-5")
    seen = [b["keys"] for b in drain(sqs, sink, 2)]
    assert seen == [["ok-1", "bad-2", "ok-3"], ["ok-5"]]  # no retries allowed: bad-2 onwards given up


def test_record_age_limit_sends_old_records_to_the_destination(lam, ddb, sqs, server, drain):
    sink, _ = queue(sqs, "s5")
    failures, failures_arn = queue(sqs, "s5-failures")
    stream = table(ddb, "tbl5")
    fn = reporter(lam, "r5", sink)
    put(ddb, "tbl5", "bad-1")
    uuid = lam.create_event_source_mapping(
        EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON", MaximumRecordAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": failures_arn}})["UUID"]
    assert drain(sqs, sink, 1)[0]["keys"] == ["bad-1"]  # fails, and is retried (forever by count)
    server.advance_clock(120)
    [record] = drain(sqs, failures, 1)
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    put(ddb, "tbl5", "ok-2")  # the shard moves on
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        batches = drain(sqs, sink, 1, timeout=1)
        if batches and batches[-1]["keys"] == ["ok-2"]:
            break
    else:
        raise AssertionError("the stream never moved past the expired record")
    lam.delete_event_source_mapping(UUID=uuid)


def test_bad_stream_mapping_requests(lam, ddb, sqs):
    stream = table(ddb, "tbl6")
    fn = reporter(lam, "r6", queue(sqs, "s6")[0])
    for params in ({}, {"StartingPosition": "AT_TIMESTAMP"}, {"StartingPosition": "LATEST", "BatchSize": 20000},
                   {"StartingPosition": "LATEST", "MaximumRecordAgeInSeconds": 10}):
        with pytest.raises(ClientError) as exc:
            lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, **params)
        assert exc.value.response["Error"]["Code"] in ("InvalidParameterValueException", "ValidationException")
    with pytest.raises(ClientError) as exc:
        lam.create_event_source_mapping(EventSourceArn=stream + "x", FunctionName=fn, StartingPosition="LATEST")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_mappings_resume_after_a_restart(tmp_path_factory, drain):
    data_dir = str(tmp_path_factory.mktemp("restart"))
    server = start_server(data_dir)
    try:
        lam, ddb, sqs = (make_client(server.endpoint, name) for name in ("lambda", "dynamodb", "sqs"))
        sink, _ = queue(sqs, "sink")
        stream = table(ddb, "tbl")
        fn = reporter(lam, "r", sink)
        uuid = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=fn,
                                               StartingPosition="TRIM_HORIZON")["UUID"]
        put(ddb, "tbl", "before")
        assert drain(sqs, sink, 1)[0]["keys"] == ["before"]
        server.stop()
        server = start_server(data_dir, port=int(server.endpoint.rsplit(":", 1)[1]))
        lam, ddb, sqs = (make_client(server.endpoint, name) for name in ("lambda", "dynamodb", "sqs"))
        assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"
        put(ddb, "tbl", "after")
        assert [b["keys"] for b in drain(sqs, sink, 1)] == [["after"]]  # resumed after the checkpoint
    finally:
        server.stop()


# Records each batch's keys with the time it ran, taking long enough that batches run side by
# side only if the mapping invokes them in parallel.
SLOW_REPORTER = '''
import json, os, time
import boto3
sqs = boto3.client("sqs")
def handler(event, context):
    started = time.time()
    time.sleep(0.4)
    sqs.send_message(QueueUrl=os.environ["SINK"], MessageBody=json.dumps({
        "keys": [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]],
        "versions": [r["dynamodb"]["NewImage"]["v"]["N"] for r in event["Records"]],
        "started": started, "ended": time.time()}))
    return {}
'''


def test_parallelization_factor_runs_lanes_side_by_side_keeping_key_order(lam, ddb, sqs, drain):
    sink, _ = queue(sqs, "s-parallel")
    stream = table(ddb, "t-parallel")
    keys = [f"k{i}" for i in range(8)]
    for version in range(3):  # each key written three times: its records must stay in order
        for key in keys:
            ddb.put_item(TableName="t-parallel", Item={"pk": {"S": key}, "v": {"N": str(version)}})
    lam.create_function(FunctionName="slow-reporter", Role=ROLE, Runtime="python3.11", Handler="app.handler",
                        Timeout=10, Code={"ZipFile": make_zip({"app.py": SLOW_REPORTER})},
                        Environment={"Variables": {"SINK": sink}})
    mapping = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName="slow-reporter",
                                              StartingPosition="TRIM_HORIZON", BatchSize=100,
                                              ParallelizationFactor=4)
    assert mapping["ParallelizationFactor"] == 4
    batches = []
    deadline = time.monotonic() + 30
    while sum(len(b["keys"]) for b in batches) < 24 and time.monotonic() < deadline:
        batches += drain(sqs, sink, 1)
    assert len(batches) > 1, "one batch of 24 records split into lanes"
    seen: dict[str, list[str]] = {}
    lane_of: dict[str, int] = {}
    for index, batch in enumerate(batches):
        for key, version in zip(batch["keys"], batch["versions"], strict=True):
            seen.setdefault(key, []).append(version)
            assert lane_of.setdefault(key, index) == index, "a key's records all travel in one lane"
    assert seen == {key: ["0", "1", "2"] for key in keys}
    # Lanes overlap in time: some batch started before another had ended.
    spans = sorted((b["started"], b["ended"]) for b in batches)
    assert any(later[0] < earlier[1] for earlier, later in itertools.pairwise(spans))
    with pytest.raises(ClientError) as caught:
        lam.update_event_source_mapping(UUID=mapping["UUID"], ParallelizationFactor=11)
    assert caught.value.response["Error"]["Code"] in ("ValidationException", "InvalidParameterValueException")
