"""Fixtures for the blueprints' end-to-end tests: a real cloudlet started with `--blueprint`,
a real SMTP server the SES relay delivers to, and headless Chromium driven by Playwright."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from cloudlet.testing.server import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def data_dir() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="cloudlet-blueprint-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()
