"""Another account: using a layer needs the layer version's permission; calling an AWS_IAM
function URL needs the function's resource policy."""

from __future__ import annotations

import json
import shutil
from urllib.parse import urlsplit

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server

OWNER, OTHER = "000000000000", "111122223333"
USES_LAYER = "import shared\ndef handler(event, context):\n    return shared.WHO\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("cloudlet")
    keys = data_dir / "keys.json"
    keys.write_text(
        json.dumps(
            [
                {"access_key": "test", "secret_key": "test", "account_id": OWNER},
                {"access_key": "other", "secret_key": "other", "account_id": OTHER},
            ]
        )
    )
    running = start_server(str(data_dir / "data"), "--credentials", str(keys))
    yield running
    running.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def other_lam(endpoint):
    return make_client(endpoint, "lambda", aws_access_key_id="other", aws_secret_access_key="other")


def code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.response["Error"]["Code"]


def test_layer_permissions_let_another_account_use_a_layer(lam, other_lam, zip_of):
    layer = lam.publish_layer_version(
        LayerName="shared", Content={"ZipFile": zip_of({"python/shared.py": "WHO = 1"})}
    )
    arn = layer["LayerVersionArn"]
    with pytest.raises(ClientError) as exc:
        lam.get_layer_version_policy(LayerName="shared", VersionNumber=1)
    assert code(exc) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        other_lam.get_layer_version_by_arn(Arn=arn)
    assert code(exc) == "AccessDeniedException"
    function = {
        "FunctionName": "borrower",
        "Runtime": "python3.11",
        "Handler": "app.handler",
        "Role": f"arn:aws:iam::{OTHER}:role/r",
        "Code": {"ZipFile": zip_of({"app.py": USES_LAYER})},
    }
    with pytest.raises(ClientError) as exc:
        other_lam.create_function(Layers=[arn], **function)
    assert code(exc) == "AccessDeniedException"
    added = lam.add_layer_version_permission(
        LayerName="shared",
        VersionNumber=1,
        StatementId="other",
        Action="lambda:GetLayerVersion",
        Principal=OTHER,
    )
    assert json.loads(added["Statement"])["Principal"] == {"AWS": f"arn:aws:iam::{OTHER}:root"}
    with pytest.raises(ClientError) as exc:
        lam.add_layer_version_permission(
            LayerName="shared",
            VersionNumber=1,
            StatementId="other",
            Action="lambda:GetLayerVersion",
            Principal="*",
        )
    assert code(exc) == "ResourceConflictException"
    policy = lam.get_layer_version_policy(LayerName="shared", VersionNumber=1)
    assert policy["RevisionId"] == added["RevisionId"]
    assert [s["Sid"] for s in json.loads(policy["Policy"])["Statement"]] == ["other"]
    assert other_lam.get_layer_version_by_arn(Arn=arn)["Version"] == 1
    other_lam.create_function(Layers=[arn], **function)
    assert json.loads(other_lam.invoke(FunctionName="borrower")["Payload"].read()) == 1
    with pytest.raises(ClientError) as exc:
        lam.remove_layer_version_permission(
            LayerName="shared", VersionNumber=1, StatementId="other", RevisionId="stale"
        )
    assert code(exc) == "PreconditionFailedException"
    lam.remove_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="other")
    with pytest.raises(ClientError) as exc:
        lam.remove_layer_version_permission(LayerName="shared", VersionNumber=1, StatementId="other")
    assert code(exc) == "ResourceNotFoundException"


def signed_get(endpoint: str, url: str, key: str) -> httpx.Response:
    host = f"{urlsplit(url).hostname}:{urlsplit(endpoint).port}"
    request = AWSRequest("GET", f"http://{host}/", headers={"Host": host})
    SigV4Auth(Credentials(key, key), "lambda", "us-east-1").add_auth(request)
    return httpx.get(f"{endpoint}/", headers=dict(request.headers))


def test_aws_iam_url_from_another_account_needs_the_resource_policy(lam, create, endpoint):
    create(
        "iam-url",
        "def handler(event, context):\n    return {'caller': event['requestContext']['accountId']}\n",
    )
    url = lam.create_function_url_config(FunctionName="iam-url", AuthType="AWS_IAM")["FunctionUrl"]
    assert signed_get(endpoint, url, "test").json() == {"caller": OWNER}
    assert signed_get(endpoint, url, "other").status_code == 403
    lam.add_permission(
        FunctionName="iam-url",
        StatementId="other",
        Action="lambda:InvokeFunctionUrl",
        Principal=OTHER,
        FunctionUrlAuthType="AWS_IAM",
    )
    assert signed_get(endpoint, url, "other").json() == {"caller": OTHER}
