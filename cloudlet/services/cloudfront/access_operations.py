"""Origin access controls and legacy origin access identities."""

from __future__ import annotations

import secrets
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.cloudfront import errors, ids, resources, store
from cloudlet.services.cloudfront.common import CloudFrontOperations, page
from cloudlet.services.cloudfront.validation import items

OAC = resources.Kind(
    "origin-access-control",
    "origin access control",
    "NoSuchOriginAccessControl",
    "OriginAccessControlAlreadyExists",
    "OriginAccessControlInUse",
    ids.etag,
)
OAI = resources.Kind(
    "origin-access-identity",
    "origin access identity",
    "NoSuchCloudFrontOriginAccessIdentity",
    "CloudFrontOriginAccessIdentityAlreadyExists",
    "CloudFrontOriginAccessIdentityInUse",
    ids.etag,
)
OAI_PREFIX = "origin-access-identity/cloudfront/"


def oai_arn(oai_id: str) -> str:
    """How a bucket policy names an identity: an IAM user of the "cloudfront" account."""
    return f"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {oai_id}"


def _origins_using(conn: Any, account_id: str, match: Any) -> bool:
    return any(
        match(origin)
        for d in store.list_kind(conn, "distribution", account_id)
        for origin in items(d.config.get("Origins"))
    )


def _listing(params: dict[str, Any], chosen: list[Any], next_marker: str | None) -> dict[str, Any]:
    listing: dict[str, Any] = {
        "Marker": params.get("Marker") or "",
        "MaxItems": int(params.get("MaxItems") or 100),
        "IsTruncated": next_marker is not None,
        "Quantity": len(chosen),
    }
    if chosen:
        listing["Items"] = chosen
    if next_marker:
        listing["NextMarker"] = next_marker
    return listing


