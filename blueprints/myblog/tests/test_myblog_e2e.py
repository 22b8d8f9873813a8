"""MyBlog.com end to end: `cloudlet up --blueprint myblog` from a clean data directory, then the
real front end in headless Chromium, a real SMTP server for the welcome email, and a restart.

Tests run in order on one deployment (module scope): each step builds on what the last left.
"""

from __future__ import annotations

import io
import json
import queue
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from PIL import Image

from cloudlet.testing.blueprint import Deployed, http, start_blueprint
from cloudlet.testing.server import free_port

HERE = Path(__file__).resolve().parent.parent
SCREENSHOT = HERE / "screenshot.png"


class Inbox:
    """An aiosmtpd handler keeping every message it is sent."""

    def __init__(self) -> None:
        self.messages: queue.Queue = queue.Queue()

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.put((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture(scope="module")
def inbox():
    handler = Inbox()
    smtp_port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler, smtp_port
    controller.stop()


@pytest.fixture(scope="module")
def blog(data_dir, port, inbox) -> Deployed:
    _, smtp_port = inbox
    env = {"CLOUDLET_SMTP_HOST": "127.0.0.1", "CLOUDLET_SMTP_PORT": str(smtp_port)}
    deployed = start_blueprint("myblog", data_dir, port, env)
    yield deployed
    deployed.server.stop()


@pytest.fixture(scope="module")
def page(browser, blog):
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(blog.url("SiteUrl"))
    yield tab
    context.close()


def _api_key(blog: Deployed) -> str:
    key = blog.client("apigateway").get_api_key(apiKey=blog.outputs["AuthorApiKeyId"], includeValue=True)
    return key["value"]


def _invocations(blog: Deployed, function_prefix: str) -> int:
    """START lines in a function's CloudWatch Logs: one per invocation."""
    logs = blog.client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/myblog-{function_prefix}")["logGroups"]
    assert groups, f"no log group for {function_prefix}"
    events = logs.filter_log_events(logGroupName=groups[0]["logGroupName"], filterPattern="START")["events"]
    return sum(1 for event in events if event["message"].startswith("START RequestId"))


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, "PNG")
    return out.getvalue()


def test_outputs_follow_the_contract(blog):
    assert set(blog.outputs) >= {"SiteUrl", "ApiUrl", "SiteBucketName", "DistributionId", "AuthorApiKeyId",
                                 "PoisonPhotoQueueUrl"}
    assert blog.outputs["SiteUrl"].endswith(".cloudfront.net")
    assert ".execute-api." in blog.outputs["ApiUrl"] and blog.outputs["ApiUrl"].endswith("/prod")


def test_site_is_served_only_through_cloudfront(blog):
    site = http("GET", blog.url("SiteUrl"))
    assert site.status_code == 200 and "MyBlog.com" in site.text
    direct = http("GET", f"{blog.server.endpoint}/{blog.outputs['SiteBucketName']}/index.html")
    assert direct.status_code == 403


def test_author_needs_the_api_key(blog):
    refused = http("POST", f"{blog.url('ApiUrl')}/posts", json={"title": "x", "body": "y"})
    assert refused.status_code == 403


def test_page_lists_a_published_post(blog, page):
    page.fill("#post-form input[name=apiKey]", _api_key(blog))
    page.fill("#post-form input[name=title]", "Hello from cloudlet")
    page.fill("#post-form textarea[name=body]", "The first post, written through the page.")
    page.click("#post-form button")
    page.wait_for_selector("#post-status:has-text('Published')", timeout=15_000)
    page.reload()
    page.wait_for_selector("#post-list a:has-text('Hello from cloudlet')", timeout=15_000)
    page.click("#post-list a:has-text('Hello from cloudlet')")
    page.wait_for_selector("#post:has-text('The first post')", timeout=15_000)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_second_read_is_served_from_the_cache(blog):
    posts = http("GET", f"{blog.url('SiteUrl')}posts").json()["posts"]
    url = f"{blog.url('SiteUrl')}posts/{posts[0]['id']}"
    first = http("GET", url)
    assert first.status_code == 200
    before = _invocations(blog, "ApiFunction")
    second = http("GET", url)
    assert second.json() == first.json()
    assert second.headers.get("x-cache", "").lower().startswith("hit from cloudfront")
    assert _invocations(blog, "ApiFunction") == before


def test_subscribing_sends_a_welcome_email(page, inbox):
    handler, _ = inbox
    page.fill("#subscribe-form input[name=email]", "reader@example.com")
    page.click("#subscribe-form button")
    page.wait_for_selector("#subscribe-status:has-text('Subscribed')", timeout=15_000)
    recipients, message = handler.messages.get(timeout=30)
    assert recipients == ["reader@example.com"]
    assert message["Subject"] == "Welcome to MyBlog.com"


def test_an_uploaded_photo_gets_a_thumbnail(blog, page, tmp_path):
    photo = tmp_path / "photo.png"
    photo.write_bytes(_png(1024, 512))
    page.set_input_files("#photo-form input[name=photo]", str(photo))
    page.click("#photo-form button")
    page.wait_for_selector("#photo-status:has-text('Thumbnail ready')", timeout=60_000)
    source = page.get_attribute("#thumbnail", "src")
    assert source.startswith("/thumbnails/")
    assert page.evaluate("document.getElementById('thumbnail').naturalWidth") == 256
    thumbnail = http("GET", f"{blog.url('SiteUrl').rstrip('/')}{source}")
    assert thumbnail.status_code == 200
    assert Image.open(io.BytesIO(thumbnail.content)).size == (256, 128)


def test_a_poison_photo_ends_in_the_failure_queue(blog):
    created = http("POST", f"{blog.url('ApiUrl')}/photos").json()
    upload = created["upload"]
    sent = http("POST", upload["url"], data=upload["fields"], files={"file": ("x.png", b"not an image")})
    assert sent.status_code == 204
    status_url = f"{blog.url('ApiUrl')}/photos/{created['id']}"
    deadline = time.monotonic() + 30
    while http("GET", status_url).json()["status"] != "failed" and time.monotonic() < deadline:
        time.sleep(0.05)  # the first attempt marks the photo failed, then raises
    sqs = blog.client("sqs")
    deadline = time.monotonic() + 60
    body = None
    while body is None and time.monotonic() < deadline:
        # The retry waits a minute, as on AWS: move cloudlet's clock instead of sleeping. Only
        # between attempts: a running attempt would time out on the moved clock.
        blog.server.advance_clock(90)
        reply = sqs.receive_message(QueueUrl=blog.outputs["PoisonPhotoQueueUrl"], WaitTimeSeconds=1)
        for message in reply.get("Messages", []):
            body = json.loads(message["Body"])
    assert body is not None, "the poison photo never reached the on-failure queue"
    assert body["requestContext"]["condition"] == "RetriesExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 2
    assert http("GET", status_url).json()["status"] == "failed"


def test_everything_is_still_there_after_a_restart(blog, data_dir, port):
    blog.server.stop()
    again = start_blueprint("myblog", data_dir, port, blog.env)
    blog.server = again.server
    assert again.outputs == blog.outputs
    listed = http("GET", f"{again.url('SiteUrl')}posts")
    table = next(name for name in again.client("dynamodb").list_tables()["TableNames"] if "PostsTable" in name)
    stored = again.client("dynamodb").scan(TableName=table)["Items"]
    assert [item["title"]["S"] for item in stored] == ["Hello from cloudlet"]
    assert [post["title"] for post in listed.json()["posts"]] == ["Hello from cloudlet"], dict(listed.headers)
    assert "No changes to deploy" in again.server.log()

