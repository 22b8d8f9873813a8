"""kombu's SQS transport (what Celery uses) producing and consuming through cloudlet.

Two paths: the blocking one (boto3, as SimpleQueue and `celery call` use it) and the event-loop
one a Celery worker uses, where kombu polls with its own pycurl HTTP client and signs the JSON
requests itself.
"""

from __future__ import annotations

import time

import pytest

kombu = pytest.importorskip("kombu")
pytest.importorskip("pycurl")

from kombu import Connection, Consumer, Exchange, Producer, Queue  # noqa: E402
from kombu.asynchronous import Hub, set_event_loop  # noqa: E402
from kombu.asynchronous.aws.sqs.connection import AsyncSQSConnection  # noqa: E402

OPTIONS = {"region": "us-east-1", "is_secure": False, "wait_time_seconds": 5, "polling_interval": 0.1}


@pytest.fixture
def broker(endpoint) -> str:
    return f"sqs://test:test@{endpoint.split('//', 1)[1]}"


def _queue_counts(sqs, name: str) -> tuple[str, str]:
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]


def test_simple_queue_round_trip(broker, sqs, name):
    with Connection(broker, transport_options=OPTIONS) as conn:
        queue = conn.SimpleQueue(name)
        queue.put({"hello": "world", "n": 1})
        message = queue.get(timeout=10)
        assert message.payload == {"hello": "world", "n": 1}
        message.ack()
        queue.close()
    assert _queue_counts(sqs, name) == ("0", "0")  # kombu created the queue; the ack deleted the message


def test_event_loop_consumer_like_a_celery_worker(broker, sqs, name, monkeypatch):
    polls = []
    original = AsyncSQSConnection.receive_message
    monkeypatch.setattr(AsyncSQSConnection, "receive_message",
                        lambda self, *args, **kwargs: polls.append(1) or original(self, *args, **kwargs))
    hub = Hub()
    set_event_loop(hub)
    received = []
    try:
        with Connection(broker, transport_options=OPTIONS) as conn:
            conn.transport.register_with_event_loop(conn.connection, hub)
            queue = Queue(name, Exchange(name, type="direct"), routing_key=name)
            Producer(conn.default_channel).publish({"task": "add", "args": [2, 3]}, exchange=queue.exchange,
                                                   routing_key=name, declare=[queue], serializer="json")

            def on_message(body, message):
                received.append(body)
                message.ack()

            with Consumer(conn.default_channel, [queue], callbacks=[on_message], accept=["json"]):
                deadline = time.monotonic() + 15
                while not received and time.monotonic() < deadline:
                    hub.run_once()
    finally:
        set_event_loop(None)
        hub.close()
    assert received == [{"task": "add", "args": [2, 3]}]
    assert polls  # the message came through kombu's own async client, not boto3
    assert _queue_counts(sqs, name) == ("0", "0")
