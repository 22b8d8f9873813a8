"""EC2's dialect of the query protocol: `queryName`s, capitalised names, lists as `Name.N`."""

from __future__ import annotations

from typing import Any

from cloudlet.aws.model import Shape
from cloudlet.aws.parsing.query import QueryRequestParser, _Node, numbered


class Ec2RequestParser(QueryRequestParser):
    protocol = "ec2"

    def wire_names(self, name: str, member: Shape) -> tuple[str, ...]:
        query_name = member.traits.get("queryName")
        if query_name:
            return (query_name,)
        location = member.location_name
        if location:
            return (location[0].upper() + location[1:],)
        return (name,)

    def _list(self, node: _Node, shape: Shape) -> list[Any]:
        # Every EC2 list is flat (`Filter.1.Value.1`), whatever the model says.
        return [self._value(child, shape.member) for child in numbered(node)]
