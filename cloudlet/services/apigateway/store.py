"""apigateway's tables.

REST APIs and what they hold (resources with their methods, authorizers, models, validators,
stages, deployments) are documents in the shared layout of cloudlet.services.gateway.documents.
API keys and usage plans belong to the account, not to an API. The stage cache, usage counters,
throttle buckets and authorizer results are state the data plane keeps, in the store so that
every edge worker sees the same.
"""

from __future__ import annotations

from cloudlet.core.migrations import Migration
from cloudlet.services.gateway.documents import Documents, migrations

DOCS = Documents("apigw")

MIGRATIONS = (
    *migrations("apigw"),
    Migration(
        "0002_keys_and_runtime_state",
        """
        CREATE TABLE apigw_account_items (
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            kind TEXT NOT NULL,
            item_id TEXT NOT NULL,
            created REAL NOT NULL,
            doc TEXT NOT NULL,
            PRIMARY KEY (account, region, kind, item_id)
        );
        CREATE TABLE apigw_cache (
            api_id TEXT NOT NULL,
            stage TEXT NOT NULL,
            cache_key TEXT NOT NULL,
            expires REAL NOT NULL,
            status INTEGER NOT NULL,
            headers TEXT NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY (api_id, stage, cache_key)
        );
        CREATE TABLE apigw_usage (
            plan_id TEXT NOT NULL,
            key_id TEXT NOT NULL,
            period TEXT NOT NULL,
            used INTEGER NOT NULL,
            PRIMARY KEY (plan_id, key_id, period)
        );
        CREATE TABLE apigw_buckets (
            scope TEXT PRIMARY KEY,
            tokens REAL NOT NULL,
            updated REAL NOT NULL
        );
        CREATE TABLE apigw_authorizer_results (
            api_id TEXT NOT NULL,
            stage TEXT NOT NULL,
            authorizer_id TEXT NOT NULL,
            identity TEXT NOT NULL,
            expires REAL NOT NULL,
            result TEXT NOT NULL,
            PRIMARY KEY (api_id, stage, authorizer_id, identity)
        );
    """,
    ),
)
