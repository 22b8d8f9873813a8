"""The control plane: create, read, update, delete, list, versions, aliases, policy, concurrency, tags."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
CODE = "def handler(event, context):\n    return {'v': VERSION}\nVERSION = 1\n"
ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def error_of(exc: pytest.ExceptionInfo) -> tuple[str, str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_get_and_states(lam, create):
    created = create("crud", CODE, Description="first", Tags={"team": "a"})
    assert created["State"] == "Pending" and created["LastUpdateStatus"] == "InProgress"
    assert created["FunctionArn"] == ARN + "crud" and created["Version"] == "$LATEST"
    assert created["Timeout"] == 3 and created["MemorySize"] == 128 and created["PackageType"] == "Zip"
    assert len(created["CodeSha256"]) == 44
    lam.get_waiter("function_active_v2").wait(FunctionName="crud")
    got = lam.get_function(FunctionName="crud")
    assert got["Configuration"]["State"] == "Active"
    assert got["Configuration"]["RevisionId"] == created["RevisionId"]
    assert got["Tags"] == {"team": "a"}
    assert lam.get_function_configuration(FunctionName=ARN + "crud")["Description"] == "first"


def test_create_twice_conflicts(lam, create):
    create("dup", CODE)
    with pytest.raises(ClientError) as exc:
        create("dup", CODE)
    assert error_of(exc) == ("ResourceConflictException", "Function already exist: dup", 409)


def test_missing_function(lam):
    with pytest.raises(ClientError) as exc:
        lam.get_function(FunctionName="nope")
    assert error_of(exc) == ("ResourceNotFoundException", f"Function not found: {ARN}nope", 404)


def test_bad_zip_and_runtime(lam, zip_of):
    with pytest.raises(ClientError) as exc:
        lam.create_function(FunctionName="badzip", Role=ROLE, Runtime="python3.12", Handler="a.b",
                            Code={"ZipFile": b"not a zip"})
    assert error_of(exc)[0] == "InvalidParameterValueException"
    assert "Could not unzip uploaded file" in error_of(exc)[1]
    with pytest.raises(ClientError) as exc:
        lam.create_function(FunctionName="oldrt", Role=ROLE, Runtime="python2.7", Handler="a.b",
                            Code={"ZipFile": zip_of({"a.py": ""})})
    assert "python2.7 is no longer supported" in error_of(exc)[1]
    with pytest.raises(ClientError) as exc:
        lam.create_function(FunctionName="badrt", Role=ROLE, Runtime="cobol", Handler="a.b",
                            Code={"ZipFile": zip_of({"a.py": ""})})
    assert error_of(exc)[0] in ("ValidationException", "InvalidParameterValueException")


def test_reserved_environment_variables_are_refused(lam, create):
    with pytest.raises(ClientError) as exc:
        create("reserved-env", CODE, Environment={"Variables": {"AWS_REGION": "x"}})
    assert error_of(exc)[0] == "InvalidParameterValueException"
    assert "Reserved keys used in this request: AWS_REGION" in error_of(exc)[1]


def test_update_code_and_configuration(lam, create):
    create("upd", CODE)
    lam.update_function_code(FunctionName="upd", ZipFile=_zip(CODE.replace("VERSION = 1", "VERSION = 2")))
    assert _call(lam, "upd") == {"v": 2}
    reply = lam.update_function_configuration(FunctionName="upd", Timeout=9, Description="changed")
    assert reply["Timeout"] == 9 and reply["LastUpdateStatus"] == "InProgress"
    lam.get_waiter("function_updated_v2").wait(FunctionName="upd")
    with pytest.raises(ClientError) as exc:
        lam.update_function_configuration(FunctionName="upd", Timeout=5, RevisionId="stale")
    assert error_of(exc)[0] == "PreconditionFailedException"


def test_versions_and_aliases(lam, create):
    create("ver", CODE)
    v1 = lam.publish_version(FunctionName="ver")
    assert v1["Version"] == "1" and v1["FunctionArn"] == ARN + "ver:1"
    assert lam.publish_version(FunctionName="ver")["Version"] == "1"  # unchanged: same version
    lam.update_function_code(FunctionName="ver", ZipFile=_zip(CODE.replace("VERSION = 1", "VERSION = 2")))
    assert lam.publish_version(FunctionName="ver", Description="two")["Version"] == "2"
    versions = lam.list_versions_by_function(FunctionName="ver")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]
    alias = lam.create_alias(FunctionName="ver", Name="live", FunctionVersion="1")
    assert alias["AliasArn"] == ARN + "ver:live"
    assert _call(lam, "ver", Qualifier="1") == {"v": 1}
    assert _call(lam, "ver:live") == {"v": 1}
    reply = lam.invoke(FunctionName="ver", Qualifier="live")
    assert reply["ExecutedVersion"] == "1"
    lam.update_alias(FunctionName="ver", Name="live", FunctionVersion="2")
    assert _call(lam, "ver", Qualifier="live") == {"v": 2}
    assert [a["Name"] for a in lam.list_aliases(FunctionName="ver")["Aliases"]] == ["live"]
    lam.delete_alias(FunctionName="ver", Name="live")
    with pytest.raises(ClientError) as exc:
        lam.get_alias(FunctionName="ver", Name="live")
    assert error_of(exc)[0] == "ResourceNotFoundException"
    lam.delete_function(FunctionName="ver", Qualifier="1")
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName="ver", Qualifier="1")
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_list_functions_paginates(lam, create):
    for index in range(5):
        create(f"page-{index}", CODE)
    names = []
    for page in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}):
        assert len(page["Functions"]) <= 2
        names += [f["FunctionName"] for f in page["Functions"]]
    assert [n for n in names if n.startswith("page-")] == [f"page-{i}" for i in range(5)]
    assert len(names) == len(set(names))


def test_permissions_policy(lam, create):
    create("perm", CODE)
    with pytest.raises(ClientError) as exc:
        lam.get_policy(FunctionName="perm")
    assert error_of(exc)[0] == "ResourceNotFoundException"
    reply = lam.add_permission(FunctionName="perm", StatementId="s3", Action="lambda:InvokeFunction",
                               Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket",
                               SourceAccount="000000000000")
    statement = json.loads(reply["Statement"])
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Condition"]["ArnLike"] == {"AWS:SourceArn": "arn:aws:s3:::bucket"}
    with pytest.raises(ClientError) as exc:
        lam.add_permission(FunctionName="perm", StatementId="s3", Action="lambda:InvokeFunction",
                           Principal="sns.amazonaws.com")
    assert error_of(exc)[0] == "ResourceConflictException"
    policy = json.loads(lam.get_policy(FunctionName="perm")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["s3"]
    lam.remove_permission(FunctionName="perm", StatementId="s3")
    with pytest.raises(ClientError) as exc:
        lam.remove_permission(FunctionName="perm", StatementId="s3")
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_concurrency_and_tags(lam, create):
    create("conc", CODE)
    assert lam.get_function_concurrency(FunctionName="conc").get("ReservedConcurrentExecutions") is None
    lam.put_function_concurrency(FunctionName="conc", ReservedConcurrentExecutions=5)
    assert lam.get_function_concurrency(FunctionName="conc")["ReservedConcurrentExecutions"] == 5
    assert lam.get_function(FunctionName="conc")["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    lam.delete_function_concurrency(FunctionName="conc")
    assert "Concurrency" not in lam.get_function(FunctionName="conc")
    lam.tag_resource(Resource=ARN + "conc", Tags={"a": "1", "b": "2"})
    lam.untag_resource(Resource=ARN + "conc", TagKeys=["a"])
    assert lam.list_tags(Resource=ARN + "conc")["Tags"] == {"b": "2"}
    assert lam.get_account_settings()["AccountLimit"]["ConcurrentExecutions"] == 1000


def test_delete_function(lam, create):
    create("gone", CODE)
    lam.delete_function(FunctionName="gone")
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName="gone")
    assert error_of(exc)[0] == "ResourceNotFoundException"


def _zip(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", code)
    return buffer.getvalue()


def _call(lam, name: str, **kwargs) -> object:
    return json.loads(lam.invoke(FunctionName=name, **kwargs)["Payload"].read())
