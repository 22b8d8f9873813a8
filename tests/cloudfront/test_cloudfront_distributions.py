"""The control plane: distributions with ETag / If-Match, policies, access controls, tags."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from conftest import CACHING_OPTIMIZED, custom_origin, distribution_config, http, s3_origin, unique


def error_of(excinfo: pytest.ExceptionInfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_get_list_and_deploy(cf):
    config = distribution_config(
        [s3_origin("photos")], Aliases={"Quantity": 1, "Items": ["cdn.example.test"]}
    )
    created = cf.create_distribution(DistributionConfig=config)
    dist = created["Distribution"]
    assert dist["Status"] == "InProgress"
    assert dist["Id"].startswith("E") and len(dist["Id"]) == 14
    assert dist["DomainName"] == f"{dist['Id'].lower()}.cloudfront.net"
    assert dist["ARN"] == f"arn:aws:cloudfront::000000000000:distribution/{dist['Id']}"
    assert created["Location"].endswith(f"/2020-05-31/distribution/{dist['Id']}")
    fetched = cf.get_distribution(Id=dist["Id"])
    assert fetched["ETag"] == created["ETag"]
    assert fetched["Distribution"]["Status"] == "Deployed"
    assert fetched["Distribution"]["DistributionConfig"]["Aliases"]["Items"] == ["cdn.example.test"]
    assert fetched["Distribution"]["DistributionConfig"]["PriceClass"] == "PriceClass_All"
    cf.get_waiter("distribution_deployed").wait(Id=dist["Id"], WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    ids = [item["Id"] for item in cf.list_distributions()["DistributionList"]["Items"]]
    assert dist["Id"] in ids


def test_same_caller_reference_is_idempotent_and_different_config_conflicts(cf):
    config = distribution_config([s3_origin("photos")])
    first = cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
    assert cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"] == first
    with pytest.raises(ClientError) as excinfo:
        cf.create_distribution(DistributionConfig={**config, "Comment": "changed"})
    assert error_of(excinfo) == ("DistributionAlreadyExists", 409)


def test_update_needs_the_current_etag(cf):
    created = cf.create_distribution(DistributionConfig=distribution_config([s3_origin("photos")]))
    dist_id, etag = created["Distribution"]["Id"], created["ETag"]
    config = cf.get_distribution_config(Id=dist_id)["DistributionConfig"]
    config["Comment"] = "second"
    with pytest.raises(ClientError) as excinfo:
        cf.update_distribution(Id=dist_id, DistributionConfig=config, IfMatch="EWRONG")
    assert error_of(excinfo) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as excinfo:
        cf.update_distribution(Id=dist_id, DistributionConfig=config, IfMatch="")
    assert error_of(excinfo)[0] in ("InvalidIfMatchVersion", "PreconditionFailed")
    updated = cf.update_distribution(Id=dist_id, DistributionConfig=config, IfMatch=etag)
    assert updated["ETag"] != etag
    assert updated["Distribution"]["DistributionConfig"]["Comment"] == "second"
    config["CallerReference"] = "other"
    with pytest.raises(ClientError) as excinfo:
        cf.update_distribution(Id=dist_id, DistributionConfig=config, IfMatch=updated["ETag"])
    assert error_of(excinfo) == ("IllegalUpdate", 400)


def test_delete_requires_disabled_and_if_match(cf):
    created = cf.create_distribution(DistributionConfig=distribution_config([s3_origin("photos")]))
    dist_id = created["Distribution"]["Id"]
    with pytest.raises(ClientError) as excinfo:
        cf.delete_distribution(Id=dist_id, IfMatch=created["ETag"])
    assert error_of(excinfo) == ("DistributionNotDisabled", 409)
    with pytest.raises(ClientError) as excinfo:
        cf.delete_distribution(Id=dist_id)
    assert error_of(excinfo) == ("InvalidIfMatchVersion", 400)
    config = cf.get_distribution_config(Id=dist_id)["DistributionConfig"]
    config["Enabled"] = False
    etag = cf.update_distribution(Id=dist_id, DistributionConfig=config, IfMatch=created["ETag"])["ETag"]
    with pytest.raises(ClientError) as excinfo:
        cf.delete_distribution(Id=dist_id, IfMatch=created["ETag"])
    assert error_of(excinfo) == ("PreconditionFailed", 412)
    cf.delete_distribution(Id=dist_id, IfMatch=etag)
    with pytest.raises(ClientError) as excinfo:
        cf.get_distribution(Id=dist_id)
    assert error_of(excinfo) == ("NoSuchDistribution", 404)


def test_invalid_configs_are_refused(cf):
    def refused(config: dict) -> tuple[str, int]:
        with pytest.raises(ClientError) as excinfo:
            cf.create_distribution(DistributionConfig=config)
        return error_of(excinfo)

    bad_target = distribution_config([s3_origin("photos")], behavior={"TargetOriginId": "nowhere"})
    assert refused(bad_target) == ("NoSuchOrigin", 404)
    assert refused(distribution_config([s3_origin("photos")], DefaultRootObject="/index.html")) == (
        "InvalidDefaultRootObject",
        400,
    )
    mismatch = distribution_config([s3_origin("photos")])
    mismatch["Origins"]["Quantity"] = 2
    assert refused(mismatch) == ("InconsistentQuantities", 400)
    assert refused(distribution_config([s3_origin("photos")], behavior={"CachePolicyId": "nope"})) == (
        "NoSuchCachePolicy",
        404,
    )
    taken = distribution_config(
        [s3_origin("photos")], Aliases={"Quantity": 1, "Items": ["taken.example.test"]}
    )
    cf.create_distribution(DistributionConfig=taken)
    again = distribution_config(
        [s3_origin("photos")], Aliases={"Quantity": 1, "Items": ["taken.example.test"]}
    )
    assert refused(again) == ("CNAMEAlreadyExists", 409)


def test_managed_and_custom_cache_policies(cf):
    managed = cf.get_cache_policy(Id=CACHING_OPTIMIZED)["CachePolicy"]["CachePolicyConfig"]
    assert managed["Name"] == "Managed-CachingOptimized" and managed["MinTTL"] == 1
    listed = cf.list_cache_policies(Type="managed")["CachePolicyList"]["Items"]
    assert {"Managed-CachingOptimized", "Managed-CachingDisabled"} <= {
        p["CachePolicy"]["CachePolicyConfig"]["Name"] for p in listed
    }
    config = {
        "Name": unique("policy"),
        "MinTTL": 0,
        "DefaultTTL": 60,
        "MaxTTL": 600,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": True,
            "HeadersConfig": {"HeaderBehavior": "none"},
            "CookiesConfig": {"CookieBehavior": "none"},
            "QueryStringsConfig": {"QueryStringBehavior": "all"},
        },
    }
    created = cf.create_cache_policy(CachePolicyConfig=config)
    policy_id = created["CachePolicy"]["Id"]
    dist = cf.create_distribution(
        DistributionConfig=distribution_config([s3_origin("photos")], behavior={"CachePolicyId": policy_id})
    )
    with pytest.raises(ClientError) as excinfo:
        cf.delete_cache_policy(Id=policy_id, IfMatch=created["ETag"])
    assert error_of(excinfo) == ("CachePolicyInUse", 409)
    with pytest.raises(ClientError) as excinfo:
        cf.delete_cache_policy(Id=CACHING_OPTIMIZED, IfMatch="x")
    assert error_of(excinfo)[1] == 400
    config["DefaultTTL"] = 120
    updated = cf.update_cache_policy(Id=policy_id, CachePolicyConfig=config, IfMatch=created["ETag"])
    assert updated["CachePolicy"]["CachePolicyConfig"]["DefaultTTL"] == 120
    assert dist["Distribution"]["DistributionConfig"]["DefaultCacheBehavior"]["CachePolicyId"] == policy_id


def test_origin_access_controls(cf):
    config = {
        "Name": unique("oac"),
        "Description": "site",
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }
    created = cf.create_origin_access_control(OriginAccessControlConfig=config)
    oac_id = created["OriginAccessControl"]["Id"]
    assert (
        cf.get_origin_access_control(Id=oac_id)["OriginAccessControl"]["OriginAccessControlConfig"] == config
    )
    assert oac_id in [i["Id"] for i in cf.list_origin_access_controls()["OriginAccessControlList"]["Items"]]
    with pytest.raises(ClientError) as excinfo:
        cf.create_origin_access_control(OriginAccessControlConfig=config)
    assert error_of(excinfo) == ("OriginAccessControlAlreadyExists", 409)
    dist = cf.create_distribution(
        DistributionConfig=distribution_config([s3_origin("photos", OriginAccessControlId=oac_id)])
    )
    with pytest.raises(ClientError) as excinfo:
        cf.delete_origin_access_control(Id=oac_id, IfMatch=created["ETag"])
    assert error_of(excinfo) == ("OriginAccessControlInUse", 409)
    assert (
        dist["Distribution"]["DistributionConfig"]["Origins"]["Items"][0]["OriginAccessControlId"] == oac_id
    )
    unused = cf.create_origin_access_control(OriginAccessControlConfig={**config, "Name": unique("oac")})
    cf.delete_origin_access_control(Id=unused["OriginAccessControl"]["Id"], IfMatch=unused["ETag"])
    with pytest.raises(ClientError) as excinfo:
        cf.get_origin_access_control(Id=unused["OriginAccessControl"]["Id"])
    assert error_of(excinfo) == ("NoSuchOriginAccessControl", 404)


def test_origin_access_identities(cf):
    created = cf.create_cloud_front_origin_access_identity(
        CloudFrontOriginAccessIdentityConfig={"CallerReference": unique("oai"), "Comment": "c"}
    )
    identity = created["CloudFrontOriginAccessIdentity"]
    assert len(identity["S3CanonicalUserId"]) == 96
    listed = cf.list_cloud_front_origin_access_identities()["CloudFrontOriginAccessIdentityList"]["Items"]
    assert identity["Id"] in [i["Id"] for i in listed]
    cf.delete_cloud_front_origin_access_identity(Id=identity["Id"], IfMatch=created["ETag"])


def test_tags(cf, origin):
    created = cf.create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": distribution_config([custom_origin(origin.port)]),
            "Tags": {"Items": [{"Key": "team", "Value": "web"}]},
        }
    )
    arn = created["Distribution"]["ARN"]
    cf.tag_resource(Resource=arn, Tags={"Items": [{"Key": "env", "Value": "dev"}]})
    tags = cf.list_tags_for_resource(Resource=arn)["Tags"]["Items"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "dev"), ("team", "web")]
    cf.untag_resource(Resource=arn, TagKeys={"Items": ["team"]})
    assert cf.list_tags_for_resource(Resource=arn)["Tags"]["Items"] == [{"Key": "env", "Value": "dev"}]
    with pytest.raises(ClientError) as excinfo:
        cf.list_tags_for_resource(Resource="arn:aws:cloudfront::000000000000:distribution/ENOSUCHTHING1")
    assert error_of(excinfo) == ("NoSuchResource", 404)


def test_list_distributions_by_cache_policy(cf):
    policy_id = cf.create_cache_policy(
        CachePolicyConfig={
            "Name": unique("listed"),
            "MinTTL": 0,
            "DefaultTTL": 1,
            "MaxTTL": 10,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": False,
                "HeadersConfig": {"HeaderBehavior": "none"},
                "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "none"},
            },
        },
    )["CachePolicy"]["Id"]
    dist = cf.create_distribution(
        DistributionConfig=distribution_config([s3_origin("photos")], behavior={"CachePolicyId": policy_id})
    )["Distribution"]["Id"]
    assert cf.list_distributions_by_cache_policy_id(CachePolicyId=policy_id)["DistributionIdList"][
        "Items"
    ] == [dist]


def test_edge_answers_for_unknown_and_disabled_distributions(cf, origin, edge_url):
    assert http.get(edge_url("ENOSUCHDIST1234", "/x")).status_code == 404
    config = distribution_config([custom_origin(origin.port)], Enabled=False)
    dist = cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
    reply = http.get(edge_url(dist, "/x"))
    assert reply.status_code == 403 and reply.headers["x-cache"] == "Error from cloudfront"


def test_custom_origin_request_policy_lifecycle(cf):
    config = {
        "Name": unique("forward"),
        "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": {"Quantity": 1, "Items": ["X-Tenant"]}},
        "CookiesConfig": {"CookieBehavior": "none"},
        "QueryStringsConfig": {"QueryStringBehavior": "all"},
    }
    created = cf.create_origin_request_policy(OriginRequestPolicyConfig=config)
    policy_id = created["OriginRequestPolicy"]["Id"]
    fetched = cf.get_origin_request_policy_config(Id=policy_id)
    assert fetched["OriginRequestPolicyConfig"]["HeadersConfig"]["Headers"]["Items"] == ["X-Tenant"]
    assert fetched["ETag"] == created["ETag"]
    custom = cf.list_origin_request_policies(Type="custom")["OriginRequestPolicyList"]["Items"]
    assert [p["OriginRequestPolicy"]["Id"] for p in custom] == [policy_id]
    with pytest.raises(ClientError) as excinfo:
        cf.create_origin_request_policy(OriginRequestPolicyConfig=config)
    assert error_of(excinfo) == ("OriginRequestPolicyAlreadyExists", 409)
    cf.delete_origin_request_policy(Id=policy_id, IfMatch=created["ETag"])
    with pytest.raises(ClientError) as excinfo:
        cf.get_origin_request_policy(Id=policy_id)
    assert error_of(excinfo) == ("NoSuchOriginRequestPolicy", 404)
