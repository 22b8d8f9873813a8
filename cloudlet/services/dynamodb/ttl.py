"""Time to live: deletes expired items on the clock, as the DynamoDB service principal.

Expiry times are indexed in `ddb_ttl` by writes.commit, so a sweep reads only what is due.
Each sweep runs in one transaction and re-reads the item, so processes sharing the data
directory can sweep at the same time without deleting anything twice.
"""

from __future__ import annotations

import asyncio
import logging

from cloudlet.core.clock import Clock
from cloudlet.core.store import Store
from cloudlet.services.dynamodb import store, writes
from cloudlet.services.dynamodb.schema import table_from_row
from cloudlet.services.dynamodb.streams import RETENTION

log = logging.getLogger("cloudlet.dynamodb.ttl")

SWEEP_INTERVAL = 1.0  # clock seconds: an advance() wakes the sweeper at once
BATCH = 100
TRIM_INTERVAL = 600.0
IGNORED_AFTER = 5 * 365 * 86400.0


def sweep(db: Store, now: float) -> int:
    """Deletes up to BATCH expired items; returns how many."""
    with db.read() as conn:
        due = store.next_expiry(conn)
    if due is None or due > now:
        return 0
    deleted = 0
    with db.db() as conn:
        for table_id, expires, key in store.expired(conn, now, BATCH):
            row = store.table_by_id(conn, table_id)
            store.set_expiry(conn, table_id, key, expires, None)
            if row is None:
                continue
            table = table_from_row(table_id, *row)
            item = writes.load(conn, table, key)
            if item is None or table.ttl_attribute is None:
                continue
            when = writes.expiry(item, table.ttl_attribute)
            # AWS ignores an expiry more than five years in the past.
            if when is not None and now - IGNORED_AFTER <= when <= now:
                writes.commit(conn, table, key, item, None, now, identity=writes.TTL_PRINCIPAL)
                deleted += 1
    return deleted


def trim(db: Store, now: float) -> None:
    with db.db() as conn:
        store.trim_stream_records(conn, now - RETENTION)


async def reap_forever(db: Store, clock: Clock) -> None:
    trimmed_at = 0.0
    while True:
        try:
            while sweep(db, clock.now()) == BATCH:
                await asyncio.sleep(0)
            if clock.now() - trimmed_at >= TRIM_INTERVAL:
                trimmed_at = clock.now()
                trim(db, trimmed_at)
        except Exception:
            log.exception("TTL sweep failed; retrying")
        await clock.sleep(SWEEP_INTERVAL)
