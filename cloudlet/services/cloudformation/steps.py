"""One resource's part of a stack operation: create, update in place, replace, delete, each
recorded in the store (row and events) before and after the service call it makes."""

from __future__ import annotations

import itertools
import logging
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cloudlet.aws.errors import ServiceError
from cloudlet.services.cloudformation import intrinsics, notifications, resources, store
from cloudlet.services.cloudformation.errors import ValidationError
from cloudlet.services.cloudformation.resources.base import ResourceContext, ResourceFailed, not_found

if TYPE_CHECKING:
    from cloudlet.services.cloudformation.plan import Plan
    from cloudlet.services.environment import Environment

log = logging.getLogger("cloudlet.cloudformation")

STACK_TYPE = "AWS::CloudFormation::Stack"
_sequence = itertools.count(1)


def failure_reason(exc: BaseException) -> str:
    if isinstance(
        exc, ValidationError
    ):  # a template error only deploying could find (Fn::Select past the end)
        return exc.message
    if isinstance(exc, ServiceError):
        return f'Resource handler returned message: "{exc.message}" (HandlerErrorCode: {exc.code})'
    if isinstance(exc, (ResourceFailed, intrinsics.ResolveError)):
        return str(exc)
    # Handlers read properties as the resource type's schema has them: a missing required one
    # or a value of the wrong type surfaces here.
    if isinstance(exc, KeyError):
        return f"Properties validation failed for resource with message: #: required key [{exc.args[0]}] not found"
    if isinstance(exc, (TypeError, ValueError)):
        return f"Properties validation failed for resource with message: {exc}"
    log.error("resource handler failed", exc_info=exc)
    return "Internal Failure"


