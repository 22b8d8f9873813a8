"""Delivery to SQS: the signed SNS envelope, raw delivery, per-protocol messages, FIFO order."""

from __future__ import annotations

import base64
import json
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding


def verify(envelope: dict) -> None:
    """What an AWS SDK's message validator does: fetch the certificate, check the signature."""
    with urllib.request.urlopen(envelope["SigningCertURL"], timeout=5) as reply:
        cert = x509.load_pem_x509_certificate(reply.read())
    fields = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type") \
        if envelope["Type"] == "Notification" else \
        ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
    text = "".join(f"{name}\n{envelope[name]}\n" for name in fields if name in envelope)
    algorithm = hashes.SHA256() if envelope["SignatureVersion"] == "2" else hashes.SHA1()
    cert.public_key().verify(base64.b64decode(envelope["Signature"]), text.encode(), padding.PKCS1v15(), algorithm)


def test_envelope_is_signed(sns, topic, queue, receive):
    arn, (url, queue_arn) = topic(), queue()
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    message_id = sns.publish(TopicArn=arn, Message="order 7 shipped", Subject="Shipping", MessageAttributes={
        "priority": {"DataType": "Number", "StringValue": "3"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    })["MessageId"]
    envelope = json.loads(receive(url)[0]["Body"])
    assert list(envelope) == ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
                              "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL",
                              "MessageAttributes"]
    assert envelope["Type"] == "Notification" and envelope["MessageId"] == message_id
    assert envelope["TopicArn"] == arn and envelope["Message"] == "order 7 shipped"
    assert envelope["MessageAttributes"] == {"priority": {"Type": "Number", "Value": "3"},
                                             "blob": {"Type": "Binary", "Value": "AAE="}}
    assert envelope["Timestamp"].endswith("Z") and len(envelope["Timestamp"]) == 24
    assert envelope["SignatureVersion"] == "1"
    verify(envelope)
    assert "Action=Unsubscribe" in envelope["UnsubscribeURL"]
    with urllib.request.urlopen(envelope["UnsubscribeURL"], timeout=5) as reply:
        assert b"UnsubscribeResponse" in reply.read()
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []
    assert sub


def test_signature_version_2(sns, topic, queue, receive):
    arn, (url, queue_arn) = topic(SignatureVersion="2"), queue()
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
    sns.publish(TopicArn=arn, Message="v2")
    envelope = json.loads(receive(url)[0]["Body"])
    assert envelope["SignatureVersion"] == "2"
    verify(envelope)


def test_raw_delivery_keeps_attributes(sns, topic, queue, receive):
    arn, (url, queue_arn) = topic(), queue()
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=arn, Message='{"id": 1}', MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "order"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\xff"},
    })
    message = receive(url)[0]
    assert message["Body"] == '{"id": 1}'
    assert message["MessageAttributes"]["kind"] == {"DataType": "String", "StringValue": "order"}
    assert message["MessageAttributes"]["blob"] == {"DataType": "Binary", "BinaryValue": b"\xff"}


def test_message_structure_json_picks_the_sqs_message(sns, topic, queue, receive):
    arn, (url, queue_arn) = topic(), queue()
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
    sns.publish(TopicArn=arn, MessageStructure="json",
                Message=json.dumps({"default": "for everyone", "sqs": "for queues", "email": "for people"}))
    assert json.loads(receive(url)[0]["Body"])["Message"] == "for queues"


def test_fan_out_to_many_queues(sns, topic, queue, receive):
    arn = topic()
    queues = [queue() for _ in range(5)]
    for _, queue_arn in queues:
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
    message_id = sns.publish(TopicArn=arn, Message="everyone")["MessageId"]
    for url, _ in queues:
        assert json.loads(receive(url)[0]["Body"])["MessageId"] == message_id


def test_fifo_topic_to_fifo_queue_keeps_order(sns, sqs, topic, queue, receive):
    arn, (url, queue_arn) = topic(fifo=True), queue(fifo=True)
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    entries = [{"Id": str(i), "Message": f"m{i}", "MessageGroupId": "g", "MessageDeduplicationId": f"d{i}"}
               for i in range(10)]
    reply = sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=entries)
    assert len(reply["Successful"]) == 10 and not reply["Failed"]
    sns.publish(TopicArn=arn, Message="m10", MessageGroupId="g", MessageDeduplicationId="d10")
    received = receive(url, count=11)
    assert [m["Body"] for m in received] == [f"m{i}" for i in range(11)]
    assert {m["Attributes"]["MessageGroupId"] for m in received} == {"g"}


def test_fifo_envelope_carries_sequence_number(sns, topic, queue, receive):
    arn, (url, queue_arn) = topic(fifo=True), queue(fifo=True)
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
    sequence = sns.publish(TopicArn=arn, Message="x", MessageGroupId="g", MessageDeduplicationId="d")[
        "SequenceNumber"]
    envelope = json.loads(receive(url)[0]["Body"])
    assert envelope["SequenceNumber"] == sequence
    verify(envelope)


def test_delivery_waits_for_a_missing_queue(sns, sqs, topic, server, unique):
    arn = topic()
    name = unique("late")
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:000000000000:{name}")
    sns.publish(TopicArn=arn, Message="eventually")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    server.advance_clock(30)  # past the retry backoff
    reply = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    assert json.loads(reply["Messages"][0]["Body"])["Message"] == "eventually"
