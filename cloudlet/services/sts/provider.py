"""STS: who am I, and temporary credentials that cloudlet itself then accepts."""

from __future__ import annotations

import re
import secrets
import string
from datetime import UTC, datetime
from typing import Any

from cloudlet.core.credentials import Credential
from cloudlet.edge.types import RequestContext
from cloudlet.services.base import Provider
from cloudlet.services.sts import store
from cloudlet.services.sts.errors import ValidationError

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$")
_SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
_KEY_ALPHABET = string.ascii_uppercase + string.digits


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _expiration(epoch: float) -> datetime:
    return datetime.fromtimestamp(int(epoch), UTC)


class StsProvider(Provider):
    service = "sts"
    migrations = store.MIGRATIONS

    def lookup_credential(self, access_key: str) -> Credential | None:
        if not access_key.startswith("ASIA"):
            return None
        with self.env.store.read() as conn:
            session = store.find_session(conn, access_key)
        if session is None:
            return None
        return Credential(session.access_key, session.secret_key, session.account_id, session.arn,
                          session.user_id, session.session_token, session.expires_at)

    def get_caller_identity(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        principal = ctx.principal
        if principal is None:
            account = ctx.account_id
            return {"UserId": account, "Account": account, "Arn": f"arn:aws:iam::{account}:root"}
        return {"UserId": principal.user_id, "Account": principal.account_id, "Arn": principal.arn}

    def assume_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        match = _ROLE_ARN.match(params["RoleArn"])
        if match is None:
            raise ValidationError("Request ARN is invalid")
        session_name = params["RoleSessionName"]
        if not _SESSION_NAME.match(session_name):
            raise ValidationError(
                f"1 validation error detected: Value '{session_name}' at 'roleSessionName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
            )
        account, role_name = match.groups()
        role_id = "AROA" + _random(_KEY_ALPHABET, 17)
        user_id = f"{role_id}:{session_name}"
        arn = f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"
        session = self._issue(account, arn, user_id, params.get("DurationSeconds", 3600))
        return {
            "Credentials": self._credentials(session),
            "AssumedRoleUser": {"AssumedRoleId": user_id, "Arn": arn},
            "PackedPolicySize": 0 if "Policy" not in params else min(100, len(params["Policy"]) // 20),
        }

    def get_session_token(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        principal = ctx.principal
        account = ctx.account_id
        arn = principal.arn if principal else f"arn:aws:iam::{account}:root"
        user_id = principal.user_id if principal else account
        session = self._issue(account, arn, user_id, params.get("DurationSeconds", 43200))
        return {"Credentials": self._credentials(session)}

    def _issue(self, account: str, arn: str, user_id: str, duration: int) -> store.Session:
        now = self.env.clock.now()
        session = store.Session(
            access_key="ASIA" + _random(_KEY_ALPHABET, 16),
            secret_key=secrets.token_urlsafe(30)[:40],
            session_token="FwoGZXIvYXdzE" + secrets.token_urlsafe(96),
            account_id=account, arn=arn, user_id=user_id, expires_at=now + duration,
        )
        with self.env.store.db() as conn:
            store.delete_expired(conn, now)
            store.insert_session(conn, session)
        return session

    @staticmethod
    def _credentials(session: store.Session) -> dict[str, Any]:
        return {
            "AccessKeyId": session.access_key,
            "SecretAccessKey": session.secret_key,
            "SessionToken": session.session_token,
            "Expiration": _expiration(session.expires_at),
        }
