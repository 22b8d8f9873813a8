"""Several worker processes on one data directory, and a server killed with kill -9."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor

from botocore.config import Config

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server

LONG = 20


def test_long_polls_wake_across_worker_processes(tmp_path):
    server = start_server(str(tmp_path / "data"), "--workers", "2")
    try:
        sqs = make_client(server.endpoint, "sqs")
        url = sqs.create_queue(QueueName="shared")["QueueUrl"]
        pollers = 8
        config = Config(read_timeout=60, retries={"max_attempts": 1}, max_pool_connections=pollers)
        with ThreadPoolExecutor(pollers) as pool:
            # One client per poller: each opens its own connection, so they spread over both workers.
            futures = [pool.submit(make_client(server.endpoint, "sqs", config=config).receive_message,
                                   QueueUrl=url, WaitTimeSeconds=LONG, VisibilityTimeout=60)
                       for _ in range(pollers)]
            time.sleep(0.5)
            started = time.monotonic()
            for i in range(pollers):
                make_client(server.endpoint, "sqs").send_message(QueueUrl=url, MessageBody=str(i))
            bodies = sorted(m["Body"] for f in futures for m in f.result(timeout=LONG)["Messages"])
        assert bodies == [str(i) for i in range(pollers)]
        assert time.monotonic() - started < LONG / 2
    finally:
        server.stop()


def test_messages_survive_kill_9(tmp_path):
    data = str(tmp_path / "data")
    server = start_server(data)
    try:
        sqs = make_client(server.endpoint, "sqs")
        url = sqs.create_queue(QueueName="durable.fifo", Attributes={"FifoQueue": "true",
                                                                     "ContentBasedDeduplication": "true"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="kept", MessageGroupId="g")
    finally:
        server.stop(kill=True)
    server = start_server(data)
    try:
        sqs = make_client(server.endpoint, "sqs")
        url = sqs.get_queue_url(QueueName="durable.fifo")["QueueUrl"]
        duplicate = sqs.send_message(QueueUrl=url, MessageBody="kept", MessageGroupId="g")
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
        assert [m["Body"] for m in messages] == ["kept"]
        assert messages[0]["MessageId"] == duplicate["MessageId"]  # the dedup window survived too
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)
