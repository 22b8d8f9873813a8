"""Lambda: functions, versions, aliases, permissions, concurrency, tags, and Invoke."""

from __future__ import annotations

import base64
import json
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.base import Provider
from cloudlet.services.environment import Environment
from cloudlet.services.lambda_ import code, functions, names, permissions, store
from cloudlet.services.lambda_.errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    RequestEntityTooLargeException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from cloudlet.services.lambda_.functions import LATEST
from cloudlet.services.lambda_.invoke import Invoker, check_json, log_tail
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

    async def start(self) -> None:
        await self.invoker.start()

    async def stop(self) -> None:
        await self.invoker.stop()

    # -- functions -------------------------------------------------------------------------------

    def create_function(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = names.parse(params["FunctionName"], ctx.account_id, ctx.region)
        package = code.unpack(self.env.store, _zip(params.get("Code", {})))
        config = functions.new_config(ref, params, package)
        with self.env.store.db() as conn:
            if store.find_function(conn, ref.account, ref.region, ref.name):
                raise ResourceConflictException(f"Function already exist: {ref.name}")
            store.insert_function(conn, ref.account, ref.region, ref.name, params.get("Tags") or {})
            store.put_version(conn, ref.account, ref.region, store.Version(ref.name, LATEST, config, package.code_dir))
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
            "Code": {"RepositoryType": "S3"},
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

    def update_function_code(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        package = code.unpack(self.env.store, _zip(params))
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
            functions.update(latest.config, params)
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
                raise InvalidParameterValueException("$LATEST version cannot be deleted without deleting the function.")
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
                    f"({latest.config['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST.")
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
            config = functions.alias_config(ref.region, ref.account, ref.name, params["Name"],
                                            params["FunctionVersion"], params.get("Description", ""),
                                            params.get("RoutingConfig"))
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
            updated = functions.alias_config(ref.region, ref.account, ref.name, params["Name"],
                                             params.get("FunctionVersion", config["FunctionVersion"]),
                                             params.get("Description", config["Description"]),
                                             params.get("RoutingConfig", config.get("RoutingConfig")))
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
                "UnreservedConcurrentExecution below its minimum value of [100].")
        with self.env.store.db() as conn:
            fn, _ = self._find(conn, ref, LATEST)
            fn.reserved_concurrency = value
            store.update_function(conn, fn)
        return {"ReservedConcurrentExecutions": value}

    def get_function_concurrency(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        with self.env.store.read() as conn:
            fn, _ = self._find(conn, ref, LATEST)
        return {} if fn.reserved_concurrency is None else {"ReservedConcurrentExecutions": fn.reserved_concurrency}

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
            "AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                             "CodeSizeZipped": 52428800, "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                             "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY},
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": count},
        }

    # -- invoking --------------------------------------------------------------------------------

    async def invoke(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ref = self._ref(ctx, params)
        payload: bytes = params.get("Payload") or b""
        kind = params.get("InvocationType", "RequestResponse")
        limit = ASYNC_PAYLOAD_LIMIT if kind == "Event" else SYNC_PAYLOAD_LIMIT
        if len(payload) > limit:
            raise RequestEntityTooLargeException(f"Request must be smaller than {limit} bytes for the InvokeFunction operation")
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
        output: dict[str, Any] = {"StatusCode": 200, "Payload": result.payload, "ExecutedVersion": spec.version}
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
    def _find(conn: Any, ref: FunctionRef, qualifier: str | None = None) -> tuple[store.Function, store.Version]:
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
    if source.get("S3Bucket") or source.get("ImageUri"):
        raise InvalidParameterValueException(
            "cloudlet takes function code as ZipFile; S3Bucket/S3Key and container images are not supported yet.")
    raise InvalidParameterValueException("Please provide a source for function code.")


def _check_revision(config: dict[str, Any], revision: str | None) -> None:
    if revision is not None and revision != config["RevisionId"]:
        raise PreconditionFailedException(
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API "
            "to retrieve the latest Revision Id")


def _marker(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def _unmarker(marker: str | None) -> str:
    if not marker:
        return ""
    try:
        return base64.urlsafe_b64decode(marker.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidParameterValueException("Invalid marker") from None

