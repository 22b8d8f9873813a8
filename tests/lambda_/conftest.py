"""Helpers for Lambda tests: deployment packages built in memory."""

from __future__ import annotations

import io
import zipfile

import pytest

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def make_zip(files: dict[str, str], modes: dict[str, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((modes or {}).get(name, 0o644)) << 16
            archive.writestr(info, text)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def zip_of():
    return make_zip


@pytest.fixture(scope="module")
def lam(client):
    return client("lambda")


@pytest.fixture(scope="module")
def create(lam):
    """create(name, code, **config) -> CreateFunction's reply; handler defaults to app.handler."""

    def create(name: str, code: str | dict[str, str], **config):
        files = {"app.py": code} if isinstance(code, str) else code
        config.setdefault("Runtime", "python3.11")
        config.setdefault("Handler", "app.handler")
        return lam.create_function(FunctionName=name, Role=ROLE, Code={"ZipFile": make_zip(files)}, **config)

    return create
