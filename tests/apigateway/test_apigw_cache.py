"""The stage cache: hits do not reach the backend, TTL on the shared clock, cache keys,
Cache-Control invalidation and FlushStageCache."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def cached(apigw, counter, uri_of, rest_api, add_path):
    """An API whose /items/{id} GET and POST go to a counting function; stage "live" caches."""
    arn, calls = counter("apigw-cache-counter")
    api_id, root = rest_api("cached")
    resource = add_path(api_id, root, "/items/{id}")
    for verb in ("GET", "POST"):
        apigw.put_method(
            restApiId=api_id,
            resourceId=resource,
            httpMethod=verb,
            authorizationType="NONE",
            requestParameters={"method.request.path.id": True, "method.request.querystring.v": False},
        )
        apigw.put_integration(
            restApiId=api_id,
            resourceId=resource,
            httpMethod=verb,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=uri_of(arn),
            cacheKeyParameters=["method.request.path.id"],
        )
    apigw.create_deployment(
        restApiId=api_id, stageName="live", cacheClusterEnabled=True, cacheClusterSize="0.5"
    )
    apigw.update_stage(
        restApiId=api_id,
        stageName="live",
        patchOperations=[
            {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
            {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": "300"},
        ],
    )
    return api_id, calls


def test_a_hit_does_not_invoke_the_backend(http, cached, server):
    api_id, calls = cached
    before = calls()
    first = http.get(f"/{api_id}/live/items/1")
    second = http.get(f"/{api_id}/live/items/1")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert calls() == before + 1
    # the path parameter is a cache key parameter; the query string is not
    other = http.get(f"/{api_id}/live/items/2")
    assert other.json()["path"] == "/items/2"
    same = http.get(f"/{api_id}/live/items/1", params={"v": "x"})
    assert same.json() == first.json()
    assert calls() == before + 2


def test_entries_expire_with_the_clock(http, cached, server):
    api_id, calls = cached
    http.get(f"/{api_id}/live/items/ttl")
    before = calls()
    http.get(f"/{api_id}/live/items/ttl")
    assert calls() == before
    server.advance_clock(301)
    http.get(f"/{api_id}/live/items/ttl")
    assert calls() == before + 1


def test_only_get_is_cached_by_the_stage_wide_setting(http, cached):
    api_id, calls = cached
    before = calls()
    http.post(f"/{api_id}/live/items/p")
    http.post(f"/{api_id}/live/items/p")
    assert calls() == before + 2


def test_flush_stage_cache(apigw, http, cached):
    api_id, calls = cached
    http.get(f"/{api_id}/live/items/flush")
    before = calls()
    apigw.flush_stage_cache(restApiId=api_id, stageName="live")
    http.get(f"/{api_id}/live/items/flush")
    assert calls() == before + 1


def test_cache_control_invalidation_needs_authorization(apigw, http, cached, endpoint):
    api_id, calls = cached
    http.get(f"/{api_id}/live/items/inv")
    before = calls()
    # unsigned: ignored, with a warning (the default strategy)
    reply = http.get(f"/{api_id}/live/items/inv", headers={"Cache-Control": "max-age=0"})
    assert calls() == before and reply.status_code == 200
    apigw.update_stage(
        restApiId=api_id,
        stageName="live",
        patchOperations=[
            {
                "op": "replace",
                "path": "/*/*/caching/unauthorizedCacheControlHeaderStrategy",
                "value": "FAIL_WITH_403",
            }
        ],
    )
    reply = http.get(f"/{api_id}/live/items/inv", headers={"Cache-Control": "max-age=0"})
    assert reply.status_code == 403 and calls() == before
    # signed by a known principal: the entry is refreshed
    signed = _signed_get(
        f"{endpoint}/_aws/execute-api/{api_id}/live/items/inv", {"Cache-Control": "max-age=0"}
    )
    assert signed.status_code == 200 and calls() == before + 1
    apigw.update_stage(
        restApiId=api_id,
        stageName="live",
        patchOperations=[
            {"op": "replace", "path": "/*/*/caching/requireAuthorizationForCacheControl", "value": "false"}
        ],
    )
    http.get(f"/{api_id}/live/items/inv", headers={"Cache-Control": "max-age=0"})
    assert calls() == before + 2


def test_disabling_the_cache_cluster_stops_caching(apigw, http, cached):
    api_id, calls = cached
    apigw.update_stage(
        restApiId=api_id,
        stageName="live",
        patchOperations=[{"op": "replace", "path": "/cacheClusterEnabled", "value": "false"}],
    )
    before = calls()
    http.get(f"/{api_id}/live/items/off")
    http.get(f"/{api_id}/live/items/off")
    assert calls() == before + 2


def _signed_get(url: str, headers: dict[str, str]):
    import httpx
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=url, headers=headers)
    SigV4Auth(Credentials("test", "test"), "execute-api", "us-east-1").add_auth(request)
    return httpx.get(url, headers=dict(request.headers))
