"""Runs stack operations in the background: create, update, delete and their rollbacks.

An operation is driven by the stack's status in the store, so the same code resumes one a
restarted process left behind. Resources whose dependencies are done are worked on
concurrently. A restart during CREATE or UPDATE does not resume the operation (its requester
is gone): it rolls back, as AWS does when an operation fails, with an event saying why; a
restart during a delete, rollback or cleanup finishes it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from typing import TYPE_CHECKING, Any

from cloudlet.services.cloudformation import intrinsics, plan, store
from cloudlet.services.cloudformation.steps import Run, failure_reason

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

log = logging.getLogger("cloudlet.cloudformation")

OWNER = f"{os.getpid()}:{secrets.token_hex(8)}"
RESTARTED = "cloudlet restarted while this operation ran"


def pseudo(stack: store.Stack) -> dict[str, Any]:
    return intrinsics.pseudo_parameters(
        stack.account_id, stack.region, stack.name, stack.stack_id, stack.notification_arns
    )


def owner_gone(owner: Any) -> bool:
    """The process that ran an operation is no longer running it."""
    if not owner or str(owner) == OWNER:
        return False
    pid, _, _ = str(owner).partition(":")
    if not pid.isdigit() or int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Engine:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self.tasks: dict[str, asyncio.Task] = {}

    def start(self, stack_id: str, *, restarted: bool = False, host: str = "") -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(self._drive(stack_id, restarted, host))
        self.tasks[stack_id] = task
        task.add_done_callback(
            lambda _: self.tasks.pop(stack_id, None) if self.tasks.get(stack_id) is task else None
        )
        return task

    async def settle(self, task: asyncio.Task, timeout: float) -> None:
        await asyncio.wait({task}, timeout=timeout)

    def cancel(self, stack_id: str) -> None:
        """Stops this process's work on a stack (its status then says what runs next)."""
        task = self.tasks.pop(stack_id, None)
        if task is not None:
            task.cancel()

    async def stop(self) -> None:
        for task in list(self.tasks.values()):
            task.cancel()

    def recover(self) -> None:
        with self.env.store.read() as conn:
            stuck = [s for s in store.stacks_in_progress(conn) if owner_gone(s.owner)]
        claimed = []
        with self.env.store.db() as conn:
            for stack in stuck:
                # Worker processes start together: the first to claim a stack resumes it.
                taken = conn.execute(
                    "UPDATE cfn_stacks SET owner = ? WHERE stack_id = ? AND owner IS ?",
                    (OWNER, stack.stack_id, stack.owner),
                )
                if taken.rowcount == 1:
                    claimed.append(stack)
        for stack in claimed:
            log.warning("resuming stack %s left in %s", stack.name, stack.status)
            self.start(stack.stack_id, restarted=True)

    async def _drive(self, stack_id: str, restarted: bool, host: str) -> None:
        with self.env.store.db() as conn:
            conn.execute("UPDATE cfn_stacks SET owner = ? WHERE stack_id = ?", (OWNER, stack_id))
            stack = store.get_stack(conn, stack_id)
            rows = {r.logical_id: r for r in store.resources(conn, stack_id)}
        run = Run(self.env, stack, rows=rows, host=host)
        try:
            await self._phase(run, restarted)
        except Exception:
            log.exception("stack %s: operation failed", stack.name)
            failed = {
                "CREATE_IN_PROGRESS": "CREATE_FAILED",
                "ROLLBACK_IN_PROGRESS": "ROLLBACK_FAILED",
                "DELETE_IN_PROGRESS": "DELETE_FAILED",
                "UPDATE_IN_PROGRESS": "UPDATE_ROLLBACK_FAILED",
                "UPDATE_ROLLBACK_IN_PROGRESS": "UPDATE_ROLLBACK_FAILED",
            }.get(run.stack.status)
            if failed:
                run.stack_status(failed, "Internal Failure")

    async def _phase(self, run: Run, restarted: bool) -> None:
        status = run.stack.status
        if status == "CREATE_IN_PROGRESS":
            if restarted:
                await self._rollback_create(run, RESTARTED)
            else:
                await self._create(run)
        elif status == "ROLLBACK_IN_PROGRESS":
            await self._rollback_create(run, None)
        elif status == "UPDATE_IN_PROGRESS":
            if restarted:
                await self._rollback_update(run, RESTARTED)
            else:
                await self._update(run)
        elif status == "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS":
            await self._cleanup(run)
        elif status == "UPDATE_ROLLBACK_IN_PROGRESS":
            await self._rollback_update(run, None)
        elif status == "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS":
            await self._finish_update_rollback(run)
        elif status == "DELETE_IN_PROGRESS":
            await self._delete(run)

    # -- create --------------------------------------------------------------------------------

    async def _create(self, run: Run) -> None:
        stack = run.stack
        try:
            run.bind(plan.build(stack.template, stack.parameters.get("resolved") or {}, pseudo(stack)))
        except Exception as exc:
            await self._rollback_create(run, failure_reason(exc))
            return
        failed = await self._apply(run, in_update=False)
        reason = _failed_message("create", failed) if failed else self._outputs(run)
        if reason:
            if stack.disable_rollback:
                run.stack_status("CREATE_FAILED", reason)
            else:
                await self._rollback_create(run, reason)
            return
        run.stack_status("CREATE_COMPLETE")

    async def _apply(self, run: Run, *, in_update: bool) -> list[str]:
        """Creates or updates every resource of the plan, dependencies first; the ones that failed."""
        assert run.plan is not None
        graph = run.plan.graph
        pending, done, failed = set(graph), set(), []
        running: dict[asyncio.Task, str] = {}
        while pending or running:
            if not failed:
                for name in sorted(pending):
                    if graph[name] <= done:
                        pending.discard(name)
                        step = (
                            run.update(name)
                            if in_update and name in run.rows
                            else run.create(name, in_update=in_update)
                        )
                        running[asyncio.ensure_future(step)] = name
            if not running:
                break
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                name = running.pop(task)
                if task.result():
                    done.add(name)
                else:
                    failed.append(name)
        return failed

    def _outputs(self, run: Run) -> str | None:
        """Resolves Outputs and publishes exports; the failure reason, if any."""
        assert run.plan is not None
        stack, scope = run.stack, run.plan.scope
        outputs, exported = [], {}
        try:
            for key, output in (run.plan.template.get("Outputs") or {}).items():
                if output.get("Condition") and not scope.condition(output["Condition"]):
                    continue
                item = {
                    "OutputKey": key,
                    "OutputValue": intrinsics.text(intrinsics.resolve(output["Value"], scope)),
                }
                if "Description" in output:
                    item["Description"] = output["Description"]
                if "Export" in output:
                    item["ExportName"] = str(intrinsics.resolve(output["Export"].get("Name"), scope))
                    exported[item["ExportName"]] = item["OutputValue"]
                outputs.append(item)
        except Exception as exc:
            return failure_reason(exc)
        with self.env.store.db() as conn:
            for name in exported:
                found = store.find_export(conn, stack.account_id, stack.region, name)
                if found and found[1] != stack.stack_id:
                    return f"Export with name {name} is already exported by stack {found[1].split('/')[1]}"
            for name, value in _current_exports(conn, stack).items():
                users = [
                    s
                    for s in store.importers(conn, stack.account_id, stack.region, name)
                    if s != stack.stack_id
                ]
                if users and exported.get(name) != value:
                    verb = "update" if name in exported else "delete"
                    return (
                        f"Cannot {verb} export {name} as it is in use by {users[0].split('/')[1]}"
                        if verb == "update"
                        else f"Export {name} cannot be deleted as it is in use by {users[0].split('/')[1]}"
                    )
            store.replace_exports(conn, stack, exported)
            conn.execute(
                "UPDATE cfn_stacks SET outputs = ?, imports = ? WHERE stack_id = ?",
                (store.dump(outputs), store.dump(sorted(run.imports)), stack.stack_id),
            )
        stack.outputs, stack.imports = outputs, sorted(run.imports)
        return None

    async def _rollback_create(self, run: Run, reason: str | None) -> None:
        if reason is not None:
            run.stack_status("ROLLBACK_IN_PROGRESS", reason)
        failed = await self._delete_rows(run, on_create=True)
        with self.env.store.db() as conn:
            store.replace_exports(conn, run.stack, {})
        if failed:
            run.stack_status("ROLLBACK_FAILED", _failed_message("delete", failed))
        else:
            run.stack_status("ROLLBACK_COMPLETE")

    # -- update --------------------------------------------------------------------------------

    async def _update(self, run: Run) -> None:
        stack = run.stack
        try:
            run.bind(plan.build(stack.template, stack.parameters.get("resolved") or {}, pseudo(stack)))
        except Exception as exc:
            await self._rollback_update(run, failure_reason(exc))
            return
        failed = await self._apply(run, in_update=True)
        reason = _failed_message("update", failed) if failed else self._outputs(run)
        if reason:
            await self._rollback_update(run, reason)
            return
        run.stack_status("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        await self._cleanup(run)

    async def _cleanup(self, run: Run) -> None:
        """After a successful update: replaced resources and removed ones go."""
        if run.plan is None:  # resumed after a restart
            run.bind(
                plan.build(run.stack.template, run.stack.parameters.get("resolved") or {}, pseudo(run.stack))
            )
        keep = set(run.stack.template.get("Resources") or {})
        for row in sorted(run.rows.values(), key=lambda r: -(r.previous or {}).get("seq", 0)):
            replaced = (row.previous or {}).get("replaced")
            if replaced and replaced["physical_id"] and replaced["physical_id"] != row.physical_id:
                old = store.Resource(**replaced)
                await run.delete(old, policy=row.policy.get("UpdateReplacePolicy"))
        removed = {
            name: row
            for name, row in run.rows.items()
            if name not in keep or (run.plan is not None and name not in run.plan.resources)
        }
        await self._delete_rows(run, only=removed)
        for name in removed:
            run.forget(removed[name])
        with self.env.store.db() as conn:
            for row in run.rows.values():
                row.previous = None
                store.put_resource(conn, row)
            conn.execute("UPDATE cfn_stacks SET previous = NULL WHERE stack_id = ?", (run.stack.stack_id,))
        run.stack_status("UPDATE_COMPLETE")

    async def _rollback_update(self, run: Run, reason: str | None) -> None:
        if reason is not None:
            run.stack_status("UPDATE_ROLLBACK_IN_PROGRESS", reason)
        touched = sorted(
            (r for r in run.rows.values() if r.previous), key=lambda r: -(r.previous or {})["seq"]
        )
        for row in touched:
            if not await run.revert(row):
                run.stack_status("UPDATE_ROLLBACK_FAILED", _failed_message("update", [row.logical_id]))
                return
        self._restore_previous(run)
        run.stack_status("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        await self._finish_update_rollback(run)

    def _restore_previous(self, run: Run) -> None:
        stack, previous = run.stack, run.stack.previous or {}
        if not previous:
            return
        stack.template, stack.original = previous["template"], previous["original"]
        stack.parameters, stack.outputs = previous["parameters"], previous["outputs"]
        stack.description, stack.tags = previous.get("description"), previous.get("tags", stack.tags)
        stack.imports, stack.previous = previous.get("imports", []), None
        with self.env.store.db() as conn:
            store.save_stack(conn, stack)
            store.replace_exports(
                conn, stack, {o["ExportName"]: o["OutputValue"] for o in stack.outputs if "ExportName" in o}
            )

    async def _finish_update_rollback(self, run: Run) -> None:
        with self.env.store.db() as conn:
            for row in run.rows.values():
                if row.previous:
                    row.previous = None
                    store.put_resource(conn, row)
        run.stack_status("UPDATE_ROLLBACK_COMPLETE")

    # -- delete --------------------------------------------------------------------------------

    async def _delete(self, run: Run) -> None:
        stack = run.stack
        with self.env.store.read() as conn:
            in_use = [
                (name, user)
                for name in _current_exports(conn, stack)
                for user in store.importers(conn, stack.account_id, stack.region, name)
                if user != stack.stack_id
            ]
        if in_use:
            name, user = in_use[0]
            run.stack_status(
                "DELETE_FAILED", f"Export {name} cannot be deleted as it is in use by {user.split('/')[1]}"
            )
            return
        failed = await self._delete_rows(run, on_create=False)
        if failed:
            run.stack_status("DELETE_FAILED", _failed_message("delete", failed))
            return
        with self.env.store.db() as conn:
            store.replace_exports(conn, stack, {})
            store.delete_change_sets(conn, stack.stack_id)
        run.stack_status("DELETE_COMPLETE")

    async def _delete_rows(
        self, run: Run, *, on_create: bool = False, only: dict[str, store.Resource] | None = None
    ) -> list[str]:
        """Deletes resources, each after those depending on it; the ones that failed."""
        rows = (
            only
            if only is not None
            else {
                name: row
                for name, row in run.rows.items()
                if row.status not in ("DELETE_COMPLETE", "DELETE_SKIPPED")
            }
        )
        waiting = {name: {other for other, r in rows.items() if name in r.depends_on} for name in rows}
        failed: list[str] = []
        while waiting and not failed:
            wave = [name for name, users in waiting.items() if not users]
            if not wave:  # a cycle among stored rows cannot happen; delete the rest in any order
                wave = list(waiting)
            results = await asyncio.gather(
                *(run.delete(rows[name], policy=_deletion_policy(rows[name], on_create)) for name in wave)
            )
            for name, ok in zip(wave, results, strict=True):
                waiting.pop(name)
                if not ok:
                    failed.append(name)
            for users in waiting.values():
                users.difference_update(wave)
        return failed


def _deletion_policy(row: store.Resource, on_create: bool) -> str | None:
    policy = row.policy.get("DeletionPolicy")
    if policy == "RetainExceptOnCreate":
        return None if on_create else "Retain"
    return policy


def _failed_message(verb: str, names: list[str]) -> str:
    suffix = " Rollback requested by user." if verb == "create" else ""
    return f"The following resource(s) failed to {verb}: [{', '.join(sorted(names))}].{suffix}"


def _current_exports(conn: Any, stack: store.Stack) -> dict[str, str]:
    return {
        name: value
        for name, value, owner in store.exports(conn, stack.account_id, stack.region)
        if owner == stack.stack_id
    }
