"""REST API control plane: APIs, resources, methods, integrations, responses, deployments, stages."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def error_of(call, **kwargs) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    err = info.value.response
    return err["Error"]["Code"], err["Error"]["Message"], err["ResponseMetadata"]["HTTPStatusCode"]


def test_rest_api_lifecycle(apigw):
    api = apigw.create_rest_api(
        name="blog", description="MyBlog", binaryMediaTypes=["image/png"], tags={"team": "web"}
    )
    assert api["apiKeySource"] == "HEADER"
    assert api["endpointConfiguration"] == {"types": ["EDGE"]}
    assert api["rootResourceId"]
    got = apigw.get_rest_api(restApiId=api["id"])
    assert (
        got["name"] == "blog" and got["binaryMediaTypes"] == ["image/png"] and got["tags"] == {"team": "web"}
    )
    assert api["id"] in [a["id"] for a in apigw.get_rest_apis()["items"]]
    updated = apigw.update_rest_api(
        restApiId=api["id"],
        patchOperations=[
            {"op": "replace", "path": "/description", "value": "new"},
            {"op": "add", "path": "/binaryMediaTypes/image~1jpeg"},
            {"op": "remove", "path": "/binaryMediaTypes/image~1png"},
        ],
    )
    assert updated["description"] == "new" and updated["binaryMediaTypes"] == ["image/jpeg"]
    apigw.delete_rest_api(restApiId=api["id"])
    code, message, status = error_of(apigw.get_rest_api, restApiId=api["id"])
    assert (code, status) == ("NotFoundException", 404)
    assert message == f"Invalid API identifier specified 000000000000:{api['id']}"


def test_resources_tree_paths_and_conflicts(apigw, rest_api):
    api_id, root = rest_api("tree")
    posts = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="posts")
    post = apigw.create_resource(restApiId=api_id, parentId=posts["id"], pathPart="{id}")
    assert post["path"] == "/posts/{id}" and post["parentId"] == posts["id"]
    proxy = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")
    assert proxy["path"] == "/{proxy+}"
    paths = sorted(r["path"] for r in apigw.get_resources(restApiId=api_id)["items"])
    assert paths == ["/", "/posts", "/posts/{id}", "/{proxy+}"]
    code, message, status = error_of(apigw.create_resource, restApiId=api_id, parentId=root, pathPart="posts")
    assert (code, status) == ("ConflictException", 409)
    assert message == "Another resource with the same parent already has this name: posts"
    code, _, status = error_of(
        apigw.create_resource, restApiId=api_id, parentId=posts["id"], pathPart="{slug}"
    )
    assert (code, status) == ("BadRequestException", 400)
    code, _, _ = error_of(apigw.create_resource, restApiId=api_id, parentId=root, pathPart="bad part")
    assert code == "BadRequestException"
    renamed = apigw.update_resource(
        restApiId=api_id,
        resourceId=posts["id"],
        patchOperations=[{"op": "replace", "path": "/pathPart", "value": "articles"}],
    )
    assert renamed["path"] == "/articles"
    assert apigw.get_resource(restApiId=api_id, resourceId=post["id"])["path"] == "/articles/{id}"
    apigw.delete_resource(restApiId=api_id, resourceId=posts["id"])
    code, message, _ = error_of(apigw.get_resource, restApiId=api_id, resourceId=post["id"])
    assert (code, message) == ("NotFoundException", "Invalid Resource identifier specified")


def test_methods_integrations_and_responses(apigw, rest_api):
    api_id, root = rest_api("methods")
    method = apigw.put_method(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        authorizationType="NONE",
        requestParameters={"method.request.querystring.q": True},
    )
    assert method["httpMethod"] == "GET" and method["apiKeyRequired"] is False
    code, message, _ = error_of(
        apigw.put_method, restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE"
    )
    assert (code, message) == ("ConflictException", "Method already exists for this resource")
    code, message, _ = error_of(apigw.get_integration, restApiId=api_id, resourceId=root, httpMethod="GET")
    assert (code, message) == ("NotFoundException", "Invalid Integration identifier specified")
    integration = apigw.put_integration(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    assert integration["type"] == "MOCK" and integration["passthroughBehavior"] == "WHEN_NO_MATCH"
    assert integration["timeoutInMillis"] == 29000 and integration["cacheNamespace"] == root
    code, message, _ = error_of(
        apigw.put_integration_response, restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200"
    )
    assert (code, message) == ("NotFoundException", "Invalid Response status code specified")
    apigw.put_method_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        statusCode="200",
        responseParameters={"method.response.header.X-Kind": False},
    )
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        statusCode="200",
        responseTemplates={"application/json": '{"ok": true}'},
    )
    got = apigw.get_method(restApiId=api_id, resourceId=root, httpMethod="GET")
    assert got["methodResponses"]["200"]["responseParameters"] == {"method.response.header.X-Kind": False}
    assert got["methodIntegration"]["integrationResponses"]["200"]["responseTemplates"] == {
        "application/json": '{"ok": true}'
    }
    patched = apigw.update_method(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "true"}],
    )
    assert patched["apiKeyRequired"] is True
    patched = apigw.update_integration(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        patchOperations=[{"op": "add", "path": "/cacheKeyParameters/method.request.querystring.q"}],
    )
    assert patched["cacheKeyParameters"] == ["method.request.querystring.q"]
    embedded = apigw.get_resources(restApiId=api_id, embed=["methods"])["items"][0]
    assert embedded["resourceMethods"]["GET"]["methodIntegration"]["type"] == "MOCK"
    apigw.delete_method(restApiId=api_id, resourceId=root, httpMethod="GET")
    code, message, _ = error_of(apigw.get_method, restApiId=api_id, resourceId=root, httpMethod="GET")
    assert (code, message) == ("NotFoundException", "Invalid Method identifier specified")


def test_integration_validation(apigw, rest_api):
    api_id, root = rest_api("bad-integrations")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="ANY", authorizationType="NONE")
    code, _, _ = error_of(
        apigw.put_integration,
        restApiId=api_id,
        resourceId=root,
        httpMethod="ANY",
        type="HTTP_PROXY",
        integrationHttpMethod="ANY",
        uri="not-a-url",
    )
    assert code == "BadRequestException"
    code, _, _ = error_of(
        apigw.put_integration,
        restApiId=api_id,
        resourceId=root,
        httpMethod="ANY",
        type="AWS_PROXY",
        uri="arn:aws:lambda:us-east-1:000000000000:function:f",
    )
    assert code == "BadRequestException"  # no integrationHttpMethod
    code, _, _ = error_of(
        apigw.put_method, restApiId=api_id, resourceId=root, httpMethod="FETCH", authorizationType="NONE"
    )
    assert code == "BadRequestException"


def test_deployments_and_stages(apigw, rest_api):
    api_id, root = rest_api("stages")
    code, message, _ = error_of(apigw.create_deployment, restApiId=api_id, stageName="prod")
    assert (code, message) == ("BadRequestException", "The REST API doesn't contain any methods")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = apigw.create_deployment(
        restApiId=api_id, stageName="prod", description="first", variables={"color": "blue"}
    )
    assert deployment["apiSummary"] == {"/": {"GET": {"authorizationType": "NONE", "apiKeyRequired": False}}}
    stage = apigw.get_stage(restApiId=api_id, stageName="prod")
    assert stage["deploymentId"] == deployment["id"] and stage["variables"] == {"color": "blue"}
    assert stage["cacheClusterEnabled"] is False and stage["cacheClusterStatus"] == "NOT_AVAILABLE"
    dev = apigw.create_stage(
        restApiId=api_id,
        stageName="dev",
        deploymentId=deployment["id"],
        cacheClusterEnabled=True,
        cacheClusterSize="0.5",
    )
    assert dev["cacheClusterStatus"] == "AVAILABLE"
    code, message, _ = error_of(
        apigw.create_stage, restApiId=api_id, stageName="dev", deploymentId=deployment["id"]
    )
    assert (code, message) == ("ConflictException", "Stage already exists")
    updated = apigw.update_stage(
        restApiId=api_id,
        stageName="dev",
        patchOperations=[
            {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
            {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": "60"},
            {"op": "replace", "path": "/~1items/GET/caching/enabled", "value": "false"},
            {"op": "replace", "path": "/variables/color", "value": "green"},
        ],
    )
    assert updated["methodSettings"]["*/*"]["cachingEnabled"] is True
    assert updated["methodSettings"]["*/*"]["cacheTtlInSeconds"] == 60
    assert updated["methodSettings"]["items/GET"]["cachingEnabled"] is False
    assert updated["variables"] == {"color": "green"}
    assert {s["stageName"] for s in apigw.get_stages(restApiId=api_id)["item"]} == {"prod", "dev"}
    code, _, _ = error_of(
        apigw.update_stage,
        restApiId=api_id,
        stageName="dev",
        patchOperations=[{"op": "replace", "path": "/cacheClusterSize", "value": "2"}],
    )
    assert code == "BadRequestException"
    code, message, _ = error_of(apigw.delete_deployment, restApiId=api_id, deploymentId=deployment["id"])
    assert message == "Active stages pointing to this deployment must be moved or deleted"
    apigw.delete_stage(restApiId=api_id, stageName="dev")
    code, message, _ = error_of(apigw.get_stage, restApiId=api_id, stageName="dev")
    assert (code, message) == ("NotFoundException", "Invalid Stage identifier specified")
    apigw.flush_stage_cache(restApiId=api_id, stageName="prod")


def test_clone_from(apigw, rest_api, add_path):
    source, root = rest_api("original", binaryMediaTypes=["image/gif"])
    resource = add_path(source, root, "/a/{b}")
    validator = apigw.create_request_validator(restApiId=source, name="v", validateRequestBody=True)
    apigw.put_method(
        restApiId=source,
        resourceId=resource,
        httpMethod="GET",
        authorizationType="NONE",
        requestValidatorId=validator["id"],
    )
    clone = apigw.create_rest_api(name="copy", cloneFrom=source)
    assert clone["binaryMediaTypes"] == ["image/gif"]
    items = {r["path"]: r for r in apigw.get_resources(restApiId=clone["id"], embed=["methods"])["items"]}
    assert set(items) == {"/", "/a", "/a/{b}"} and items["/"]["id"] == clone["rootResourceId"]
    copied_validator = apigw.get_request_validators(restApiId=clone["id"])["items"][0]
    assert items["/a/{b}"]["resourceMethods"]["GET"]["requestValidatorId"] == copied_validator["id"]
    assert items["/a/{b}"]["id"] != resource


def test_stage_limits(apigw, rest_api):
    api_id, root = rest_api("limits")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    code, _, _ = error_of(
        apigw.create_deployment, restApiId=api_id, stageName="s", variables={"bad name": "x"}
    )
    assert code == "BadRequestException"
    apigw.create_deployment(restApiId=api_id, stageName="s")
    for path, value in (
        ("/*/*/caching/ttlInSeconds", "3601"),
        ("/*/*/caching/unauthorizedCacheControlHeaderStrategy", "MAYBE"),
        ("/variables/v", "spaces are not allowed"),
    ):
        code, _, _ = error_of(
            apigw.update_stage,
            restApiId=api_id,
            stageName="s",
            patchOperations=[{"op": "replace", "path": path, "value": value}],
        )
        assert code == "BadRequestException", path
