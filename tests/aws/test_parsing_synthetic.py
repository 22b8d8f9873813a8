"""Round trips through small made-up models that use the traits the real services barely use.

Flattened XML maps, named query map entries, header lists of timestamps, querystring maps of
lists, documents and unions as payloads, greedy labels mid-path, host labels... Each model
is read both by cloudlet and by botocore; botocore serializes, cloudlet must read it back.
"""

from __future__ import annotations

import copy
from typing import Any

import botocore.model
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import value_for
from test_request_conformance import botocore_request, carried

from cloudlet.aws.model import ServiceModel
from cloudlet.aws.parsing import create_parser
from cloudlet.edge.types import Body


def _metadata(protocol: str) -> dict[str, Any]:
    return {
        "protocol": protocol, "protocols": [protocol], "apiVersion": "2024-01-01", "serviceId": "Toy",
        "endpointPrefix": "toy", "signatureVersion": "v4", "uid": "toy-2024-01-01",
        "targetPrefix": "Toy_20240101", "jsonVersion": "1.1", "serviceFullName": "Toy",
    }


_SCALARS = {
    "Str": {"type": "string"},
    "Label": {"type": "string", "min": 1},
    "Int": {"type": "integer", "min": -5, "max": 500},
    "Long": {"type": "long"},
    "Dbl": {"type": "double"},
    "Flt": {"type": "float"},
    "Bool": {"type": "boolean"},
    "Blob": {"type": "blob"},
    "Time": {"type": "timestamp"},
    "EpochTime": {"type": "timestamp", "timestampFormat": "unixTimestamp"},
    "IsoTime": {"type": "timestamp", "timestampFormat": "iso8601"},
    "HttpTime": {"type": "timestamp", "timestampFormat": "rfc822"},
    "Doc": {"type": "structure", "members": {}, "document": True},
    "Color": {"type": "string", "enum": ["red", "green"]},
    "StrList": {"type": "list", "member": {"shape": "Str"}},
    "TimeList": {"type": "list", "member": {"shape": "HttpTime"}},
    "IntList": {"type": "list", "member": {"shape": "Int"}},
    "StrListMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "StrList"}},
    "StrMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}},
    "Choice": {"type": "structure", "union": True, "members": {
        "Text": {"shape": "Str"}, "Number": {"shape": "Long"}, "Nested": {"shape": "Inner"}}},
    "Inner": {"type": "structure", "members": {
        "When": {"shape": "Time"}, "Data": {"shape": "Blob"}, "Ratio": {"shape": "Dbl"},
        "Small": {"shape": "Flt"}, "On": {"shape": "Bool"}, "Colors": {"shape": "ColorList"}}},
    "ColorList": {"type": "list", "member": {"shape": "Color"}},
}


REST_XML = {
    "metadata": _metadata("rest-xml"),
    "operations": {
        "PutThing": {
            "name": "PutThing", "http": {"method": "PUT", "requestUri": "/things/{Name}?put"},
            "input": {"shape": "PutThingRequest", "locationName": "PutThingRequest",
                      "xmlNamespace": {"uri": "https://toy.example/"}},
            "endpoint": {"hostPrefix": "{Account}."},
        },
        "GetThing": {"name": "GetThing", "http": {"method": "GET", "requestUri": "/things/{Name}"},
                     "input": {"shape": "GetThingRequest"}},
    },
    "shapes": {
        **_SCALARS,
        "PutThingRequest": {"type": "structure", "required": ["Name", "Account"], "members": {
            "Name": {"shape": "Label", "location": "uri", "locationName": "Name"},
            "Account": {"shape": "Label", "hostLabel": True},
            "Dates": {"shape": "TimeList", "location": "header", "locationName": "x-dates"},
            "Count": {"shape": "Int", "location": "querystring", "locationName": "count"},
            "Ids": {"shape": "StrList", "location": "querystring", "locationName": "id"},
            "Tags": {"shape": "NamedMap"},
            "Flat": {"shape": "FlatMap", "locationName": "Entry"},
            "Items": {"shape": "FlatList", "locationName": "Item"},
            "Attributed": {"shape": "Attributed"},
            "When": {"shape": "EpochTime"},
            "Inner": {"shape": "Inner"},
        }},
        "GetThingRequest": {"type": "structure", "required": ["Name"], "members": {
            "Name": {"shape": "Label", "location": "uri", "locationName": "Name"},
            "Since": {"shape": "IsoTime", "location": "header", "locationName": "x-since"},
            "Before": {"shape": "EpochTime", "location": "querystring", "locationName": "before"},
            "Flag": {"shape": "Bool", "location": "header", "locationName": "x-flag"},
            "Ratio": {"shape": "Dbl", "location": "querystring", "locationName": "ratio"},
        }},
        "NamedMap": {"type": "map", "key": {"shape": "Str", "locationName": "K"},
                     "value": {"shape": "Str", "locationName": "V"}},
        "FlatMap": {"type": "map", "flattened": True, "key": {"shape": "Str"}, "value": {"shape": "Inner"}},
        "FlatList": {"type": "list", "flattened": True, "member": {"shape": "Inner"}},
        "Attributed": {"type": "structure", "members": {
            "Kind": {"shape": "Label", "xmlAttribute": True, "locationName": "kind"},
            "Value": {"shape": "Str"}}},
    },
}

