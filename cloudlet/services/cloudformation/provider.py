"""CloudFormation: stacks, change sets, exports; templates deployed by calling each resource's
own service through its public operations (see resources/).

Create, update, delete and change set execution run in the background, as on AWS, but the
operation answers once the work is done if that takes under SETTLE seconds: the clients'
waiters poll every 5 to 30 seconds, and a local stack is usually done in milliseconds.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.base import Provider
from cloudlet.services.cloudformation import (
    engine,
    intrinsics,
    notifications,
    plan,
    sources,
    store,
    transform,
    views,
)
from cloudlet.services.cloudformation.changes import compute
from cloudlet.services.cloudformation.errors import (
    AlreadyExistsException,
    ChangeSetNotFound,
    InvalidChangeSetStatus,
    ValidationError,
    stack_not_found,
)
from cloudlet.services.cloudformation.steps import STACK_TYPE
from cloudlet.services.environment import Environment

SETTLE = 20.0
_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]*")
_UPDATABLE = (
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
)
_NO_CHANGES = (
    "The submitted information didn't contain changes. Submit different information to create a change set."
)


class CloudFormationProvider(Provider):
    service = "cloudformation"
    migrations = store.MIGRATIONS

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.engine = engine.Engine(env)

    async def start(self) -> None:
        self.engine.recover()

    async def stop(self) -> None:
        await self.engine.stop()

    # -- helpers -----------------------------------------------------------------------------

    def _now(self) -> float:
        return self.env.clock.now()

    def _stack(self, ctx: RequestContext, name: str | None, *, live: bool = False) -> store.Stack:
        if not name:
            raise ValidationError("StackName is required")
        with self.env.store.read() as conn:
            found = store.find_stack(conn, ctx.account_id, ctx.region, name)
        if found is None or (live and found.status == "DELETE_COMPLETE"):
            raise stack_not_found(name)
        return found

    @staticmethod
    def _check_name(value: str, member: str) -> None:
        if not _NAME.fullmatch(value) or len(value) > 128:
            raise ValidationError(
                f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy"
                " constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"
            )

    async def _run(self, ctx: RequestContext, stack_id: str) -> None:
        await self.engine.settle(self.engine.start(stack_id, host=ctx.request.host), SETTLE)

    def _pseudo(
        self, ctx: RequestContext, name: str, stack_id: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        return intrinsics.pseudo_parameters(
            ctx.account_id, ctx.region, name, stack_id, params.get("NotificationARNs") or []
        )

    def _event(self, conn: Any, stack: store.Stack, status: str, reason: str | None) -> None:
        event_id, at = str(uuid.uuid4()), self._now()
        store.add_event(
            conn, stack.stack_id, event_id, stack.name, stack.stack_id, STACK_TYPE, status, reason, None, at
        )
        notifications.send(
            self.env,
            stack,
            notifications.message(
                stack, event_id, stack.name, stack.stack_id, STACK_TYPE, status, reason, None, at
            ),
        )

    # -- stacks ------------------------------------------------------------------------------

    async def create_stack(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["StackName"]
        self._check_name(name, "stackName")
        with self.env.store.read() as conn:
            if store.find_stack(conn, ctx.account_id, ctx.region, name):
                raise AlreadyExistsException(f"Stack [{name}] already exists")
        stack_id = f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}:stack/{name}/{uuid.uuid4()}"
        body = await sources.template_body(self.env, ctx, params)
        prepared = plan.prepare(
            body, params.get("Parameters") or [], self._pseudo(ctx, name, stack_id, params)
        )
        plan.check_capabilities(
            prepared.template, params.get("Capabilities") or [], macros=bool(transform.names(plan.load(body)))
        )
        stack = self._new_stack(ctx, name, stack_id, "CREATE_IN_PROGRESS", body, prepared, params)
        with self.env.store.db() as conn:
            store.insert_stack(conn, stack)
            self._event(conn, stack, "CREATE_IN_PROGRESS", "User Initiated")
        await self._run(ctx, stack_id)
        return {"StackId": stack_id}

    def _new_stack(
        self,
        ctx: RequestContext,
        name: str,
        stack_id: str,
        status: str,
        body: str,
        prepared: plan.Plan,
        params: dict[str, Any],
    ) -> store.Stack:
        return store.Stack(
            stack_id,
            ctx.account_id,
            ctx.region,
            name,
            status,
            None,
            prepared.template.get("Description"),
            prepared.template,
            body,
            {"given": params.get("Parameters") or [], "resolved": prepared.parameters},
            params.get("Capabilities") or [],
            params.get("Tags") or [],
            [],
            params.get("NotificationARNs") or [],
            bool(params.get("DisableRollback")) or params.get("OnFailure") == "DO_NOTHING",
            bool(params.get("EnableTerminationProtection")),
            params.get("StackPolicyBody"),
            params.get("RoleARN"),
            params.get("TimeoutInMinutes"),
            [],
            None,
            None,
            None,
            self._now(),
            None,
            None,
        )

    async def update_stack(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stack = self._stack(ctx, params["StackName"], live=True)
        self._check_updatable(stack)
        body = await sources.template_body(self.env, ctx, params, stack.original)
        given = params.get("Parameters") or []
        previous = stack.parameters.get("resolved") or {}
        prepared = plan.prepare(body, given, self._pseudo(ctx, stack.name, stack.stack_id, params), previous)
        plan.check_capabilities(
            prepared.template, params.get("Capabilities") or [], macros=bool(transform.names(plan.load(body)))
        )
        tags = params.get("Tags", stack.tags)
        if body == stack.original and prepared.parameters == previous and tags == stack.tags:
            raise ValidationError("No updates are to be performed.")
        self._begin_update(stack, body, prepared, params, tags)
        await self._run(ctx, stack.stack_id)
        return {"StackId": stack.stack_id}

    @staticmethod
    def _check_updatable(stack: store.Stack) -> None:
        if stack.status not in _UPDATABLE:
            raise ValidationError(
                f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated."
            )

    def _begin_update(
        self,
        stack: store.Stack,
        body: str,
        prepared: plan.Plan,
        params: dict[str, Any],
        tags: list[dict[str, str]],
        change_set_id: str | None = None,
    ) -> None:
        stack.previous = {
            "template": stack.template,
            "original": stack.original,
            "parameters": stack.parameters,
            "outputs": stack.outputs,
            "description": stack.description,
            "tags": stack.tags,
            "imports": stack.imports,
        }
        stack.template, stack.original, stack.tags = prepared.template, body, tags
        stack.parameters = {"given": params.get("Parameters") or [], "resolved": prepared.parameters}
        stack.description = prepared.template.get("Description")
        stack.capabilities = params.get("Capabilities") or []
        stack.status, stack.reason, stack.updated_at = "UPDATE_IN_PROGRESS", None, self._now()
        stack.change_set_id = change_set_id
        if "NotificationARNs" in params:
            stack.notification_arns = params["NotificationARNs"]
        with self.env.store.db() as conn:
            store.save_stack(conn, stack)
            self._event(conn, stack, "UPDATE_IN_PROGRESS", "User Initiated")

    async def delete_stack(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            stack = store.find_stack(conn, ctx.account_id, ctx.region, params["StackName"])
        if stack is None or stack.status in ("DELETE_COMPLETE", "DELETE_IN_PROGRESS"):
            return {}
        if stack.termination_protection:
            raise ValidationError(
                f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled"
            )
        retain = params.get("RetainResources") or []
        if retain and stack.status != "DELETE_FAILED":
            raise ValidationError(
                f"Invalid operation on stack [{stack.stack_id}]. RetainResources can only be"
                " specified for stacks in DELETE_FAILED state"
            )
        if stack.status.endswith("_IN_PROGRESS") and stack.status != "REVIEW_IN_PROGRESS":
            raise ValidationError(f"Stack [{stack.name}] cannot be deleted while in status {stack.status}")
        with self.env.store.db() as conn:
            for row in store.resources(conn, stack.stack_id):
                if row.logical_id in retain:
                    row.policy["DeletionPolicy"] = "Retain"
                    store.put_resource(conn, row)
            status = "DELETE_COMPLETE" if stack.status == "REVIEW_IN_PROGRESS" else "DELETE_IN_PROGRESS"
            store.set_status(conn, stack.stack_id, status, None, self._now())
            self._event(conn, stack, status, "User Initiated")
            if status == "DELETE_COMPLETE":
                store.delete_change_sets(conn, stack.stack_id)
                return {}
        await self._run(ctx, stack.stack_id)
        return {}

    async def _restart_as(self, ctx: RequestContext, stack: store.Stack, status: str) -> None:
        with self.env.store.db() as conn:
            store.set_status(conn, stack.stack_id, status, "User Initiated", self._now())
            self._event(conn, stack, status, "User Initiated")
        await self._run(ctx, stack.stack_id)

    async def cancel_update_stack(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stack = self._stack(ctx, params["StackName"], live=True)
        if stack.status != "UPDATE_IN_PROGRESS":
            raise ValidationError(
                f"CancelUpdateStack cannot be called from current stack status {stack.status}"
            )
        self.engine.cancel(stack.stack_id)
        await self._restart_as(ctx, stack, "UPDATE_ROLLBACK_IN_PROGRESS")
        return {}

    async def continue_update_rollback(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stack = self._stack(ctx, params["StackName"], live=True)
        if stack.status != "UPDATE_ROLLBACK_FAILED":
            raise ValidationError(
                f"Stack {stack.stack_id} is in {stack.status} state and can not continue the update rollback."
            )
        skip = params.get("ResourcesToSkip") or []
        with self.env.store.db() as conn:
            for row in store.resources(conn, stack.stack_id):
                if row.logical_id in skip and row.previous:
                    row.previous, row.status = None, "UPDATE_COMPLETE"
                    store.put_resource(conn, row)
        await self._restart_as(ctx, stack, "UPDATE_ROLLBACK_IN_PROGRESS")
        return {}

    async def rollback_stack(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stack = self._stack(ctx, params["StackName"], live=True)
        target = {"CREATE_FAILED": "ROLLBACK_IN_PROGRESS", "UPDATE_FAILED": "UPDATE_ROLLBACK_IN_PROGRESS"}
        if stack.status not in target:
            raise ValidationError(
                f"Stack {stack.stack_id} is in {stack.status} state and can not be rolled back."
            )
        await self._restart_as(ctx, stack, target[stack.status])
        return {"StackId": stack.stack_id}

    def describe_stacks(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("StackName"):
            return {"Stacks": [views.stack(self._stack(ctx, params["StackName"]))]}
        with self.env.store.read() as conn:
            found = store.list_stacks(conn, ctx.account_id, ctx.region, live_only=True)
        return {"Stacks": [views.stack(s) for s in found]}

    def list_stacks(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        wanted = params.get("StackStatusFilter") or []
        with self.env.store.read() as conn:
            found = store.list_stacks(conn, ctx.account_id, ctx.region, live_only=False)
        return {"StackSummaries": [views.summary(s) for s in found if not wanted or s.status in wanted]}

    def describe_stack_events(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stack = self._stack(ctx, params.get("StackName"))
        with self.env.store.read() as conn:
            rows = store.events(conn, stack.stack_id)
        return {"StackEvents": [views.event(stack, row) for row in rows]}

    def _resources(self, stack: store.Stack) -> list[store.Resource]:
        with self.env.store.read() as conn:
            return store.resources(conn, stack.stack_id)

    def describe_stack_resources(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("StackName"):
            stack = self._stack(ctx, params["StackName"])
        elif params.get("PhysicalResourceId"):
            stack = self._stack_of_physical(ctx, params["PhysicalResourceId"])
        else:
            raise ValidationError("Either StackName or PhysicalResourceId must be specified.")
        rows = self._resources(stack)
        if params.get("LogicalResourceId"):
            rows = [r for r in rows if r.logical_id == params["LogicalResourceId"]]
        return {"StackResources": [views.resource(stack, r) for r in rows]}

    def _stack_of_physical(self, ctx: RequestContext, physical_id: str) -> store.Stack:
        with self.env.store.read() as conn:
            row = conn.execute(
                "SELECT r.stack_id FROM cfn_resources r JOIN cfn_stacks s USING (stack_id)"
                " WHERE r.physical_id = ? AND s.account_id = ? AND s.region = ?",
                (physical_id, ctx.account_id, ctx.region),
            ).fetchone()
            if row is None:
                raise ValidationError(f"Stack for {physical_id} does not exist")
            return store.get_stack(conn, row[0])

    def describe_stack_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stack = self._stack(ctx, params["StackName"])
        for row in self._resources(stack):
            if row.logical_id == params["LogicalResourceId"]:
                return {"StackResourceDetail": views.resource_detail(stack, row)}
        raise ValidationError(f"Resource {params['LogicalResourceId']} does not exist for stack {stack.name}")

    def list_stack_resources(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stack = self._stack(ctx, params["StackName"])
        return {"StackResourceSummaries": [views.resource_summary(r) for r in self._resources(stack)]}

    def get_template(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stack = self._stack(ctx, params.get("StackName"))
        original, processed = stack.original, stack.template
        if params.get("ChangeSetName"):
            change = self._change_set(ctx, params["ChangeSetName"], stack.name)[0]
            original, processed = change.request["original"], change.request["template"]
        stages = ["Original", "Processed"]
        if params.get("TemplateStage") == "Processed":
            return {"TemplateBody": json.dumps(processed, indent=2), "StagesAvailable": stages}
        return {"TemplateBody": original, "StagesAvailable": stages}

    async def get_template_summary(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("StackName"):
            template = self._stack(ctx, params["StackName"]).template
        else:
            template = plan.load(await sources.template_body(self.env, ctx, params))
        types = sorted(
            {d.get("Type") for d in (template.get("Resources") or {}).values() if isinstance(d, dict)}
        )
        result: dict[str, Any] = {
            "Parameters": [self._summary_parameter(p, template) for p in views.declared_parameters(template)],
            "ResourceTypes": types,
            "DeclaredTransforms": transform.names(template),
            "Version": template.get("AWSTemplateFormatVersion", "2010-09-09"),
        }
        needed = plan.required_capabilities(template, macros=False)
        if needed:
            result["Capabilities"] = needed
            result["CapabilitiesReason"] = (
                "The following resource(s) require capabilities: ["
                + ", ".join(
                    sorted(
                        {
                            d["Type"]
                            for d in template["Resources"].values()
                            if d["Type"].startswith("AWS::IAM::")
                        }
                    )
                )
                + "]"
            )
        if "Description" in template:
            result["Description"] = template["Description"]
        if "Metadata" in template:
            result["Metadata"] = json.dumps(template["Metadata"])
        return result

    @staticmethod
    def _summary_parameter(item: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
        declaration = template["Parameters"][item["ParameterKey"]]
        result = {**item, "ParameterType": declaration["Type"]}
        if "AllowedValues" in declaration:
            result["ParameterConstraints"] = {"AllowedValues": [str(v) for v in declaration["AllowedValues"]]}
        else:
            result["ParameterConstraints"] = {}
        return result

    async def validate_template(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        template = plan.load(await sources.template_body(self.env, ctx, params))
        if not transform.names(template):
            plan.check(template)
        result: dict[str, Any] = {
            "Parameters": views.declared_parameters(template),
            "DeclaredTransforms": transform.names(template),
        }
        needed = plan.required_capabilities(template, macros=False)
        if needed:
            result["Capabilities"] = needed
            result["CapabilitiesReason"] = (
                "The following resource(s) require capabilities: ["
                + ", ".join(
                    sorted(
                        {
                            d["Type"]
                            for d in template["Resources"].values()
                            if d["Type"].startswith("AWS::IAM::")
                        }
                    )
                )
                + "]"
            )
        if "Description" in template:
            result["Description"] = template["Description"]
        return result

    def update_termination_protection(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stack = self._stack(ctx, params["StackName"], live=True)
        with self.env.store.db() as conn:
            conn.execute(
                "UPDATE cfn_stacks SET termination_protection = ? WHERE stack_id = ?",
                (int(params["EnableTerminationProtection"]), stack.stack_id),
            )
        return {"StackId": stack.stack_id}

    def set_stack_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stack = self._stack(ctx, params["StackName"], live=True)
        policy = params.get("StackPolicyBody")
        if policy is not None:
            try:
                json.loads(policy)
            except ValueError:
                raise ValidationError("Error validating stack policy: Invalid stack policy") from None
        with self.env.store.db() as conn:
            conn.execute("UPDATE cfn_stacks SET policy = ? WHERE stack_id = ?", (policy, stack.stack_id))
        return {}

    def get_stack_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stack = self._stack(ctx, params["StackName"])
        return {"StackPolicyBody": stack.policy} if stack.policy else {}

    def list_exports(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            found = store.exports(conn, ctx.account_id, ctx.region)
        return {
            "Exports": [
                {"ExportingStackId": owner, "Name": name, "Value": value} for name, value, owner in found
            ]
        }

    def list_imports(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ExportName"]
        with self.env.store.read() as conn:
            users = store.importers(conn, ctx.account_id, ctx.region, name)
            names = [store.get_stack(conn, stack_id).name for stack_id in users]
        if not names:
            raise ValidationError(f"Export '{name}' is not imported by any stack.")
        return {"Imports": names}

    # -- change sets -------------------------------------------------------------------------

    def _change_set(
        self, ctx: RequestContext, name: str, stack_name: str | None
    ) -> tuple[store.ChangeSet, store.Stack]:
        with self.env.store.read() as conn:
            stack = store.find_stack(conn, ctx.account_id, ctx.region, stack_name) if stack_name else None
            if stack_name and stack is None and not name.startswith("arn:"):
                raise stack_not_found(stack_name)
            found = store.find_change_set(conn, stack.stack_id if stack else None, name)
            if found is None:
                raise ChangeSetNotFound(f"ChangeSet [{name}] does not exist")
            return found, store.get_stack(conn, found.stack_id)

    def _change_set_target(
        self, ctx: RequestContext, name: str, stack_name: str, kind: str
    ) -> store.Stack | None:
        """The stack a change set is for (None: a CREATE set for a new stack)."""
        self._check_name(name, "changeSetName")
        self._check_name(stack_name, "stackName")
        if kind == "IMPORT":
            raise ValidationError("ChangeSetType IMPORT is not supported by cloudlet yet")
        with self.env.store.read() as conn:
            stack = store.find_stack(conn, ctx.account_id, ctx.region, stack_name)
        if kind == "CREATE":
            if stack is not None and stack.status != "REVIEW_IN_PROGRESS":
                raise AlreadyExistsException(
                    f"Stack [{stack_name}] already exists and cannot be created again with the changeSet [{name}]."
                )
        elif stack is None:
            raise ValidationError(f"Stack [{stack_name}] does not exist")
        else:
            self._check_updatable(stack)
        return stack

    async def create_change_set(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, stack_name, kind = (
            params["ChangeSetName"],
            params["StackName"],
            params.get("ChangeSetType") or "UPDATE",
        )
        stack = self._change_set_target(ctx, name, stack_name, kind)
        stack_id = (
            stack.stack_id
            if stack
            else (f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}:stack/{stack_name}/{uuid.uuid4()}")
        )
        previous = stack.original if stack and kind == "UPDATE" else None
        body = await sources.template_body(self.env, ctx, params, previous)
        old_values = (stack.parameters.get("resolved") or {}) if stack and kind == "UPDATE" else None
        prepared = plan.prepare(
            body, params.get("Parameters") or [], self._pseudo(ctx, stack_name, stack_id, params), old_values
        )
        plan.check_capabilities(prepared.template, params.get("Capabilities") or [], macros=False)
        rows = {r.logical_id: r for r in self._resources(stack)} if stack and kind == "UPDATE" else {}
        changes = compute(rows, prepared)
        change_set_id = (
            f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}:changeSet/{name}/{uuid.uuid4()}"
        )
        tags = params.get("Tags", stack.tags if stack else [])
        status, execution, reason = "CREATE_COMPLETE", "AVAILABLE", None
        if (
            stack
            and kind == "UPDATE"
            and not changes
            and body == stack.original
            and (prepared.parameters == old_values and tags == stack.tags)
        ):
            status, execution, reason = "FAILED", "UNAVAILABLE", _NO_CHANGES
        request = {
            "original": body,
            "template": prepared.template,
            "given": params.get("Parameters") or [],
            "resolved": prepared.parameters,
            "capabilities": params.get("Capabilities") or [],
            "tags": tags,
            "notification_arns": params.get("NotificationARNs") or [],
            "role_arn": params.get("RoleARN"),
        }
        change = store.ChangeSet(
            change_set_id,
            stack_id,
            name,
            kind,
            status,
            execution,
            reason,
            params.get("Description"),
            request,
            changes,
            self._now(),
        )
        with self.env.store.db() as conn:
            if store.find_change_set(conn, stack_id, name):
                raise AlreadyExistsException(f"ChangeSet {name} already exists")
            if stack is None:
                stack = self._new_stack(
                    ctx, stack_name, stack_id, "REVIEW_IN_PROGRESS", body, prepared, params
                )
                store.insert_stack(conn, stack)
                self._event(conn, stack, "REVIEW_IN_PROGRESS", "User Initiated")
            store.put_change_set(conn, change)
        return {"Id": change_set_id, "StackId": stack_id}

    def describe_change_set(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        change, stack = self._change_set(ctx, params["ChangeSetName"], params.get("StackName"))
        return views.change_set(change, stack)

    def list_change_sets(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        stack = self._stack(ctx, params["StackName"])
        with self.env.store.read() as conn:
            found = store.change_sets(conn, stack.stack_id)
        return {"Summaries": [views.change_set_summary(c, stack) for c in found]}

    def delete_change_set(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        change, stack = self._change_set(ctx, params["ChangeSetName"], params.get("StackName"))
        if change.execution_status == "EXECUTE_IN_PROGRESS" and stack.status.endswith("IN_PROGRESS"):
            raise InvalidChangeSetStatus(f"Cannot delete ChangeSet in status {change.execution_status}")
        with self.env.store.db() as conn:
            store.delete_change_sets(conn, stack.stack_id, change.name)
        return {}

    async def execute_change_set(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        change, stack = self._change_set(ctx, params["ChangeSetName"], params.get("StackName"))
        if change.status != "CREATE_COMPLETE" or change.execution_status != "AVAILABLE":
            raise InvalidChangeSetStatus(
                f"ChangeSet [{change.change_set_id}] cannot be executed in its current"
                f" status of [{change.status}]"
            )
        if change.kind == "UPDATE":
            self._check_updatable(stack)
        request = change.request
        prepared = plan.build(request["template"], request["resolved"], engine.pseudo(stack))
        settings = {
            "Parameters": request["given"],
            "Capabilities": request["capabilities"],
            "NotificationARNs": request["notification_arns"],
        }
        if change.kind == "CREATE":
            fresh = self._new_stack(
                ctx,
                stack.name,
                stack.stack_id,
                "CREATE_IN_PROGRESS",
                request["original"],
                prepared,
                {**settings, "Tags": request["tags"], "DisableRollback": params.get("DisableRollback")},
            )
            fresh.created_at, fresh.change_set_id = stack.created_at, change.change_set_id
            with self.env.store.db() as conn:
                store.save_stack(conn, fresh)
                self._event(conn, fresh, "CREATE_IN_PROGRESS", "User Initiated")
        else:
            self._begin_update(
                stack, request["original"], prepared, settings, request["tags"], change.change_set_id
            )
        change.execution_status = "EXECUTE_IN_PROGRESS"
        with self.env.store.db() as conn:
            store.delete_change_sets(conn, stack.stack_id)
            store.put_change_set(conn, change)
        await self._run(ctx, stack.stack_id)
        return {}
