"""Multipart uploads: the raw API, its errors, boto3 transfers and the AWS CLI."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

MiB = 1024 * 1024


def _code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.response["Error"]["Code"]


def test_multipart_round_trip(s3, bucket):
    upload = s3.create_multipart_upload(
        Bucket=bucket, Key="big", ContentType="video/mp4", Metadata={"m": "1"}
    )
    uid = upload["UploadId"]
    one, two = os.urandom(5 * MiB), b"tail-bytes"
    e1 = s3.upload_part(Bucket=bucket, Key="big", UploadId=uid, PartNumber=1, Body=one)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="big", UploadId=uid, PartNumber=2, Body=two)["ETag"]
    listed = s3.list_parts(Bucket=bucket, Key="big", UploadId=uid)
    assert [(p["PartNumber"], p["Size"]) for p in listed["Parts"]] == [(1, 5 * MiB), (2, len(two))]
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("big", uid)]
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big",
        UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]},
    )
    expected = hashlib.md5(hashlib.md5(one).digest() + hashlib.md5(two).digest()).hexdigest() + "-2"
    assert done["ETag"] == f'"{expected}"'
    got = s3.get_object(Bucket=bucket, Key="big")
    assert got["Body"].read() == one + two
    assert got["ContentType"] == "video/mp4" and got["Metadata"] == {"m": "1"}
    part2 = s3.get_object(Bucket=bucket, Key="big", PartNumber=2)
    assert part2["Body"].read() == two and part2["PartsCount"] == 2
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.list_parts(Bucket=bucket, Key="big", UploadId=uid)
    assert _code(exc) == "NoSuchUpload"


def test_multipart_errors(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"small")["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=2, Body=b"small")["ETag"]
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="k",
            UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]},
        )
    assert _code(exc) == "EntityTooSmall"
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="k",
            UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]},
        )
    assert _code(exc) == "InvalidPartOrder"
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="k",
            UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"0123"'}]},
        )
    assert _code(exc) == "InvalidPart"
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=10001, Body=b"x")
    assert _code(exc) == "InvalidArgument"
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="k", UploadId="nope", PartNumber=1, Body=b"x")
    assert _code(exc) == "NoSuchUpload"
    # A single small part is a valid (last) part.
    s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=uid, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}]}
    )
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"small"


def test_abort(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"x")
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    with pytest.raises(ClientError) as exc:
        s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    assert _code(exc) == "NoSuchUpload"
    s3.delete_bucket(Bucket=bucket)


def test_upload_part_copy(s3, bucket):
    source = os.urandom(6 * MiB)
    s3.put_object(Bucket=bucket, Key="src", Body=source)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    p1 = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=uid,
        PartNumber=1,
        CopySource=f"{bucket}/src",
        CopySourceRange=f"bytes=0-{5 * MiB - 1}",
    )["CopyPartResult"]["ETag"]
    p2 = s3.upload_part_copy(
        Bucket=bucket,
        Key="dst",
        UploadId=uid,
        PartNumber=2,
        CopySource=f"{bucket}/src",
        CopySourceRange=f"bytes={5 * MiB}-{6 * MiB - 1}",
    )["CopyPartResult"]["ETag"]
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="dst",
        UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1}, {"PartNumber": 2, "ETag": p2}]},
    )
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == source


def test_conditional_complete(s3, bucket):
    s3.put_object(Bucket=bucket, Key="exists", Body=b"x")
    uid = s3.create_multipart_upload(Bucket=bucket, Key="exists")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="exists", UploadId=uid, PartNumber=1, Body=b"y")["ETag"]
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="exists",
            UploadId=uid,
            IfNoneMatch="*",
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
        )
    assert _code(exc) == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="exists")["Body"].read() == b"x"


def test_boto3_transfer_upload_download(s3, bucket, tmp_path):
    from boto3.s3.transfer import TransferConfig

    data = os.urandom(12 * MiB + 123)
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=4)
    s3.upload_file(str(source), bucket, "transfer.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="transfer.bin")
    assert head["ContentLength"] == len(data) and head["ETag"].endswith('-3"')
    target = tmp_path / "target.bin"
    s3.download_file(bucket, "transfer.bin", str(target), Config=config)
    assert target.read_bytes() == data


def _aws(endpoint: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }
    env.pop("AWS_PROFILE", None)
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    return subprocess.run([aws, *args], env=env, capture_output=True, text=True, timeout=120, check=True)


def test_aws_cli_cp_sync_ls_rm(endpoint, s3, bucket, tmp_path):
    big = tmp_path / "up" / "big.bin"
    big.parent.mkdir()
    big.write_bytes(os.urandom(10 * MiB))
    (tmp_path / "up" / "small.txt").write_text("hello")
    (tmp_path / "up" / "nested").mkdir()
    (tmp_path / "up" / "nested" / "n.txt").write_text("nested")
    _aws(endpoint, "s3", "cp", str(big), f"s3://{bucket}/big.bin")
    assert s3.head_object(Bucket=bucket, Key="big.bin")["ETag"].endswith('-2"')
    _aws(endpoint, "s3", "sync", str(tmp_path / "up"), f"s3://{bucket}/synced")
    listing = _aws(endpoint, "s3", "ls", "--recursive", f"s3://{bucket}/synced/").stdout
    assert "synced/nested/n.txt" in listing and "synced/small.txt" in listing
    _aws(endpoint, "s3", "cp", f"s3://{bucket}/big.bin", str(tmp_path / "down.bin"))
    assert (tmp_path / "down.bin").read_bytes() == big.read_bytes()
    _aws(endpoint, "s3", "rm", "--recursive", f"s3://{bucket}/")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    out = _aws(endpoint, "s3api", "head-bucket", "--bucket", bucket)
    assert out.returncode == 0


def test_upload_part_copy_range_must_lie_within_the_source(s3, bucket):
    s3.put_object(Bucket=bucket, Key="five", Body=b"12345")
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]

    def copy(source_range: str) -> str:
        with pytest.raises(ClientError) as exc:
            s3.upload_part_copy(
                Bucket=bucket,
                Key="dst",
                UploadId=uid,
                PartNumber=1,
                CopySource=f"{bucket}/five",
                CopySourceRange=source_range,
            )
        return _code(exc)

    # not trimmed to the source's size as a GET's Range is
    assert copy("bytes=0-5") == "InvalidRange"
    # both ends are required
    assert copy("bytes=0-") == "InvalidArgument"
    assert copy("bytes=-3") == "InvalidArgument"


def test_a_retried_complete_answers_as_the_first(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"only part")["ETag"]
    parts = {"Parts": [{"PartNumber": 1, "ETag": etag}]}
    first = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=parts)
    # a client that lost the first answer and sends the request again gets the same one
    again = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=parts)
    assert (again["ETag"], again["Key"]) == (first["ETag"], "k")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"only part"
    # once the key holds something else, the upload is gone for good
    s3.put_object(Bucket=bucket, Key="k", Body=b"replaced")
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MultipartUpload=parts)
    assert _code(exc) == "NoSuchUpload"
    with pytest.raises(ClientError) as exc:
        s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    assert _code(exc) == "NoSuchUpload"
