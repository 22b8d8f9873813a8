"""What a crash mid-upload leaves on disk is cleaned when the server starts again: temporary
files and bodies no row names go, committed objects stay, and a temporary file young enough to
belong to another live worker's upload is left alone."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server


def _files(root: str) -> list[str]:
    return sorted(
        os.path.relpath(os.path.join(directory, name), root)
        for directory, _, names in os.walk(root)
        for name in names
    )


@pytest.fixture
def data_dir(tmp_path):
    path = str(tmp_path / "cloudlet")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_stale_temporaries_and_unreferenced_bodies_go_at_start(data_dir):
    server = start_server(data_dir)
    try:
        s3 = make_client(server.endpoint, "s3")
        s3.create_bucket(Bucket="kept")
        s3.put_object(Bucket="kept", Key="object", Body=b"committed" * 1000)
    finally:
        server.stop(kill=True)

    root = os.path.join(data_dir, "blobs", "s3")
    committed = _files(root)
    assert committed, "the committed body is a file under blobs/s3"
    directory = os.path.dirname(os.path.join(root, committed[0]))
    stale_temp = os.path.join(directory, ".tmp-0123456789abcdef")
    orphan = os.path.join(directory, "orphan-body")
    fresh_temp = os.path.join(directory, ".tmp-fedcba9876543210")
    long_ago = time.time() - 3600
    for path in (stale_temp, orphan, fresh_temp):
        with open(path, "wb") as fh:
            fh.write(b"partial upload")
    for path in (stale_temp, orphan):
        os.utime(path, (long_ago, long_ago))

    server = start_server(data_dir)
    try:
        s3 = make_client(server.endpoint, "s3")
        assert s3.get_object(Bucket="kept", Key="object")["Body"].read() == b"committed" * 1000
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (os.path.exists(stale_temp) or os.path.exists(orphan)):
            time.sleep(0.05)
        assert not os.path.exists(stale_temp) and not os.path.exists(orphan)
        assert os.path.exists(fresh_temp)  # maybe another worker's upload in progress
        assert [f for f in _files(root) if not f.endswith(".tmp-fedcba9876543210")] == committed
    finally:
        server.stop()
