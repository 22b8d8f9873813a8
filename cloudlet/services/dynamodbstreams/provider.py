"""DynamoDB Streams: the read side of the streams DynamoDB writes with each change.

The records belong to the DynamoDB service (written in the transaction of the change); this
API reads them through cloudlet.services.dynamodb.streams, after making sure DynamoDB's
provider (and so its schema) is up.
"""

from __future__ import annotations

from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.base import Provider
from cloudlet.services.dynamodb import streams

Params = dict[str, Any]


class DynamoDBStreamsProvider(Provider):
    service = "dynamodbstreams"

    async def start(self) -> None:
        await self.env.registry.provider("dynamodb")

    def list_streams(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            return streams.list_streams(conn, ctx.account_id, ctx.region, params, self.env.clock.now())

    def describe_stream(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            return streams.describe_stream(conn, params, self.env.clock.now())

    def get_shard_iterator(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            return streams.shard_iterator(conn, params, self.env.clock.now())

    def get_records(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            return streams.get_records(conn, params, self.env.clock.now())