@dataclass
class Run:
    """The state one stack operation works on."""

    env: Environment
    stack: store.Stack
    plan: Plan | None = None
    rows: dict[str, store.Resource] = field(default_factory=dict)
    imports: set[str] = field(default_factory=set)
    host: str = ""

    # -- recording ---------------------------------------------------------------------------

    def now(self) -> float:
        return self.env.clock.now()

    def _record(
        self,
        conn: Any,
        logical_id: str,
        physical_id: str | None,
        type_name: str,
        status: str,
        reason: str | None,
        properties: Any,
    ) -> None:
        event_id, at = str(uuid.uuid4()), self.now()
        store.add_event(
            conn,
            self.stack.stack_id,
            event_id,
            logical_id,
            physical_id,
            type_name,
            status,
            reason,
            properties,
            at,
        )
        notifications.send(
            self.env,
            self.stack,
            notifications.message(
                self.stack, event_id, logical_id, physical_id, type_name, status, reason, properties, at
            ),
        )

    def stack_status(self, status: str, reason: str | None = None) -> None:
        self.stack.status, self.stack.reason = status, reason
        with self.env.store.db() as conn:
            store.set_status(conn, self.stack.stack_id, status, reason, self.now())
            self._record(conn, self.stack.name, self.stack.stack_id, STACK_TYPE, status, reason, None)

    def save(
        self, row: store.Resource, status: str, reason: str | None = None, properties: Any = None
    ) -> None:
        row.status, row.reason, row.updated_at = status, reason, self.now()
        with self.env.store.db() as conn:
            store.put_resource(conn, row)
            self._record(conn, row.logical_id, row.physical_id, row.type, status, reason, properties)

    def forget(self, row: store.Resource) -> None:
        self.rows.pop(row.logical_id, None)
        with self.env.store.db() as conn:
            store.delete_resource(conn, self.stack.stack_id, row.logical_id)

    def context(self, logical_id: str, *, reverting: bool = False) -> ResourceContext:
        """What a handler works with; while an update is rolled back the stack's tags are the old ones."""
        tags, before = self.stack.tags, (self.stack.previous or {}).get("tags")
        if reverting and before is not None:
            tags, before = before, tags
        return ResourceContext(
            self.env,
            self.stack.account_id,
            self.stack.region,
            self.stack.name,
            self.stack.stack_id,
            logical_id,
            tags,
            previous_tags=before,
            host=self.host,
        )

    def tags_changed(self) -> bool:
        before = (self.stack.previous or {}).get("tags")
        return before is not None and before != self.stack.tags

    # -- values of deployed resources, for the template's intrinsic functions ----------------

    def bind(self, plan: Plan) -> None:
        self.plan = plan
        plan.scope.ref = self.ref
        plan.scope.get_att = self.get_att
        plan.scope.import_value = self.import_value

    def ref(self, name: str) -> Any:
        row = self.rows.get(name)
        if row is None or row.physical_id is None:
            raise intrinsics.ResolveError(f"Resource {name} is not available for Ref")
        return row.attributes.get("Ref", row.physical_id)

    def get_att(self, name: str, attribute: str) -> Any:
        row = self.rows.get(name)
        if row is None or row.physical_id is None:
            raise intrinsics.ResolveError(f"Resource {name} is not available for Fn::GetAtt")
        if attribute not in row.attributes:
            raise intrinsics.ResolveError(f"Attribute '{attribute}' does not exist on resource {name}")
        return row.attributes[attribute]

    def import_value(self, name: str) -> Any:
        with self.env.store.read() as conn:
            found = store.find_export(conn, self.stack.account_id, self.stack.region, name)
        if found is None:
            raise intrinsics.ResolveError(f"No export named {name} found.")
        self.imports.add(name)
        return found[0]

    # -- one resource ------------------------------------------------------------------------

    def properties(self, logical_id: str) -> dict[str, Any]:
        assert self.plan is not None
        definition = self.plan.resources[logical_id]
        return intrinsics.resolve(definition.get("Properties") or {}, self.plan.scope)

    async def create(self, logical_id: str, *, in_update: bool) -> bool:
        assert self.plan is not None
        type_name = self.plan.resources[logical_id]["Type"]
        row = store.Resource(
            self.stack.stack_id,
            logical_id,
            type_name,
            None,
            "CREATE_IN_PROGRESS",
            None,
            {},
            {},
            sorted(self.plan.graph[logical_id]),
            self.plan.policy(logical_id),
            {"new": True, "seq": next(_sequence)} if in_update else None,
        )
        self.rows[logical_id] = row
        try:
            props = self.properties(logical_id)
            row.properties = props
            self.save(row, "CREATE_IN_PROGRESS", None, props)
            created = await resources.handler(type_name).create(self.context(logical_id), props)
        except Exception as exc:
            self.save(row, "CREATE_FAILED", failure_reason(exc))
            return False
        row.physical_id, row.attributes = created.physical_id, created.attributes
        self.save(row, "CREATE_IN_PROGRESS", "Resource creation Initiated", row.properties)
        self.save(row, "CREATE_COMPLETE")
        return True

    async def update(self, logical_id: str) -> bool:
        """Brings an existing resource to the new template's definition (no-op when unchanged)."""
        assert self.plan is not None
        row = self.rows[logical_id]
        type_name = self.plan.resources[logical_id]["Type"]
        try:
            props = self.properties(logical_id)
        except Exception as exc:
            self.save(row, "UPDATE_FAILED", failure_reason(exc))
            return False
        row.depends_on, row.policy = sorted(self.plan.graph[logical_id]), self.plan.policy(logical_id)
        handler = resources.handler(type_name)
        retag = handler.taggable and self.tags_changed()
        if props == row.properties and type_name == row.type and not retag:
            return True
        snapshot = _snapshot(row)
        replace = type_name != row.type or handler.needs_replacement(row.properties, props)
        name = handler.name_property
        if replace and name and props.get(name) is not None and props.get(name) == row.properties.get(name):
            self.save(
                row,
                "UPDATE_FAILED",
                f"CloudFormation cannot update a stack when a custom-named resource"
                f" requires replacing. Rename {props[name]} and update the stack again.",
            )
            return False
        ctx = self.context(logical_id)
        if not replace:
            row.previous = {"updated": snapshot, "seq": next(_sequence), "attempted": props}
            self.save(row, "UPDATE_IN_PROGRESS", None, props)
            try:
                row.attributes = await handler.update(
                    ctx, row.physical_id or "", row.properties, props, row.attributes
                )
            except NotImplementedError:
                replace = True
            except Exception as exc:
                self.save(row, "UPDATE_FAILED", failure_reason(exc))
                return False
            else:
                row.properties = props
                self.save(row, "UPDATE_COMPLETE")
                return True
        row.previous = {"replaced": snapshot, "seq": next(_sequence)}
        self.save(
            row,
            "UPDATE_IN_PROGRESS",
            "Requested update requires the creation of a new physical resource; hence creating one.",
            props,
        )
        try:
            created = await handler.create(ctx, props)
        except Exception as exc:
            self.save(row, "UPDATE_FAILED", failure_reason(exc))
            return False
        row.type, row.physical_id, row.attributes, row.properties = (
            type_name,
            created.physical_id,
            created.attributes,
            props,
        )
        self.save(row, "UPDATE_IN_PROGRESS", "Resource creation Initiated")
        self.save(row, "UPDATE_COMPLETE")
        return True

    async def delete(self, row: store.Resource, *, policy: str | None) -> bool:
        """Deletes (or, by policy, keeps) what `row` describes; False when the service refused."""
        if policy in ("Retain", "Snapshot") and row.physical_id:
            self.save(row, "DELETE_SKIPPED")
            return True
        if row.physical_id is None:
            self.save(row, "DELETE_COMPLETE")
            return True
        self.save(row, "DELETE_IN_PROGRESS")
        try:
            await resources.handler(row.type).delete(
                self.context(row.logical_id), row.physical_id, row.properties, row.attributes
            )
        except ServiceError as exc:
            if not not_found(exc):
                self.save(row, "DELETE_FAILED", failure_reason(exc))
                return False
        except Exception as exc:
            self.save(row, "DELETE_FAILED", failure_reason(exc))
            return False
        self.save(row, "DELETE_COMPLETE")
        return True

    async def revert(self, row: store.Resource) -> bool:
        """Undoes what the failed update did to `row` (update rollback)."""
        previous = row.previous or {}
        if previous.get("new"):
            ok = await self.delete(row, policy=None)
            if ok:
                self.forget(row)
            return ok
        old = store.Resource(**previous.get("updated") or previous["replaced"])
        if "updated" in previous:
            self.save(row, "UPDATE_IN_PROGRESS", None, old.properties)
            try:
                # From what the update tried to set: a failed update may have applied part of it.
                await resources.handler(row.type).update(
                    self.context(row.logical_id, reverting=True),
                    row.physical_id or "",
                    previous.get("attempted", row.properties),
                    old.properties,
                    row.attributes,
                )
            except Exception as exc:
                self.save(row, "UPDATE_FAILED", failure_reason(exc))
                return False
        elif row.physical_id != old.physical_id and not await self.delete(row, policy=None):
            return False
        old.previous = None
        self.rows[row.logical_id] = old
        self.save(old, "UPDATE_COMPLETE")
        return True


def _snapshot(row: store.Resource) -> dict[str, Any]:
    return {
        "stack_id": row.stack_id,
        "logical_id": row.logical_id,
        "type": row.type,
        "physical_id": row.physical_id,
        "status": row.status,
        "reason": row.reason,
        "properties": row.properties,
        "attributes": row.attributes,
        "depends_on": row.depends_on,
        "policy": row.policy,
    }
