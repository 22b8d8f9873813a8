"""`cloudlet deploy TEMPLATE`: packages local code, deploys, shows progress and outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import settled

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Word: {Type: String}
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ./code, Handler: main.handler, Runtime: python3.11,
                 Environment: {Variables: {WORD: !Ref Word}}}
  Bucket:
    Type: AWS::S3::Bucket
Outputs:
  Function: {Value: !Ref Echo}
  Word: {Value: !Ref Word}
"""


def cloudlet(endpoint: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    return subprocess.run(
        [sys.executable, "-m", "cloudlet", "deploy", *args, "--endpoint-url", endpoint],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_packages_and_prints_outputs(endpoint, tmp_path, cfn, client):
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "main.py").write_text(
        "import os\ndef handler(e, c):\n    return os.environ['WORD']\n"
    )
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    done = cloudlet(
        endpoint,
        str(tmp_path / "template.yaml"),
        "--stack-name",
        "shortcut",
        "--parameter-overrides",
        "Word=first",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Deploying stack shortcut (3 resource changes)"
    assert any(
        "CREATE_COMPLETE" in line and "AWS::Lambda::Function" in line and "Echo" in line for line in lines
    )
    assert "  Word = first" in lines and lines[lines.index("Outputs:") - 1].split()[0] == "CREATE_COMPLETE"
    function = settled(cfn, "shortcut")["Outputs"][0]["OutputValue"]
    reply = client("lambda").invoke(FunctionName=function, Payload=b"{}")
    assert json.loads(reply["Payload"].read()) == "first"

    same = cloudlet(endpoint, str(tmp_path / "template.yaml"), "--stack-name", "shortcut")
    assert same.returncode == 0, same.stderr
    assert same.stdout.startswith("No changes to deploy. Stack shortcut is up to date")

    (tmp_path / "code" / "main.py").write_text("def handler(e, c):\n    return 'new code'\n")
    changed = cloudlet(endpoint, str(tmp_path / "template.yaml"), "--stack-name", "shortcut")
    assert changed.returncode == 0, changed.stderr
    assert "UPDATE_COMPLETE" in changed.stdout
    reply = client("lambda").invoke(FunctionName=function, Payload=b"{}")
    assert json.loads(reply["Payload"].read()) == "new code"


def test_deploy_reports_errors(endpoint, tmp_path):
    (tmp_path / "t.yaml").write_text("Resources:\n  A:\n    Type: AWS::Nope::Nope\n")
    done = cloudlet(endpoint, str(tmp_path / "t.yaml"), "--stack-name", "broken")
    assert done.returncode == 1
    assert "Unrecognized resource types: [AWS::Nope::Nope]" in done.stderr
    (tmp_path / "f.yaml").write_text(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: -1}\n"
    )
    failed = cloudlet(endpoint, str(tmp_path / "f.yaml"), "--stack-name", "failing")
    assert failed.returncode == 1
    assert "CREATE_FAILED" in failed.stdout and "ended in ROLLBACK_COMPLETE" in failed.stderr
