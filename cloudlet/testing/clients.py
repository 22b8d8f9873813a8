"""boto3 clients configured for a cloudlet endpoint."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config as BotoConfig

REGION = "us-east-1"


def make_client(endpoint: str, service: str, **kwargs: Any) -> Any:
    """A boto3 client with the default test/test credentials and no retries (errors surface)."""
    kwargs.setdefault("region_name", REGION)
    kwargs.setdefault("aws_access_key_id", "test")
    kwargs.setdefault("aws_secret_access_key", "test")
    kwargs.setdefault("config", BotoConfig(retries={"max_attempts": 1}))
    return boto3.session.Session().client(service, endpoint_url=endpoint, **kwargs)
