"""What a change set would do: each resource added, modified (and whether replaced) or removed.

Values a new resource would only have once created are unknown here: a property depending on
them is a Dynamic change whose replacement is Conditional, as in CloudFormation's own previews.
"""

from __future__ import annotations

from typing import Any

from cloudlet.services.cloudformation import intrinsics, resources, store
from cloudlet.services.cloudformation.plan import Plan


class _Unknown(Exception):
    pass


def compute(rows: dict[str, store.Resource], new: Plan) -> list[dict[str, Any]]:
    live = {
        name: row for name, row in rows.items() if row.status not in ("DELETE_COMPLETE", "DELETE_SKIPPED")
    }
    new.scope.ref = lambda name: _known(live, name).attributes.get("Ref", _known(live, name).physical_id)
    new.scope.get_att = lambda name, attribute: _known(live, name).attributes.get(attribute)
    new.scope.import_value = _unknown
    result = []
    for name, definition in new.resources.items():
        row = live.get(name)
        if row is None:
            result.append(_change("Add", name, definition["Type"]))
            continue
        change = _modification(row, definition, new)
        if change:
            result.append(change)
    for name, row in live.items():
        if name not in new.resources:
            result.append(_change("Remove", name, row.type, row.physical_id))
    return result


def _known(rows: dict[str, store.Resource], name: str) -> store.Resource:
    row = rows.get(name)
    if row is None or row.physical_id is None:
        raise _Unknown(name)
    return row


def _unknown(*_: Any) -> Any:
    raise _Unknown()


def _modification(row: store.Resource, definition: dict[str, Any], new: Plan) -> dict[str, Any] | None:
    handler = resources.handler(definition["Type"])
    props = definition.get("Properties") or {}
    details, replacement = [], "False"
    if definition["Type"] != row.type:
        return _change("Modify", row.logical_id, definition["Type"], row.physical_id, "True", [])
    for key in sorted(set(props) | set(row.properties)):
        try:
            value = intrinsics.resolve(props[key], new.scope) if key in props else intrinsics.NO_VALUE
            dynamic = False
        except (_Unknown, intrinsics.ResolveError):
            value, dynamic = None, True
        if value is intrinsics.NO_VALUE:
            value = None
        if not dynamic and value == row.properties.get(key):
            continue
        recreate = handler.immutable or key in handler.replace_on
        recreation = ("Conditionally" if dynamic else "Always") if recreate else "Never"
        if recreate:
            replacement = "True" if not dynamic or replacement == "True" else "Conditional"
        details.append(
            {
                "Target": {"Attribute": "Properties", "Name": key, "RequiresRecreation": recreation},
                "Evaluation": "Dynamic" if dynamic else "Static",
                "ChangeSource": "ResourceReference" if dynamic else "DirectModification",
            }
        )
    if not details:
        return None
    return _change("Modify", row.logical_id, row.type, row.physical_id, replacement, details)


def _change(
    action: str,
    logical_id: str,
    type_name: str,
    physical_id: str | None = None,
    replacement: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    change: dict[str, Any] = {"Action": action, "LogicalResourceId": logical_id, "ResourceType": type_name}
    if physical_id:
        change["PhysicalResourceId"] = physical_id
    if action == "Modify":
        change["Replacement"] = replacement
        change["Scope"] = ["Properties"]
        change["Details"] = details or []
    else:
        change["Scope"], change["Details"] = [], []
    return {"Type": "Resource", "ResourceChange": change}