class AccessOperations(CloudFrontOperations):
    # -- origin access control -----------------------------------------------------------------

    def create_origin_access_control(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        config = params["OriginAccessControlConfig"]
        config.setdefault("Description", "")
        with self.env.store.db() as conn:
            if any(
                r.config["Name"] == config["Name"] for r in store.list_kind(conn, OAC.name, ctx.account_id)
            ):
                raise errors.already_exists(
                    OAC.already_exists, "An origin access control with the same name already exists."
                )
            resource = resources.create(conn, OAC, ctx.account_id, config, self.now())
        return {
            "OriginAccessControl": {"Id": resource.id, "OriginAccessControlConfig": config},
            "Location": self.location(f"origin-access-control/{resource.id}"),
            "ETag": resource.etag,
        }

    def get_origin_access_control(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            resource = resources.get(conn, OAC, params["Id"], ctx.account_id)
        return {
            "OriginAccessControl": {"Id": resource.id, "OriginAccessControlConfig": resource.config},
            "ETag": resource.etag,
        }

    def get_origin_access_control_config(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            resource = resources.get(conn, OAC, params["Id"], ctx.account_id)
        return {"OriginAccessControlConfig": resource.config, "ETag": resource.etag}

    def update_origin_access_control(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        config = params["OriginAccessControlConfig"]
        config.setdefault("Description", "")
        with self.env.store.db() as conn:
            resource = resources.get(conn, OAC, params["Id"], ctx.account_id)
            resources.check_if_match(resource, params.get("IfMatch"))
            resources.replace(conn, resource, config, self.now())
        return {
            "OriginAccessControl": {"Id": resource.id, "OriginAccessControlConfig": config},
            "ETag": resource.etag,
        }

    def delete_origin_access_control(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            resource = resources.get(conn, OAC, params["Id"], ctx.account_id)
            resources.check_if_match(resource, params.get("IfMatch"))
            if _origins_using(conn, ctx.account_id, lambda o: o.get("OriginAccessControlId") == resource.id):
                raise errors.in_use(OAC.in_use, "The origin access control is in use.")
            store.delete(conn, OAC.name, resource.id)
        return {}

    def list_origin_access_controls(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            found = [{"Id": r.id, **r.config} for r in store.list_kind(conn, OAC.name, ctx.account_id)]
        chosen, next_marker = page(found, params, lambda item: item["Id"])
        return {"OriginAccessControlList": _listing(params, chosen, next_marker)}

    # -- legacy origin access identities -------------------------------------------------------

    @staticmethod
    def _oai(resource: store.Resource) -> dict[str, Any]:
        return {
            "Id": resource.id,
            "S3CanonicalUserId": resource.extra["S3CanonicalUserId"],
            "CloudFrontOriginAccessIdentityConfig": resource.config,
        }

    def create_cloud_front_origin_access_identity(self, ctx: RequestContext, params: dict[str, Any]) -> dict:
        config = params["CloudFrontOriginAccessIdentityConfig"]
        with self.env.store.db() as conn:
            for existing in store.list_kind(conn, OAI.name, ctx.account_id):
                if existing.config["CallerReference"] == config["CallerReference"]:
                    if existing.config != config:
                        raise errors.already_exists(
                            OAI.already_exists,
                            "An origin access identity with this caller reference already exists.",
                        )
                    return {
                        "CloudFrontOriginAccessIdentity": self._oai(existing),
                        "Location": self.location(f"{OAI_PREFIX}{existing.id}"),
                        "ETag": existing.etag,
                    }
            resource = resources.create(
                conn, OAI, ctx.account_id, config, self.now(), {"S3CanonicalUserId": secrets.token_hex(48)}
            )
        return {
            "CloudFrontOriginAccessIdentity": self._oai(resource),
            "Location": self.location(f"{OAI_PREFIX}{resource.id}"),
            "ETag": resource.etag,
        }

    def get_cloud_front_origin_access_identity(self, ctx: RequestContext, params: dict[str, Any]) -> dict:
        with self.env.store.read() as conn:
            resource = resources.get(conn, OAI, params["Id"], ctx.account_id)
        return {"CloudFrontOriginAccessIdentity": self._oai(resource), "ETag": resource.etag}

    def get_cloud_front_origin_access_identity_config(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict:
        with self.env.store.read() as conn:
            resource = resources.get(conn, OAI, params["Id"], ctx.account_id)
        return {"CloudFrontOriginAccessIdentityConfig": resource.config, "ETag": resource.etag}

    def update_cloud_front_origin_access_identity(self, ctx: RequestContext, params: dict[str, Any]) -> dict:
        config = params["CloudFrontOriginAccessIdentityConfig"]
        with self.env.store.db() as conn:
            resource = resources.get(conn, OAI, params["Id"], ctx.account_id)
            resources.check_if_match(resource, params.get("IfMatch"))
            if config["CallerReference"] != resource.config["CallerReference"]:
                raise errors.IllegalUpdate("The CallerReference of an origin access identity cannot change.")
            resources.replace(conn, resource, config, self.now())
        return {"CloudFrontOriginAccessIdentity": self._oai(resource), "ETag": resource.etag}

    def delete_cloud_front_origin_access_identity(self, ctx: RequestContext, params: dict[str, Any]) -> dict:
        with self.env.store.db() as conn:
            resource = resources.get(conn, OAI, params["Id"], ctx.account_id)
            resources.check_if_match(resource, params.get("IfMatch"))
            name = OAI_PREFIX + resource.id
            if _origins_using(
                conn,
                ctx.account_id,
                lambda o: (o.get("S3OriginConfig") or {}).get("OriginAccessIdentity") == name,
            ):
                raise errors.in_use(OAI.in_use, "The CloudFront origin access identity is still being used.")
            store.delete(conn, OAI.name, resource.id)
        return {}

    def list_cloud_front_origin_access_identities(self, ctx: RequestContext, params: dict[str, Any]) -> dict:
        with self.env.store.read() as conn:
            found = [
                {
                    "Id": r.id,
                    "S3CanonicalUserId": r.extra["S3CanonicalUserId"],
                    "Comment": r.config["Comment"],
                }
                for r in store.list_kind(conn, OAI.name, ctx.account_id)
            ]
        chosen, next_marker = page(found, params, lambda item: item["Id"])
        return {"CloudFrontOriginAccessIdentityList": _listing(params, chosen, next_marker)}
