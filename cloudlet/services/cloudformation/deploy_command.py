"""`cloudlet deploy TEMPLATE`: package local code, deploy through a change set, show progress
and print the outputs. A client of the CloudFormation API like `aws cloudformation deploy`,
run against a cloudlet endpoint; it never touches cloudlet's data directly."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from typing import Any

import boto3
from botocore.exceptions import ClientError, EndpointConnectionError

from cloudlet.services.cloudformation.template import parse

# resource type -> the property naming local code, packaged as a zip in S3
_CODE_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Lambda::Function": "Code",
    "AWS::Lambda::LayerVersion": "Content",
}
_TERMINAL = (
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "ROLLBACK_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "CREATE_FAILED",
    "ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_FAILED",
    "DELETE_COMPLETE",
    "DELETE_FAILED",
)
_NO_CHANGES = "didn't contain changes"
POLL_INTERVAL = 0.5


def _files(path: str) -> list[tuple[str, str]]:
    if os.path.isfile(path):
        return [(path, os.path.basename(path))]
    return [
        (os.path.join(root, name), os.path.relpath(os.path.join(root, name), path))
        for root, dirs, names in sorted(os.walk(path))
        for name in sorted(names)
        if "__pycache__" not in root
    ]


def dependencies(path: str) -> str | None:
    """The packages a function directory's requirements.txt names, installed (as `sam build`
    installs them) into a directory cached by the file's content and this Python's version."""
    requirements = os.path.join(path, "requirements.txt")
    if not os.path.isfile(requirements):
        return None
    with open(requirements, "rb") as fh:
        digest = hashlib.sha256(fh.read() + sys.version.encode()).hexdigest()[:16]
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "cloudlet", "deps", digest)
    if not os.path.isdir(cache):
        staging = f"{cache}.{os.getpid()}"
        reply = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-r", requirements, "--target", staging],
            capture_output=True, text=True,
        )
        if reply.returncode != 0:
            raise SystemExit(f"cloudlet deploy: installing {requirements} failed:\n{reply.stderr.strip()}")
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        try:
            os.rename(staging, cache)
        except OSError:  # another deploy installed the same set meanwhile
            shutil.rmtree(staging, ignore_errors=True)
    return cache


def zip_path(path: str, extra: str | None = None) -> bytes:
    """A zip of a directory's contents (or of one file), plus `extra`'s contents at its root,
    with stable timestamps, so the same code gives the same bytes and the same S3 key."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        files = _files(path) + (_files(extra) if extra else [])
        for source, arcname in files:
            info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (os.stat(source).st_mode & 0o777 | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(source, "rb") as fh:
                archive.writestr(info, fh.read())
    return buffer.getvalue()


def package(template: dict[str, Any], base_dir: str, s3: Any, bucket: str) -> dict[str, Any]:
    """Uploads each local code path the template names and points the template at the upload."""
    for definition in (template.get("Resources") or {}).values():
        prop = _CODE_PROPERTIES.get(definition.get("Type", ""))
        props = definition.get("Properties") or {}
        value = props.get(prop) if prop else None
        if not isinstance(value, str) or value.startswith("s3://"):
            continue
        path = os.path.normpath(os.path.join(base_dir, value))
        if not os.path.exists(path):
            raise SystemExit(f"cloudlet deploy: {prop} {value!r} does not exist (looked in {path})")
        if path.endswith((".zip", ".jar")):
            with open(path, "rb") as fh:
                data = fh.read()
        else:
            data = zip_path(path, dependencies(path) if os.path.isdir(path) else None)
        # Named by content, as `aws cloudformation package` names uploads: unchanged code, same key.
        key = hashlib.md5(data).hexdigest()
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        if definition["Type"].startswith("AWS::Serverless::"):
            props[prop] = f"s3://{bucket}/{key}"
        else:
            props[prop] = {"S3Bucket": bucket, "S3Key": key}
    return template


def _overrides(items: list[str]) -> list[dict[str, str]]:
    result = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"cloudlet deploy: --parameter-overrides takes Key=Value, not {item!r}")
        result.append({"ParameterKey": key, "ParameterValue": value})
    return result


def _stack_exists(cfn: Any, name: str) -> bool:
    try:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    return stack["StackStatus"] != "REVIEW_IN_PROGRESS"


