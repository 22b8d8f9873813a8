"""Message signatures: an RSA key and self-signed certificate per data directory, served by
cloudlet at SigningCertURL, so a subscriber verifies cloudlet's messages as it verifies AWS's.

What is signed is AWS's canonical string: for each field present, in this order, its name and
its value on lines of their own (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA).
"""

from __future__ import annotations

import base64
import hashlib
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudlet.core.store import Store
from cloudlet.services.sns import store
from cloudlet.services.sns.urls import CERT_PATH_PREFIX

NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
RECENT_SIGNATURES = 256
CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")


def canonical(message: dict[str, Any]) -> str:
    names = NOTIFICATION_FIELDS if message["Type"] == "Notification" else CONFIRMATION_FIELDS
    return "".join(f"{name}\n{message[name]}\n" for name in names if message.get(name) is not None)


class Signer:
    """The data directory's signing key, created on first use and shared by every process."""

    def __init__(self, db: Store) -> None:
        self._store = db
        self._loaded: tuple[Any, str, str] | None = None
        # One publish fans out to every subscription with the same signed fields (the
        # unsubscribe URL is not signed): an RSA signature, about 0.3 ms, is made once for all.
        self._recent: dict[tuple[str, bytes], str] = {}
        db.on_reset(self._forget)

    def _forget(self) -> None:
        self._loaded = None
        self._recent = {}

    def _load(self) -> tuple[Any, str, str]:
        if self._loaded is None:
            with self._store.read() as conn:
                found = store.signing_key(conn)
            if found is None:
                with self._store.db() as conn:
                    store.save_signing_key(conn, *_generate())
                    found = store.signing_key(conn)
            assert found is not None
            key_pem, cert_pem, name = found
            # cryptography loads with the first signature, not with the service: megabytes of
            # memory a server whose topics deliver to no HTTP endpoint never needs.
            from cryptography.hazmat.primitives import serialization

            self._loaded = (serialization.load_pem_private_key(key_pem.encode(), None), cert_pem, name)
        return self._loaded

    def prepare_soon(self) -> None:
        """Loads (or makes) the key in a thread, so the first signature does not wait for it."""
        if self._loaded is None:
            threading.Thread(target=self._load, name="sns-signing-key", daemon=True).start()

    def certificate(self) -> tuple[str, str]:
        """(URL path, PEM) of the certificate."""
        _, cert_pem, name = self._load()
        return f"{CERT_PATH_PREFIX}{name}.pem", cert_pem

    def sign(self, message: dict[str, Any], base_url: str) -> None:
        """Adds SignatureVersion, Signature and SigningCertURL to an envelope."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        key, _, name = self._load()
        version = message.get("SignatureVersion") or "1"
        text = canonical(message).encode()
        recent = (version, hashlib.sha256(text).digest())
        signature = self._recent.get(recent)
        if signature is None:
            algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
            signature = base64.b64encode(key.sign(text, padding.PKCS1v15(), algorithm)).decode()
            if len(self._recent) >= RECENT_SIGNATURES:
                self._recent.clear()
            self._recent[recent] = signature
        message["SignatureVersion"] = version
        message["Signature"] = signature
        message["SigningCertURL"] = f"{base_url}{CERT_PATH_PREFIX}{name}.pem"


def _generate() -> tuple[str, str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cloudlet"),
        x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com"),
    ])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("sns.amazonaws.com")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return key_pem, cert_pem, hashlib.sha256(cert_pem.encode()).hexdigest()[:32]
