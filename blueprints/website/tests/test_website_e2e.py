"""The serverless website end to end: `cloudlet up --blueprint website`, then the page on S3
website hosting in headless Chromium calling the HTTP API across origins, and a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudlet.testing.blueprint import Deployed, http, start_blueprint

SCREENSHOT = Path(__file__).resolve().parent.parent / "screenshot.png"


@pytest.fixture(scope="module")
def site(data_dir, port) -> Deployed:
    deployed = start_blueprint("website", data_dir, port)
    yield deployed
    deployed.server.stop()


def test_outputs_follow_the_contract(site):
    assert set(site.outputs) >= {"SiteUrl", "ApiUrl", "SiteBucketName"}
    assert ".s3-website-" in site.outputs["SiteUrl"]
    assert ".execute-api." in site.outputs["ApiUrl"]


def test_index_and_error_documents(site):
    home = http("GET", site.url("SiteUrl"))
    assert home.status_code == 200 and "A serverless website" in home.text
    missing = http("GET", f"{site.url('SiteUrl').rstrip('/')}/no/such/page")
    # 403, not 404, as on AWS: the public policy grants s3:GetObject but not s3:ListBucket
    assert missing.status_code == 403 and "Nothing here" in missing.text


def test_api_answers_with_cors(site):
    answer = http("GET", f"{site.url('ApiUrl')}hello?name=Ada", headers={"Origin": "http://elsewhere.example"})
    assert answer.status_code == 200
    assert answer.json()["message"] == "Hello, Ada!"
    assert answer.headers["access-control-allow-origin"] == "*"


def test_page_greets_through_the_api(site, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(site.url("SiteUrl"))
    page.wait_for_selector("#greeting:has-text('Hello, visitor!')", timeout=15_000)
    page.fill("#hello input[name=name]", "Grace")
    page.click("#hello button")
    page.wait_for_selector("#greeting:has-text('Hello, Grace!')", timeout=15_000)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    context.close()


def test_visits_survive_a_restart(site, data_dir, port):
    before = http("GET", f"{site.url('ApiUrl')}hello").json()["visits"]
    site.server.stop()
    again = start_blueprint("website", data_dir, port)
    site.server = again.server
    assert again.outputs == site.outputs
    assert http("GET", f"{again.url('ApiUrl')}hello").json()["visits"] == before + 1
    assert "A serverless website" in http("GET", again.url("SiteUrl")).text
