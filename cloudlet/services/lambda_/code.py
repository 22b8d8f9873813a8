"""Deployment packages: checked, hashed, and unpacked once per distinct zip under the blobs dir
(the zip itself kept beside its directory, for GetFunction's Code.Location)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass

from cloudlet.core.store import Store
from cloudlet.runtime import isolation
from cloudlet.services.lambda_.errors import InvalidParameterValueException

MAX_UNZIPPED = 250 * 1024 * 1024
_UNZIP_FAILED = "Could not unzip uploaded file. Please check your file, then try to upload again."


@dataclass(frozen=True)
class Package:
    sha256: str  # base64, as CodeSha256
    size: int
    code_dir: str


KINDS = ("code", "layers")  # the directories packages unpack into, under blobs/lambda


def unpack(store: Store, data: bytes, kind: str = "code") -> Package:
    """Unpacks a zip into blobs/lambda/<kind>/<sha256>/ unless that content is there already.

    Layers unpack under their own kind, so deleting a function never removes a layer's files.
    """
    digest = hashlib.sha256(data)
    code_dir = store.blob_path("lambda", kind, digest.hexdigest())
    package = Package(base64.b64encode(digest.digest()).decode(), len(data), code_dir)
    if os.path.isdir(code_dir):
        if not os.path.exists(code_dir + ".zip"):
            store.write_blob(code_dir + ".zip", [data])
        return package
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise InvalidParameterValueException(_UNZIP_FAILED) from None
    with archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED:
            raise InvalidParameterValueException(f"Unzipped size must be smaller than {MAX_UNZIPPED} bytes")
        temp = f"{code_dir}.tmp-{os.urandom(6).hex()}"
        try:
            _extract(archive, temp)
            # Functions may run as another user (--lambda-user): the package is theirs to read.
            isolation.share_package(temp)
            os.replace(temp, code_dir)  # another process may have won the race: same content
            store.write_blob(code_dir + ".zip", [data])  # the upload as it came: GetFunction's Code.Location
        except OSError:
            shutil.rmtree(temp, ignore_errors=True)
            if not os.path.isdir(code_dir):
                raise
    return package


def _extract(archive: zipfile.ZipFile, target: str) -> None:
    os.makedirs(target)
    root = os.path.realpath(target)
    for info in archive.infolist():
        path = os.path.realpath(os.path.join(target, info.filename))
        if not path.startswith(root + os.sep) and path != root:
            raise InvalidParameterValueException(_UNZIP_FAILED)
        try:
            archive.extract(info, target)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
            raise InvalidParameterValueException(_UNZIP_FAILED) from None
        mode = (info.external_attr >> 16) & 0o777
        if mode and not info.is_dir():
            os.chmod(path, mode | stat.S_IRUSR)
    bootstrap = os.path.join(target, "bootstrap")
    if os.path.isfile(bootstrap):
        # Zips made on Windows or by tools that drop modes lose the execute bit; AWS's own
        # console restores it, so do the same.
        os.chmod(bootstrap, os.stat(bootstrap).st_mode | 0o111)


def remove(code_dir: str) -> None:
    shutil.rmtree(code_dir, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(code_dir + ".zip")
