"""ListObjects v1/v2 and ListObjectVersions: prefixes, delimiters, pagination, URL encoding."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

KEYS = [
    "a.txt",
    "dir/one",
    "dir/sub/two",
    "dir/sub/three",
    "dir2/x",
    "photos/2024/jan.jpg",
    "photos/2024/feb.jpg",
    "photos/2025/mar.jpg",
    "z",
    "ü-unicode",
]


@pytest.fixture
def filled(s3, bucket):
    for key in KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    return bucket


def test_v2_all_sorted(s3, filled):
    page = s3.list_objects_v2(Bucket=filled)
    assert [o["Key"] for o in page["Contents"]] == sorted(KEYS, key=lambda k: k.encode())
    assert page["KeyCount"] == len(KEYS) and page["IsTruncated"] is False
    assert page["Contents"][0]["Size"] == len(page["Contents"][0]["Key"].encode())
    assert page["Contents"][0]["StorageClass"] == "STANDARD"


def test_v2_delimiter_and_prefix(s3, filled):
    top = s3.list_objects_v2(Bucket=filled, Delimiter="/")
    assert [o["Key"] for o in top["Contents"]] == ["a.txt", "z", "ü-unicode"]
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["dir/", "dir2/", "photos/"]
    assert top["KeyCount"] == 6
    photos = s3.list_objects_v2(Bucket=filled, Prefix="photos/", Delimiter="/")
    assert "Contents" not in photos
    assert [p["Prefix"] for p in photos["CommonPrefixes"]] == ["photos/2024/", "photos/2025/"]
    sub = s3.list_objects_v2(Bucket=filled, Prefix="dir/")
    assert [o["Key"] for o in sub["Contents"]] == ["dir/one", "dir/sub/three", "dir/sub/two"]


def test_v2_pagination_with_delimiter(s3, filled):
    seen, token = [], None
    while True:
        kwargs = {"Bucket": filled, "Delimiter": "/", "MaxKeys": 2}
        if token:
            kwargs["ContinuationToken"] = token
        page = s3.list_objects_v2(**kwargs)
        assert page["KeyCount"] <= 2
        seen += [o["Key"] for o in page.get("Contents", [])] + [
            p["Prefix"] for p in page.get("CommonPrefixes", [])
        ]
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    assert sorted(seen) == sorted(["a.txt", "z", "ü-unicode", "dir/", "dir2/", "photos/"])
    keys = [
        o["Key"]
        for p in s3.get_paginator("list_objects_v2").paginate(Bucket=filled, PaginationConfig={"PageSize": 3})
        for o in p["Contents"]
    ]
    assert keys == sorted(KEYS, key=lambda k: k.encode())


def test_v2_start_after_and_max_keys_zero(s3, filled):
    page = s3.list_objects_v2(Bucket=filled, StartAfter="photos/2025/mar.jpg")
    assert [o["Key"] for o in page["Contents"]] == ["z", "ü-unicode"]
    assert page["StartAfter"] == "photos/2025/mar.jpg"
    empty = s3.list_objects_v2(Bucket=filled, MaxKeys=0)
    assert "Contents" not in empty and empty["KeyCount"] == 0
    # an empty page asked for is not a truncated one, in either version of the call
    assert empty["IsTruncated"] is False
    assert s3.list_objects(Bucket=filled, MaxKeys=0)["IsTruncated"] is False
    assert s3.list_object_versions(Bucket=filled, MaxKeys=0)["IsTruncated"] is False


def test_bad_continuation_token(s3, filled):
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket=filled, ContinuationToken="!!!")
    assert exc.value.response["Error"]["Code"] == "InvalidArgument"


def test_encoding_type_url(s3, bucket):
    s3.put_object(Bucket=bucket, Key="with space/and+plus?.txt", Body=b"x")
    page = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Delimiter="/")
    # botocore decodes only when it asked for url encoding itself, not when the caller did
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["with%20space/"]
    assert s3.list_objects_v2(Bucket=bucket)["Contents"][0]["Key"] == "with space/and+plus?.txt"
    raw = []
    s3.meta.events.register(
        "after-call.s3.ListObjectsV2", lambda http_response, **_: raw.append(http_response.text)
    )
    s3.list_objects_v2(Bucket=bucket, EncodingType="url")
    assert "with%20space/and%2Bplus%3F.txt" in raw[0]


def test_v1_markers(s3, filled):
    first = s3.list_objects(Bucket=filled, MaxKeys=3)
    assert [o["Key"] for o in first["Contents"]] == ["a.txt", "dir/one", "dir/sub/three"]
    assert first["IsTruncated"] is True and "NextMarker" not in first
    second = s3.list_objects(Bucket=filled, Marker="dir/sub/three", MaxKeys=3)
    assert [o["Key"] for o in second["Contents"]] == ["dir/sub/two", "dir2/x", "photos/2024/feb.jpg"]
    delimited = s3.list_objects(Bucket=filled, Delimiter="/", MaxKeys=2)
    assert delimited["NextMarker"] == "dir/"
    rest = s3.list_objects(Bucket=filled, Delimiter="/", Marker="dir/")
    assert [p["Prefix"] for p in rest["CommonPrefixes"]] == ["dir2/", "photos/"]
    keys = [
        o["Key"]
        for p in s3.get_paginator("list_objects").paginate(Bucket=filled, PaginationConfig={"PageSize": 4})
        for o in p["Contents"]
    ]
    assert keys == sorted(KEYS, key=lambda k: k.encode())


def test_list_missing_bucket(s3):
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket="missing-bucket-x")
    assert exc.value.response["Error"]["Code"] == "NoSuchBucket"
