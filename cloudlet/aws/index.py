"""Which botocore service a request names: an index over every model's metadata.

Reading all ~440 models takes seconds, so the index is written once per botocore version
to the user's cache directory and read back in milliseconds afterwards.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from functools import cache

from cloudlet.aws.model import available_services, data_dir, load_service


@dataclass(frozen=True)
class ServiceIndex:
    by_target_prefix: dict[str, str]  # "DynamoDB_20120810" -> "dynamodb"
    by_signing_name: dict[str, list[str]]  # "ses" -> ["ses", "sesv2"]
    by_endpoint_prefix: dict[str, list[str]]
    query_services: dict[str, str]  # "2011-06-15" (query apiVersion) -> service, for unsigned Action calls


def _build() -> dict:
    targets: dict[str, str] = {}
    signing: dict[str, list[str]] = {}
    endpoints: dict[str, list[str]] = {}
    versions: dict[str, str] = {}
    for name in available_services():
        try:
            model = load_service(name)
        except Exception:  # a malformed or partial model directory is not ours to fix
            continue
        if model.target_prefix:
            targets.setdefault(model.target_prefix, name)
        signing.setdefault(model.signing_name, []).append(name)
        endpoints.setdefault(model.endpoint_prefix, []).append(name)
        if "query" in model.protocols:
            versions.setdefault(model.api_version, name)
        load_service.cache_clear()  # don't keep 440 models in memory
    return {"targets": targets, "signing": signing, "endpoints": endpoints, "versions": versions}


def _cache_path() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    stamp = str(int(os.path.getmtime(data_dir())))
    return os.path.join(base, "cloudlet", f"service-index-{stamp}.json")


@cache
def service_index() -> ServiceIndex:
    path = _cache_path()
    try:
        with open(path) as fh:
            raw = json.load(fh)
    except (OSError, ValueError):
        raw = _build()
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
            with os.fdopen(fd, "w") as fh:
                json.dump(raw, fh)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only home only costs the rebuild next time
    return ServiceIndex(raw["targets"], raw["signing"], raw["endpoints"], raw["versions"])