QUERY = {
    "metadata": _metadata("query"),
    "operations": {"DoThing": {"name": "DoThing", "http": {"method": "POST", "requestUri": "/"},
                               "input": {"shape": "DoThingRequest"}}},
    "shapes": {
        **_SCALARS,
        "DoThingRequest": {"type": "structure", "members": {
            "Attributes": {"shape": "NamedFlatMap", "locationName": "Attribute"},
            "Names": {"shape": "NamedFlatList"},
            "Plain": {"shape": "ItemList"},
            "Deep": {"shape": "StrListMap"},
            "When": {"shape": "EpochTime"},
            "Inner": {"shape": "Inner"},
            "Choice": {"shape": "Choice"},
        }},
        "NamedFlatMap": {"type": "map", "flattened": True, "key": {"shape": "Str", "locationName": "Name"},
                         "value": {"shape": "Str", "locationName": "Value"}},
        "NamedFlatList": {"type": "list", "flattened": True, "member": {"shape": "Str", "locationName": "Name"}},
        "ItemList": {"type": "list", "member": {"shape": "Inner", "locationName": "item"}},
    },
}

REST_JSON = {
    "metadata": _metadata("rest-json"),
    "operations": {
        "PutDoc": {"name": "PutDoc", "http": {"method": "PUT", "requestUri": "/docs/{Path+}/content"},
                   "input": {"shape": "PutDocRequest"}},
        "PutChoice": {"name": "PutChoice", "http": {"method": "PUT", "requestUri": "/choices/{Id}"},
                      "input": {"shape": "PutChoiceRequest"}},
        "PutBlob": {"name": "PutBlob", "http": {"method": "PUT", "requestUri": "/blobs/{Id}"},
                    "input": {"shape": "PutBlobRequest"}},
        "PutText": {"name": "PutText", "http": {"method": "POST", "requestUri": "/texts/{Id}"},
                    "input": {"shape": "PutTextRequest"}},
        "Search": {"name": "Search", "http": {"method": "GET", "requestUri": "/search"},
                   "input": {"shape": "SearchRequest"}},
    },
    "shapes": {
        **_SCALARS,
        # A document payload would be ideal here, but botocore writes one as {"null": doc}.
        "PutDocRequest": {"type": "structure", "required": ["Path"], "payload": "Doc", "members": {
            "Path": {"shape": "Label", "location": "uri", "locationName": "Path"},
            "Doc": {"shape": "Inner"}}},
        "PutChoiceRequest": {"type": "structure", "required": ["Id"], "payload": "Choice", "members": {
            "Id": {"shape": "Label", "location": "uri", "locationName": "Id"},
            "Choice": {"shape": "Choice"}}},
        "PutBlobRequest": {"type": "structure", "required": ["Id"], "payload": "Data", "members": {
            "Id": {"shape": "Label", "location": "uri", "locationName": "Id"},
            "Data": {"shape": "Blob"},
            "Meta": {"shape": "StrMap", "location": "headers", "locationName": "x-toy-meta-"},
            "Context": {"shape": "JsonStr", "location": "header", "locationName": "x-toy-context"}}},
        "PutTextRequest": {"type": "structure", "required": ["Id"], "payload": "Text", "members": {
            "Id": {"shape": "Label", "location": "uri", "locationName": "Id"},
            "Text": {"shape": "Str"},
            "At": {"shape": "EpochTime", "location": "header", "locationName": "x-at"},
            "Counts": {"shape": "IntList", "location": "header", "locationName": "x-counts"}}},
        "SearchRequest": {"type": "structure", "members": {
            "Filters": {"shape": "StrListMap", "location": "querystring"},
            "Sort": {"shape": "Str", "location": "querystring", "locationName": "sort"},
            "Before": {"shape": "Time", "location": "querystring", "locationName": "before"},
            "Colors": {"shape": "ColorList", "location": "header", "locationName": "x-colors"}}},
        "JsonStr": {"type": "string", "jsonvalue": True},
    },
}

JSON = {
    "metadata": _metadata("json"),
    "operations": {"DoThing": {"name": "DoThing", "http": {"method": "POST", "requestUri": "/"},
                               "input": {"shape": "DoThingRequest"}}},
    "shapes": {
        **_SCALARS,
        "DoThingRequest": {"type": "structure", "members": {
            "Renamed": {"shape": "Str", "locationName": "renamed_on_wire"},
            "Doc": {"shape": "Doc"}, "Choice": {"shape": "Choice"}, "When": {"shape": "IsoTime"},
            "Epoch": {"shape": "EpochTime"}, "Deep": {"shape": "StrListMap"}, "Inner": {"shape": "Inner"}}},
    },
}

CBOR = copy.deepcopy(JSON)
CBOR["metadata"] = _metadata("smithy-rpc-v2-cbor")
# botocore's CBOR serializer has no documents.
del CBOR["shapes"]["DoThingRequest"]["members"]["Doc"]

MODELS = {"rest-xml": REST_XML, "query": QUERY, "rest-json": REST_JSON, "json": JSON, "smithy-rpc-v2-cbor": CBOR}
CASES = [(protocol, name) for protocol, raw in MODELS.items() for name in raw["operations"]]

_settings = settings(max_examples=25, derandomize=True, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize(("protocol", "name"), CASES, ids=[f"{p}-{n}" for p, n in CASES])
def test_synthetic_round_trip(protocol: str, name: str) -> None:
    raw = MODELS[protocol]
    ours = ServiceModel(f"toy-{protocol}", copy.deepcopy(raw))
    theirs = botocore.model.ServiceModel(copy.deepcopy(raw), service_name="toy")
    operation = ours.operation(name)
    parser = create_parser(ours, protocol)

    @_settings
    @given(value_for(operation.input_shape))
    def round_trip(params: dict[str, Any]) -> None:
        request = botocore_request(theirs.operation_model(name), protocol, params)
        assert parser.operation(request).name == name
        parsed = {k: v.data if isinstance(v, Body) else v for k, v in parser.parse(request, operation).items()}
        assert parsed == carried(params, operation.input_shape, protocol)

    round_trip()
