"""Layers: publish, read, list, delete, and functions that import and run what layers bring."""

from __future__ import annotations

import json
import sys

import pytest
from botocore.exceptions import ClientError

SITE = f"python/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
USES_LAYERS = """
import subprocess
import shared
import vendored
def handler(event, context):
    tool = subprocess.run(["layer-tool"], capture_output=True, text=True).stdout.strip()
    return {"shared": shared.WHO, "vendored": vendored.WHO, "tool": tool}
"""


@pytest.fixture(scope="module")
def publish(lam, zip_of):
    def publish(name: str, files: dict[str, str], **extra):
        content = {"ZipFile": zip_of(files, {"bin/layer-tool": 0o755})}
        return lam.publish_layer_version(LayerName=name, Content=content, **extra)

    return publish


def test_publish_get_and_list(lam, publish):
    first = publish(
        "lib-a",
        {"python/shared.py": "WHO = 'a1'"},
        Description="first",
        CompatibleRuntimes=["python3.11", "python3.12"],
        LicenseInfo="MIT",
    )
    assert first["Version"] == 1
    assert first["LayerArn"] == "arn:aws:lambda:us-east-1:000000000000:layer:lib-a"
    assert first["LayerVersionArn"] == first["LayerArn"] + ":1"
    assert first["Content"]["CodeSize"] > 0 and first["Content"]["CodeSha256"]
    second = publish("lib-a", {"python/shared.py": "WHO = 'a2'"}, CompatibleRuntimes=["python3.12"])
    assert second["Version"] == 2
    got = lam.get_layer_version(LayerName="lib-a", VersionNumber=1)
    assert got["Description"] == "first" and got["LicenseInfo"] == "MIT"
    assert lam.get_layer_version_by_arn(Arn=second["LayerVersionArn"])["Version"] == 2
    versions = lam.list_layer_versions(LayerName="lib-a")["LayerVersions"]
    assert [v["Version"] for v in versions] == [2, 1]
    assert [
        v["Version"]
        for v in lam.list_layer_versions(LayerName="lib-a", CompatibleRuntime="python3.11")["LayerVersions"]
    ] == [1]
    listed = {layer["LayerName"]: layer for layer in lam.list_layers()["Layers"]}
    assert listed["lib-a"]["LatestMatchingVersion"]["Version"] == 2
    matching = {
        layer["LayerName"]: layer for layer in lam.list_layers(CompatibleRuntime="python3.11")["Layers"]
    }
    assert matching["lib-a"]["LatestMatchingVersion"]["LayerVersionArn"] == first["LayerVersionArn"]


def test_delete_layer_version(lam, publish):
    publish("short", {"python/x.py": ""})
    lam.delete_layer_version(LayerName="short", VersionNumber=1)
    lam.delete_layer_version(LayerName="short", VersionNumber=1)  # again: still fine
    with pytest.raises(ClientError) as exc:
        lam.get_layer_version(LayerName="short", VersionNumber=1)
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert lam.list_layer_versions(LayerName="short")["LayerVersions"] == []
    assert publish("short", {"python/x.py": ""})["Version"] == 2  # numbers are never reused


def test_bad_layer_zip(lam):
    with pytest.raises(ClientError) as exc:
        lam.publish_layer_version(LayerName="broken", Content={"ZipFile": b"not a zip"})
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_function_runs_with_layer_code_on_its_paths(lam, create, publish):
    shared = publish("shared", {"python/shared.py": "WHO = 'shared layer'"})
    vendored = publish(
        "vendored",
        {
            f"{SITE}/vendored/__init__.py": "WHO = 'site-packages layer'",
            "bin/layer-tool": "#!/bin/sh\necho tool from bin\n",
        },
    )
    arns = [shared["LayerVersionArn"], vendored["LayerVersionArn"]]
    config = create("with-layers", USES_LAYERS, Layers=arns)
    assert [layer["Arn"] for layer in config["Layers"]] == arns
    assert all(layer["CodeSize"] > 0 for layer in config["Layers"])
    reply = lam.invoke(FunctionName="with-layers", Payload=b"{}")
    assert json.loads(reply["Payload"].read()) == {
        "shared": "shared layer",
        "vendored": "site-packages layer",
        "tool": "tool from bin",
    }


def test_later_layers_and_function_code_win(lam, create, publish):
    low = publish("order-low", {"python/shared.py": "WHO = 'low'", "python/vendored.py": "WHO = 'low'"})
    high = publish(
        "order-high", {"python/shared.py": "WHO = 'high'", "bin/layer-tool": "#!/bin/sh\necho high\n"}
    )
    code = {"app.py": USES_LAYERS, "vendored.py": "WHO = 'function'"}
    create("layer-order", code, Layers=[low["LayerVersionArn"], high["LayerVersionArn"]])
    reply = lam.invoke(FunctionName="layer-order", Payload=b"{}")
    assert json.loads(reply["Payload"].read()) == {"shared": "high", "vendored": "function", "tool": "high"}


def test_update_configuration_changes_layers(lam, create, publish):
    one = publish("swap", {"python/shared.py": "WHO = 'one'"})
    two = publish("swap", {"python/shared.py": "WHO = 'two'"})
    create(
        "swapper",
        "import shared\ndef handler(e, c):\n    return shared.WHO\n",
        Layers=[one["LayerVersionArn"]],
    )
    assert json.loads(lam.invoke(FunctionName="swapper")["Payload"].read()) == "one"
    lam.update_function_configuration(FunctionName="swapper", Layers=[two["LayerVersionArn"]])
    assert json.loads(lam.invoke(FunctionName="swapper")["Payload"].read()) == "two"
    lam.delete_layer_version(LayerName="swap", VersionNumber=2)  # functions keep a deleted version
    lam.update_function_configuration(FunctionName="swapper", Description="touched")
    assert json.loads(lam.invoke(FunctionName="swapper")["Payload"].read()) == "two"
    assert "Layers" not in lam.update_function_configuration(FunctionName="swapper", Layers=[])


def test_function_layer_errors(lam, create, publish):
    layer = publish("checked", {"python/x.py": ""})
    again = publish("checked", {"python/y.py": ""})
    missing = layer["LayerArn"] + ":99"
    cases = [
        ([missing], f"Layer version {missing} does not exist."),
        (
            [layer["LayerVersionArn"], again["LayerVersionArn"]],
            "Two different versions of the same layer are not allowed to be referenced in the same function.",
        ),
        ([f"{layer['LayerArn']}-{i}:1" for i in range(6)], "Cannot reference more than 5 layers."),
    ]
    for arns, message in cases:
        with pytest.raises(ClientError) as exc:
            create("bad-layers", "def handler(e, c):\n    return 1\n", Layers=arns)
        assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"
        assert exc.value.response["Error"]["Message"] == message
