"""Every object event type S3 notifies, end to end into a real SQS queue: how the object came
to be (Put, Post, Copy, CompleteMultipartUpload), deletes and delete markers, tagging changes,
and version ids in versioned buckets."""

from __future__ import annotations

import json
import time

import pytest
import requests
from botocore.config import Config


@pytest.fixture
def s3(client):
    return client("s3", config=Config(signature_version="s3v4", retries={"max_attempts": 1}))


@pytest.fixture
def sqs(client):
    return client("sqs")


def _queue_for(sqs, bucket: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=f"{bucket}-all")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": arn,
                "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def _records(sqs, url: str, count: int, timeout: float = 15.0) -> list[dict]:
    found: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(found) < count:
        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in reply.get("Messages", []):
            found += json.loads(message["Body"]).get("Records", [])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found  # one message per event; the tests key them by object or event name


def _configure(s3, sqs, bucket: str) -> str:
    url, arn = _queue_for(sqs, bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:ObjectTagging:*"],
                }
            ]
        },
    )
    return url


def test_every_way_an_object_is_created_is_its_own_event(s3, sqs, bucket):
    url = _configure(s3, sqs, bucket)
    s3.put_object(Bucket=bucket, Key="put", Body=b"p")
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "put"})
    upload = s3.create_multipart_upload(Bucket=bucket, Key="multi")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="multi", UploadId=upload, PartNumber=1, Body=b"m")["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="multi",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
    )
    post = s3.generate_presigned_post(bucket, "posted", ExpiresIn=300)
    reply = requests.post(post["url"], data=post["fields"], files={"file": ("f", b"form")}, timeout=10)
    assert reply.status_code == 204, reply.text

    records = _records(sqs, url, 4)
    by_key = {r["s3"]["object"]["key"]: r for r in records}
    assert {key: r["eventName"] for key, r in by_key.items()} == {
        "put": "ObjectCreated:Put",
        "copy": "ObjectCreated:Copy",
        "multi": "ObjectCreated:CompleteMultipartUpload",
        "posted": "ObjectCreated:Post",
    }
    assert by_key["multi"]["s3"]["object"]["eTag"] == s3.head_object(Bucket=bucket, Key="multi")[
        "ETag"
    ].strip('"')
    assert by_key["posted"]["s3"]["object"]["size"] == 4
    # An unversioned bucket's records carry no versionId.
    assert all("versionId" not in r["s3"]["object"] for r in records)


def test_tagging_and_delete_markers_in_a_versioned_bucket(s3, sqs, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    url = _configure(s3, sqs, bucket)
    version = s3.put_object(Bucket=bucket, Key="doc", Body=b"v1")["VersionId"]
    s3.put_object_tagging(Bucket=bucket, Key="doc", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    s3.delete_object_tagging(Bucket=bucket, Key="doc")
    marker = s3.delete_object(Bucket=bucket, Key="doc")["VersionId"]  # a delete marker
    s3.delete_object(Bucket=bucket, Key="doc", VersionId=version)  # the version itself

    records = _records(sqs, url, 5)
    names = sorted(r["eventName"] for r in records)
    assert names == sorted(
        [
            "ObjectCreated:Put",
            "ObjectTagging:Put",
            "ObjectTagging:Delete",
            "ObjectRemoved:DeleteMarkerCreated",
            "ObjectRemoved:Delete",
        ]
    )
    by_name = {r["eventName"]: r["s3"]["object"] for r in records}
    assert by_name["ObjectCreated:Put"]["versionId"] == version
    assert by_name["ObjectTagging:Put"]["versionId"] == version
    assert by_name["ObjectRemoved:DeleteMarkerCreated"]["versionId"] == marker
    assert by_name["ObjectRemoved:Delete"]["versionId"] == version
    assert all(r["s3"]["object"]["key"] == "doc" for r in records)
