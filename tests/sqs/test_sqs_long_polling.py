"""Long polling: waiting receivers answer as soon as a message can be received, without polling."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from botocore.config import Config

# Waits far beyond the expected answer time, so a slow machine cannot fail these tests while
# a receiver that only answered at the end of its wait still does.
LONG = 20


def _receive_later(pool, client, url, **kwargs):
    started = time.monotonic()
    future = pool.submit(client.receive_message, QueueUrl=url, **kwargs)
    return future, started


def _poller(client_factory):
    return client_factory("sqs", config=Config(read_timeout=60, retries={"max_attempts": 1},
                                               max_pool_connections=50))


def _let_it_wait(pool_future):
    # Gives the receive time to reach the server and start waiting; a send before that is also fine.
    deadline = time.monotonic() + 0.3
    while time.monotonic() < deadline and not pool_future.done():
        time.sleep(0.01)


def test_waiting_receiver_wakes_on_send(client, sqs, queue):
    poller = _poller(client)
    with ThreadPoolExecutor(1) as pool:
        future, started = _receive_later(pool, poller, queue, WaitTimeSeconds=LONG)
        _let_it_wait(future)
        assert not future.done()
        sqs.send_message(QueueUrl=queue, MessageBody="wake up")
        messages = future.result(timeout=LONG)["Messages"]
    assert [m["Body"] for m in messages] == ["wake up"]
    assert time.monotonic() - started < LONG / 2


def test_wait_ends_empty_when_the_clock_passes_it(client, queue, server):
    poller = _poller(client)
    with ThreadPoolExecutor(1) as pool:
        future, started = _receive_later(pool, poller, queue, WaitTimeSeconds=LONG)
        _let_it_wait(future)
        server.advance_clock(LONG + 1)
        assert "Messages" not in future.result(timeout=LONG)
    assert time.monotonic() - started < LONG / 2


def test_delayed_message_wakes_a_waiting_receiver(client, sqs, queue, server):
    poller = _poller(client)
    sqs.send_message(QueueUrl=queue, MessageBody="delayed", DelaySeconds=10)
    with ThreadPoolExecutor(1) as pool:
        future, _ = _receive_later(pool, poller, queue, WaitTimeSeconds=LONG)
        _let_it_wait(future)
        assert not future.done()
        server.advance_clock(11)
        assert [m["Body"] for m in future.result(timeout=LONG)["Messages"]] == ["delayed"]


def test_queue_default_wait_time(client, sqs, name):
    url = sqs.create_queue(QueueName=name, Attributes={"ReceiveMessageWaitTimeSeconds": str(LONG)})["QueueUrl"]
    poller = _poller(client)
    with ThreadPoolExecutor(1) as pool:
        future, _ = _receive_later(pool, poller, url)
        _let_it_wait(future)
        assert not future.done()  # a receive without WaitTimeSeconds waits as the queue says
        sqs.send_message(QueueUrl=url, MessageBody="x")
        assert future.result(timeout=LONG)["Messages"][0]["Body"] == "x"
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)


def test_many_concurrent_pollers_share_the_messages(client, sqs, queue):
    poller = _poller(client)
    count = 20
    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(poller.receive_message, QueueUrl=queue, WaitTimeSeconds=LONG, VisibilityTimeout=60)
                   for _ in range(count)]
        time.sleep(0.3)  # let them all start waiting
        sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(10)])
        sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": str(i + 10)}
                                                        for i in range(10)])
        bodies = []
        deadline = time.monotonic() + LONG
        while len(bodies) < count and time.monotonic() < deadline:
            done = [f for f in futures if f.done()]
            bodies = [m["Body"] for f in done for m in f.result().get("Messages", [])]
            time.sleep(0.02)
    assert sorted(bodies, key=int) == [str(i) for i in range(count)]
