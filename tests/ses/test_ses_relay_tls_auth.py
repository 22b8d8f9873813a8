"""The SMTP relay's STARTTLS and AUTH options against a real aiosmtpd server that requires both
(`cloudlet up --smtp-host --smtp-port --smtp-starttls --smtp-user --smtp-password`), and
`cloudlet mail` listing what was sent."""

from __future__ import annotations

import datetime
import json
import os
import queue as queues
import shutil
import ssl
import subprocess
import sys
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import free_port, start_server


class Inbox:
    def __init__(self) -> None:
        self.received: queues.Queue = queues.Queue()
        self.logins: list[tuple[str, bool]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.put((session.authenticated, envelope.mail_from, envelope.rcpt_tos))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = auth_data.login == b"relay-user" and auth_data.password == b"relay-secret"
        self.logins.append((auth_data.login.decode(), session.ssl is not None))
        return AuthResult(success=ok, handled=False)


def _tls_context(directory: str) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(),
                            tls_context=_tls_context(str(tmp_path_factory.mktemp("tls"))), require_starttls=True,
                            authenticator=handler.authenticate, auth_required=True, auth_require_tls=True)
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, inbox):
    data_dir = str(tmp_path_factory.mktemp("cloudlet-ses-tls"))
    running = start_server(data_dir, "--smtp-host", "127.0.0.1", "--smtp-port", str(inbox.port), "--smtp-starttls",
                           "--smtp-user", "relay-user", "--smtp-password", "relay-secret")
    yield running
    running.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def test_mail_is_relayed_over_starttls_with_a_login(server, inbox):
    ses = make_client(server.endpoint, "ses")
    ses.verify_email_identity(EmailAddress="sender@example.com")
    ses.send_email(Source="sender@example.com", Destination={"ToAddresses": ["to@example.org"]},
                   Message={"Subject": {"Data": "over tls"}, "Body": {"Text": {"Data": "b"}}})
    authenticated, mail_from, recipients = inbox.received.get(timeout=15)
    assert authenticated and mail_from == "sender@example.com" and recipients == ["to@example.org"]
    assert inbox.logins == [("relay-user", True)]  # logged in once, after STARTTLS


def test_cloudlet_mail_lists_what_was_sent(server, inbox):
    ses = make_client(server.endpoint, "ses")
    ses.verify_email_identity(EmailAddress="sender@example.com")
    ses.send_email(Source="sender@example.com", Destination={"ToAddresses": ["list@example.org"]},
                   Message={"Subject": {"Data": "for the list"}, "Body": {"Text": {"Data": "b"}}})
    inbox.received.get(timeout=15)
    deadline = time.monotonic() + 10
    while True:  # the relay marks the message once the SMTP server took it
        listed = subprocess.run([sys.executable, "-m", "cloudlet", "mail", "--endpoint-url", server.endpoint],
                                capture_output=True, text=True, timeout=30)
        assert listed.returncode == 0, listed.stderr
        first = listed.stdout.splitlines()[:2]
        if "[relayed]" in first[0] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert "sender@example.com -> list@example.org  [relayed]" in first[0]
    assert first[1].strip() == "for the list"
    raw = subprocess.run([sys.executable, "-m", "cloudlet", "mail", "--json", "--limit", "1",
                          "--endpoint-url", server.endpoint], capture_output=True, text=True, timeout=30)
    [message] = json.loads(raw.stdout)["messages"]
    assert message["Subject"] == "for the list" and message["Destination"] == ["list@example.org"]
