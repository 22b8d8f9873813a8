"""Distribution configs: the defaults AWS fills in, the checks it makes, the shapes it returns."""

from __future__ import annotations

import copy
from typing import Any

from cloudlet.services.cloudfront import errors, ids, managed, resources, store
from cloudlet.services.cloudfront.validation import check_quantities, items, quantity_list

KIND = "distribution"
_EMPTY = {"Quantity": 0}


def with_defaults(config: dict[str, Any]) -> dict[str, Any]:
    """The config as GetDistributionConfig returns it: absent optional parts filled as AWS does."""
    config = copy.deepcopy(config)
    for name in ("Aliases", "CacheBehaviors", "CustomErrorResponses", "OriginGroups"):
        config.setdefault(name, dict(_EMPTY))
    config.setdefault("DefaultRootObject", "")
    config.setdefault("Logging", {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""})
    config.setdefault("PriceClass", "PriceClass_All")
    config.setdefault(
        "ViewerCertificate",
        {
            "CloudFrontDefaultCertificate": True,
            "SSLSupportMethod": "vip",
            "MinimumProtocolVersion": "TLSv1",
            "CertificateSource": "cloudfront",
        },
    )
    config.setdefault("Restrictions", {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}})
    config.setdefault("WebACLId", "")
    config.setdefault("HttpVersion", "http2")
    config.setdefault("IsIPV6Enabled", True)
    config.setdefault("Staging", False)
    for origin in items(config.get("Origins")):
        origin.setdefault("OriginPath", "")
        origin.setdefault("CustomHeaders", dict(_EMPTY))
        origin.setdefault("ConnectionAttempts", 3)
        origin.setdefault("ConnectionTimeout", 10)
        origin.setdefault("OriginShield", {"Enabled": False})
        origin.setdefault("OriginAccessControlId", "")
    for behavior in [config["DefaultCacheBehavior"], *items(config["CacheBehaviors"])]:
        _behavior_defaults(behavior)
    return config


