"""API Gateway (REST APIs): the control plane here and in the mixins beside it; the data plane
in dataplane.py, reached through cloudlet.services.gateway.route."""

from __future__ import annotations

from typing import Any

from cloudlet.edge.types import Request, RequestContext, Response
from cloudlet.services.apigateway import aws_services, patches
from cloudlet.services.apigateway.accounts import AccountOperations
from cloudlet.services.apigateway.definitions import DefinitionOperations
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException, NotFoundException
from cloudlet.services.apigateway.extras import ExtraOperations
from cloudlet.services.apigateway.resources import (
    add_resource,
    clone,
    delete_resource,
    public,
    rename_paths,
    require,
    require_api,
    require_integration,
    require_method,
    validate_path_part,
)
from cloudlet.services.apigateway.resources import snapshot as snapshot_of
from cloudlet.services.apigateway.stages import StageOperations
from cloudlet.services.apigateway.store import DOCS, MIGRATIONS
from cloudlet.services.apigateway.tagging import TaggingOperations
from cloudlet.services.base import Provider
from cloudlet.services.environment import Environment
from cloudlet.services.gateway.ids import new_id
from cloudlet.services.gateway.lambdas import is_lambda_uri

_API_FIELDS = (
    "name",
    "description",
    "version",
    "binaryMediaTypes",
    "minimumCompressionSize",
    "apiKeySource",
    "endpointConfiguration",
    "policy",
    "tags",
    "disableExecuteApiEndpoint",
)
_METHOD_FIELDS = (
    "authorizationType",
    "authorizerId",
    "apiKeyRequired",
    "operationName",
    "requestParameters",
    "requestModels",
    "requestValidatorId",
    "authorizationScopes",
)
_INTEGRATION_FIELDS = (
    "type",
    "uri",
    "connectionType",
    "connectionId",
    "credentials",
    "requestParameters",
    "requestTemplates",
    "passthroughBehavior",
    "cacheNamespace",
    "cacheKeyParameters",
    "contentHandling",
    "timeoutInMillis",
    "tlsConfig",
)
_TYPES = ("HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")


