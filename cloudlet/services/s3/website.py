"""The website endpoints: `http://BUCKET.s3-website.localhost:PORT/`,
`http://BUCKET.s3-website-REGION.localhost:PORT/` (or `.s3-website.REGION.`), and the path form
`/_aws/s3-website/BUCKET/...` for clients that cannot resolve *.localhost.

Only the matching lives here (imported at start-up); serving is in website_pages.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cloudlet.edge.types import Request, Response

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

PATH_PREFIX = "/_aws/s3-website/"
_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3-website(?:[.-][a-z0-9-]+)?\.localhost(?::\d+)?$")


def bucket_and_path(request: Request) -> tuple[str, str, str] | None:
    """(bucket, object path, the URL prefix before that path) of a website request, or None."""
    match = _HOST.match(request.host.lower())
    if match is not None:
        return match.group("bucket"), request.path or "/", ""
    if request.path.startswith(PATH_PREFIX):
        bucket, _, rest = request.path[len(PATH_PREFIX) :].partition("/")
        if bucket:
            return bucket, "/" + rest, PATH_PREFIX + bucket
    return None


class WebsiteRoute:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def matches(self, request: Request) -> bool:
        return bucket_and_path(request) is not None

    async def handle(self, request: Request) -> Response:
        from cloudlet.services.s3 import website_pages

        found = bucket_and_path(request)
        assert found is not None
        return await website_pages.serve(self.env, request, *found)
