"""Public keys and key groups: who may sign URLs and cookies for a cache behaviour."""

from __future__ import annotations

from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.cloudfront import errors, ids, resources, store
from cloudlet.services.cloudfront.common import CloudFrontOperations, page
from cloudlet.services.cloudfront.validation import check_quantities, items

PUBLIC_KEY = resources.Kind(
    "public-key",
    "public key",
    "NoSuchPublicKey",
    "PublicKeyAlreadyExists",
    "PublicKeyInUse",
    ids.public_key_id,
)
KEY_GROUP = resources.Kind(
    "key-group", "key group", "NoSuchResource", "KeyGroupAlreadyExists", "ResourceInUse", ids.policy_id
)


def _check_encoded_key(pem: str) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(pem.encode())
    except (ValueError, TypeError):
        raise errors.InvalidArgument(
            "Invalid request provided: the EncodedKey is not a valid PEM public key."
        ) from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size != 2048:
        raise errors.InvalidArgument(
            "Invalid request provided: CloudFront public keys must be 2048-bit RSA keys."
        )


class KeyOperations(CloudFrontOperations):
    # -- public keys ---------------------------------------------------------------------------

    @staticmethod
    def _public_key(resource: store.Resource) -> dict[str, Any]:
        return {
            "Id": resource.id,
            "CreatedTime": resources.http_date(resource.created_at),
            "PublicKeyConfig": resource.config,
        }

    def create_public_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        config = params["PublicKeyConfig"]
        _check_encoded_key(config["EncodedKey"])
        with self.env.store.db() as conn:
            for existing in store.list_kind(conn, PUBLIC_KEY.name, ctx.account_id):
                if (
                    existing.config["CallerReference"] == config["CallerReference"]
                    or existing.config["Name"] == config["Name"]
                ):
                    raise errors.already_exists(
                        PUBLIC_KEY.already_exists, "The specified public key already exists."
                    )
            resource = resources.create(conn, PUBLIC_KEY, ctx.account_id, config, self.now())
        return {
            "PublicKey": self._public_key(resource),
            "Location": self.location(f"public-key/{resource.id}"),
            "ETag": resource.etag,
        }

    def get_public_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            resource = resources.get(conn, PUBLIC_KEY, params["Id"], ctx.account_id)
        return {"PublicKey": self._public_key(resource), "ETag": resource.etag}

    def get_public_key_config(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            resource = resources.get(conn, PUBLIC_KEY, params["Id"], ctx.account_id)
        return {"PublicKeyConfig": resource.config, "ETag": resource.etag}

    def update_public_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        config = params["PublicKeyConfig"]
        with self.env.store.db() as conn:
            resource = resources.get(conn, PUBLIC_KEY, params["Id"], ctx.account_id)
            resources.check_if_match(resource, params.get("IfMatch"))
            if any(
                config.get(name) != resource.config.get(name)
                for name in ("CallerReference", "Name", "EncodedKey")
            ):
                raise errors.CannotChangeImmutablePublicKeyFields(
                    "You can't change the value of a public key."
                )
            resources.replace(conn, resource, config, self.now())
        return {"PublicKey": self._public_key(resource), "ETag": resource.etag}

    def delete_public_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            resource = resources.get(conn, PUBLIC_KEY, params["Id"], ctx.account_id)
            resources.check_if_match(resource, params.get("IfMatch"))
            if any(
                resource.id in items(group.config)
                for group in store.list_kind(conn, KEY_GROUP.name, ctx.account_id)
            ):
                raise errors.in_use(PUBLIC_KEY.in_use, "The specified public key is in use.")
            store.delete(conn, PUBLIC_KEY.name, resource.id)
        return {}

    def list_public_keys(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            found = [
                {
                    "Id": r.id,
                    "Name": r.config["Name"],
                    "CreatedTime": resources.http_date(r.created_at),
                    "EncodedKey": r.config["EncodedKey"],
                    "Comment": r.config.get("Comment", ""),
                }
                for r in store.list_kind(conn, PUBLIC_KEY.name, ctx.account_id)
            ]
        chosen, next_marker = page(found, params, lambda item: item["Id"])
        listing: dict[str, Any] = {"MaxItems": int(params.get("MaxItems") or 100), "Quantity": len(chosen)}
        if chosen:
            listing["Items"] = chosen
        if next_marker:
            listing["NextMarker"] = next_marker
        return {"PublicKeyList": listing}

    # -- key groups ----------------------------------------------------------------------------

    @staticmethod
    def _key_group(resource: store.Resource) -> dict[str, Any]:
        return {
            "Id": resource.id,
            "LastModifiedTime": resources.http_date(resource.modified_at),
            "KeyGroupConfig": resource.config,
        }

    def _check_group(
        self, conn: Any, ctx: RequestContext, config: dict[str, Any], group_id: str | None
    ) -> None:
        check_quantities(config)
        if not config.get("Items"):
            raise errors.InvalidArgument("A key group needs at least one public key.")
        for key_id in config["Items"]:
            key = store.find(conn, PUBLIC_KEY.name, key_id)
            if key is None or key.account_id != ctx.account_id:
                raise resources.missing(PUBLIC_KEY)
        for existing in store.list_kind(conn, KEY_GROUP.name, ctx.account_id):
            if existing.config["Name"] == config["Name"] and existing.id != group_id:
                raise errors.already_exists(
                    KEY_GROUP.already_exists, "A key group with this name already exists."
                )

    def create_key_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        config = params["KeyGroupConfig"]
        with self.env.store.db() as conn:
            self._check_group(conn, ctx, config, None)
            resource = resources.create(conn, KEY_GROUP, ctx.account_id, config, self.now())
        return {
            "KeyGroup": self._key_group(resource),
            "Location": self.location(f"key-group/{resource.id}"),
            "ETag": resource.etag,
        }

    def get_key_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            resource = resources.get(conn, KEY_GROUP, params["Id"], ctx.account_id)
        return {"KeyGroup": self._key_group(resource), "ETag": resource.etag}

    def get_key_group_config(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            resource = resources.get(conn, KEY_GROUP, params["Id"], ctx.account_id)
        return {"KeyGroupConfig": resource.config, "ETag": resource.etag}

    def update_key_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        config = params["KeyGroupConfig"]
        with self.env.store.db() as conn:
            resource = resources.get(conn, KEY_GROUP, params["Id"], ctx.account_id)
            resources.check_if_match(resource, params.get("IfMatch"))
            self._check_group(conn, ctx, config, resource.id)
            resources.replace(conn, resource, config, self.now())
        return {"KeyGroup": self._key_group(resource), "ETag": resource.etag}

    def delete_key_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            resource = resources.get(conn, KEY_GROUP, params["Id"], ctx.account_id)
            resources.check_if_match(resource, params.get("IfMatch"))
            for distribution in store.list_kind(conn, "distribution", ctx.account_id):
                config = distribution.config
                for behavior in [config["DefaultCacheBehavior"], *items(config.get("CacheBehaviors"))]:
                    if resource.id in items(behavior.get("TrustedKeyGroups")):
                        raise errors.in_use(
                            KEY_GROUP.in_use, "Cannot delete the key group: a distribution uses it."
                        )
            store.delete(conn, KEY_GROUP.name, resource.id)
        return {}

    def list_key_groups(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            found = [
                {"KeyGroup": self._key_group(r)}
                for r in store.list_kind(conn, KEY_GROUP.name, ctx.account_id)
            ]
        chosen, next_marker = page(found, params, lambda item: item["KeyGroup"]["Id"])
        listing: dict[str, Any] = {"MaxItems": int(params.get("MaxItems") or 100), "Quantity": len(chosen)}
        if chosen:
            listing["Items"] = chosen
        if next_marker:
            listing["NextMarker"] = next_marker
        return {"KeyGroupList": listing}