def _behavior_defaults(behavior: dict[str, Any]) -> None:
    behavior.setdefault("TrustedSigners", {"Enabled": False, "Quantity": 0})
    key_groups = behavior.setdefault("TrustedKeyGroups", {"Enabled": False, "Quantity": 0})
    key_groups.setdefault("Enabled", bool(items(key_groups)))
    behavior.setdefault(
        "AllowedMethods",
        {"Quantity": 2, "Items": ["HEAD", "GET"], "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]}},
    )
    behavior.setdefault("SmoothStreaming", False)
    behavior.setdefault("Compress", False)
    behavior.setdefault("LambdaFunctionAssociations", dict(_EMPTY))
    behavior.setdefault("FunctionAssociations", dict(_EMPTY))
    behavior.setdefault("FieldLevelEncryptionId", "")
    if "CachePolicyId" not in behavior and "ForwardedValues" in behavior:
        behavior.setdefault("MinTTL", 0)
        behavior.setdefault("DefaultTTL", 86400)
        behavior.setdefault("MaxTTL", 31536000)


def validate(conn: Any, account_id: str, config: dict[str, Any], distribution_id: str | None) -> None:
    check_quantities(config)
    origins = {origin["Id"] for origin in items(config.get("Origins"))}
    if not origins:
        raise errors.InvalidArgument("The parameter Origins must contain at least one origin.")
    groups = {group["Id"] for group in items(config.get("OriginGroups"))}
    root = config.get("DefaultRootObject") or ""
    if root.startswith("/"):
        raise errors.InvalidDefaultRootObject("The specified default root object is invalid.")
    for origin in items(config.get("Origins")):
        _validate_origin(conn, account_id, origin)
    for behavior in [config["DefaultCacheBehavior"], *items(config.get("CacheBehaviors"))]:
        if behavior["TargetOriginId"] not in origins | groups:
            raise errors.not_found(
                "NoSuchOrigin", "One or more of your origins or origin groups do not exist."
            )
        _validate_behavior(conn, account_id, behavior)
    for response in items(config.get("CustomErrorResponses")):
        if not 400 <= int(response["ErrorCode"]) <= 599:
            raise errors.InvalidErrorCode("The specified error code is not valid.")
    for alias in items(config.get("Aliases")):
        owner = store.alias_owner(conn, alias.lower())
        if owner is not None and owner != distribution_id:
            raise errors.CNAMEAlreadyExists(
                "One or more of the CNAMEs you provided are already associated with a different resource."
            )


def _owned(conn: Any, kind: str, resource_id: str, account_id: str) -> store.Resource | None:
    resource = store.find(conn, kind, resource_id)
    return resource if resource is not None and resource.account_id == account_id else None


def _validate_origin(conn: Any, account_id: str, origin: dict[str, Any]) -> None:
    if ("S3OriginConfig" in origin) == ("CustomOriginConfig" in origin) and "VpcOriginConfig" not in origin:
        raise errors.InvalidOrigin("Each origin needs exactly one of S3OriginConfig and CustomOriginConfig.")
    oac = origin.get("OriginAccessControlId")
    if oac and _owned(conn, "origin-access-control", oac, account_id) is None:
        raise errors.not_found("NoSuchOriginAccessControl", "The origin access control does not exist.")
    oai = (origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity") or ""
    if oai:
        prefix = "origin-access-identity/cloudfront/"
        if (
            not oai.startswith(prefix)
            or _owned(conn, "origin-access-identity", oai[len(prefix) :], account_id) is None
        ):
            raise errors.InvalidOriginAccessIdentity(
                "The origin access identity is not valid or doesn't exist."
            )
        if oac:
            raise errors.CloudFrontError(
                "You can't use both origin access control and origin access identity on the same origin.",
                code="IllegalOriginAccessConfiguration",
            )


def _validate_behavior(conn: Any, account_id: str, behavior: dict[str, Any]) -> None:
    policy_id = behavior.get("CachePolicyId")
    if policy_id:
        if (
            managed.cache_policy(policy_id) is None
            and _owned(conn, "cache-policy", policy_id, account_id) is None
        ):
            raise errors.not_found("NoSuchCachePolicy", "The cache policy does not exist.")
    elif "ForwardedValues" not in behavior:
        raise errors.InvalidArgument("The parameter ForwardedValues is required.")
    else:
        low, default, high = (behavior.get(name) for name in ("MinTTL", "DefaultTTL", "MaxTTL"))
        if (default is not None and low is not None and default < low) or (
            high is not None and default is not None and high < default
        ):
            raise errors.InvalidTTLOrder("The TTL order specified in CacheBehavior is not valid.")
    for name, code in (
        ("ResponseHeadersPolicyId", "NoSuchResponseHeadersPolicy"),
        ("OriginRequestPolicyId", "NoSuchOriginRequestPolicy"),
    ):
        value = behavior.get(name)
        kind = "response-headers-policy" if name.startswith("Response") else "origin-request-policy"
        if value and managed.find(kind, value) is None and _owned(conn, kind, value, account_id) is None:
            raise errors.not_found(code, f"The {kind.replace('-', ' ')} does not exist.")
    for group_id in items(behavior.get("TrustedKeyGroups")):
        if _owned(conn, "key-group", group_id, account_id) is None:
            raise errors.TrustedKeyGroupDoesNotExist("One or more of your trusted key groups do not exist.")


def describe(conn: Any, resource: store.Resource, status: str) -> dict[str, Any]:
    config = resource.config
    return {
        "Id": resource.id,
        "ARN": ids.distribution_arn(resource.account_id, resource.id),
        "Status": status,
        "LastModifiedTime": resources.http_date(resource.modified_at),
        "InProgressInvalidationBatches": 0,
        "DomainName": ids.domain_name(resource.id),
        "ActiveTrustedSigners": {"Enabled": False, "Quantity": 0},
        "ActiveTrustedKeyGroups": _active_key_groups(conn, config),
        "DistributionConfig": config,
    }


def _active_key_groups(conn: Any, config: dict[str, Any]) -> dict[str, Any]:
    group_ids: list[str] = []
    for behavior in [config["DefaultCacheBehavior"], *items(config.get("CacheBehaviors"))]:
        group_ids += [g for g in items(behavior.get("TrustedKeyGroups")) if g not in group_ids]
    active = []
    for group_id in group_ids:
        group = store.find(conn, "key-group", group_id)
        keys = items(group.config) if group else []
        active.append({"KeyGroupId": group_id, "KeyPairIds": quantity_list(keys)})
    return {"Enabled": bool(active), **quantity_list(active)}


def summary(resource: store.Resource, status: str) -> dict[str, Any]:
    config = resource.config
    keep = (
        "Aliases",
        "Origins",
        "OriginGroups",
        "DefaultCacheBehavior",
        "CacheBehaviors",
        "CustomErrorResponses",
        "Comment",
        "PriceClass",
        "Enabled",
        "ViewerCertificate",
        "Restrictions",
        "WebACLId",
        "HttpVersion",
        "IsIPV6Enabled",
        "Staging",
    )
    return {
        "Id": resource.id,
        "ARN": ids.distribution_arn(resource.account_id, resource.id),
        "ETag": resource.etag,
        "Status": status,
        "LastModifiedTime": resources.http_date(resource.modified_at),
        "DomainName": ids.domain_name(resource.id),
        **{name: config[name] for name in keep if name in config},
    }
