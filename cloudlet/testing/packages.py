"""Lambda deployment packages built in memory, for tests and benchmarks."""

from __future__ import annotations

import io
import zipfile


def zip_files(files: dict[str, str], modes: dict[str, int] | None = None) -> bytes:
    """A zip of `files` (name -> text), each readable by all (0o644) unless `modes` says otherwise."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (modes or {}).get(name, 0o644) << 16
            archive.writestr(info, text)
    return buffer.getvalue()
