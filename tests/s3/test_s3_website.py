"""Static website hosting: configuration, index and error documents, redirects, routing rules,
public-only serving, and the HTML errors website endpoints answer with."""

from __future__ import annotations

import json

import httpx
import pytest
from botocore.exceptions import ClientError


def _public(s3, bucket: str) -> None:
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                    }
                ],
            }
        ),
    )


@pytest.fixture
def site(s3, bucket):
    for key, body in {
        "index.html": "<h1>home</h1>",
        "docs/index.html": "<h1>docs</h1>",
        "about.html": "<h1>about</h1>",
        "404.html": "<h1>not here</h1>",
    }.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode(), ContentType="text/html")
    s3.put_bucket_website(
        Bucket=bucket,
        WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"},
            "ErrorDocument": {"Key": "404.html"},
        },
    )
    _public(s3, bucket)
    return bucket


def _get(
    endpoint: str, bucket: str, path: str = "/", host_form: str = "s3-website", **kwargs
) -> httpx.Response:
    port = endpoint.rsplit(":", 1)[1]
    headers = {"Host": f"{bucket}.{host_form}.localhost:{port}", **kwargs.pop("headers", {})}
    return httpx.get(f"{endpoint}{path}", headers=headers, follow_redirects=False, **kwargs)


def test_configuration_round_trip_and_validation(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_website(Bucket=bucket)
    assert exc.value.response["Error"]["Code"] == "NoSuchWebsiteConfiguration"
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_website(
            Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "a/index.html"}}
        )
    assert exc.value.response["Error"] == {
        **exc.value.response["Error"],
        "Code": "InvalidArgument",
        "Message": "The IndexDocument Suffix is not well formed",
    }
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"ErrorDocument": {"Key": "e.html"}})
    assert exc.value.response["Error"]["Code"] == "InvalidArgument"
    config = {
        "IndexDocument": {"Suffix": "index.html"},
        "ErrorDocument": {"Key": "e.html"},
        "RoutingRules": [
            {"Condition": {"KeyPrefixEquals": "old/"}, "Redirect": {"ReplaceKeyPrefixWith": "new/"}}
        ],
    }
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=config)
    got = s3.get_bucket_website(Bucket=bucket)
    assert got["IndexDocument"] == {"Suffix": "index.html"} and got["RoutingRules"] == config["RoutingRules"]
    s3.delete_bucket_website(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_website(Bucket=bucket)


def test_index_documents_and_folder_redirects(endpoint, site):
    home = _get(endpoint, site)
    assert (home.status_code, home.text, home.headers["content-type"]) == (200, "<h1>home</h1>", "text/html")
    assert _get(endpoint, site, "/docs/").text == "<h1>docs</h1>"
    folder = _get(endpoint, site, "/docs")
    assert (folder.status_code, folder.headers["location"]) == (302, "/docs/")
    assert _get(endpoint, site, "/about.html").text == "<h1>about</h1>"
    assert _get(endpoint, site, host_form="s3-website-us-east-1").text == "<h1>home</h1>"
    assert _get(endpoint, site, host_form="s3-website.us-east-1").text == "<h1>home</h1>"
    path_form = httpx.get(f"{endpoint}/_aws/s3-website/{site}/docs/")
    assert path_form.text == "<h1>docs</h1>"
    redirect = httpx.get(f"{endpoint}/_aws/s3-website/{site}/docs", follow_redirects=False)
    assert redirect.headers["location"] == f"/_aws/s3-website/{site}/docs/"


def test_missing_pages_get_the_error_document_with_the_error_status(s3, endpoint, site):
    # Only GetObject is public: a missing key is 403 to a visitor who may not list the bucket.
    missing = _get(endpoint, site, "/nope.html")
    assert (missing.status_code, missing.text) == (403, "<h1>not here</h1>")
    s3.put_bucket_policy(
        Bucket=site,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{site}/*",
                    },
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:ListBucket",
                        "Resource": f"arn:aws:s3:::{site}",
                    },
                ],
            }
        ),
    )
    missing = _get(endpoint, site, "/nope.html")
    assert (missing.status_code, missing.text) == (404, "<h1>not here</h1>")
    s3.delete_object(Bucket=site, Key="404.html")
    page = _get(endpoint, site, "/nope.html")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<li>Code: NoSuchKey</li>" in page.text and "<li>Key: nope.html</li>" in page.text
    assert "An Error Occurred While Attempting to Retrieve a Custom Error Document" in page.text


def test_only_public_objects_are_served(s3, endpoint, bucket):
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"secret")
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    page = _get(endpoint, bucket)
    assert page.status_code == 403 and "<li>Code: AccessDenied</li>" in page.text
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"open", ACL="public-read")
    assert _get(endpoint, bucket).text == "open"


def test_site_errors_are_html(endpoint, s3, bucket):
    page = _get(endpoint, bucket)
    assert page.status_code == 404 and "<li>Code: NoSuchWebsiteConfiguration</li>" in page.text
    page = _get(endpoint, "no-such-bucket-here")
    assert page.status_code == 404 and "<li>Code: NoSuchBucket</li>" in page.text
    port = endpoint.rsplit(":", 1)[1]
    post = httpx.post(f"{endpoint}/", headers={"Host": f"{bucket}.s3-website.localhost:{port}"}, content=b"x")
    assert post.status_code == 405 and "<li>Code: MethodNotAllowed</li>" in post.text


def test_redirect_all_requests(s3, endpoint, bucket):
    s3.put_bucket_website(
        Bucket=bucket,
        WebsiteConfiguration={"RedirectAllRequestsTo": {"HostName": "www.example.com", "Protocol": "https"}},
    )
    page = _get(endpoint, bucket, "/a/b.html")
    assert (page.status_code, page.headers["location"]) == (301, "https://www.example.com/a/b.html")


def test_routing_rules(s3, endpoint, site):
    s3.put_bucket_website(
        Bucket=site,
        WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"},
            "ErrorDocument": {"Key": "404.html"},
            "RoutingRules": [
                {
                    "Condition": {"KeyPrefixEquals": "docs-old/"},
                    "Redirect": {"ReplaceKeyPrefixWith": "docs/", "HttpRedirectCode": "307"},
                },
                {
                    "Condition": {"KeyPrefixEquals": "moved.html"},
                    "Redirect": {"ReplaceKeyWith": "about.html"},
                },
                {
                    "Condition": {"HttpErrorCodeReturnedEquals": "403"},
                    "Redirect": {
                        "HostName": "fallback.example.com",
                        "Protocol": "https",
                        "ReplaceKeyPrefixWith": "report-",
                    },
                },
            ],
        },
    )
    prefix = _get(endpoint, site, "/docs-old/page.html")
    assert (prefix.status_code, prefix.headers["location"]) == (307, "/docs/page.html")
    whole = _get(endpoint, site, "/moved.html")
    assert (whole.status_code, whole.headers["location"]) == (301, "/about.html")
    on_error = _get(endpoint, site, "/missing")
    assert (on_error.status_code, on_error.headers["location"]) == (
        301,
        "https://fallback.example.com/report-missing",
    )
    assert _get(endpoint, site, "/about.html").status_code == 200


def test_objects_that_redirect_and_conditional_reads(s3, endpoint, site):
    s3.put_object(Bucket=site, Key="old.html", Body=b"", WebsiteRedirectLocation="/about.html")
    page = _get(endpoint, site, "/old.html")
    assert (page.status_code, page.headers["location"]) == (301, "/about.html")
    etag = _get(endpoint, site, "/about.html").headers["etag"]
    assert _get(endpoint, site, "/about.html", headers={"If-None-Match": etag}).status_code == 304
    ranged = _get(endpoint, site, "/about.html", headers={"Range": "bytes=4-8"})
    assert (ranged.status_code, ranged.text) == (206, "about")
