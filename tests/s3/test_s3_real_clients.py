"""Clients people really use against S3: the AWS CLI's high-level `aws s3` commands, boto3's
managed transfers (multipart upload_file / download_file) and s3fs."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import s3fs
from boto3.s3.transfer import TransferConfig

MiB = 1024 * 1024


def _aws(endpoint: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    config = tmp_path / "aws-config"
    # Small parts so a few MiB already go through CreateMultipartUpload / UploadPart / Complete.
    config.write_text(
        "[default]\nregion = us-east-1\ns3 =\n  multipart_threshold = 5MB\n  multipart_chunksize = 5MB\n"
    )
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    result = subprocess.run(
        [aws, "--endpoint-url", endpoint, *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result


def _tree(root, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_aws_s3_cp_sync_ls_rm(endpoint, s3, bucket, tmp_path):
    big = os.urandom(12 * MiB)
    source = tmp_path / "site"
    _tree(source, {"index.html": b"<h1>hi</h1>", "css/app.css": b"body{}", "img/big.bin": big})
    _aws(endpoint, tmp_path, "s3", "sync", str(source), f"s3://{bucket}/www")
    listing = _aws(endpoint, tmp_path, "s3", "ls", "--recursive", f"s3://{bucket}/").stdout
    assert [line.split()[-1] for line in listing.splitlines()] == [
        "www/css/app.css",
        "www/img/big.bin",
        "www/index.html",
    ]
    head = s3.head_object(Bucket=bucket, Key="www/img/big.bin")
    assert head["ETag"].endswith('-3"') and head["ContentLength"] == len(big)  # 5 + 5 + 2 MiB parts
    again = _aws(endpoint, tmp_path, "s3", "sync", str(source), f"s3://{bucket}/www").stdout
    assert again.strip() == ""  # nothing changed, nothing copied
    _aws(endpoint, tmp_path, "s3", "cp", f"s3://{bucket}/www/img/big.bin", str(tmp_path / "back.bin"))
    assert (tmp_path / "back.bin").read_bytes() == big
    _aws(endpoint, tmp_path, "s3", "cp", "--recursive", f"s3://{bucket}/www/css", f"s3://{bucket}/copy/css")
    assert s3.get_object(Bucket=bucket, Key="copy/css/app.css")["Body"].read() == b"body{}"
    _aws(endpoint, tmp_path, "s3", "rm", "--recursive", f"s3://{bucket}/www")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])] == ["copy/css/app.css"]
    down = tmp_path / "down"
    _aws(endpoint, tmp_path, "s3", "sync", f"s3://{bucket}", str(down))
    assert (down / "copy/css/app.css").read_bytes() == b"body{}"


def test_boto3_managed_multipart_transfers(s3, bucket, tmp_path):
    data = os.urandom(17 * MiB + 123)
    source, target = tmp_path / "up.bin", tmp_path / "down.bin"
    source.write_bytes(data)
    config = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=4)
    s3.upload_file(str(source), bucket, "blobs/up.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="blobs/up.bin")
    assert head["ContentLength"] == len(data) and head["ETag"].endswith('-4"')
    s3.download_file(bucket, "blobs/up.bin", str(target), Config=config)  # ranged GETs in parallel
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest()


def test_s3fs(endpoint, s3, bucket):
    fs = s3fs.S3FileSystem(
        key="test",
        secret="test",
        client_kwargs={"endpoint_url": endpoint, "region_name": "us-east-1"},
        use_listings_cache=False,
    )
    with fs.open(f"{bucket}/data/part-0.csv", "wb") as fh:
        fh.write(b"a,b\n1,2\n")
    fs.pipe(f"{bucket}/data/part-1.csv", b"a,b\n3,4\n")
    assert sorted(fs.ls(f"{bucket}/data")) == [f"{bucket}/data/part-0.csv", f"{bucket}/data/part-1.csv"]
    assert fs.cat(f"{bucket}/data/part-1.csv") == b"a,b\n3,4\n"
    assert fs.info(f"{bucket}/data/part-0.csv")["size"] == 8
    with fs.open(f"{bucket}/data/part-0.csv", "rb") as fh:
        fh.seek(4)
        assert fh.read() == b"1,2\n"
    assert fs.glob(f"{bucket}/data/*-1.csv") == [f"{bucket}/data/part-1.csv"]
    fs.rm(f"{bucket}/data", recursive=True)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
