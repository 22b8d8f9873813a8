"""Identities: email addresses and domains, verified the moment they are added.

A sender is allowed when its address, or its address's domain, is an identity of the account
and region (as on AWS, where the same rule applies after verification).
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from email.utils import parseaddr
from typing import Any

from cloudlet.services.mail import store
from cloudlet.services.mail.errors import InvalidMessage, NotVerified

_EMAIL = re.compile(r"^[^@\s]+@([^@\s]+\.[^@\s]+)$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$")


def kind_of(identity: str) -> str:
    if _EMAIL.match(identity):
        return "EmailAddress"
    if _DOMAIN.match(identity):
        return "Domain"
    raise InvalidMessage(f"Invalid email address or domain: {identity}")


def add(conn: sqlite3.Connection, account_id: str, region: str, identity: str, now: float) -> store.Identity:
    kind = kind_of(identity)
    existing = store.find_identity(conn, account_id, region, identity)
    if existing is not None:
        return existing
    attributes: dict[str, Any] = {"DkimEnabled": kind == "Domain",
                                  "DkimTokens": [secrets.token_hex(16) for _ in range(3)]}
    added = store.Identity(identity, kind, secrets.token_urlsafe(32), attributes, now)
    store.put_identity(conn, account_id, region, added)
    return added


def address_of(source: str) -> str:
    address = parseaddr(source)[1]
    if not _EMAIL.match(address):
        raise InvalidMessage(f"Illegal address: {source}" if "<" in source else "Missing final '@domain'")
    return address


def check_sender(conn: sqlite3.Connection, account_id: str, region: str, source: str) -> str:
    """The sender's bare address; NotVerified unless it (or its domain) is an identity."""
    address = address_of(source)
    domain = address.rsplit("@", 1)[1]
    if store.find_identity(conn, account_id, region, address) or store.find_identity(conn, account_id, region, domain):
        return address
    raise NotVerified(f"Email address is not verified. The following identities failed the check in region"
                      f" {region.upper()}: {address}")


def check_recipients_verified(conn: sqlite3.Connection, account_id: str, region: str, recipients: list[str]) -> None:
    """The sandbox rule: every recipient (or its domain) must be a verified identity too."""
    failed = []
    for recipient in recipients:
        address = address_of(recipient)
        domain = address.rsplit("@", 1)[1]
        if not (store.find_identity(conn, account_id, region, address)
                or store.find_identity(conn, account_id, region, domain)):
            failed.append(address)
    if failed:
        raise NotVerified(f"Email address is not verified. The following identities failed the check in region"
                          f" {region.upper()}: {', '.join(failed)}")


def dkim_attributes(identity: store.Identity) -> dict[str, Any]:
    return {
        "DkimEnabled": bool(identity.attributes.get("DkimEnabled")),
        "DkimVerificationStatus": "Success" if identity.kind == "Domain" else "NotStarted",
        "DkimTokens": identity.attributes.get("DkimTokens", []) if identity.kind == "Domain" else [],
    }
