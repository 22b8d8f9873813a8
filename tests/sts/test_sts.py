"""STS through boto3, the first smoke test of the whole request path."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def test_get_caller_identity_root(client):
    identity = client("sts").get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"
    assert identity["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_assume_role_credentials_are_accepted(client):
    role = "arn:aws:iam::111122223333:role/service/deployer"
    reply = client("sts").assume_role(RoleArn=role, RoleSessionName="ci-run", DurationSeconds=900)
    creds = reply["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert reply["AssumedRoleUser"]["Arn"] == "arn:aws:sts::111122223333:assumed-role/deployer/ci-run"
    assert reply["AssumedRoleUser"]["AssumedRoleId"].endswith(":ci-run")

    assumed = client(
        "sts", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    identity = assumed.get_caller_identity()
    assert identity["Account"] == "111122223333"
    assert identity["Arn"] == reply["AssumedRoleUser"]["Arn"]
    assert identity["UserId"] == reply["AssumedRoleUser"]["AssumedRoleId"]


def test_temporary_credentials_need_their_token(client):
    creds = client("sts").get_session_token()["Credentials"]
    without_token = client("sts", aws_access_key_id=creds["AccessKeyId"],
                           aws_secret_access_key=creds["SecretAccessKey"])
    with pytest.raises(ClientError) as exc:
        without_token.get_caller_identity()
    assert exc.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_temporary_credentials_expire(client, server):
    creds = client("sts").get_session_token(DurationSeconds=900)["Credentials"]
    session = client("sts", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                     aws_session_token=creds["SessionToken"])
    assert session.get_caller_identity()["Account"] == "000000000000"
    server.advance_clock(901)
    with pytest.raises(ClientError) as exc:
        session.get_caller_identity()
    assert exc.value.response["Error"]["Code"] in ("ExpiredToken", "InvalidClientTokenId")


@pytest.mark.parametrize(("arn", "session"), [
    ("arn:aws:iam::123456789012:user/not-a-role", "ok-name"),
    ("arn:aws:iam::12345:role/short-account", "ok-name"),
])
def test_assume_role_rejects_malformed_arns(client, arn, session):
    with pytest.raises(ClientError) as exc:
        client("sts").assume_role(RoleArn=arn, RoleSessionName=session)
    assert exc.value.response["Error"]["Code"] == "ValidationError"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_assume_role_rejects_bad_session_name(client):
    with pytest.raises(ClientError) as exc:
        client("sts").assume_role(RoleArn="arn:aws:iam::123456789012:role/r", RoleSessionName="has space")
    assert exc.value.response["Error"]["Code"] == "ValidationError"
    assert "roleSessionName" in exc.value.response["Error"]["Message"]


def test_wrong_secret_is_signature_mismatch(client):
    with pytest.raises(ClientError) as exc:
        client("sts", aws_secret_access_key="wrong").get_caller_identity()
    assert exc.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_access_key(client):
    with pytest.raises(ClientError) as exc:
        client("sts", aws_access_key_id="AKIAUNKNOWNKEY000000").get_caller_identity()
    assert exc.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_unimplemented_operation_names_itself(client):
    with pytest.raises(ClientError) as exc:
        client("sts").decode_authorization_message(EncodedMessage="x")
    error = exc.value.response["Error"]
    assert error["Code"] == "NotImplemented"
    assert "DecodeAuthorizationMessage" in error["Message"]
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
