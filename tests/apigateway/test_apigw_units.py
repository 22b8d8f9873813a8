"""Pure logic of the REST API data plane: resource matching, JSONPath, patches, quota periods."""

from __future__ import annotations

import calendar
from datetime import datetime

import pytest

from cloudlet.services.apigateway import matching, patches
from cloudlet.services.apigateway.accounts import quota_period
from cloudlet.services.apigateway.errors import BadRequestException
from cloudlet.services.apigateway.templates import TemplateError, json_path, render


def _resources(*paths: str, method: str = "GET") -> list[dict]:
    return [{"id": p, "path": p, "resourceMethods": {method: {"httpMethod": method}}} for p in paths]


def test_matching_prefers_literals_then_variables_then_greedy():
    resources = _resources("/", "/a/{b}", "/a/b", "/{proxy+}", "/a/{b}/c")
    assert matching.find(resources, "/a/b", "GET")[0]["path"] == "/a/b"
    assert matching.find(resources, "/a/x", "GET")[0]["path"] == "/a/{b}"
    assert matching.find(resources, "/a/x/c", "GET")[2] == {"b": "x"}
    assert matching.find(resources, "/z/y/x", "GET")[2] == {"proxy": "z/y/x"}
    assert matching.find(resources, "/", "GET")[0]["path"] == "/"
    assert matching.find(resources, "/a/b", "POST") is None


def test_matching_falls_back_to_any_and_decodes():
    resources = [{"id": "1", "path": "/f/{name}", "resourceMethods": {"ANY": {}}}]
    assert matching.find(resources, "/f/a%20b", "DELETE")[2] == {"name": "a b"}
    assert matching.find(resources, "/f", "GET") is None


def test_json_path():
    doc = {"a": {"b": [1, {"c": "x"}]}, "k-1": 2}
    assert json_path(doc, "$") == doc
    assert json_path(doc, "$.a.b[1].c") == "x"
    assert json_path(doc, "$['k-1']") == 2
    assert json_path(doc, "$.a.b[*]") == [1, {"c": "x"}]
    assert json_path(doc, "$.missing") is None
    with pytest.raises(TemplateError):
        json_path(doc, "a.b")


def test_render_uses_input_util_context():
    out = render(
        '{"p": "$input.params(\'id\')", "b": $input.json(\'$.x\'), "s": "$stageVariables.v", '
        '"r": "$context.requestId", "e": "$util.urlEncode(\'a b\')"}',
        b'{"x": [1]}',
        {"path": {"id": "7"}, "querystring": {}, "header": {}},
        {"requestId": "r"},
        {"v": "w"},
    )
    assert out == '{"p": "7", "b": [1], "s": "w", "r": "r", "e": "a%20b"}'


def test_patches_convert_and_edit_lists():
    doc = {"name": "a", "binaryMediaTypes": ["x/y"]}
    patches.apply(
        doc,
        [
            {"op": "add", "path": "/binaryMediaTypes/image~1png"},
            {"op": "remove", "path": "/binaryMediaTypes/x~1y"},
            {"op": "replace", "path": "/minimumCompressionSize", "value": "10"},
        ],
    )
    assert doc == {"name": "a", "binaryMediaTypes": ["image/png"], "minimumCompressionSize": 10}
    with pytest.raises(BadRequestException):
        patches.apply(doc, [{"op": "replace", "path": "/name"}], allowed=frozenset({"description"}))


def test_method_settings_paths():
    settings: dict = {}
    assert patches.apply_method_setting(settings, "replace", "/~1a~1{b}/GET/caching/ttlInSeconds", "60")
    assert patches.apply_method_setting(settings, "replace", "/a/b/POST/throttling/rateLimit", "2.5")
    assert settings["a/{b}/GET"]["cacheTtlInSeconds"] == 60
    assert settings["a/b/POST"]["throttlingRateLimit"] == 2.5
    assert not patches.apply_method_setting(settings, "replace", "/cacheClusterEnabled", "true")


def test_quota_periods():
    day = calendar.timegm(datetime(2026, 12, 3, 15, 0).timetuple())  # a Thursday
    assert quota_period({"period": "DAY"}, day) == "2026-12-03"
    assert quota_period({"period": "WEEK"}, day) == "2026-11-30"
    assert quota_period({"period": "MONTH"}, day) == "2026-12-01"
    assert quota_period({"period": "MONTH", "offset": 5}, day) == "2026-11-06"


PASSTHROUGH = """#set($allParams = $input.params())
{"body-json": $input.json('$'), "params": {
#foreach($type in $allParams.keySet())#set($params = $allParams.get($type))
"$type": {#foreach($name in $params.keySet())"$name": "$util.escapeJavaScript($params.get($name))"#if($foreach.hasNext),#end#end}#if($foreach.hasNext),#end
#end},
"flag": $input.path('$.flag'), "n": $input.path('$.items').size(), "has": $input.path('$').containsKey('items'),
"lower": "$input.path('$.name').toLowerCase()", "swapped": "$input.path('$.name').replaceAll('(\\\\w+) (\\\\w+)', '$2 $1')"}"""


def test_console_passthrough_template_and_java_methods():
    import json

    out = render(
        PASSTHROUGH,
        b'{"flag": true, "items": [1, 2], "name": "Ada Lovelace"}',
        {"path": {"id": "7"}, "querystring": {"q": "x"}, "header": {"h": 'say "hi"'}},
        {},
        {},
    )
    assert json.loads(out) == {
        "body-json": {"flag": True, "items": [1, 2], "name": "Ada Lovelace"},
        "params": {"path": {"id": "7"}, "querystring": {"q": "x"}, "header": {"h": 'say "hi"'}},
        "flag": True,
        "n": 2,
        "has": True,
        "lower": "ada lovelace",
        "swapped": "Lovelace Ada",
    }
