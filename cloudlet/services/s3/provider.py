"""S3: buckets, objects (streamed to and from disk), multipart uploads, versioning, bucket
configuration and event notifications. Each group of operations lives in its own module;
this class puts them together and runs the background work."""

from __future__ import annotations

from cloudlet.edge.types import Headers, Request, Response
from cloudlet.services.s3 import access, blobs, lifecycle, notifications, serving, store
from cloudlet.services.s3.bucket_settings import BucketSettingsOperations
from cloudlet.services.s3.buckets import BucketOperations
from cloudlet.services.s3.listing import ListingOperations
from cloudlet.services.s3.multipart import MultipartOperations
from cloudlet.services.s3.object_settings import ObjectSettingsOperations
from cloudlet.services.s3.objects import ObjectOperations


class S3Provider(
    BucketOperations,
    ObjectOperations,
    ObjectSettingsOperations,
    ListingOperations,
    MultipartOperations,
    BucketSettingsOperations,
):
    service = "s3"
    migrations = store.MIGRATIONS

    async def start(self) -> None:
        # A crash mid-upload leaves a temporary file and no row: nothing to keep.
        with self.env.store.read() as conn:
            referenced = store.all_blobs(conn)
        blobs.clean_stale_temporaries(self.env.store, referenced)
        env = self.env
        env.dispatcher.subscribe(
            notifications.TOPIC, lambda event: notifications.deliver(env, event), name="s3-notifications"
        )
        self.lifecycle = lifecycle.Sweeper(env)
        self.lifecycle.start()

    async def stop(self) -> None:
        sweeper = getattr(self, "lifecycle", None)
        if sweeper is not None:
            await sweeper.stop()

    async def read_for_service(
        self,
        method: str,
        bucket: str,
        key: str,
        headers: Headers | None = None,
        *,
        service_principal: str | None = None,
        source_arn: str | None = None,
        source_account: str | None = None,
        canonical_user: str | None = None,
        oai_arn: str | None = None,
        version_id: str | None = None,
        request_id: str | None = None,
    ) -> Response:
        """GetObject (HeadObject for method "HEAD") on behalf of another cloudlet service, as the
        HTTP response S3 would send: how CloudFront reads an S3 origin.

        The caller is either a service principal (`service_principal`, e.g.
        "cloudfront.amazonaws.com", with `source_arn` the distribution ARN
        "arn:aws:cloudfront::ACCOUNT:distribution/ID" and `source_account` its account) for origin
        access control, or an origin access identity (`canonical_user`: the OAI's S3 canonical user
        id; `oai_arn`: "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity EID").
        With neither, the read is anonymous (a public bucket origin). The bucket policy decides, as
        for any request: it must Allow s3:GetObject to that principal (conditions on
        aws:SourceArn / aws:SourceAccount are evaluated), or, for anonymous reads, a public
        policy or ACL must grant it; otherwise 403 AccessDenied.

        `headers` may carry Range, If-Match, If-None-Match, If-Modified-Since and
        If-Unmodified-Since, honoured as GetObject honours them (206, 304, 412, 416). The
        response body is an async iterator of bytes or a binary file object (close it if unsent).
        """
        ctx = access.ServiceContext(
            Request(method, f"/{bucket}/{key}", "", headers or Headers()),
            service="s3",
            region=self.env.config.region,
            service_principal=service_principal,
            source_arn=source_arn,
            source_account=source_account,
            canonical_user=canonical_user,
            oai_arn=oai_arn,
        )
        if request_id:
            ctx.request_id = request_id
        params = serving.object_params(bucket, key, headers, version_id)
        return await serving.object_response(self, ctx, method, params)
