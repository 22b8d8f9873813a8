"""GetFunction's Code.Location and GetLayerVersion's Content.Location: presigned links that
download the package as uploaded, without credentials, for 10 minutes, and only as signed."""

from __future__ import annotations

import base64
import glob
import hashlib
import io
import os
import zipfile

import httpx


def test_code_location_downloads_the_uploaded_zip(lam, zip_of, create):
    package = zip_of({"app.py": "def handler(event, context):\n    return 'v1'\n"})
    lam.create_function(FunctionName="downloadable", Role="arn:aws:iam::000000000000:role/lambda-role",
                        Runtime="python3.11", Handler="app.handler", Code={"ZipFile": package})
    reply = lam.get_function(FunctionName="downloadable")
    assert reply["Code"]["RepositoryType"] == "S3"
    fetched = httpx.get(reply["Code"]["Location"])  # no credentials, as any presigned URL
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "application/zip"
    assert fetched.content == package
    digest = base64.b64encode(hashlib.sha256(fetched.content).digest()).decode()
    assert digest == reply["Configuration"]["CodeSha256"]

    newer = zip_of({"app.py": "def handler(event, context):\n    return 'v2'\n"})
    lam.update_function_code(FunctionName="downloadable", ZipFile=newer, Publish=True)
    assert httpx.get(lam.get_function(FunctionName="downloadable")["Code"]["Location"]).content == newer
    assert httpx.get(lam.get_function(FunctionName="downloadable", Qualifier="1")["Code"]["Location"]).content \
        == newer


def test_tampered_and_expired_links_are_refused(lam, zip_of, server):
    lam.create_function(FunctionName="guarded", Role="arn:aws:iam::000000000000:role/lambda-role",
                        Runtime="python3.11", Handler="app.handler",
                        Code={"ZipFile": zip_of({"app.py": "def handler(e, c):\n    return 1\n"})})
    location = lam.get_function(FunctionName="guarded")["Code"]["Location"]
    other = lam.get_function(FunctionName="downloadable")["Code"]["Location"]
    # another package's signature does not open this one
    forged = location.split("?")[0] + "?" + other.split("?")[1]
    refused = httpx.get(forged)
    assert refused.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in refused.content
    assert httpx.get(location.split("?")[0]).status_code == 403
    server.advance_clock(601)
    expired = httpx.get(location)
    assert expired.status_code == 403 and b"Request has expired" in expired.content
    assert httpx.get(lam.get_function(FunctionName="guarded")["Code"]["Location"]).status_code == 200


def test_layer_content_location(lam, zip_of):
    package = zip_of({"python/helper.py": "X = 1\n"})
    published = lam.publish_layer_version(LayerName="downloadable-layer", Content={"ZipFile": package})
    assert httpx.get(published["Content"]["Location"]).content == package
    got = lam.get_layer_version(LayerName="downloadable-layer", VersionNumber=published["Version"])
    assert httpx.get(got["Content"]["Location"]).content == package
    by_arn = lam.get_layer_version_by_arn(Arn=published["LayerVersionArn"])
    assert httpx.get(by_arn["Content"]["Location"]).content == package


def test_a_package_unpacked_before_zips_were_kept_is_zipped_again(lam, zip_of, server):
    package = zip_of({"app.py": "def handler(event, context):\n    return 'old'\n", "lib/data.txt": "kept"})
    created = lam.create_function(FunctionName="from-before", Role="arn:aws:iam::000000000000:role/lambda-role",
                                  Runtime="python3.11", Handler="app.handler", Code={"ZipFile": package})
    hex_digest = base64.b64decode(created["CodeSha256"]).hex()
    [kept] = glob.glob(os.path.join(server.data_dir, "**", f"{hex_digest}.zip"), recursive=True)
    os.unlink(kept)  # as a data directory written by an older cloudlet has it
    fetched = httpx.get(lam.get_function(FunctionName="from-before")["Code"]["Location"])
    assert fetched.status_code == 200
    with zipfile.ZipFile(io.BytesIO(fetched.content)) as archive:
        assert sorted(archive.namelist()) == ["app.py", "lib/data.txt"]
        assert archive.read("lib/data.txt") == b"kept"
