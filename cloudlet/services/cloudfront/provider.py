"""CloudFront: distributions and everything they refer to (policies, origin access, keys),
invalidations and tags. The edge itself (viewer requests, the cache, origin fetches) is in
edge.py, reached through routes.py."""

from __future__ import annotations

import shutil
from typing import Any

from cloudlet.services.cloudfront import cache, store
from cloudlet.services.cloudfront.access_operations import AccessOperations
from cloudlet.services.cloudfront.distribution_operations import DistributionOperations, DistributionQueries
from cloudlet.services.cloudfront.invalidation_operations import InvalidationOperations
from cloudlet.services.cloudfront.key_operations import KeyOperations
from cloudlet.services.cloudfront.policy_operations import PolicyOperations
from cloudlet.services.cloudfront.tagging import TagOperations


class CloudFrontProvider(
    DistributionOperations,
    DistributionQueries,
    InvalidationOperations,
    PolicyOperations,
    AccessOperations,
    KeyOperations,
    TagOperations,
):
    service = "cloudfront"
    migrations = store.MIGRATIONS

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.edge: Any = None
        env.store.on_reset(self._forget_cache_files)

    def _forget_cache_files(self) -> None:
        shutil.rmtree(self.env.store.blob_path(cache.ROOT), ignore_errors=True)

    async def viewer_edge(self) -> Any:
        """The data plane of this process (its in-flight origin fetches are shared by all viewers)."""
        if self.edge is None:
            from cloudlet.services.cloudfront.edge import Edge

            self.edge = Edge(self.env)
        return self.edge

    async def start(self) -> None:
        # A crash between writing a cached body and recording it leaves a file no row names.
        with self.env.store.read() as conn:
            referenced = cache.all_blobs(conn)
        cache.clean_orphans(self.env.store, referenced)

    async def stop(self) -> None:
        if self.edge is not None:
            await self.edge.close()
