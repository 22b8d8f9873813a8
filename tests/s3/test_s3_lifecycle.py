"""Lifecycle rules applied by moving the shared clock: expiration by age, date, prefix and tag,
noncurrent versions, expired delete markers, aborted uploads, and their events."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

DAY = 86400


def _wait_for(check, timeout: float = 10.0):
    """The sweep runs in the server once the clock moves: poll what a client would see."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def _keys(s3, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_configuration_round_trip_and_validation(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert exc.value.response["Error"]["Code"] == "NoSuchLifecycleConfiguration"
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket,
            LifecycleConfiguration={
                "Rules": [
                    {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 0}}
                ]
            },
        )
    assert exc.value.response["Error"]["Message"] == "'Days' for Expiration action must be a positive integer"
    rules = [{"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}}]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == rules
    s3.delete_bucket_lifecycle(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)


def test_expiration_by_age_prefix_and_tag(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="tmp/a", Body=b"a")
    s3.put_object(Bucket=bucket, Key="tmp/keep", Body=b"k", Tagging="keep=yes")
    s3.put_object(Bucket=bucket, Key="logs/b", Body=b"b", Tagging="class=scratch")
    s3.put_object(Bucket=bucket, Key="data/c", Body=b"c")
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/a"}, "Expiration": {"Days": 1}},
                {
                    "ID": "scratch",
                    "Status": "Enabled",
                    "Filter": {"Tag": {"Key": "class", "Value": "scratch"}},
                    "Expiration": {"Days": 3},
                },
                {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": "data/"}, "Expiration": {"Days": 1}},
            ]
        },
    )
    server.advance_clock(2 * DAY)
    assert _wait_for(lambda: "tmp/a" not in _keys(s3, bucket))
    assert _keys(s3, bucket) == ["data/c", "logs/b", "tmp/keep"]
    server.advance_clock(2 * DAY)
    assert _wait_for(lambda: _keys(s3, bucket) == ["data/c", "tmp/keep"])


def test_versioned_buckets_get_delete_markers_then_lose_old_versions(server, s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="doc", Body=b"v1")
    s3.put_object(Bucket=bucket, Key="doc", Body=b"v2")
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {"ID": "current", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 5}},
                {
                    "ID": "old",
                    "Status": "Enabled",
                    "Filter": {},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 10},
                },
                {
                    "ID": "markers",
                    "Status": "Enabled",
                    "Filter": {},
                    "Expiration": {"ExpiredObjectDeleteMarker": True},
                },
            ]
        },
    )
    server.advance_clock(6 * DAY)

    def markers():
        return s3.list_object_versions(Bucket=bucket).get("DeleteMarkers", [])

    assert _wait_for(markers)
    versions = s3.list_object_versions(Bucket=bucket).get("Versions", [])
    assert len(versions) == 2 and _keys(s3, bucket) == []
    server.advance_clock(20 * DAY)  # both versions noncurrent for long enough, then the lone marker goes

    def empty():
        listing = s3.list_object_versions(Bucket=bucket)
        return not listing.get("Versions") and not listing.get("DeleteMarkers")

    assert _wait_for(empty)


def test_incomplete_uploads_are_aborted(server, s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="big", UploadId=upload, PartNumber=1, Body=b"x" * 1024)
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "abort",
                    "Status": "Enabled",
                    "Filter": {},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
                }
            ]
        },
    )
    server.advance_clock(DAY / 2)
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])] == [upload]
    server.advance_clock(3 * DAY)
    assert _wait_for(lambda: not s3.list_multipart_uploads(Bucket=bucket).get("Uploads"))
    with pytest.raises(ClientError) as exc:
        s3.list_parts(Bucket=bucket, Key="big", UploadId=upload)
    assert exc.value.response["Error"]["Code"] == "NoSuchUpload"


def test_expirations_emit_lifecycle_events(server, s3, client, bucket):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=f"{bucket}-lifecycle")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={
            "Policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "s3.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": arn,
                        }
                    ],
                }
            )
        },
    )
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:LifecycleExpiration:*"]}]
        },
    )
    s3.put_object(Bucket=bucket, Key="old.txt", Body=b"o")
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [{"ID": "all", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}]
        },
    )
    server.advance_clock(2 * DAY)
    records: list[dict] = []

    def received():
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            records.extend(json.loads(message["Body"]).get("Records", []))
        return records

    assert _wait_for(received)
    assert records[0]["eventName"] == "LifecycleExpiration:Delete"
    assert records[0]["s3"]["object"]["key"] == "old.txt"


def test_a_rule_without_an_id_is_given_one(s3, bucket):
    rule = {"Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 3}}
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})
    (stored,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert stored["ID"] and stored["Expiration"] == {"Days": 3}


def test_a_transition_date_must_be_midnight_utc(s3, bucket):
    rule = {
        "ID": "cold",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "Transitions": [{"Date": "2030-01-01T12:00:00Z", "StorageClass": "GLACIER"}],
    }
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})
    assert exc.value.response["Error"]["Code"] == "InvalidArgument"


def _expiration(response) -> str | None:
    return response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-expiration")


def test_writes_and_reads_say_when_a_rule_will_expire_the_object(s3, bucket):
    rules = [
        {"ID": "short", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}},
        {
            "ID": "tagged",
            "Status": "Enabled",
            "Filter": {"Tag": {"Key": "k", "Value": "v"}},
            "Expiration": {"Days": 9},
        },
        {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}},
    ]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    put = s3.put_object(Bucket=bucket, Key="tmp/a", Body=b"x")
    modified = s3.head_object(Bucket=bucket, Key="tmp/a")["LastModified"].timestamp()
    # the midnight UTC after the object is a day old, and the rule that decides it
    midnight = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime((modified // DAY + 2) * DAY))
    header = f'expiry-date="{midnight}", rule-id="short"'
    assert put["Expiration"] == header
    assert _expiration(s3.head_object(Bucket=bucket, Key="tmp/a")) == header
    assert _expiration(s3.get_object(Bucket=bucket, Key="tmp/a")) == header
    # no enabled rule selects it: no header; a tag that a rule names: that rule's
    s3.put_object(Bucket=bucket, Key="kept", Body=b"x")
    assert _expiration(s3.head_object(Bucket=bucket, Key="kept")) is None
    s3.put_object_tagging(Bucket=bucket, Key="kept", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert 'rule-id="tagged"' in _expiration(s3.head_object(Bucket=bucket, Key="kept"))
