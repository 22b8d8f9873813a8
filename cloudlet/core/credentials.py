"""Who may sign requests: access key -> secret, account and identity.

Sources, each replacing the built-in default when given:

- the default: the root pair `test` / `test` of account 000000000000;
- a file (`cloudlet up --credentials FILE`), either a JSON list::

      [{"access_key": "AKIA...", "secret_key": "...", "account_id": "111111111111",
        "arn": "arn:aws:iam::111111111111:user/alice", "user_id": "AIDA..."}]

  (`account_id` defaults to 000000000000; `arn` to the account's root; `user_id` to the
  account id), or an AWS-style INI file, one section per key::

      [alice]
      aws_access_key_id = AKIA...
      aws_secret_access_key = ...
      account_id = 111111111111

- the environment: CLOUDLET_CREDENTIALS="AKID:SECRET[:ACCOUNT],AKID2:SECRET2[:ACCOUNT2]".

Temporary credentials (STS AssumeRole, Cognito identity pools) live in the durable store; their
service registers a lookup function with `add_lookup`. Unknown keys are rejected: cloudlet does
not, as some local emulators do, accept any key for the default account (unless auth is off).
"""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_ACCESS_KEY = "test"
DEFAULT_SECRET_KEY = "test"
ENV_VAR = "CLOUDLET_CREDENTIALS"

# Temporary credentials never change once issued, so a found one may be remembered; only
# their expiry matters, and the authenticator checks that on every request.
_DYNAMIC_CACHE_SIZE = 4096

Lookup = Callable[[str], "Credential | None"]


@dataclass(frozen=True)
class Credential:
    access_key: str
    secret_key: str
    account_id: str
    arn: str
    user_id: str
    session_token: str | None = None
    expires_at: float | None = None  # epoch seconds; None for long-term keys


def root_credential(access_key: str, secret_key: str, account_id: str = DEFAULT_ACCOUNT) -> Credential:
    """A key of the account's root user."""
    return Credential(access_key, secret_key, account_id, f"arn:aws:iam::{account_id}:root", account_id)


class CredentialRegistry:
    def __init__(self, static: Iterable[Credential] = ()) -> None:
        self._static: dict[str, Credential] = {}
        self._lookups: list[Lookup] = []
        self._found: dict[str, Credential] = {}
        for credential in static:
            self.add(credential)

    @classmethod
    def default(cls) -> CredentialRegistry:
        return cls([root_credential(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY)])

    @classmethod
    def from_file(cls, path: str) -> CredentialRegistry:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        try:
            entries = json.loads(text)
        except json.JSONDecodeError:
            return cls(_from_ini(text, path))
        if not isinstance(entries, list):
            raise CredentialsFileError(f"{path}: expected a JSON list of credentials")
        return cls(_from_mapping(entry, path) for entry in entries)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CredentialRegistry:
        """CLOUDLET_CREDENTIALS when set, else the default pair."""
        value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip()
        if not value:
            return cls.default()
        return cls(_from_env_item(item) for item in value.split(",") if item.strip())

    def add(self, credential: Credential) -> None:
        self._static[credential.access_key] = credential

    def add_lookup(self, fn: Lookup) -> None:
        """A later source of (temporary) credentials, asked when no static key matches."""
        self._lookups.append(fn)

    def lookup(self, access_key: str) -> Credential | None:
        credential = self._static.get(access_key) or self._found.get(access_key)
        if credential is not None:
            return credential
        for fn in self._lookups:
            credential = fn(access_key)
            if credential is not None:
                if len(self._found) >= _DYNAMIC_CACHE_SIZE:
                    self._found.clear()
                self._found[access_key] = credential
                return credential
        return None

    def forget_found(self) -> None:
        """Drops cached temporary credentials, e.g. when the store they came from is reset."""
        self._found.clear()

    def fallback(self, access_key: str) -> Credential:
        """What an unknown key stands for when auth is off: the default account's root."""
        return Credential(access_key, "", DEFAULT_ACCOUNT, f"arn:aws:iam::{DEFAULT_ACCOUNT}:root",
                          DEFAULT_ACCOUNT)

    def __contains__(self, access_key: object) -> bool:
        return isinstance(access_key, str) and self.lookup(access_key) is not None

    def __len__(self) -> int:
        return len(self._static)


class CredentialsFileError(ValueError):
    pass


def _from_mapping(entry: Any, source: str) -> Credential:
    if not isinstance(entry, dict):
        raise CredentialsFileError(f"{source}: each credential must be an object")
    try:
        access_key, secret_key = str(entry["access_key"]), str(entry["secret_key"])
    except KeyError as exc:
        raise CredentialsFileError(f"{source}: credential without {exc.args[0]}") from None
    account = str(entry.get("account_id") or DEFAULT_ACCOUNT)
    base = root_credential(access_key, secret_key, account)
    return Credential(
        access_key, secret_key, account,
        str(entry.get("arn") or base.arn), str(entry.get("user_id") or base.user_id),
        entry.get("session_token"), entry.get("expires_at"),
    )


def _from_ini(text: str, source: str) -> list[Credential]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source)
    except configparser.Error as exc:
        raise CredentialsFileError(f"{source}: neither JSON nor INI ({exc})") from None
    result = []
    for name in parser.sections():
        section = parser[name]
        if "aws_access_key_id" not in section or "aws_secret_access_key" not in section:
            raise CredentialsFileError(f"{source}: [{name}] needs aws_access_key_id and aws_secret_access_key")
        result.append(_from_mapping({
            "access_key": section["aws_access_key_id"],
            "secret_key": section["aws_secret_access_key"],
            "account_id": section.get("account_id"),
            "arn": section.get("arn"),
            "user_id": section.get("user_id"),
        }, source))
    return result


def _from_env_item(item: str) -> Credential:
    parts = item.strip().split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise CredentialsFileError(f"{ENV_VAR}: expected AKID:SECRET[:ACCOUNT], got {item.strip()!r}")
    return root_credential(*parts)
