"""Delivery to HTTP endpoints: the confirmation handshake, signed notifications, retries and DLQs."""

from __future__ import annotations

import json
import queue as queues
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_delivery_sqs import verify


class Subscriber:
    """A real HTTP endpoint: records each POST; answers with the statuses it is told to, then 200."""

    def __init__(self) -> None:
        self.received: queues.Queue = queues.Queue()
        self.statuses: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.put((self.headers, body.decode()))
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self, timeout: float = 15) -> tuple[dict, str]:
        return self.received.get(timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def subscriber():
    running = Subscriber()
    yield running
    running.close()


def confirmed(sns, arn: str, subscriber: Subscriber, **attributes: str) -> str:
    sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=subscriber.url, Attributes=attributes)
    headers, body = subscriber.next()
    message = json.loads(body)
    assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    with urllib.request.urlopen(message["SubscribeURL"], timeout=5) as reply:
        answer = reply.read().decode()
    return answer.split("<SubscriptionArn>")[1].split("</SubscriptionArn>")[0]


def test_confirmation_handshake_and_signed_notification(sns, topic, subscriber):
    arn = topic()
    sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=subscriber.url)
    headers, body = subscriber.next()
    message = json.loads(body)
    assert message["Type"] == "SubscriptionConfirmation" and message["TopicArn"] == arn
    assert headers["x-amz-sns-topic-arn"] == arn and headers["Content-Type"].startswith("text/plain")
    assert message["SubscribeURL"].startswith("http://127.0.0.1:") and message["Token"]
    verify(message)
    with urllib.request.urlopen(message["SubscribeURL"], timeout=5) as reply:
        sub_arn = reply.read().decode().split("<SubscriptionArn>")[1].split("</SubscriptionArn>")[0]
    assert sub_arn.startswith(arn + ":")
    assert sns.get_subscription_attributes(SubscriptionArn=sub_arn)["Attributes"]["PendingConfirmation"] == "false"

    message_id = sns.publish(TopicArn=arn, Message="hello http", Subject="Hi")["MessageId"]
    headers, body = subscriber.next()
    notification = json.loads(body)
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-message-id"] == message_id
    assert headers["x-amz-sns-subscription-arn"] == sub_arn
    assert notification["Message"] == "hello http" and notification["Subject"] == "Hi"
    verify(notification)


def test_confirm_subscription_with_the_api(sns, topic, subscriber):
    arn = topic()
    sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=subscriber.url)
    token = json.loads(subscriber.next()[1])["Token"]
    sub_arn = sns.confirm_subscription(TopicArn=arn, Token=token)["SubscriptionArn"]
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"][0]["SubscriptionArn"] == sub_arn


def test_pending_subscription_gets_no_notifications(sns, topic, subscriber):
    arn = topic()
    sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=subscriber.url)
    subscriber.next()
    sns.publish(TopicArn=arn, Message="not for you")
    with pytest.raises(queues.Empty):
        subscriber.next(timeout=0.5)


def test_raw_delivery_over_http(sns, topic, subscriber):
    arn = topic()
    confirmed(sns, arn, subscriber, RawMessageDelivery="true")
    sns.publish(TopicArn=arn, Message="just the body")
    headers, body = subscriber.next()
    assert body == "just the body" and headers["x-amz-sns-rawdelivery"] == "true"


def test_failed_posts_are_retried(sns, topic, subscriber, server):
    arn = topic()
    confirmed(sns, arn, subscriber)
    subscriber.statuses = [500, 503]
    sns.publish(TopicArn=arn, Message="try again")
    first = json.loads(subscriber.next()[1])
    for _ in range(2):
        server.advance_clock(25)
        again = json.loads(subscriber.next()[1])
        assert again["MessageId"] == first["MessageId"]
    server.advance_clock(25)
    with pytest.raises(queues.Empty):
        subscriber.next(timeout=0.3)


def test_undeliverable_messages_go_to_the_dead_letter_queue(sns, sqs, topic, queue, subscriber, server):
    arn, (dlq_url, dlq_arn) = topic(), queue()
    sub_arn = confirmed(sns, arn, subscriber)
    sns.set_subscription_attributes(SubscriptionArn=sub_arn, AttributeName="RedrivePolicy",
                                    AttributeValue=json.dumps({"deadLetterTargetArn": dlq_arn}))
    subscriber.statuses = [500] * 4
    message_id = sns.publish(TopicArn=arn, Message="never arrives")["MessageId"]
    for attempt in range(4):
        subscriber.next()
        if attempt < 3:
            server.advance_clock(25)
    reply = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=5)
    assert json.loads(reply["Messages"][0]["Body"])["MessageId"] == message_id


def test_unsubscribe_sends_a_confirmation(sns, topic, subscriber):
    arn = topic()
    sub_arn = confirmed(sns, arn, subscriber)
    sns.unsubscribe(SubscriptionArn=sub_arn)
    headers, body = subscriber.next()
    assert headers["x-amz-sns-message-type"] == "UnsubscribeConfirmation"
    verify(json.loads(body))


def test_signing_certificate_is_served(sns, topic, endpoint):
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(f"{endpoint}/SimpleNotificationService-0000.pem", timeout=5)
    assert exc.value.code == 404
