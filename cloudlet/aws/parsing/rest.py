"""rest-json and rest-xml: members bound to the URI, query string, headers and body.

Each operation's bindings are worked out once (a _Bindings plan); a request then only reads
the places the plan names. The body format is the only difference between the two
protocols and lives in a small reader object (JSON or XML).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import OperationModel, ServiceModel, Shape
from cloudlet.aws.parsing import errors
from cloudlet.aws.parsing.base import InvalidValue, MalformedBody, RequestParser
from cloudlet.aws.parsing.headers import header_index, header_text, header_value
from cloudlet.aws.parsing.jsonbody import JsonValues, load_json_object, member_table
from cloudlet.aws.parsing.scalars import from_text
from cloudlet.aws.parsing.uri import Route, Router
from cloudlet.aws.parsing.xmlbody import XmlValues, load_xml
from cloudlet.edge.types import Request

Query = dict[str, list[str]]


class _Bindings:
    """Where each input member of one operation travels."""

    def __init__(self, shape: Shape, route: Route) -> None:
        self.uri: list[tuple[str, Shape, str]] = []
        self.query: list[tuple[str, Shape, str]] = []
        self.query_maps: list[tuple[str, Shape]] = []
        self.headers: list[tuple[str, Shape, str]] = []
        self.header_maps: list[tuple[str, Shape, str]] = []
        self.body: list[str] = []
        for name, member in shape.members.items():
            location, wire = member.location, member.location_name or name
            if location == "uri":
                self.uri.append((name, member, wire))
            elif location == "querystring" and member.type_name == "map":
                self.query_maps.append((name, member))
            elif location == "querystring":
                self.query.append((name, member, wire))
            elif location == "header":
                self.headers.append((name, member, wire.lower()))
            elif location == "headers":
                self.header_maps.append((name, member, wire.lower()))
            elif location is None:
                self.body.append(name)
        self.payload = shape.payload
        self.payload_shape = shape.members[shape.payload] if shape.payload else None
        # A query-string map takes every parameter no other member (or the route) claims.
        self.claimed_query = {wire for _, _, wire in self.query} | {k for k, _ in route.literal_query}


class RestParser(RequestParser):
    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self.router = Router(service)
        self._routes = {r.operation.name: r for routes in self.router.routes.values() for r in routes}
        self._bindings: dict[str, _Bindings] = {}

    # -- which operation

    def operation(self, request: Request) -> OperationModel:
        path = self.request_path(request)
        try:
            query = query_of(request)
        except InvalidValue as exc:
            raise errors.bad_value(self.service, self.protocol, str(exc)) from None
        route = self.router.match(request.method, path, query, request.headers)
        if route is None:
            raise self._no_route(request, path)
        return route.operation

    def request_path(self, request: Request) -> str:
        """The path the requestUri templates are matched against (S3 adds a virtual host's bucket)."""
        if request.endpoint_prefix:
            return request.path[len(request.endpoint_prefix) :] or "/"
        return request.path or "/"

    def _no_route(self, request: Request, path: str) -> ServiceError:
        if self.router.allows_other_method(request.method, path):
            return errors.method_not_allowed(request.method, path)
        return self._unknown_operation(f"{request.method} {path}")

    # -- its input

    def _parse(self, request: Request, operation: OperationModel, shape: Shape) -> dict[str, Any]:
        route = self._routes[operation.name]
        plan = self._bindings.get(operation.name)
        if plan is None:
            plan = self._bindings[operation.name] = _Bindings(shape, route)
        params: dict[str, Any] = {}
        self._read_uri(request, route, plan, params)
        self._read_query(request, plan, params)
        if plan.headers or plan.header_maps:
            self._read_headers(header_index(request.headers), plan, params)
        self._read_body(request, shape, plan, params)
        return params

    def _read_uri(self, request: Request, route: Route, plan: _Bindings, params: dict[str, Any]) -> None:
        if not plan.uri:
            return
        match = route.pattern.match(self.request_path(request))
        if match is None:
            return
        labels = route.labels_of(match)
        for name, member, wire in plan.uri:
            raw = labels.get(wire)
            if raw is not None:
                try:
                    text = unquote(raw, errors="strict")
                except UnicodeDecodeError:
                    raise InvalidValue(f"the URI label {wire} is not valid UTF-8") from None
                params[name] = from_text(text, member.type_name)

    def _read_query(self, request: Request, plan: _Bindings, params: dict[str, Any]) -> None:
        if not plan.query and not plan.query_maps:
            return
        query = query_of(request)
        for name, member, wire in plan.query:
            values = query.get(wire)
            if values is None:
                continue
            if member.type_name == "list":
                params[name] = [from_text(v, member.member.type_name) for v in values]
            else:
                params[name] = from_text(values[0], member.type_name)
        for name, member in plan.query_maps:
            free = {k: v for k, v in query.items() if k not in plan.claimed_query}
            if not free:
                continue
            value_shape = member.value
            if value_shape.type_name == "list":
                params[name] = {k: [from_text(x, value_shape.member.type_name) for x in v] for k, v in free.items()}
            else:
                params[name] = {k: from_text(v[0], value_shape.type_name) for k, v in free.items()}

    def _read_headers(self, headers: dict[str, list[str]], plan: _Bindings, params: dict[str, Any]) -> None:
        for name, member, wire in plan.headers:
            values = headers.get(wire)
            if values:
                try:
                    params[name] = header_value(header_text(",".join(values)), member)
                except InvalidValue as exc:
                    exc.path.insert(0, wire)
                    raise
        for name, _member, prefix in plan.header_maps:
            found = {k[len(prefix):]: header_text(",".join(v)) for k, v in headers.items() if k.startswith(prefix)}
            if found:
                params[name] = found

    def _read_body(self, request: Request, shape: Shape, plan: _Bindings, params: dict[str, Any]) -> None:
        member = plan.payload_shape
        if member is not None and (member.is_streaming or member.is_eventstream):
            params[plan.payload] = request.body  # read by the provider, never buffered here
            return
        if member is None and not plan.body:
            return  # nothing travels in the body: whatever came is not ours to read
        data = request.body.data
        if member is not None:
            if data:
                params[plan.payload] = self._payload(data, member)
        elif data.strip():
            params.update(self._members(data, shape, plan.body))

    def _payload(self, data: bytes, member: Shape) -> Any:
        if member.type_name == "blob":
            return data
        if member.type_name == "string":
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidValue("the body is not valid UTF-8 text") from None
        return self._structured_payload(data, member)

    def _members(self, data: bytes, shape: Shape, names: list[str]) -> dict[str, Any]:
        raise NotImplementedError

    def _structured_payload(self, data: bytes, member: Shape) -> Any:
        raise NotImplementedError


class RestJsonRequestParser(RestParser):
    protocol = "rest-json"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self._values = JsonValues()
        self._tables: dict[str, list] = {}

    def _members(self, data: bytes, shape: Shape, names: list[str]) -> dict[str, Any]:
        table = self._tables.get(shape.name)
        if table is None:
            table = self._tables[shape.name] = member_table(shape, names)
        return self._values.structure(load_json_object(data), shape, table)

    def _structured_payload(self, data: bytes, member: Shape) -> Any:
        if member.is_document:
            try:
                return json.loads(data)
            except (ValueError, RecursionError) as exc:
                raise MalformedBody(f"the body is not valid JSON: {exc}") from None
        return self._values.value(load_json_object(data), member)


class RestXmlRequestParser(RestParser):
    protocol = "rest-xml"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self._values = XmlValues()

    # A body value of the wrong type is XML that "did not validate against our published
    # schema": MalformedXML, like a body that is not XML at all.

    def _members(self, data: bytes, shape: Shape, names: list[str]) -> dict[str, Any]:
        try:
            return self._values.structure(load_xml(data), shape, only=frozenset(names))
        except InvalidValue as exc:
            raise MalformedBody(str(exc)) from None

    def _structured_payload(self, data: bytes, member: Shape) -> Any:
        try:
            return self._values.value(load_xml(data), member)
        except InvalidValue as exc:
            raise MalformedBody(str(exc)) from None


def query_of(request: Request) -> Query:
    query: Query = {}
    try:
        items = parse_qsl(request.query, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise InvalidValue("the query string is not valid UTF-8") from None
    for key, value in items:
        query.setdefault(key, []).append(value)
    return query
