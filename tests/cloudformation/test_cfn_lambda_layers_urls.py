"""AWS::Lambda::LayerVersion and AWS::Lambda::Url, as SAM emits them for an
AWS::Serverless::LayerVersion and a function's FunctionUrlConfig: the function imports the
layer's code and answers on its URL; a layer change publishes a new version."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import urlsplit

import httpx
from conftest import outputs, reasons, settled

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  LayerKey: {Type: String, Default: layer1.zip}
Resources:
  Shared:
    Type: AWS::Serverless::LayerVersion
    Properties:
      LayerName: shared-words
      ContentUri: {Bucket: layer-code, Key: !Ref LayerKey}
      CompatibleRuntimes: [python3.11]
  Web:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      Layers: [!Ref Shared]
      FunctionUrlConfig:
        AuthType: NONE
        Cors: {AllowOrigins: ["https://example.com"], MaxAge: 60}
      InlineCode: |
        import words
        def handler(event, context):
            return {"statusCode": 200, "body": words.WORD}
Outputs:
  Layer: {Value: !Ref Shared}
  Url: {Value: !GetAtt WebUrl.FunctionUrl}
  UrlFunction: {Value: !GetAtt WebUrl.FunctionArn}
  Function: {Value: !Ref Web}
"""


def _layer(word: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/words.py", f"WORD = {word!r}\n")
    return buffer.getvalue()


def _get(endpoint: str, url: str) -> httpx.Response:
    url_id = urlsplit(url).hostname.split(".")[0]
    return httpx.get(f"{endpoint}/_aws/lambda-url/{url_id}/", timeout=30)


def test_layer_and_function_url(cfn, client, endpoint):
    s3 = client("s3")
    s3.create_bucket(Bucket="layer-code")
    s3.put_object(Bucket="layer-code", Key="layer1.zip", Body=_layer("first"))
    s3.put_object(Bucket="layer-code", Key="layer2.zip", Body=_layer("second"))
    capabilities = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
    cfn.create_stack(StackName="layers", TemplateBody=TEMPLATE, Capabilities=capabilities)
    stack = settled(cfn, "layers")
    assert stack["StackStatus"] == "CREATE_COMPLETE", [e for e in reasons(cfn, "layers") if "FAILED" in e[1]]
    out = outputs(stack)
    lam = client("lambda")
    assert out["Layer"].startswith("arn:aws:lambda:us-east-1:000000000000:layer:shared-words:")
    config = lam.get_function_url_config(FunctionName=out["Function"])
    assert config["FunctionUrl"] == out["Url"] and config["FunctionArn"] == out["UrlFunction"]
    assert config["AuthType"] == "NONE" and config["Cors"]["MaxAge"] == 60
    answer = _get(endpoint, out["Url"])
    assert answer.status_code == 200, answer.text
    assert answer.text == "first"

    cfn.update_stack(
        StackName="layers",
        UsePreviousTemplate=True,
        Parameters=[{"ParameterKey": "LayerKey", "ParameterValue": "layer2.zip"}],
        Capabilities=capabilities,
    )
    stack = settled(cfn, "layers")
    assert stack["StackStatus"] == "UPDATE_COMPLETE", [e for e in reasons(cfn, "layers") if "FAILED" in e[1]]
    layer = outputs(stack)["Layer"]
    assert layer != out["Layer"] and layer.rsplit(":", 1)[0] == out["Layer"].rsplit(":", 1)[0]
    assert _get(endpoint, out["Url"]).text == "second"

    cfn.delete_stack(StackName="layers")
    cfn.get_waiter("stack_delete_complete").wait(StackName="layers", WaiterConfig={"Delay": 1})
    versions = lam.list_layer_versions(LayerName="shared-words")["LayerVersions"]
    # The replaced version went in cleanup (no UpdateReplacePolicy); SAM gives the layer
    # DeletionPolicy Retain, so the current one outlives the stack.
    assert [v["LayerVersionArn"] for v in versions] == [layer]
    assert out["Function"] not in {f["FunctionName"] for f in lam.list_functions()["Functions"]}
