"""Signed URLs and signed cookies made by botocore's CloudFrontSigner, checked at the edge."""

from __future__ import annotations

import base64
import datetime as dt
import xml.etree.ElementTree as ET

import httpx
import pytest
from botocore.exceptions import ClientError
from botocore.signers import CloudFrontSigner
from conftest import Page, custom_origin, distribution_config, http, unique
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def signer_for(key: rsa.RSAPrivateKey, key_id: str) -> CloudFrontSigner:
    return CloudFrontSigner(key_id, lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1()))


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture(scope="module")
def key_id(cf, key) -> str:
    return cf.create_public_key(
        PublicKeyConfig={
            "CallerReference": unique("pk"),
            "Name": unique("key"),
            "EncodedKey": public_pem(key),
        }
    )["PublicKey"]["Id"]


@pytest.fixture(scope="module")
def private_dist(cf, key_id, origin) -> str:
    group = cf.create_key_group(KeyGroupConfig={"Name": unique("group"), "Items": [key_id]})["KeyGroup"]["Id"]
    for path in ("/videos/a.mp4", "/videos/b.mp4", "/other.txt"):
        origin.pages[path] = Page(body=path.encode())
    config = distribution_config(
        [custom_origin(origin.port)],
        behavior={"TrustedKeyGroups": {"Enabled": True, "Quantity": 1, "Items": [group]}},
    )
    return cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def later(server, seconds: int) -> dt.datetime:
    now = server.get("/_cloudlet/clock")["now"]
    return dt.datetime.fromtimestamp(now + seconds, dt.UTC)


def denied(reply: httpx.Response) -> str:
    assert reply.status_code == 403
    error = ET.fromstring(reply.content)
    assert error.find("Code").text == "AccessDenied"
    return error.find("Message").text


def test_canned_policy_url(key, key_id, private_dist, edge_url, server):
    url = signer_for(key, key_id).generate_presigned_url(
        edge_url(private_dist, "/videos/a.mp4"), date_less_than=later(server, 300)
    )
    reply = http.get(url)
    assert reply.status_code == 200 and reply.content == b"/videos/a.mp4"
    server.advance_clock(301)
    assert denied(http.get(url)) == "Access denied"


def test_unsigned_tampered_and_misdirected_urls_are_refused(key, key_id, private_dist, edge_url, server):
    assert "Key-Pair-Id" in denied(http.get(edge_url(private_dist, "/videos/a.mp4")))
    url = signer_for(key, key_id).generate_presigned_url(
        edge_url(private_dist, "/videos/a.mp4"), date_less_than=later(server, 300)
    )
    denied(http.get(url.replace("/videos/a.mp4", "/videos/b.mp4")))
    expires = url.split("Expires=")[1].split("&")[0]
    denied(http.get(url.replace(f"Expires={expires}", f"Expires={int(expires) + 1000}")))
    signature = url.split("Signature=")[1].split("&")[0]
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    denied(http.get(url.replace(signature, flipped)))


def test_key_outside_the_trusted_groups_is_refused(cf, private_dist, edge_url, server):
    stranger = new_key()
    other_id = cf.create_public_key(
        PublicKeyConfig={
            "CallerReference": unique("pk"),
            "Name": unique("key"),
            "EncodedKey": public_pem(stranger),
        }
    )["PublicKey"]["Id"]
    url = signer_for(stranger, other_id).generate_presigned_url(
        edge_url(private_dist, "/videos/a.mp4"), date_less_than=later(server, 300)
    )
    denied(http.get(url))


def test_custom_policy_with_wildcard_start_time_and_ip(key, key_id, private_dist, edge_url, server):
    signer = signer_for(key, key_id)
    resource = edge_url(private_dist, "/videos/*")
    policy = signer.build_policy(resource, later(server, 600))
    for path in ("/videos/a.mp4", "/videos/b.mp4"):
        url = signer.generate_presigned_url(edge_url(private_dist, path), policy=policy)
        assert http.get(url).status_code == 200
    denied(http.get(signer.generate_presigned_url(edge_url(private_dist, "/other.txt"), policy=policy)))
    not_yet = signer.build_policy(resource, later(server, 600), date_greater_than=later(server, 60))
    url = signer.generate_presigned_url(edge_url(private_dist, "/videos/a.mp4"), policy=not_yet)
    denied(http.get(url))
    server.advance_clock(61)
    assert http.get(url).status_code == 200
    elsewhere = signer.build_policy(resource, later(server, 600), ip_address="203.0.113.0/24")
    denied(http.get(signer.generate_presigned_url(edge_url(private_dist, "/videos/a.mp4"), policy=elsewhere)))
    here = signer.build_policy(resource, later(server, 600), ip_address="127.0.0.1")
    assert (
        http.get(
            signer.generate_presigned_url(edge_url(private_dist, "/videos/a.mp4"), policy=here)
        ).status_code
        == 200
    )


def test_signed_cookies(key, key_id, private_dist, edge_url, server):
    signer = signer_for(key, key_id)
    policy = signer.build_policy(edge_url(private_dist, "/*"), later(server, 600)).encode()
    signature = key.sign(policy, padding.PKCS1v15(), hashes.SHA1())

    def cloudfront_b64(data: bytes) -> str:
        return base64.b64encode(data).decode().replace("+", "-").replace("=", "_").replace("/", "~")

    cookies = {
        "CloudFront-Policy": cloudfront_b64(policy),
        "CloudFront-Signature": cloudfront_b64(signature),
        "CloudFront-Key-Pair-Id": key_id,
    }
    with httpx.Client(cookies=cookies) as browser:
        assert browser.get(edge_url(private_dist, "/other.txt")).status_code == 200
    cookies["CloudFront-Signature"] = cloudfront_b64(b"\0" * 256)
    with httpx.Client(cookies=cookies) as browser:
        denied(browser.get(edge_url(private_dist, "/other.txt")))


def test_key_groups_and_public_keys_control_plane(cf, key, key_id):
    with pytest.raises(ClientError) as excinfo:
        cf.create_public_key(
            PublicKeyConfig={
                "CallerReference": unique("pk"),
                "Name": unique("key"),
                "EncodedKey": "not a key",
            }
        )
    assert excinfo.value.response["Error"]["Code"] == "InvalidArgument"
    group = cf.create_key_group(KeyGroupConfig={"Name": unique("group"), "Items": [key_id]})
    assert cf.get_key_group(Id=group["KeyGroup"]["Id"])["KeyGroup"]["KeyGroupConfig"]["Items"] == [key_id]
    etag = cf.get_public_key(Id=key_id)["ETag"]
    with pytest.raises(ClientError) as excinfo:
        cf.delete_public_key(Id=key_id, IfMatch=etag)
    assert excinfo.value.response["Error"]["Code"] == "PublicKeyInUse"
    assert key_id in [k["Id"] for k in cf.list_public_keys()["PublicKeyList"]["Items"]]