def run(args: Any) -> int:
    session = boto3.session.Session(
        region_name=args.region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    )
    cfn = session.client("cloudformation", endpoint_url=args.endpoint_url)
    s3 = session.client("s3", endpoint_url=args.endpoint_url)
    stack_name = args.stack_name or _default_name(args.template)
    try:
        with open(args.template) as fh:
            template = parse(fh.read())
    except OSError as exc:
        print(f"cloudlet deploy: cannot read {args.template}: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # the parser's ValidationError, worded as CloudFormation words it
        print(f"cloudlet deploy: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    try:
        return _deploy(cfn, s3, args, stack_name, template)
    except EndpointConnectionError as exc:
        print(f"cloudlet is not answering at {args.endpoint_url}: {exc}", file=sys.stderr)
        return 1
    except ClientError as exc:
        print(f"cloudlet deploy: {exc.response['Error'].get('Message') or exc}", file=sys.stderr)
        return 1


def _default_name(path: str) -> str:
    base = os.path.basename(os.path.dirname(os.path.abspath(path))) or "stack"
    cleaned = "".join(c if c.isalnum() else "-" for c in base).strip("-")
    return cleaned if cleaned[:1].isalpha() else f"stack-{cleaned}"


def _deploy(cfn: Any, s3: Any, args: Any, stack_name: str, template: dict[str, Any]) -> int:
    bucket = args.s3_bucket or "cloudlet-deploy-artifacts"
    if not args.s3_bucket:
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError:
            s3.create_bucket(Bucket=bucket)
    template = package(template, os.path.dirname(os.path.abspath(args.template)), s3, bucket)
    body = json.dumps(template, indent=1)
    exists = _stack_exists(cfn, stack_name)
    params: dict[str, Any] = {
        "StackName": stack_name,
        "ChangeSetName": f"cloudlet-deploy-{int(time.time() * 1000)}",
        "ChangeSetType": "UPDATE" if exists else "CREATE",
        "Parameters": _overrides(args.parameter_overrides),
        "Capabilities": args.capabilities
        or ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    }
    if len(body.encode()) > 51_200:
        key = f"templates/{hashlib.md5(body.encode()).hexdigest()}.json"
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
        params["TemplateURL"] = f"{args.endpoint_url.rstrip('/')}/{bucket}/{key}"
    else:
        params["TemplateBody"] = body
    if exists:
        given = {p["ParameterKey"] for p in params["Parameters"]}
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
        params["Parameters"] += [
            {"ParameterKey": p["ParameterKey"], "UsePreviousValue": True}
            for p in stack.get("Parameters", [])
            if p["ParameterKey"] not in given and p["ParameterKey"] in (template.get("Parameters") or {})
        ]
    change_set = cfn.create_change_set(**params)
    described = cfn.describe_change_set(ChangeSetName=change_set["Id"])
    if described["Status"] == "FAILED":
        if _NO_CHANGES in (described.get("StatusReason") or ""):
            print(f"No changes to deploy. Stack {stack_name} is up to date")
            cfn.delete_change_set(ChangeSetName=change_set["Id"])
            _print_outputs(cfn, stack_name)
            return 0
        print(f"cloudlet deploy: change set failed: {described.get('StatusReason')}", file=sys.stderr)
        return 1
    print(f"Deploying stack {stack_name} ({len(described['Changes'])} resource changes)")
    seen = {e["EventId"] for e in cfn.describe_stack_events(StackName=stack_name)["StackEvents"]}
    cfn.execute_change_set(ChangeSetName=change_set["Id"])
    status = _follow(cfn, change_set["StackId"], seen)
    if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        print(f"cloudlet deploy: stack {stack_name} ended in {status}", file=sys.stderr)
        return 1
    _print_outputs(cfn, stack_name)
    return 0


def _follow(cfn: Any, stack_id: str, seen: set[str]) -> str:
    """Prints each new stack event until the stack reaches a final status."""
    while True:
        events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
        for event in reversed(events):
            if event["EventId"] in seen:
                continue
            seen.add(event["EventId"])
            reason = f"  {event['ResourceStatusReason']}" if event.get("ResourceStatusReason") else ""
            print(
                f"  {event['ResourceStatus']:<28} {event['ResourceType']:<36} {event['LogicalResourceId']}{reason}"
            )
        status = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
        if status in _TERMINAL:
            return status
        time.sleep(POLL_INTERVAL)


def _print_outputs(cfn: Any, stack_name: str) -> None:
    outputs = cfn.describe_stacks(StackName=stack_name)["Stacks"][0].get("Outputs") or []
    if outputs:
        print("Outputs:")
        for output in outputs:
            print(f"  {output['OutputKey']} = {output['OutputValue']}")