def pick(params: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {key: params[key] for key in fields if params.get(key) is not None}


class ApiGatewayProvider(
    StageOperations, AccountOperations, ExtraOperations, DefinitionOperations, TaggingOperations, Provider
):
    service = "apigateway"
    migrations = MIGRATIONS

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        from cloudlet.services.apigateway.dataplane import DataPlane

        self.data_plane = DataPlane(env)

    # -- data plane (called by cloudlet.services.gateway.route) ----------------------------------

    def owns_api(self, api_id: str) -> bool:
        with self.env.store.read() as conn:
            return DOCS.owner(conn, api_id) is not None

    async def serve(self, request: Request, api_id: str, path: str) -> Response:
        return await self.data_plane.serve(request, api_id, path)

    async def test_invoke_method(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            api = require_api(conn, params["restApiId"], ctx.account_id, ctx.region)
            resource = require(conn, params["restApiId"], "resource", params["resourceId"])
            require_method(resource, params["httpMethod"])
            snapshot = snapshot_of(conn, api["id"])
        return await self.data_plane.test_invoke(
            api, (ctx.account_id, ctx.region), snapshot, resource, params
        )

    async def test_invoke_authorizer(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            api = require_api(conn, params["restApiId"], ctx.account_id, ctx.region)
            authorizer = require(conn, params["restApiId"], "authorizer", params["authorizerId"])
        if authorizer["type"] not in ("TOKEN", "REQUEST"):
            raise BadRequestException("Only Lambda (TOKEN and REQUEST) authorizers can be test-invoked")
        return await self.data_plane.test_authorizer(api, (ctx.account_id, ctx.region), authorizer, params)

    # -- REST APIs -------------------------------------------------------------------------------

    def create_rest_api(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("name"):
            raise BadRequestException("Invalid REST API name specified")
        with self.env.store.db() as conn:
            source = (
                require_api(conn, params["cloneFrom"], ctx.account_id, ctx.region)
                if params.get("cloneFrom")
                else None
            )
            if source is not None:
                inherited = {
                    k: source[k]
                    for k in (
                        "binaryMediaTypes",
                        "apiKeySource",
                        "minimumCompressionSize",
                        "policy",
                        "endpointConfiguration",
                    )
                    if k in source
                }
                params = {**inherited, **params}
            api = self.new_api(conn, ctx, params)
            if source is not None:
                clone(conn, source["id"], api)
            return public(api)

    def new_api(self, conn: Any, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        now = self.env.clock.now()
        api_id, root = new_id(), new_id(10)
        api = {
            "id": api_id,
            "createdDate": now,
            "apiKeySource": "HEADER",
            "endpointConfiguration": {"types": ["EDGE"]},
            "disableExecuteApiEndpoint": False,
            "rootResourceId": root,
            **pick(params, _API_FIELDS),
        }
        api["tags"] = params.get("tags") or {}
        if api["apiKeySource"] not in ("HEADER", "AUTHORIZER"):
            raise BadRequestException(f"Invalid API Key source {api['apiKeySource']}")
        DOCS.put_api(conn, ctx.account_id, ctx.region, api_id, now, api)
        DOCS.put(conn, api_id, "resource", root, {"id": root, "path": "/"})
        return api

    def get_rest_api(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            return public(require_api(conn, params["restApiId"], ctx.account_id, ctx.region))

    def get_rest_apis(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            items = [public(api) for api in DOCS.list_apis(conn, ctx.account_id, ctx.region)]
        return {"items": items[: params.get("limit") or 500]}

    def update_rest_api(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api = require_api(conn, params["restApiId"], ctx.account_id, ctx.region)
            patches.apply(
                api,
                params.get("patchOperations") or [],
                allowed=frozenset(
                    {
                        "name",
                        "description",
                        "version",
                        "binaryMediaTypes",
                        "minimumCompressionSize",
                        "apiKeySource",
                        "policy",
                        "disableExecuteApiEndpoint",
                        "endpointConfiguration",
                    }
                ),
            )
            DOCS.put_api(conn, ctx.account_id, ctx.region, api["id"], api["createdDate"], api)
        return public(api)

    def delete_rest_api(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            require_api(conn, params["restApiId"], ctx.account_id, ctx.region)
            DOCS.delete_api(conn, params["restApiId"])
            for table in ("apigw_cache", "apigw_authorizer_results"):
                conn.execute(f"DELETE FROM {table} WHERE api_id = ?", (params["restApiId"],))
        return {}

    # -- resources -------------------------------------------------------------------------------

    def create_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api_id = params["restApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            parent = require(conn, api_id, "resource", params["parentId"])
            return public(add_resource(conn, api_id, parent, params["pathPart"]))

    def get_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            require_api(conn, params["restApiId"], ctx.account_id, ctx.region)
            return public(require(conn, params["restApiId"], "resource", params["resourceId"]))

    def get_resources(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        embed = "methods" in (params.get("embed") or [])
        with self.env.store.read() as conn:
            require_api(conn, params["restApiId"], ctx.account_id, ctx.region)
            items = DOCS.list(conn, params["restApiId"], "resource")
        out = []
        for item in items:
            item = public(item)
            if "resourceMethods" in item and not embed:
                item["resourceMethods"] = {name: {} for name in item["resourceMethods"]}
            out.append(item)
        return {"items": out[: params.get("limit") or 500]}

    def update_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api_id = params["restApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            resource = require(conn, api_id, "resource", params["resourceId"])
            if resource["path"] == "/":
                raise BadRequestException("Root resource cannot be updated")
            patches.apply(
                resource, params.get("patchOperations") or [], allowed=frozenset({"pathPart", "parentId"})
            )
            validate_path_part(resource["pathPart"])
            parent = require(conn, api_id, "resource", resource["parentId"])
            resource["path"] = f"{parent['path'].rstrip('/')}/{resource['pathPart']}"
            DOCS.put(conn, api_id, "resource", resource["id"], resource)
            rename_paths(conn, api_id, resource)
        return public(resource)

    def delete_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api_id = params["restApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            resource = require(conn, api_id, "resource", params["resourceId"])
            if resource["path"] == "/":
                raise BadRequestException("Cannot delete the root resource")
            delete_resource(conn, api_id, resource["id"])
        return {}

    # -- methods and method responses ------------------------------------------------------------

    def _edit_resource(self, ctx: RequestContext, params: dict[str, Any], change: Any) -> dict[str, Any]:
        """Runs change(resource) inside a transaction and stores the resource; returns its result."""
        with self.env.store.db() as conn:
            api_id = params["restApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            resource = require(conn, api_id, "resource", params["resourceId"])
            result = change(conn, resource)
            DOCS.put(conn, api_id, "resource", resource["id"], resource)
        return result

    def _read_method(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            require_api(conn, params["restApiId"], ctx.account_id, ctx.region)
            resource = require(conn, params["restApiId"], "resource", params["resourceId"])
        return require_method(resource, params["httpMethod"])

    def put_method(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        verb = params["httpMethod"].upper()
        if verb not in METHODS:
            raise BadRequestException(f"Invalid HttpMethod specified. Valid options are {','.join(METHODS)}")
        doc = {"httpMethod": verb, "apiKeyRequired": False, **pick(params, _METHOD_FIELDS)}
        if doc.get("authorizationType") in ("CUSTOM", "COGNITO_USER_POOLS") and not doc.get("authorizerId"):
            raise BadRequestException(
                "Invalid authorizer ID specified. Setting the authorization type to "
                f"{doc['authorizationType']} requires a valid authorizer."
            )

        def change(conn: Any, resource: dict[str, Any]) -> dict[str, Any]:
            if doc.get("authorizerId"):
                require(conn, params["restApiId"], "authorizer", doc["authorizerId"])
            if doc.get("requestValidatorId"):
                require(conn, params["restApiId"], "validator", doc["requestValidatorId"])
            methods = resource.setdefault("resourceMethods", {})
            if verb in methods:
                raise ConflictException("Method already exists for this resource")
            methods[verb] = doc
            return public(doc)

        return self._edit_resource(ctx, params, change)

    def get_method(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return public(self._read_method(ctx, params))

    def update_method(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def change(conn: Any, resource: dict[str, Any]) -> dict[str, Any]:
            method = require_method(resource, params["httpMethod"])
            patches.apply(
                method,
                params.get("patchOperations") or [],
                allowed=frozenset({*_METHOD_FIELDS, "methodResponses"}),
                boolean_maps=frozenset({"requestParameters"}),
            )
            return public(method)

        return self._edit_resource(ctx, params, change)

    def delete_method(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def change(conn: Any, resource: dict[str, Any]) -> dict[str, Any]:
            require_method(resource, params["httpMethod"])
            del resource["resourceMethods"][params["httpMethod"].upper()]
            if not resource["resourceMethods"]:
                del resource["resourceMethods"]
            return {}

        return self._edit_resource(ctx, params, change)

    def put_method_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        doc = {"statusCode": params["statusCode"], **pick(params, ("responseParameters", "responseModels"))}

        def change(conn: Any, resource: dict[str, Any]) -> dict[str, Any]:
            require_method(resource, params["httpMethod"]).setdefault("methodResponses", {})[
                doc["statusCode"]
            ] = doc
            return doc

        return self._edit_resource(ctx, params, change)

    def get_method_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        found = (self._read_method(ctx, params).get("methodResponses") or {}).get(params["statusCode"])
        if found is None:
            raise NotFoundException("Invalid Response status code specified")
        return found

    def update_method_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def change(conn: Any, resource: dict[str, Any]) -> dict[str, Any]:
            found = (require_method(resource, params["httpMethod"]).get("methodResponses") or {}).get(
                params["statusCode"]
            )
            if found is None:
                raise NotFoundException("Invalid Response status code specified")
            return patches.apply(
                found, params.get("patchOperations") or [], boolean_maps=frozenset({"responseParameters"})
            )

        return self._edit_resource(ctx, params, change)

    def delete_method_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def change(conn: Any, resource: dict[str, Any]) -> dict[str, Any]:
            responses = require_method(resource, params["httpMethod"]).get("methodResponses") or {}
            if responses.pop(params["statusCode"], None) is None:
                raise NotFoundException("Invalid Response status code specified")
            return {}

        return self._edit_resource(ctx, params, change)

    # -- integrations and integration responses --------------------------------------------------

    def put_integration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        doc = {
            "passthroughBehavior": "WHEN_NO_MATCH",
            "timeoutInMillis": 29000,
            "cacheKeyParameters": [],
            **pick(params, _INTEGRATION_FIELDS),
        }
        kind = doc.get("type")
        if kind not in _TYPES:
            raise BadRequestException(
                f"Invalid integration type specified. Valid options are {','.join(_TYPES)}"
            )
        if params.get("integrationHttpMethod"):
            doc["httpMethod"] = params["integrationHttpMethod"].upper()
        if kind != "MOCK":
            if not doc.get("httpMethod"):
                raise BadRequestException("Enumeration value for HttpMethod must be non-empty")
            if not doc.get("uri"):
                raise BadRequestException(
                    "Invalid HTTP endpoint specified for URI"
                    if kind.startswith("HTTP")
                    else "Invalid ARN specified in the request"
                )
        if kind.startswith("HTTP") and not doc["uri"].startswith(
            ("http://", "https://", "${stageVariables.")
        ):
            raise BadRequestException("Invalid HTTP endpoint specified for URI")
        if kind == "AWS" and not (
            is_lambda_uri(doc["uri"])
            or aws_services.is_service_uri(doc["uri"])
            or "${stageVariables." in doc["uri"]
        ):
            raise BadRequestException("AWS ARN for integration must contain path or action")
        if kind == "AWS_PROXY" and not is_lambda_uri(doc["uri"]) and "${stageVariables." not in doc["uri"]:
            raise BadRequestException(
                "Integrations of type 'AWS_PROXY' currently only supports Lambda function and "
                "Firehose stream invocations."
            )
        if not 50 <= doc["timeoutInMillis"] <= 29000:
            raise BadRequestException("Timeout should be between 50 ms and 29000 ms")

        def change(conn: Any, resource: dict[str, Any]) -> dict[str, Any]:
            method = require_method(resource, params["httpMethod"])
            doc.setdefault("cacheNamespace", resource["id"])
            if kind in ("HTTP_PROXY", "AWS_PROXY", "HTTP", "AWS"):
                doc.setdefault("connectionType", "INTERNET")
            method["methodIntegration"] = doc
            return public(doc)

        return self._edit_resource(ctx, params, change)

    def get_integration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return public(require_integration(self._read_method(ctx, params)))

    def update_integration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def change(conn: Any, resource: dict[str, Any]) -> dict[str, Any]:
            integration = require_integration(require_method(resource, params["httpMethod"]))
            return public(
                patches.apply(
                    integration,
                    params.get("patchOperations") or [],
                    allowed=frozenset({*_INTEGRATION_FIELDS, "httpMethod"}),
                )
            )

        return self._edit_resource(ctx, params, change)

    def delete_integration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def change(conn: Any, resource: dict[str, Any]) -> dict[str, Any]:
            method = require_method(resource, params["httpMethod"])
            require_integration(method)
            del method["methodIntegration"]
            return {}

        return self._edit_resource(ctx, params, change)

    def put_integration_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        doc = {
            "statusCode": params["statusCode"],
            **pick(
                params, ("selectionPattern", "responseParameters", "responseTemplates", "contentHandling")
            ),
        }

        def change(conn: Any, resource: dict[str, Any]) -> dict[str, Any]:
            method = require_method(resource, params["httpMethod"])
            integration = require_integration(method)
            if doc["statusCode"] not in (method.get("methodResponses") or {}):
                raise NotFoundException("Invalid Response status code specified")
            integration.setdefault("integrationResponses", {})[doc["statusCode"]] = doc
            return doc

        return self._edit_resource(ctx, params, change)

    def get_integration_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        integration = require_integration(self._read_method(ctx, params))
        found = (integration.get("integrationResponses") or {}).get(params["statusCode"])
        if found is None:
            raise NotFoundException("Invalid Response status code specified")
        return found

    def update_integration_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def change(conn: Any, resource: dict[str, Any]) -> dict[str, Any]:
            integration = require_integration(require_method(resource, params["httpMethod"]))
            found = (integration.get("integrationResponses") or {}).get(params["statusCode"])
            if found is None:
                raise NotFoundException("Invalid Response status code specified")
            return patches.apply(found, params.get("patchOperations") or [])

        return self._edit_resource(ctx, params, change)

    def delete_integration_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        def change(conn: Any, resource: dict[str, Any]) -> dict[str, Any]:
            integration = require_integration(require_method(resource, params["httpMethod"]))
            if (integration.get("integrationResponses") or {}).pop(params["statusCode"], None) is None:
                raise NotFoundException("Invalid Response status code specified")
            return {}

        return self._edit_resource(ctx, params, change)
