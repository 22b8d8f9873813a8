"""Which requests are browser form uploads (PostObject): decided before the upload code loads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cloudlet.aws.parsing.s3 import s3_bucket_from_host
from cloudlet.edge.types import Request, Response

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment
    from cloudlet.services.s3.post import PostObjectUpload


def bucket_of(request: Request) -> str | None:
    """The bucket a form is posted to: the virtual host, or a path of one segment."""
    virtual = s3_bucket_from_host(request.host)
    path = request.path.strip("/")
    if virtual is not None:
        return virtual if not path else None
    return path if path and "/" not in path else None


class PostRoute:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self._upload: PostObjectUpload | None = None

    def matches(self, request: Request) -> bool:
        if request.method != "POST" or request.query:
            return False
        if not (request.headers.get("content-type") or "").startswith("multipart/form-data"):
            return False
        return bucket_of(request) is not None

    async def handle(self, request: Request) -> Response:
        if self._upload is None:
            from cloudlet.services.s3.post import PostObjectUpload

            self._upload = PostObjectUpload(self.env)
        return await self._upload.handle(request, bucket_of(request) or "")
