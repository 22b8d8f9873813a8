"""Function and layer code from an object in cloudlet's S3 (Code.S3Bucket/S3Key), as SAM, the
Serverless Framework and `aws lambda create-function --code S3Bucket=...` hand it over."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from cloudlet.testing.packages import zip_files as _zip

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


@pytest.fixture(scope="module")
def s3(client):
    return client("s3")


@pytest.fixture(scope="module")
def bucket(s3):
    s3.create_bucket(Bucket="lambda-code")
    s3.put_bucket_versioning(Bucket="lambda-code", VersioningConfiguration={"Status": "Enabled"})
    return "lambda-code"


def _code(answer: str) -> bytes:
    return _zip({"app.py": f"def handler(event, context):\n    return {answer!r}\n"})


def _invoke(lam, name: str):
    return json.loads(lam.invoke(FunctionName=name)["Payload"].read())


def test_create_and_update_from_s3_objects(lam, s3, bucket):
    first = s3.put_object(Bucket=bucket, Key="fn.zip", Body=_code("one"))["VersionId"]
    created = lam.create_function(FunctionName="from-s3", Role=ROLE, Runtime="python3.11", Handler="app.handler",
                                  Code={"S3Bucket": bucket, "S3Key": "fn.zip"})
    assert created["CodeSize"] == len(_code("one"))
    assert _invoke(lam, "from-s3") == "one"

    s3.put_object(Bucket=bucket, Key="fn.zip", Body=_code("two"))
    lam.update_function_code(FunctionName="from-s3", S3Bucket=bucket, S3Key="fn.zip")
    assert _invoke(lam, "from-s3") == "two"

    lam.update_function_code(FunctionName="from-s3", S3Bucket=bucket, S3Key="fn.zip", S3ObjectVersion=first)
    assert _invoke(lam, "from-s3") == "one"


def test_layer_content_from_s3(lam, s3, bucket):
    s3.put_object(Bucket=bucket, Key="layer.zip", Body=_zip({"python/shared.py": "VALUE = 'from layer'"}))
    layer = lam.publish_layer_version(LayerName="s3-layer", Content={"S3Bucket": bucket, "S3Key": "layer.zip"},
                                      CompatibleRuntimes=["python3.11"])
    s3.put_object(Bucket=bucket, Key="uses-layer.zip", Body=_zip(
        {"app.py": "import shared\ndef handler(event, context):\n    return shared.VALUE\n"}))
    lam.create_function(FunctionName="layered-from-s3", Role=ROLE, Runtime="python3.11", Handler="app.handler",
                        Code={"S3Bucket": bucket, "S3Key": "uses-layer.zip"}, Layers=[layer["LayerVersionArn"]])
    assert _invoke(lam, "layered-from-s3") == "from layer"


@pytest.mark.parametrize(("code", "message"), [
    ({"S3Bucket": "lambda-code", "S3Key": "missing.zip"},
     "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message:"),
    ({"S3Bucket": "no-such-code-bucket", "S3Key": "fn.zip"},
     "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message:"),
])
def test_missing_objects_are_invalid_parameter_values(lam, bucket, code, message):
    with pytest.raises(ClientError) as exc:
        lam.create_function(FunctionName="never", Role=ROLE, Runtime="python3.11", Handler="app.handler", Code=code)
    error = exc.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException" and error["Message"].startswith(message)


def test_an_s3_object_that_is_not_a_zip(lam, s3, bucket):
    s3.put_object(Bucket=bucket, Key="not-a.zip", Body=b"plain text")
    with pytest.raises(ClientError) as exc:
        lam.create_function(FunctionName="never", Role=ROLE, Runtime="python3.11", Handler="app.handler",
                            Code={"S3Bucket": bucket, "S3Key": "not-a.zip"})
    assert exc.value.response["Error"]["Message"].startswith("Could not unzip uploaded file.")
