"""Edge compression: Brotli or gzip for viewers that accept them, when the behaviour says
Compress, the cache policy enables the encoding, and the body is of a type and size CloudFront
compresses (1,000 to 10,000,000 bytes). Like CloudFront, Brotli wins when a viewer takes both."""

from __future__ import annotations

import gzip
import os
import shutil

MIN_SIZE = 1000
MAX_SIZE = 10_000_000
_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/x-javascript",
    "application/xml",
    "application/xhtml+xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/ld+json",
    "application/manifest+json",
    "application/wasm",
    "image/svg+xml",
    "font/",
    "application/vnd.ms-fontobject",
    "application/x-font-ttf",
    "image/x-icon",
    "application/x-httpd-cgi",
    "application/x-perl",
    "application/x-web-app-manifest+json",
)


def viewer_encoding(accept_encoding: str | None, gzip_enabled: bool, brotli_enabled: bool = False) -> str:
    """The encoding part of the cache key: "br" or "gzip" when the viewer takes it and it is on."""
    if not accept_encoding or not (gzip_enabled or brotli_enabled):
        return "identity"
    accepted = set()
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        if params.replace(" ", "") not in ("q=0", "q=0.0"):
            accepted.add(name.strip().lower())
    if brotli_enabled and accepted & {"br", "*"}:
        return "br"
    if gzip_enabled and accepted & {"gzip", "*"}:
        return "gzip"
    return "identity"


def compressible(content_type: str | None, size: int, content_encoding: str | None) -> bool:
    if content_encoding and content_encoding.lower() != "identity":
        return False
    kind = (content_type or "").split(";")[0].strip().lower()
    return MIN_SIZE <= size <= MAX_SIZE and kind.startswith(_TYPES)


def gzip_file(source: str, target: str) -> int:
    with (
        open(source, "rb") as src,
        open(target, "wb") as out,
        gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6, mtime=0) as dst,
    ):
        shutil.copyfileobj(src, dst, 1024 * 1024)
    return os.path.getsize(target)


def brotli_file(source: str, target: str) -> int:
    import brotli  # only when a viewer asks for it

    compressor = brotli.Compressor(quality=5)
    with open(source, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(1024 * 1024):
            out.write(compressor.process(chunk))
        out.write(compressor.finish())
    return os.path.getsize(target)


def compress_file(encoding: str, source: str, target: str) -> int:
    return (brotli_file if encoding == "br" else gzip_file)(source, target)
