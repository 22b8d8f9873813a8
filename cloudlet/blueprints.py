"""`cloudlet up --blueprint NAME`: deploy a blueprint's SAM template as the stack NAME through
the CloudFormation API (as `sam deploy` would), upload its static site to the stack's
`SiteBucketName`, and print the stack's URLs in the form a local browser reaches.

A client of the running server, like any user's tooling: it never touches the data directory.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import sys
import threading
import time
import urllib.request
from argparse import Namespace
from pathlib import Path
from typing import Any

# The repository's blueprints/ (an editable install runs from the checkout).
ROOT = Path(__file__).resolve().parent.parent / "blueprints"

_CLOUDFRONT = re.compile(r"^https?://([a-z0-9]+)\.cloudfront\.net(/.*)?$")
_EXECUTE_API = re.compile(r"^https?://([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(/.*)?$")
_WEBSITE = re.compile(r"^https?://([a-z0-9.-]+)\.s3-website[.-]([a-z0-9-]+)\.amazonaws\.com(/.*)?$")


def names() -> list[str]:
    return sorted(p.name for p in ROOT.iterdir() if (p / "template.yaml").is_file()) if ROOT.is_dir() else []


def directory(name: str) -> Path:
    """A blueprint by name, or a path to a directory holding a template.yaml."""
    path = ROOT / name if os.sep not in name and (ROOT / name).is_dir() else Path(name)
    if not (path / "template.yaml").is_file():
        raise SystemExit(f"cloudlet: no blueprint {name!r} (there are: {', '.join(names()) or 'none'})")
    return path


def local_url(url: str, port: int) -> str:
    """An AWS address a stack output names, as this machine reaches cloudlet's answer to it."""
    if match := _CLOUDFRONT.match(url):
        return f"http://{match[1]}.cloudfront.localhost:{port}{match[2] or '/'}"
    if match := _EXECUTE_API.match(url):
        return f"http://{match[1]}.execute-api.localhost:{port}{match[2] or '/'}"
    if match := _WEBSITE.match(url):
        return f"http://{match[1]}.s3-website-{match[2]}.localhost:{port}{match[3] or '/'}"
    return url


def deploy(endpoint: str, name: str, region: str, port: int) -> dict[str, str]:
    """Deploys the blueprint and uploads its site; returns the stack outputs with local URLs."""
    import boto3  # only for this command: a plain `cloudlet up` should not pay for it

    from cloudlet.services.cloudformation import deploy_command

    path = directory(name)
    stack = path.name
    args = Namespace(template=str(path / "template.yaml"), stack_name=stack, parameter_overrides=[],
                     capabilities=None, s3_bucket=None, region=region, endpoint_url=endpoint)
    if deploy_command.run(args) != 0:
        raise SystemExit(f"cloudlet: deploying blueprint {stack} failed")
    session = boto3.session.Session(region_name=region, aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
                                    aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"))
    cfn = session.client("cloudformation", endpoint_url=endpoint)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])}
    local = {key: local_url(value, port) for key, value in outputs.items()}
    site = path / "site"
    if site.is_dir() and outputs.get("SiteBucketName"):
        upload_site(session.client("s3", endpoint_url=endpoint), outputs["SiteBucketName"], site, local.get("ApiUrl"))
    return local


def upload_site(s3: Any, bucket: str, site: Path, api_url: str | None) -> None:
    """The site's files, plus a `config.js` telling a page that calls the API across origins
    where it is (what a deploy pipeline writes on AWS)."""
    for file in sorted(p for p in site.rglob("*") if p.is_file()):
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        s3.put_object(Bucket=bucket, Key=file.relative_to(site).as_posix(), Body=file.read_bytes(),
                      ContentType=content_type)
    if api_url:
        s3.put_object(Bucket=bucket, Key="config.js", Body=f"window.API_URL = {json.dumps(api_url)};\n".encode(),
                      ContentType="text/javascript")


def _wait_ready(endpoint: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{endpoint}/_cloudlet/health", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def deploy_when_ready(endpoint: str, name: str, region: str, port: int) -> threading.Thread:
    """Deploys once the server (started by the caller) answers, printing the URLs."""

    def run() -> None:
        try:
            _wait_ready(endpoint)
            outputs = deploy(endpoint, name, region, port)
        except (SystemExit, Exception) as exc:  # the server keeps serving; say why the deploy failed
            print(f"cloudlet: blueprint {name} was not deployed: {exc}", file=sys.stderr, flush=True)
            return
        print(f"\nblueprint {Path(name).name} deployed", flush=True)
        for key, value in outputs.items():
            print(f"  {key:<22} {value}", flush=True)

    thread = threading.Thread(target=run, name="blueprint-deploy", daemon=True)
    thread.start()
    return thread
