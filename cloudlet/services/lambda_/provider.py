"""Lambda: functions, versions, aliases, permissions, concurrency, tags, and Invoke."""

from __future__ import annotations

import base64
import json
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.edge.types import RequestContext
from cloudlet.services.base import Provider
from cloudlet.services.environment import Environment
from cloudlet.services.lambda_ import (
    code,
    code_urls,
    functions,
    invoke_config,
    layers,
    mappings,
    names,
    permissions,
    store,
    urls,
)
from cloudlet.services.lambda_.destinations import service_context
from cloudlet.services.lambda_.errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    RequestEntityTooLargeException,
    ResourceConflictException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from cloudlet.services.lambda_.functions import LATEST
from cloudlet.services.lambda_.invoke import Invoker, check_json, log_tail
from cloudlet.services.lambda_.mapping_runner import MappingRunner
from cloudlet.services.lambda_.names import FunctionRef

SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
ASYNC_PAYLOAD_LIMIT = 1024 * 1024  # raised from 256 KB by AWS in 2025
ACCOUNT_CONCURRENCY = 1000


class LambdaProvider(Provider):
    service = "lambda"
    migrations = store.MIGRATIONS

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.invoker = Invoker(env)
        self.mappings = MappingRunner(env, self.invoker)

    async def start(self) -> None:
        await self.invoker.start()
        await self.mappings.start()

    async def stop(self) -> None:
        await self.mappings.stop()
        await self.invoker.stop()

    # -- functions -------------------------------------------------------------------------------

    async def _package(self, ctx: RequestContext, source: dict[str, Any]) -> bytes:
        """The zip of a Code/Content/UpdateFunctionCode source: inline, or an object in cloudlet's S3
        read with the caller's own permissions, as Lambda reads it."""
        if source.get("ZipFile") or not (source.get("S3Bucket") or source.get("S3Key")):
            return _zip(source)
        if not (source.get("S3Bucket") and source.get("S3Key")):
            raise InvalidParameterValueException("Please provide a source for function code.")
        if not self.env.registry.implements("s3"):
            raise InvalidParameterValueException("S3 is not available in this cloudlet.")
        s3 = await self.env.registry.provider("s3")
        request = {"Bucket": source["S3Bucket"], "Key": source["S3Key"]}
        if source.get("S3ObjectVersion"):
            request["VersionId"] = source["S3ObjectVersion"]
        try:
            body = s3.get_object(ctx, request)["Body"]
        except ServiceError as exc:
            raise InvalidParameterValueException(
                f"Error occurred while GetObject. S3 Error Code: {exc.code}. S3 Error Message: {exc.message}"
            ) from None
        if isinstance(body, (bytes, bytearray)):
            return bytes(body)
        try:
            return body.read()
        finally:
            body.close()

    async def create_function(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = names.parse(params["FunctionName"], ctx.account_id, ctx.region)
        package = code.unpack(self.env.store, await self._package(ctx, params.get("Code", {})))
        config = functions.new_config(ref, params, package, strict=self.invoker.strict_runtimes)
        with self.env.store.db() as conn:
            if store.find_function(conn, ref.account, ref.region, ref.name):
                raise ResourceConflictException(f"Function already exist: {ref.name}")
            if params.get("Layers"):
                config["Layers"] = layers.function_layers(conn, params["Layers"], ref.account)
            store.insert_function(conn, ref.account, ref.region, ref.name, params.get("Tags") or {})
            store.put_version(
                conn, ref.account, ref.region, store.Version(ref.name, LATEST, config, package.code_dir)
            )
            if params.get("Publish"):
                config = self._publish(conn, ref, None).config
        # Pending on creation, as AWS answers; the code is unpacked already, so reads see Active.
        return functions.view(config, state="Pending", update_status="InProgress")

    def get_function(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.read() as conn:
            fn, version = self._find(conn, ref)
        result: dict[str, Any] = {
            "Configuration": functions.view(version.config),
            "Code": {"RepositoryType": "S3", "Location": self._location(ctx, version.code_dir, "code")},
        }
        if fn.tags:
            result["Tags"] = fn.tags
        if fn.reserved_concurrency is not None:
            result["Concurrency"] = {"ReservedConcurrentExecutions": fn.reserved_concurrency}
        return result

    def get_function_configuration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.read() as conn:
            _, version = self._find(conn, ref)
        return functions.view(version.config)

    async def update_function_code(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        package = code.unpack(self.env.store, await self._package(ctx, params))
        with self.env.store.db() as conn:
            _, latest = self._find(conn, ref, LATEST)
            _check_revision(latest.config, params.get("RevisionId"))
            functions.set_code(latest.config, package)
            latest.code_dir = package.code_dir
            store.put_version(conn, ref.account, ref.region, latest)
            config = self._publish(conn, ref, None).config if params.get("Publish") else latest.config
        self.invoker.pool.retire(ref.arn)
        return functions.view(config, update_status="InProgress")

    def update_function_configuration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.db() as conn:
            _, latest = self._find(conn, ref, LATEST)
            _check_revision(latest.config, params.get("RevisionId"))
            functions.update(latest.config, params, strict=self.invoker.strict_runtimes)
            if "Layers" in params:
                latest.config["Layers"] = layers.function_layers(conn, params["Layers"], ref.account)
                if not latest.config["Layers"]:
                    del latest.config["Layers"]
            store.put_version(conn, ref.account, ref.region, latest)
        self.invoker.pool.retire(ref.arn)
        return functions.view(latest.config, update_status="InProgress")

    def delete_function(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.db() as conn:
            _, version = self._find(conn, ref)
            if ref.qualifier and ref.qualifier != LATEST:
                store.delete_version(conn, ref.account, ref.region, ref.name, ref.qualifier)
                dirs = [version.code_dir]
            elif ref.qualifier == LATEST:
                raise InvalidParameterValueException(
                    "$LATEST version cannot be deleted without deleting the function."
                )
            else:
                dirs = [v.code_dir for v in store.list_versions(conn, ref.account, ref.region, ref.name)]
                store.delete_function(conn, ref.account, ref.region, ref.name)
            unused = {d for d in dirs if not store.code_in_use(conn, d)}
        self.invoker.pool.retire(ref.arn)
        for code_dir in unused:
            code.remove(code_dir)
        return {}

    def list_functions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        limit = params.get("MaxItems", 50)
        after = _unmarker(params.get("Marker"))
        with self.env.store.read() as conn:
            found = store.list_function_names(conn, ctx.account_id, ctx.region, after, limit + 1)
            configs = []
            for name in found[:limit]:
                versions = store.list_versions(conn, ctx.account_id, ctx.region, name)
                if params.get("FunctionVersion") != "ALL":
                    versions = versions[:1]
                configs += [functions.view(v.config) for v in versions]
        result: dict[str, Any] = {"Functions": configs}
        if len(found) > limit:
            result["NextMarker"] = _marker(found[limit - 1])
        return result

    # -- versions and aliases --------------------------------------------------------------------

    def publish_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.db() as conn:
            _, latest = self._find(conn, ref, LATEST)
            _check_revision(latest.config, params.get("RevisionId"))
            if params.get("CodeSha256") and params["CodeSha256"] != latest.config["CodeSha256"]:
                raise InvalidParameterValueException(
                    f"CodeSHA256 ({params['CodeSha256']}) is different from current CodeSHA256 in $LATEST "
                    f"({latest.config['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST."
                )
            version = self._publish(conn, ref, params.get("Description"))
        return functions.view(version.config)

    def _publish(self, conn: Any, ref: FunctionRef, description: str | None) -> store.Version:
        fn = store.find_function(conn, ref.account, ref.region, ref.name)
        latest = store.find_version(conn, ref.account, ref.region, ref.name, LATEST)
        assert fn is not None and latest is not None
        versions = store.list_versions(conn, ref.account, ref.region, ref.name)
        newest = versions[-1] if len(versions) > 1 else None
        if newest and newest.config.get("PublishedFrom") == latest.config["RevisionId"]:
            return newest  # nothing changed since: AWS returns the existing version
        number = str(fn.next_version)
        config = functions.published(latest.config, number, description)
        config["PublishedFrom"] = latest.config["RevisionId"]
        version = store.Version(ref.name, number, config, latest.code_dir)
        store.put_version(conn, ref.account, ref.region, version)
        fn.next_version += 1
        store.update_function(conn, fn)
        return version

    def list_versions_by_function(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.read() as conn:
            self._find(conn, ref, LATEST)
            versions = store.list_versions(conn, ref.account, ref.region, ref.name)
        return {"Versions": [functions.view(v.config) for v in versions]}

    def create_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.db() as conn:
            self._find(conn, ref, params["FunctionVersion"])
            if store.find_alias(conn, ref.account, ref.region, ref.name, params["Name"]):
                raise ResourceConflictException(f"Alias already exists: {ref.arn}:{params['Name']}")
            config = functions.alias_config(
                ref.region,
                ref.account,
                ref.name,
                params["Name"],
                params["FunctionVersion"],
                params.get("Description", ""),
                params.get("RoutingConfig"),
            )
            store.put_alias(conn, ref.account, ref.region, ref.name, config)
        return config

    def get_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.read() as conn:
            return self._alias(conn, ref, params["Name"])

    def update_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.db() as conn:
            config = self._alias(conn, ref, params["Name"])
            _check_revision(config, params.get("RevisionId"))
            if "FunctionVersion" in params:
                self._find(conn, ref, params["FunctionVersion"])
            updated = functions.alias_config(
                ref.region,
                ref.account,
                ref.name,
                params["Name"],
                params.get("FunctionVersion", config["FunctionVersion"]),
                params.get("Description", config["Description"]),
                params.get("RoutingConfig", config.get("RoutingConfig")),
            )
            store.put_alias(conn, ref.account, ref.region, ref.name, updated)
        return updated

    def delete_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.db() as conn:
            store.delete_alias(conn, ref.account, ref.region, ref.name, params["Name"])
        return {}

    def list_aliases(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.read() as conn:
            self._find(conn, ref, LATEST)
            aliases = store.list_aliases(conn, ref.account, ref.region, ref.name)
        if params.get("FunctionVersion"):
            aliases = [a for a in aliases if a["FunctionVersion"] == params["FunctionVersion"]]
        return {"Aliases": aliases}

    # -- permissions, concurrency, tags ----------------------------------------------------------

    def add_permission(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.db() as conn:
            fn, _ = self._find(conn, ref)
            statement = permissions.add(fn, ref.qualified_arn, params)
            store.update_function(conn, fn)
        return {"Statement": json.dumps(statement)}

    def remove_permission(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.db() as conn:
            fn, _ = self._find(conn, ref)
            permissions.remove(fn, params["StatementId"])
            store.update_function(conn, fn)
        return {}

    def get_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.read() as conn:
            fn, _ = self._find(conn, ref)
        if not fn.policy or not fn.policy["Statement"]:
            raise ResourceNotFoundException("The resource you requested does not exist.")
        return {"Policy": json.dumps(fn.policy), "RevisionId": fn.policy["RevisionId"]}

    def put_function_concurrency(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        value = params["ReservedConcurrentExecutions"]
        if value > ACCOUNT_CONCURRENCY - 100:
            raise InvalidParameterValueException(
                "Specified ReservedConcurrentExecutions for function decreases account's "
                "UnreservedConcurrentExecution below its minimum value of [100]."
            )
        with self.env.store.db() as conn:
            fn, _ = self._find(conn, ref, LATEST)
            fn.reserved_concurrency = value
            store.update_function(conn, fn)
        return {"ReservedConcurrentExecutions": value}

    def get_function_concurrency(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.read() as conn:
            fn, _ = self._find(conn, ref, LATEST)
        return (
            {}
            if fn.reserved_concurrency is None
            else {"ReservedConcurrentExecutions": fn.reserved_concurrency}
        )

    def delete_function_concurrency(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.db() as conn:
            fn, _ = self._find(conn, ref, LATEST)
            fn.reserved_concurrency = None
            store.update_function(conn, fn)
        return {}

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            fn = self._tagged(conn, ctx, params["Resource"])
            fn.tags.update(params["Tags"])
            store.update_function(conn, fn)
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            fn = self._tagged(conn, ctx, params["Resource"])
            for key in params["TagKeys"]:
                fn.tags.pop(key, None)
            store.update_function(conn, fn)
        return {}

    def list_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            return {"Tags": self._tagged(conn, ctx, params["Resource"]).tags}

    def get_account_settings(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            count = len(store.list_function_names(conn, ctx.account_id, ctx.region, "", 100000))
        return {
            "AccountLimit": {
                "TotalCodeSize": 80530636800,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY,
            },
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": count},
        }

    # -- function URLs ---------------------------------------------------------------------------

    def create_function_url_config(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        qualifier = urls.qualifier(ref)
        with self.env.store.db() as conn:
            self._find(conn, ref)
            if store.find_url(conn, ref.account, ref.region, ref.name, qualifier):
                raise ResourceConflictException(
                    f"Failed to create function url config for [functionArn = {ref.qualified_arn}]. Error message: "
                    " FunctionUrlConfig exists for this Lambda function"
                )
            url_id = urls.new_id()
            config = urls.new_config(ref, url_id, self.env.config.port, params)
            store.put_url(
                conn, store.FunctionUrl(url_id, ref.account, ref.region, ref.name, qualifier, config)
            )
        return urls.created_view(config)

    def get_function_url_config(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.read() as conn:
            return self._url(conn, ref).config

    def update_function_url_config(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.db() as conn:
            url = self._url(conn, ref)
            urls.update(url.config, params)
            store.put_url(conn, url)
        return url.config

    def delete_function_url_config(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.db() as conn:
            store.delete_url(conn, self._url(conn, ref).url_id)
        return {}

    def list_function_url_configs(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.read() as conn:
            self._find(conn, ref, LATEST)
            configs = [url.config for url in store.list_urls(conn, ref.account, ref.region, ref.name)]
        page, marker = _paged(configs, params, lambda config: config["FunctionArn"])
        return {"FunctionUrlConfigs": page, **({"NextMarker": marker} if marker else {})}

    def _url(self, conn: Any, ref: FunctionRef) -> store.FunctionUrl:
        self._find(conn, ref)
        url = store.find_url(conn, ref.account, ref.region, ref.name, urls.qualifier(ref))
        if url is None:
            raise ResourceNotFoundException("The resource you requested does not exist.")
        return url

    # -- layers ----------------------------------------------------------------------------------

    async def publish_layer_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        region, account, name = layers.parse_name(params["LayerName"], ctx.account_id, ctx.region)
        package = code.unpack(self.env.store, await self._package(ctx, params.get("Content") or {}), kind="layers")
        with self.env.store.db() as conn:
            version = store.next_layer_version(conn, account, region, name)
            config = layers.new_version(region, account, name, version, params, package)
            store.put_layer_version(
                conn, account, region, store.LayerVersion(name, version, config, package.code_dir)
            )
        return {**config, "Content": {"Location": self._location(ctx, package.code_dir, "layers"), **config["Content"]}}

    def get_layer_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        region, account, name = layers.parse_name(params["LayerName"], ctx.account_id, ctx.region)
        return self._layer_version(ctx, account, region, name, params["VersionNumber"])

    def get_layer_version_by_arn(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        region, account, name, version = layers.parse_version_arn(params["Arn"])
        return self._layer_version(ctx, account, region, name, version)

    def _layer_version(
        self, ctx: RequestContext, account: str, region: str, name: str, version: int
    ) -> dict[str, Any]:
        with self.env.store.read() as conn:
            layer = self._layer(conn, account, region, name, version)
        layers.check_access(layer, account, ctx.account_id, layer.config["LayerVersionArn"])
        config = dict(layer.config)
        config["Content"] = {"Location": self._location(ctx, layer.code_dir, "layers"), **config["Content"]}
        return config

    def _location(self, ctx: RequestContext, code_dir: str, kind: str) -> str:
        """A presigned link to the package, on the host the caller reached cloudlet by."""
        base = f"{ctx.request.scheme or 'http'}://{ctx.request.host or self.env.config.endpoint.split('://', 1)[1]}"
        return code_urls.location(self.env.store, base, code_dir, kind, self.env.clock.now())

    @staticmethod
    def _layer(conn: Any, account: str, region: str, name: str, version: int) -> store.LayerVersion:
        layer = store.find_layer_version(conn, account, region, name, version)
        if layer is None:
            raise ResourceNotFoundException("The resource you requested does not exist.")
        return layer

    def add_layer_version_permission(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        region, account, name = layers.parse_name(params["LayerName"], ctx.account_id, ctx.region)
        with self.env.store.db() as conn:
            layer = self._layer(conn, account, region, name, params["VersionNumber"])
            result = layers.add_permission(layer, params)
            store.set_layer_policy(conn, account, region, layer)
        return result

    def remove_layer_version_permission(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        region, account, name = layers.parse_name(params["LayerName"], ctx.account_id, ctx.region)
        with self.env.store.db() as conn:
            layer = self._layer(conn, account, region, name, params["VersionNumber"])
            layers.remove_permission(layer, params["StatementId"], params.get("RevisionId"))
            store.set_layer_policy(conn, account, region, layer)
        return {}

    def get_layer_version_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        region, account, name = layers.parse_name(params["LayerName"], ctx.account_id, ctx.region)
        with self.env.store.read() as conn:
            return layers.policy_view(self._layer(conn, account, region, name, params["VersionNumber"]))

    def list_layers(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            versions = store.list_layer_versions(conn, ctx.account_id, ctx.region)
        latest: dict[str, dict[str, Any]] = {}
        for layer in versions:  # newest first within each name
            if layer.name not in latest and layers.compatible(
                layer.config, params.get("CompatibleRuntime"), params.get("CompatibleArchitecture")
            ):
                latest[layer.name] = layer.config
        items = [
            {
                "LayerName": name,
                "LayerArn": config["LayerArn"],
                "LatestMatchingVersion": layers.list_item(config),
            }
            for name, config in sorted(latest.items())
        ]
        page, marker = _paged(items, params, lambda item: item["LayerName"])
        return {"Layers": page, **({"NextMarker": marker} if marker else {})}

    def list_layer_versions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        region, account, name = layers.parse_name(params["LayerName"], ctx.account_id, ctx.region)
        with self.env.store.read() as conn:
            versions = store.list_layer_versions(conn, account, region, name)
        items = [
            layers.list_item(v.config)
            for v in versions
            if layers.compatible(
                v.config, params.get("CompatibleRuntime"), params.get("CompatibleArchitecture")
            )
        ]
        page, marker = _paged(items, params, lambda item: str(item["Version"]))
        return {"LayerVersions": page, **({"NextMarker": marker} if marker else {})}

    def delete_layer_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        region, account, name = layers.parse_name(params["LayerName"], ctx.account_id, ctx.region)
        with self.env.store.db() as conn:  # deleting what is not there succeeds, as on AWS
            store.delete_layer_version(conn, account, region, name, params["VersionNumber"])
        return {}

    # -- event source mappings -------------------------------------------------------------------

    async def create_event_source_mapping(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        kind = mappings.source_kind(params.get("EventSourceArn"))
        config = mappings.new(ref, params, kind)
        await self._check_source(ctx, kind, config["EventSourceArn"])
        mapping = store.Mapping(
            config["UUID"],
            ref.account,
            ref.region,
            config["FunctionArn"],
            config["EventSourceArn"],
            config,
            "Creating",
            1,
            "No records processed",
            None,
        )
        with self.env.store.db() as conn:
            self._find(conn, ref)
            self._check_unique(conn, mapping)
            store.insert_mapping(conn, mapping)
        self.mappings.poke()
        return mappings.view(config, "Creating", mapping.last_result)

    def get_event_source_mapping(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            mapping = self._mapping(conn, ctx, params["UUID"])
        return mappings.view(mapping.config, mapping.state, mapping.last_result)

    def update_event_source_mapping(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            mapping = self._mapping(conn, ctx, params["UUID"])
            if mapping.state == "Deleting":
                raise ResourceInUseException("Cannot update the event source mapping because it is in use.")
            if params.get("FunctionName"):
                ref = names.parse(params["FunctionName"], ctx.account_id, ctx.region)
                self._find(conn, ref)
                mapping.function_arn = mapping.config["FunctionArn"] = ref.qualified_arn
            was_enabled = mapping.config.get("Enabled", True)
            mappings.update(mapping.config, params, mappings.source_kind(mapping.source_arn))
            enabled = mapping.config["Enabled"]
            if enabled != was_enabled:
                mapping.state = "Enabling" if enabled else "Disabling"
            elif enabled:
                mapping.state = "Updating"
            store.update_mapping(conn, mapping)
        self.mappings.poke()
        return mappings.view(mapping.config, mapping.state, mapping.last_result)

    def delete_event_source_mapping(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            mapping = self._mapping(conn, ctx, params["UUID"])
            mapping.state = "Deleting"
            store.update_mapping(conn, mapping)
        self.mappings.poke()
        return mappings.view(mapping.config, mapping.state, mapping.last_result)

    def list_event_source_mappings(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        limit = params.get("MaxItems") or 100
        function_arn, any_qualifier = None, False
        if params.get("FunctionName"):
            ref = names.parse(params["FunctionName"], ctx.account_id, ctx.region)
            function_arn, any_qualifier = ref.qualified_arn, ref.qualifier is None
        with self.env.store.read() as conn:
            found = store.list_mappings(
                conn,
                ctx.account_id,
                ctx.region,
                params.get("EventSourceArn"),
                function_arn,
                params.get("Marker") or "",
                limit + 1,
                any_qualifier=any_qualifier,
            )
        result: dict[str, Any] = {
            "EventSourceMappings": [mappings.view(m.config, m.state, m.last_result) for m in found[:limit]]
        }
        if len(found) > limit:
            result["NextMarker"] = found[limit - 1].uuid
        return result

    async def _check_source(self, ctx: RequestContext, kind: str, arn: str) -> None:
        parts = arn.split(":")
        source_ctx = service_context(parts[4], parts[3])
        try:
            if kind == mappings.SQS:
                sqs = await self.env.registry.provider("sqs")
                sqs.get_queue_url(source_ctx, {"QueueName": parts[5], "QueueOwnerAWSAccountId": parts[4]})
            else:
                streams = await self.env.registry.provider("dynamodbstreams")
                streams.describe_stream(source_ctx, {"StreamArn": arn})
        except ServiceError:
            if kind == mappings.SQS:
                raise InvalidParameterValueException(
                    "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue."
                    " SQS Error Message: The specified queue does not exist for this wsdl version."
                ) from None
            raise InvalidParameterValueException(f"Stream not found: {arn}") from None

    @staticmethod
    def _check_unique(conn: Any, mapping: store.Mapping) -> None:
        for other in store.list_mappings(
            conn, mapping.account, mapping.region, mapping.source_arn, mapping.function_arn, "", 1
        ):
            raise ResourceConflictException(
                f'The event source arn (" {mapping.source_arn} ") and function (" {mapping.function_arn.split(":")[6]}'
                f' ") provided mapping already exists. Please update or delete the existing mapping with UUID'
                f" {other.uuid}"
            )

    @staticmethod
    def _mapping(conn: Any, ctx: RequestContext, uuid: str) -> store.Mapping:
        mapping = store.find_mapping(conn, uuid)
        if mapping is None or (mapping.account, mapping.region) != (ctx.account_id, ctx.region):
            raise ResourceNotFoundException("The resource you requested does not exist.")
        return mapping

    # -- asynchronous invocation configuration ---------------------------------------------------

    def put_function_event_invoke_config(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._write_invoke_config(ctx, params, replace=True)

    def update_function_event_invoke_config(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return self._write_invoke_config(ctx, params, replace=False)

    def get_function_event_invoke_config(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.read() as conn:
            self._find(conn, ref)
            config = store.find_invoke_config(
                conn, ref.account, ref.region, ref.name, ref.qualifier or LATEST
            )
        if config is None:
            raise ResourceNotFoundException(
                f"The function {ref.arn}:{ref.qualifier or LATEST} doesn't have an EventInvokeConfig"
            )
        return invoke_config.view(config)

    def delete_function_event_invoke_config(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.db() as conn:
            self._find(conn, ref)
            if not store.delete_invoke_config(
                conn, ref.account, ref.region, ref.name, ref.qualifier or LATEST
            ):
                raise ResourceNotFoundException(
                    f"The function {ref.arn}:{ref.qualifier or LATEST} doesn't have an EventInvokeConfig"
                )
        return {}

    def list_function_event_invoke_configs(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        limit = params.get("MaxItems") or 50
        start = int(params.get("Marker") or 0) if str(params.get("Marker") or "0").isdigit() else 0
        with self.env.store.read() as conn:
            self._find(conn, ref, LATEST)
            configs = store.list_invoke_configs(conn, ref.account, ref.region, ref.name)
        result: dict[str, Any] = {
            "FunctionEventInvokeConfigs": [invoke_config.view(c) for c in configs[start : start + limit]]
        }
        if len(configs) > start + limit:
            result["NextMarker"] = str(start + limit)
        return result

    def _write_invoke_config(
        self, ctx: RequestContext, params: dict[str, Any], *, replace: bool
    ) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        qualifier = ref.qualifier or LATEST
        with self.env.store.db() as conn:
            self._find(conn, ref)
            current = store.find_invoke_config(conn, ref.account, ref.region, ref.name, qualifier)
            if current is None and not replace:
                raise ResourceNotFoundException(
                    f"The function {ref.arn}:{qualifier} doesn't have an EventInvokeConfig"
                )
            config = invoke_config.build(f"{ref.arn}:{qualifier}", params, None if replace else current)
            store.put_invoke_config(conn, ref.account, ref.region, ref.name, qualifier, config)
        return invoke_config.view(config)

    # -- invoking --------------------------------------------------------------------------------

    async def invoke(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        payload: bytes = params.get("Payload") or b""
        kind = params.get("InvocationType", "RequestResponse")
        limit = ASYNC_PAYLOAD_LIMIT if kind == "Event" else SYNC_PAYLOAD_LIMIT
        if len(payload) > limit:
            raise RequestEntityTooLargeException(
                f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
            )
        check_json(payload)
        spec = self.invoker.resolve(ref)
        if kind == "DryRun":
            return {"StatusCode": 204}
        if kind == "Event":
            self.invoker.enqueue(ref, ctx.request_id, payload)
            return {"StatusCode": 202}
        client_context = params.get("ClientContext")
        if client_context:
            client_context = base64.b64decode(client_context).decode(errors="replace")
        result = await self.invoker.run(spec, ref, ctx.request_id, payload, client_context)
        output: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": result.payload,
            "ExecutedVersion": spec.version,
        }
        if result.function_error:
            output["FunctionError"] = result.function_error
        if params.get("LogType") == "Tail":
            output["LogResult"] = log_tail(result)
        return output

    # -- lookups ---------------------------------------------------------------------------------

    @staticmethod
    def _ref(ctx: RequestContext, params: dict[str, Any]) -> FunctionRef:
        return names.parse(params["FunctionName"], ctx.account_id, ctx.region, params.get("Qualifier"))

    @staticmethod
    def _find(
        conn: Any, ref: FunctionRef, qualifier: str | None = None
    ) -> tuple[store.Function, store.Version]:
        qualifier = qualifier or ref.qualifier or LATEST
        fn = store.find_function(conn, ref.account, ref.region, ref.name)
        if fn is not None and not (qualifier == LATEST or qualifier.isdigit()):
            alias = store.find_alias(conn, ref.account, ref.region, ref.name, qualifier)
            qualifier = alias["FunctionVersion"] if alias else ""
        version = store.find_version(conn, ref.account, ref.region, ref.name, qualifier) if fn else None
        if fn is None or version is None:
            raise ResourceNotFoundException(f"Function not found: {ref.qualified_arn}")
        return fn, version

    @staticmethod
    def _alias(conn: Any, ref: FunctionRef, name: str) -> dict[str, Any]:
        alias = store.find_alias(conn, ref.account, ref.region, ref.name, name)
        if alias is None:
            raise ResourceNotFoundException(f"Cannot find alias arn: {ref.arn}:{name}")
        return alias

    def _tagged(self, conn: Any, ctx: RequestContext, resource: str) -> store.Function:
        ref = names.parse(resource, ctx.account_id, ctx.region)
        fn = store.find_function(conn, ref.account, ref.region, ref.name)
        if fn is None:
            raise ResourceNotFoundException(f"Function not found: {ref.arn}")
        return fn


def _zip(source: dict[str, Any]) -> bytes:
    if source.get("ZipFile"):
        return source["ZipFile"]
    if source.get("ImageUri"):
        raise InvalidParameterValueException(
            "cloudlet takes function code as ZipFile or S3Bucket/S3Key; container images are not supported yet."
        )
    raise InvalidParameterValueException("Please provide a source for function code.")


def _paged(
    items: list[dict[str, Any]], params: dict[str, Any], key: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of `items` after the Marker (an item's key), and the marker of the next page."""
    limit = params.get("MaxItems") or 50
    after = _unmarker(params.get("Marker"))
    start = next((i + 1 for i, item in enumerate(items) if key(item) == after), 0) if after else 0
    page = items[start : start + limit]
    return page, _marker(key(page[-1])) if len(items) > start + limit else None


def _check_revision(config: dict[str, Any], revision: str | None) -> None:
    if revision is not None and revision != config["RevisionId"]:
        raise PreconditionFailedException(
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API "
            "to retrieve the latest Revision Id"
        )


def _marker(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def _unmarker(marker: str | None) -> str:
    if not marker:
        return ""
    try:
        return base64.urlsafe_b64decode(marker.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidParameterValueException("Invalid marker") from None
