"""Hypothesis strategies for a valid value of any botocore shape, as cloudlet's dicts carry it.

Public API: `value_for(shape, *, for_output=False) -> SearchStrategy`. Values follow the
protocol layer's conventions: str, int, float, bool, bytes (blobs), tz-aware UTC datetimes
with whole seconds (timestamps), dict/list (structures, maps, lists), JSON values (documents
and `jsonvalue` strings). Structures get every required member and a random subset of the
optional ones; unions get exactly one member.

Values stay inside what every wire format carries exactly, so a round trip through any
protocol can compare with `==`:
- floats are short binary fractions (exact in float32, JSON, XML and query text);
- text has no control characters (XML 1.0 cannot carry most of them and normalises CR);
- header values are printable ASCII tokens (HTTP trims whitespace, list headers split on ',');
- header-map keys are lowercase (HTTP header names are case-insensitive);
- URI labels and host labels are never empty (an empty path segment names nothing).
Recursive shapes (DynamoDB AttributeValue) stop at MAX_DEPTH; collections hold at most
MAX_ITEMS elements.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from cloudlet.aws.model import Shape

__all__ = ["MAX_DEPTH", "MAX_ITEMS", "value_for"]

MAX_DEPTH = 4
MAX_ITEMS = 3
# Past the minimum length, strings and blobs grow by at most this much.
_EXTRA_LENGTH = 12

_INT_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_EARLIEST = datetime(1971, 1, 1)
_LATEST = datetime(2099, 12, 31)

_TEXT_ALPHABET = st.characters(
    exclude_categories=("Cs", "Cc"),  # surrogates, control characters
    exclude_characters="\ufffe\uffff",
)
_HEADER_ALPHABET = string.ascii_letters + string.digits + "-_.:/=+@"
_HOST_LABEL_ALPHABET = string.ascii_lowercase + string.digits + "-"
_HEADER_NAME_ALPHABET = string.ascii_lowercase + string.digits + "-"

_SCALAR_TYPES = frozenset(
    {"string", "integer", "long", "float", "double", "boolean", "blob", "timestamp"}
)

_json_scalars = st.none() | st.booleans() | st.integers(-(2**31), 2**31) | st.text(_TEXT_ALPHABET, max_size=8)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=MAX_ITEMS)
    | st.dictionaries(st.text(_TEXT_ALPHABET, max_size=8), inner, max_size=MAX_ITEMS),
    max_leaves=6,
)
# A document's top level is an object: a bare JSON null would be indistinguishable from "absent".
_documents = st.dictionaries(st.text(_TEXT_ALPHABET, max_size=8), _json_values, max_size=MAX_ITEMS)

_cache: dict[tuple[Shape, bool, int], SearchStrategy[Any]] = {}


def value_for(shape: Shape, *, for_output: bool = False) -> SearchStrategy[Any]:
    """A strategy drawing valid values of `shape` (an operation's input or output shape)."""
    return _strategy(shape, for_output, 0)


def _strategy(shape: Shape, for_output: bool, depth: int) -> SearchStrategy[Any]:
    key = (shape, for_output, depth)
    strategy = _cache.get(key)
    if strategy is None:
        strategy = _cache[key] = _build(shape, for_output, depth)
    return strategy


def _build(shape: Shape, for_output: bool, depth: int) -> SearchStrategy[Any]:
    if shape.is_document:
        return _documents
    builder = _BUILDERS[shape.type_name]
    return builder(shape, for_output, depth)


def _structure(shape: Shape, for_output: bool, depth: int) -> SearchStrategy[Any]:
    # Event streams are framed messages, not values: they have no place in a dict round trip.
    members = {name: member for name, member in shape.members.items() if not member.is_eventstream}
    if shape.is_union:
        return _union(members, for_output, depth)
    required = set(shape.required_members)
    at_limit = depth >= MAX_DEPTH
    fixed = {n: _member(m, for_output, depth) for n, m in members.items() if n in required}
    optional = {} if at_limit else {
        n: _member(m, for_output, depth) for n, m in members.items() if n not in required
    }
    return st.fixed_dictionaries(fixed, optional=optional)


def _union(members: dict[str, Shape], for_output: bool, depth: int) -> SearchStrategy[Any]:
    choices = members
    if depth >= MAX_DEPTH:
        scalars = {n: m for n, m in members.items() if m.type_name in _SCALAR_TYPES}
        choices = scalars or members
    return st.one_of([
        _member(member, for_output, depth).map(lambda value, name=name: {name: value})
        for name, member in sorted(choices.items())
    ])


def _member(member: Shape, for_output: bool, depth: int) -> SearchStrategy[Any]:
    if member.location == "statusCode":
        return st.sampled_from([200, 201, 202])
    return _strategy(member, for_output, depth + 1)


def _list(shape: Shape, for_output: bool, depth: int) -> SearchStrategy[Any]:
    min_size, max_size = _sizes(shape, cap=MAX_ITEMS)
    if depth >= MAX_DEPTH and min_size == 0:
        return st.just([])
    item = _strategy(_with_location(shape.member, shape), for_output, depth + 1)
    return st.lists(item, min_size=min_size, max_size=max_size)


def _map(shape: Shape, for_output: bool, depth: int) -> SearchStrategy[Any]:
    min_size, max_size = _sizes(shape, cap=MAX_ITEMS)
    if depth >= MAX_DEPTH and min_size == 0:
        return st.just({})
    if shape.location == "headers":
        keys = st.text(_HEADER_NAME_ALPHABET, min_size=1, max_size=10)
        values = st.text(_HEADER_ALPHABET, min_size=1, max_size=10)
    else:
        keys = _strategy(shape.key, for_output, depth + 1)
        values = _strategy(shape.value, for_output, depth + 1)
    return st.dictionaries(keys, values, min_size=min_size, max_size=max_size)


def _with_location(member: Shape, container: Shape) -> Shape:
    """A list header's items obey header rules too: carry the location down to them."""
    if container.location in ("header", "uri") and member.location is None:
        traits = {k: v for k, v in member.traits.items() if k not in member.raw}
        traits["location"] = container.location
        return member.model.shape(member.name, traits)
    return member


def _string(shape: Shape, for_output: bool, depth: int) -> SearchStrategy[Any]:
    if shape.traits.get("jsonvalue"):
        return _documents
    if shape.enum:
        return st.sampled_from(shape.enum)
    min_size, max_size = _sizes(shape, cap=_EXTRA_LENGTH, extra=True)
    if shape.traits.get("hostLabel"):
        return st.text(_HOST_LABEL_ALPHABET, min_size=max(min_size, 1), max_size=max(max_size, 1))
    if shape.location == "header":
        return st.text(_HEADER_ALPHABET, min_size=min_size, max_size=max_size)
    if shape.location == "uri":
        min_size = max(min_size, 1)
        max_size = max(max_size, 1)
    alphabet = _HEADER_ALPHABET if shape.traits.get("xmlAttribute") else _TEXT_ALPHABET
    return st.text(alphabet, min_size=min_size, max_size=max_size)


def _integer(shape: Shape, for_output: bool, depth: int) -> SearchStrategy[Any]:
    low, high = _INT_RANGES.get(shape.type_name, _INT_RANGES["integer"])
    low = max(low, int(_bound(shape.raw.get("min"), low)))
    high = min(high, int(_bound(shape.raw.get("max"), high)))
    return st.integers(low, max(low, high))


def _float(shape: Shape, for_output: bool, depth: int) -> SearchStrategy[Any]:
    low = _bound(shape.raw.get("min"), -(2**20))
    high = _bound(shape.raw.get("max"), 2**20)
    # Quarters are exact in float32, in JSON, XML and query text, and survive str()/float().
    quarters = st.integers(max(int(low * 4), -(2**22)), min(int(high * 4), 2**22))
    return quarters.filter(lambda q: low <= q / 4 <= high).map(lambda q: q / 4)


def _boolean(shape: Shape, for_output: bool, depth: int) -> SearchStrategy[Any]:
    return st.booleans()


def _blob(shape: Shape, for_output: bool, depth: int) -> SearchStrategy[Any]:
    min_size, max_size = _sizes(shape, cap=_EXTRA_LENGTH, extra=True)
    return st.binary(min_size=min_size, max_size=max_size)


def _timestamp(shape: Shape, for_output: bool, depth: int) -> SearchStrategy[Any]:
    return st.datetimes(_EARLIEST, _LATEST).map(lambda d: d.replace(microsecond=0, tzinfo=UTC))


def _sizes(shape: Shape, *, cap: int, extra: bool = False) -> tuple[int, int]:
    min_size = int(_bound(shape.raw.get("min"), 0))
    min_size = max(min_size, 0)
    limit = min_size + cap if extra else max(min_size, cap)
    max_size = shape.raw.get("max")
    max_size = limit if max_size is None else min(int(max_size), limit)
    return min_size, max(min_size, max_size)


def _bound(value: Any, default: float) -> float:
    return default if value is None else value


_BUILDERS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "float": _float,
    "double": _float,
    "boolean": _boolean,
    "blob": _blob,
    "timestamp": _timestamp,
}
