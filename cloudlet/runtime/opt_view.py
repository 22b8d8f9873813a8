"""A function's layers seen as one /opt, as AWS extracts them there: in order, a later layer's
file replacing an earlier one's, directories present in several layers merged.

Each layer stays its own read-only directory on the host; the merge is a list of bubblewrap
mounts, recursing only where layers overlap. Symbolic links become links inside the sandbox:
bound as mounts they would be followed on the host, where a link in a layer may point anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache

Mount = tuple[str, str, str]  # (bwrap option, source, target)


@lru_cache(maxsize=256)
def mounts(layers: tuple[str, ...], target: str) -> tuple[str, ...]:
    """bwrap arguments laying `layers` (unpacked layer directories, in order) out at `target`.

    Cached: layers are unpacked once into directories named by their content's hash."""
    args = ["--dir", target]
    for option, source, path in _merge(list(layers), target):
        args += [option, source, path]
    return tuple(args)


def _merge(sources: list[str], target: str) -> Iterator[Mount]:
    if len(sources) == 1:
        yield "--ro-bind", sources[0], target
        return
    entries: dict[str, list[str]] = {}
    for source in sources:
        for name in sorted(os.listdir(source)):
            entries.setdefault(name, []).append(os.path.join(source, name))
    for name, paths in entries.items():
        yield from _entry(paths, os.path.join(target, name))


def _entry(paths: list[str], target: str) -> Iterator[Mount]:
    last = paths[-1]
    if os.path.islink(last):
        yield "--symlink", os.readlink(last), target
    elif os.path.isdir(last):
        yield from _merge(_trailing_directories(paths), target)
    else:
        yield "--ro-bind", last, target


def _trailing_directories(paths: list[str]) -> list[str]:
    """The directories a later file or link has not replaced, in order."""
    kept: list[str] = []
    for path in reversed(paths):
        if os.path.islink(path) or not os.path.isdir(path):
            break
        kept.append(path)
    return kept[::-1]
