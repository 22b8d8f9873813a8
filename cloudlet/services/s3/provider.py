"""S3: buckets, objects (streamed to and from disk), multipart uploads, versioning, bucket
configuration and event notifications. Each group of operations lives in its own module;
this class puts them together and runs the background work."""

from __future__ import annotations

from cloudlet.services.s3 import blobs, notifications, store
from cloudlet.services.s3.bucket_settings import BucketSettingsOperations
from cloudlet.services.s3.buckets import BucketOperations
from cloudlet.services.s3.listing import ListingOperations
from cloudlet.services.s3.multipart import MultipartOperations
from cloudlet.services.s3.object_settings import ObjectSettingsOperations
from cloudlet.services.s3.objects import ObjectOperations


class S3Provider(BucketOperations, ObjectOperations, ObjectSettingsOperations, ListingOperations,
                 MultipartOperations, BucketSettingsOperations):
    service = "s3"
    migrations = store.MIGRATIONS

    async def start(self) -> None:
        # A crash mid-upload leaves a temporary file and no row: nothing to keep.
        with self.env.store.read() as conn:
            referenced = store.all_blobs(conn)
        blobs.clean_stale_temporaries(self.env.store, referenced)
        env = self.env
        env.dispatcher.subscribe(notifications.TOPIC, lambda event: notifications.deliver(env, event),
                                 name="s3-notifications")
