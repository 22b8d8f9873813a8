"""Objects: put/get/head/delete/copy, metadata and content headers, ranges, conditions, tags."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError


def _error(exc: pytest.ExceptionInfo) -> tuple[str, int]:
    return exc.value.response["Error"]["Code"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_put_get_head_round_trip(s3, bucket):
    body = b"hello world" * 1000
    put = s3.put_object(
        Bucket=bucket,
        Key="dir/a b+c.txt",
        Body=body,
        ContentType="text/plain",
        Metadata={"Owner": "Ada", "x": "1"},
        CacheControl="max-age=60",
        ContentDisposition="inline",
        ContentLanguage="en",
        ContentEncoding="identity",
        Expires=datetime(2030, 1, 1, tzinfo=UTC),
        StorageClass="STANDARD_IA",
    )
    etag = f'"{hashlib.md5(body).hexdigest()}"'
    assert put["ETag"] == etag
    assert "VersionId" not in put
    got = s3.get_object(Bucket=bucket, Key="dir/a b+c.txt")
    assert got["Body"].read() == body
    assert got["ContentLength"] == len(body)
    assert got["ETag"] == etag
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"owner": "Ada", "x": "1"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == "inline"
    assert got["ContentLanguage"] == "en"
    assert got["ContentEncoding"] == "identity"
    assert got["ExpiresString"].startswith("Tue, 01 Jan 2030")
    assert got["StorageClass"] == "STANDARD_IA"
    assert got["AcceptRanges"] == "bytes"
    head = s3.head_object(Bucket=bucket, Key="dir/a b+c.txt")
    assert head["ContentLength"] == len(body) and head["ETag"] == etag
    assert abs(head["LastModified"] - datetime.now(UTC)) < timedelta(minutes=5)


def test_default_content_type_and_empty_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b""
    assert got["ContentType"] == "binary/octet-stream"
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


def test_missing_key_and_bucket(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="nope")
    assert _error(exc) == ("NoSuchKey", 404)
    assert exc.value.response["Error"]["Key"] == "nope"
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="nope")
    assert _error(exc) == ("404", 404)
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket="no-such-bucket-here", Key="k", Body=b"x")
    assert _error(exc) == ("NoSuchBucket", 404)


def test_overwrite_replaces(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"one")
    s3.put_object(Bucket=bucket, Key="k", Body=b"two")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    assert len(s3.list_objects_v2(Bucket=bucket)["Contents"]) == 1


@pytest.mark.parametrize(
    ("header", "expected", "content_range"),
    [
        ("bytes=0-4", b"01234", "bytes 0-4/10"),
        ("bytes=5-", b"56789", "bytes 5-9/10"),
        ("bytes=-3", b"789", "bytes 7-9/10"),
        ("bytes=8-100", b"89", "bytes 8-9/10"),
    ],
)
def test_range_get(s3, bucket, header, expected, content_range):
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    got = s3.get_object(Bucket=bucket, Key="digits", Range=header)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == expected
    assert got["ContentRange"] == content_range
    assert got["ContentLength"] == len(expected)


def test_unsatisfiable_and_ignored_ranges(s3, bucket):
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="digits", Range="bytes=10-20")
    assert _error(exc) == ("InvalidRange", 416)
    assert exc.value.response["Error"]["ActualObjectSize"] == "10"
    whole = s3.get_object(Bucket=bucket, Key="digits", Range="items=1-2")
    assert whole["ResponseMetadata"]["HTTPStatusCode"] == 200 and whole["Body"].read() == b"0123456789"


def test_conditional_reads(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"data")["ETag"]
    past, future = datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1)
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"data"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"other"')
    assert _error(exc) == ("PreconditionFailed", 412)
    assert exc.value.response["Error"]["Condition"] == "If-Match"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert _error(exc)[1] == 304
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=future)
    assert _error(exc)[1] == 304
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="c", IfUnmodifiedSince=past)
    assert _error(exc)[1] == 412
    assert s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=past)["Body"].read() == b"data"
    # If-Match wins over a failing If-Unmodified-Since; If-None-Match over If-Modified-Since.
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag, IfUnmodifiedSince=past)["ETag"] == etag
    assert s3.get_object(Bucket=bucket, Key="c", IfNoneMatch='"x"', IfModifiedSince=future)["ETag"] == etag


def test_conditional_writes(s3, bucket):
    s3.put_object(Bucket=bucket, Key="once", Body=b"1", IfNoneMatch="*")
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="once", Body=b"2", IfNoneMatch="*")
    assert _error(exc) == ("PreconditionFailed", 412)
    etag = s3.head_object(Bucket=bucket, Key="once")["ETag"]
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="once", Body=b"3", IfMatch='"0000"')
    assert _error(exc) == ("PreconditionFailed", 412)
    s3.put_object(Bucket=bucket, Key="once", Body=b"4", IfMatch=etag)
    assert s3.get_object(Bucket=bucket, Key="once")["Body"].read() == b"4"
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="absent", Body=b"5", IfMatch=etag)
    assert _error(exc) == ("NoSuchKey", 404)


def test_delete_and_delete_objects(s3, bucket):
    for key in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    assert s3.delete_object(Bucket=bucket, Key="a")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.delete_object(Bucket=bucket, Key="a")["ResponseMetadata"]["HTTPStatusCode"] == 204
    reply = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "b"}, {"Key": "c"}, {"Key": "zzz"}]})
    assert sorted(d["Key"] for d in reply["Deleted"]) == ["b", "c", "zzz"]
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "x"}], "Quiet": True})
    assert "Deleted" not in quiet
    s3.delete_bucket(Bucket=bucket)


def test_copy_object(s3, bucket):
    s3.create_bucket(Bucket=f"{bucket}-dst")
    s3.put_object(
        Bucket=bucket,
        Key="src key",
        Body=b"payload",
        ContentType="text/x",
        Metadata={"a": "1"},
        Tagging="t=1",
    )
    copied = s3.copy_object(
        Bucket=f"{bucket}-dst", Key="copy", CopySource={"Bucket": bucket, "Key": "src key"}
    )
    assert copied["CopyObjectResult"]["ETag"] == s3.head_object(Bucket=bucket, Key="src key")["ETag"]
    got = s3.get_object(Bucket=f"{bucket}-dst", Key="copy")
    assert (
        got["Body"].read() == b"payload" and got["ContentType"] == "text/x" and got["Metadata"] == {"a": "1"}
    )
    assert s3.get_object_tagging(Bucket=f"{bucket}-dst", Key="copy")["TagSet"] == [{"Key": "t", "Value": "1"}]
    s3.copy_object(
        Bucket=bucket,
        Key="src key",
        CopySource=f"{bucket}/src key",
        MetadataDirective="REPLACE",
        ContentType="application/json",
        Metadata={"b": "2"},
    )
    head = s3.head_object(Bucket=bucket, Key="src key")
    assert head["ContentType"] == "application/json" and head["Metadata"] == {"b": "2"}
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="src key", CopySource=f"{bucket}/src key")
    assert _error(exc) == ("InvalidRequest", 400)
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="x", CopySource=f"{bucket}/missing")
    assert _error(exc) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="x", CopySource=f"{bucket}/src key", CopySourceIfMatch='"nope"')
    assert _error(exc) == ("PreconditionFailed", 412)
    # The source can be deleted without harming the copy (its bytes are its own).
    s3.delete_object(Bucket=bucket, Key="src key")
    assert s3.get_object(Bucket=f"{bucket}-dst", Key="copy")["Body"].read() == b"payload"


def test_tagging(s3, bucket):
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="a=1&b=two%20words")
    assert s3.get_object(Bucket=bucket, Key="t")["TagCount"] == 2
    tags = s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("a", "1"), ("b", "two words")]
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [{"Key": "k", "Value": "v"}]
    s3.delete_object_tagging(Bucket=bucket, Key="t")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(
            Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": f"k{i}", "Value": "v"} for i in range(11)]}
        )
    assert _error(exc) == ("InvalidTag", 400)


def test_acl_basics(s3, bucket):
    s3.put_object(Bucket=bucket, Key="o", Body=b"x", ACL="public-read")
    grants = s3.get_object_acl(Bucket=bucket, Key="o")["Grants"]
    assert {g["Permission"] for g in grants} == {"FULL_CONTROL", "READ"}
    s3.put_object_acl(Bucket=bucket, Key="o", ACL="private")
    assert [g["Permission"] for g in s3.get_object_acl(Bucket=bucket, Key="o")["Grants"]] == ["FULL_CONTROL"]


def test_non_ascii_metadata_is_signed_as_sent_and_returned_rfc2047_encoded(s3, bucket):
    """botocore refuses non-ASCII metadata, but a client that adds the header itself sends it
    as UTF-8 and signs those bytes; S3 keeps the text and answers it RFC 2047-encoded."""
    def raw_header(request, **_):
        request.headers["x-amz-meta-greeting"] = "Hello World\u00e9"

    s3.meta.events.register("before-sign.s3.PutObject", raw_header, unique_id="raw-meta")
    try:
        s3.put_object(Bucket=bucket, Key="unicode-meta", Body=b"x")
    finally:
        s3.meta.events.unregister("before-sign.s3.PutObject", unique_id="raw-meta")
    encoded = s3.head_object(Bucket=bucket, Key="unicode-meta")["Metadata"]["greeting"]
    assert encoded == "=?UTF-8?B?" + base64.b64encode("Hello World\u00e9".encode()).decode() + "?="
    # Sent RFC 2047-encoded, a value is stored as the text it encodes: plain ASCII comes back plain.
    s3.put_object(Bucket=bucket, Key="encoded-meta", Body=b"x", Metadata={"word": "=?utf-8?q?plain_text?="})
    assert s3.head_object(Bucket=bucket, Key="encoded-meta")["Metadata"] == {"word": "plain text"}


def test_bad_input(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert _error(exc) == ("KeyTooLongError", 400)
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="m", Body=b"x", Metadata={"big": "v" * 2100})
    assert _error(exc) == ("MetadataTooLarge", 400)
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="md5", Body=b"x", ContentMD5="1B2M2Y8AsgTpgAmY7PhCfg==")
    assert _error(exc) == ("BadDigest", 400)
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="md5", Body=b"x", ContentMD5="not-base64")
    assert _error(exc) == ("InvalidDigest", 400)
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="md5")
    assert _error(exc) == ("NoSuchKey", 404)


def test_get_object_attributes(s3, bucket):
    s3.put_object(Bucket=bucket, Key="attrs", Body=b"12345", ChecksumAlgorithm="SHA256")
    attrs = s3.get_object_attributes(
        Bucket=bucket, Key="attrs", ObjectAttributes=["ETag", "ObjectSize", "StorageClass", "Checksum"]
    )
    assert attrs["ObjectSize"] == 5 and attrs["StorageClass"] == "STANDARD"
    assert attrs["ETag"] == hashlib.md5(b"12345").hexdigest()
    assert attrs["Checksum"]["ChecksumSHA256"]


def test_resource_api(client, bucket):
    import boto3

    resource = boto3.resource(
        "s3",
        endpoint_url=client("s3").meta.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    target = resource.Bucket(bucket)
    target.put_object(Key="r/1.txt", Body=b"one")
    target.Object("r/2.txt").put(Body=b"two")
    assert sorted(o.key for o in target.objects.filter(Prefix="r/")) == ["r/1.txt", "r/2.txt"]
    assert target.Object("r/2.txt").get()["Body"].read() == b"two"
    target.objects.all().delete()
    assert list(target.objects.all()) == []


def test_every_object_reports_its_server_side_encryption(s3, bucket):
    # S3 encrypts every new object (SSE-S3 unless told otherwise) and says so on each write and read
    assert s3.put_object(Bucket=bucket, Key="plain", Body=b"p")["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="plain")["ServerSideEncryption"] == "AES256"
    assert s3.head_object(Bucket=bucket, Key="plain")["ServerSideEncryption"] == "AES256"
    copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource=f"{bucket}/plain")
    assert copied["ServerSideEncryption"] == "AES256"
    uid = s3.create_multipart_upload(Bucket=bucket, Key="parts")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="parts", UploadId=uid, PartNumber=1, Body=b"x")["ETag"]
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="parts", UploadId=uid, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert done["ServerSideEncryption"] == "AES256"
