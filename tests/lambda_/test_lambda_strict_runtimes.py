"""`cloudlet up --strict-runtimes`: Python runtimes other than the server's interpreter are refused."""

from __future__ import annotations

import base64
import shutil
import sys

import pytest
from botocore.exceptions import ClientError

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server

INSTALLED = f"python{sys.version_info.major}.{sys.version_info.minor}"
OTHER = "python3.13" if INSTALLED != "python3.13" else "python3.12"
CODE = "def handler(event, context):\n    return 'ran'\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = str(tmp_path_factory.mktemp("strict"))
    running = start_server(data_dir, "--strict-runtimes")
    yield running
    running.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def test_other_python_versions_are_refused(lam, create):
    with pytest.raises(ClientError) as exc:
        create("other-python", CODE, Runtime=OTHER)
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert f"The runtime {OTHER} is not installed" in exc.value.response["Error"]["Message"]
    create("this-python", CODE, Runtime=INSTALLED)
    assert lam.invoke(FunctionName="this-python")["Payload"].read() == b'"ran"'
    with pytest.raises(ClientError) as exc:
        lam.update_function_configuration(FunctionName="this-python", Runtime=OTHER)
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_without_the_option_other_versions_run_with_a_warning(tmp_path, zip_of):
    relaxed = start_server(str(tmp_path))
    try:
        lam = make_client(relaxed.endpoint, "lambda")
        lam.create_function(
            FunctionName="other",
            Runtime=OTHER,
            Handler="app.handler",
            Code={"ZipFile": zip_of({"app.py": CODE})},
            Role="arn:aws:iam::000000000000:role/r",
        )
        reply = lam.invoke(FunctionName="other", LogType="Tail")
        assert reply["Payload"].read() == b'"ran"'
        assert (
            f"{OTHER} is not installed here; running on {INSTALLED}"
            in base64.b64decode(reply["LogResult"]).decode()
        )
    finally:
        relaxed.stop()
