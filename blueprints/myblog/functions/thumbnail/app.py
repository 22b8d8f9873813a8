"""Makes a thumbnail of every uploaded photo: an S3 event → Pillow → the thumbnail bucket.

A file that is not an image marks the photo failed and raises, so the asynchronous invocation
ends in the on-failure queue after its retries instead of looping.
"""

from __future__ import annotations

import io
import os
from typing import Any
from urllib.parse import unquote_plus

import boto3
from PIL import Image, UnidentifiedImageError

SIZE = (256, 256)

s3 = boto3.client("s3")
photos = boto3.resource("dynamodb").Table(os.environ["PHOTOS_TABLE"])


class NotAnImage(Exception):
    pass


def handler(event: dict, context: Any) -> dict:
    made = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        made.append(thumbnail(bucket, key))
    return {"thumbnails": made}


def thumbnail(bucket: str, key: str) -> str:
    photo_id = key.rsplit("/", 1)[-1]
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        image = Image.open(io.BytesIO(data))
        image.thumbnail(SIZE)
    except (UnidentifiedImageError, OSError) as error:
        photos.put_item(Item={"id": photo_id, "status": "failed"})
        raise NotAnImage(f"{key} is not an image") from error
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    thumb_key = f"thumbnails/{photo_id}.jpg"
    s3.put_object(Bucket=os.environ["THUMBNAIL_BUCKET"], Key=thumb_key, Body=out.getvalue(),
                  ContentType="image/jpeg", CacheControl="public, max-age=86400")
    photos.put_item(Item={"id": photo_id, "status": "ready", "thumbnailKey": thumb_key,
                          "width": image.width, "height": image.height})
    return thumb_key
