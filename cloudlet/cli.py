"""`cloudlet up | status | services | reset | logs | mail | deploy`."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

from cloudlet.config import DEFAULT_PORT, DEFAULT_REGION, Config


def _up_parser(sub: argparse._SubParsersAction) -> None:
    up = sub.add_parser("up", help="serve every implemented AWS service on one port")
    up.add_argument("--host", default=os.environ.get("CLOUDLET_HOST", "127.0.0.1"))
    up.add_argument("--port", type=int, default=int(os.environ.get("CLOUDLET_PORT", DEFAULT_PORT)))
    up.add_argument("--data-dir", default=os.environ.get("CLOUDLET_DATA_DIR", ".cloudlet"))
    up.add_argument("--ephemeral", action="store_true", help="state in a temporary directory, removed on exit")
    up.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION", DEFAULT_REGION))
    up.add_argument("--auth", choices=("on", "off"), default=os.environ.get("CLOUDLET_AUTH", "on"),
                    help="verify SigV4 signatures (off accepts any signature)")
    up.add_argument("--credentials", metavar="FILE", help="more access keys and accounts (see docs/credentials.md)")
    up.add_argument("--fsync", choices=("normal", "full"), default="normal",
                    help="normal survives a killed process; full also survives power loss")
    up.add_argument("--workers", type=int, default=1, help="edge worker processes sharing the data directory")
    up.add_argument("--cors-origins", default="*", help="comma-separated origins allowed to call the AWS API")
    up.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    mail = up.add_argument_group("email", "where SES relays every message it accepts (it keeps each in the mailbox too)")
    mail.add_argument("--smtp-host", help="SMTP server to relay to (default: none, mailbox only)")
    mail.add_argument("--smtp-port", type=int, help="its port (default 25)")
    mail.add_argument("--smtp-user", help="SMTP AUTH user")
    mail.add_argument("--smtp-password", help="SMTP AUTH password")
    mail.add_argument("--smtp-starttls", action="store_true", help="upgrade the connection with STARTTLS")
    mail.add_argument("--ses-sandbox", action="store_true",
                      help="SES sends only to verified addresses and domains, as a new AWS account does")
    up.add_argument("--plain-http-insecure", action="store_true",
                    help="aws:SecureTransport is false over plain HTTP (by default requests count as TLS, as on AWS)")
    up.add_argument("--blueprint", metavar="NAME",
                    help="deploy a blueprint (blueprints/NAME, or a directory with a template.yaml) once serving")
    up.add_argument("--cognito-issuer", metavar="URL",
                    help="token issuer of a Cognito user pool, with {region} and {pool}, where REST API "
                         "Cognito authorizers fetch its keys (default: AWS's, "
                         "https://cognito-idp.{region}.amazonaws.com/{pool})")
    up.add_argument("--lambda-user", metavar="USER",
                    help="run Lambda functions as this unprivileged user (cloudlet must run as root)")
    up.add_argument("--lambda-sandbox", choices=("auto", "bwrap", "none"), default="auto",
                    help="run each Lambda execution environment in a bubblewrap sandbox: auto when bwrap "
                         "works here, bwrap to refuse to start otherwise, none for plain processes")
    up.add_argument("--strict-runtimes", action="store_true",
                    help="refuse Lambda Python runtimes other than this interpreter's, instead of running them on it")


def _endpoint_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL", f"http://localhost:{DEFAULT_PORT}"))


def _deploy_parser(sub: argparse._SubParsersAction) -> None:
    deploy = sub.add_parser("deploy", help="package local code and deploy a CloudFormation/SAM template")
    deploy.add_argument("template", help="template file (JSON or YAML)")
    deploy.add_argument("--stack-name", help="default: the template directory's name")
    deploy.add_argument("--parameter-overrides", nargs="*", default=[], metavar="KEY=VALUE")
    deploy.add_argument("--capabilities", nargs="*", help="default: every IAM and macro capability")
    deploy.add_argument("--s3-bucket", help="where packaged code goes (default: cloudlet-deploy-artifacts)")
    deploy.add_argument("--region", default=None)
    _endpoint_args(deploy)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cloudlet", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _up_parser(sub)
    for name, text in (("status", "health of a running cloudlet"), ("reset", "wipe all state of a running cloudlet")):
        _endpoint_args(sub.add_parser(name, help=text))
    _deploy_parser(sub)
    services = sub.add_parser("services", help="which operations of each service are implemented")
    services.add_argument("--markdown", action="store_true", help="print docs/coverage.md")
    mail = sub.add_parser("mail", help="list the emails SES accepted (newest first)")
    mail.add_argument("--limit", type=int, default=20)
    mail.add_argument("--json", action="store_true", help="print them as GET /_cloudlet/ses/messages does")
    _endpoint_args(mail)
    logs = sub.add_parser("logs", help="print a Lambda function's logs (/aws/lambda/FUNCTION)")
    logs.add_argument("function")
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing new events")
    logs.add_argument("--since", default="10m", help="how far back to start: 30s, 10m, 2h, 1d (default 10m)")
    logs.add_argument("--region", default=None)
    _endpoint_args(logs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "up":
        return up(args)
    if args.command == "services":
        return services(args.markdown)
    if args.command == "deploy":
        from cloudlet.services.cloudformation.deploy_command import run  # boto3: only for this command

        return run(args)
    if args.command == "logs":
        return logs(args)
    if args.command == "mail":
        return mail(args)
    path, method = {"status": ("health", "GET"), "reset": ("reset", "POST")}[args.command]
    return _call(args.endpoint_url, path, method)


def up(args: argparse.Namespace) -> int:
    from cloudlet.server import serve

    data_dir = tempfile.mkdtemp(prefix="cloudlet-") if args.ephemeral else os.path.abspath(args.data_dir)
    config = Config(
        host=args.host, port=args.port, data_dir=data_dir, region=args.region, auth=args.auth == "on",
        credentials_file=args.credentials, fsync=args.fsync, workers=max(1, args.workers),
        cors_origins=tuple(o.strip() for o in args.cors_origins.split(",") if o.strip()),
        log_level=args.log_level, extra=_extra(args),
    )
    refusal = _lambda_refusal(args, data_dir)
    if refusal:
        print(f"cloudlet: {refusal}", file=sys.stderr)
        return 2
    if args.blueprint:
        from cloudlet import blueprints

        blueprints.directory(args.blueprint)  # an unknown name fails before the server starts
        endpoint = f"http://{'localhost' if args.host in ('127.0.0.1', '0.0.0.0', 'localhost') else args.host}:{args.port}"
        blueprints.deploy_when_ready(endpoint, args.blueprint, config.region, args.port)
    try:
        return serve(config)
    finally:
        if args.ephemeral:
            shutil.rmtree(data_dir, ignore_errors=True)


def _lambda_refusal(args: argparse.Namespace, data_dir: str) -> str | None:
    """Why Lambda functions cannot run as --lambda-user and --lambda-sandbox ask, if they cannot."""
    user = None
    if args.lambda_user:
        from cloudlet.runtime.isolation import LambdaUser

        try:
            user = LambdaUser.named(args.lambda_user)
        except ValueError as exc:
            return str(exc)
        os.makedirs(data_dir, exist_ok=True)
        blocked = user.blocked_on_the_way_to(data_dir)
        if blocked:
            return (f"--lambda-user {user.name} cannot reach the data directory {data_dir}: "
                    f"{blocked} is closed to it (functions run from there); give it o+x or pick "
                    "another --data-dir")
    if args.lambda_sandbox == "bwrap":
        from cloudlet.runtime.sandbox import SandboxUnavailable, choose

        try:
            choose("bwrap", user)
        except SandboxUnavailable as exc:
            return str(exc)
    return None


def _extra(args: argparse.Namespace) -> dict[str, str]:
    """Service settings the flags give, under the names the services read from the config."""
    extra = {}
    if args.strict_runtimes:
        extra["lambda.strict_runtimes"] = "true"
    for name in ("host", "port", "user", "password"):
        value = getattr(args, f"smtp_{name}")
        if value is not None:
            extra[f"smtp_{name}"] = str(value)
    if args.smtp_starttls:
        extra["smtp_starttls"] = "true"
    if args.ses_sandbox:
        extra["ses_sandbox"] = "true"
    if args.plain_http_insecure:
        extra["plain_http_insecure"] = "true"
    if args.lambda_user:
        extra["lambda.user"] = args.lambda_user
    extra["lambda.sandbox"] = args.lambda_sandbox
    if args.cognito_issuer:
        extra["cognito_issuer"] = args.cognito_issuer
    return extra


def mail(args: argparse.Namespace) -> int:
    import urllib.error
    import urllib.request

    url = f"{args.endpoint_url.rstrip('/')}/_cloudlet/ses/messages?limit={max(1, args.limit)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            messages = json.load(reply)["messages"]
    except (urllib.error.URLError, OSError) as exc:
        print(f"cloudlet is not answering at {args.endpoint_url}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"messages": messages}, indent=2))
        return 0
    for message in messages:
        sent = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(message["Timestamp"]))
        relayed = "relayed" if message["Relayed"] else "kept"
        print(f"{sent}  {message['Source']} -> {', '.join(message['Destination'])}  [{relayed}]")
        print(f"  {message['Subject']}")
    if not messages:
        print("no messages")
    return 0


def logs(args: argparse.Namespace) -> int:
    from cloudlet.services.lambda_ import tail

    try:
        since = tail.parse_since(args.since)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        return tail.tail(args.endpoint_url, args.region or tail.default_region(), args.function,
                         follow=args.follow, since=since)
    except KeyboardInterrupt:
        return 0


def _call(endpoint: str, path: str, method: str) -> int:
    import urllib.error  # imported here: `cloudlet up` start-up should not pay for an HTTP client
    import urllib.request

    url = f"{endpoint.rstrip('/')}/_cloudlet/{path}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method, data=b"" if method == "POST" else None),
                                    timeout=10) as reply:
            print(json.dumps(json.load(reply), indent=2))
    except (urllib.error.URLError, OSError) as exc:
        print(f"cloudlet is not answering at {endpoint}: {exc}", file=sys.stderr)
        return 1
    return 0


def services(markdown: bool) -> int:
    from cloudlet.services.registry import coverage

    table = coverage()
    if markdown:
        print(coverage_markdown(table))
        return 0
    for service, (implemented, operations) in table.items():
        print(f"{service}: {len(implemented)}/{len(operations)}")
        for op in implemented:
            print(f"  {op}")
    return 0


def coverage_markdown(table: dict[str, tuple[list[str], list[str]]]) -> str:
    lines = [
        "# Implemented operations",
        "",
        "Generated from the code by `cloudlet services --markdown`; do not edit by hand.",
        "Every operation not listed answers an AWS-shaped `NotImplemented` error naming it.",
        "",
    ]
    for service, (implemented, operations) in table.items():
        lines.append(f"## {service} ({len(implemented)} of {len(operations)})")
        lines.append("")
        lines.extend(f"- {op}" for op in implemented)
        lines.append("")
    return "\n".join(lines)
