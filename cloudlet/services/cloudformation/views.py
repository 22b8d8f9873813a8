"""Stores rows -> the shapes CloudFormation's API answers with."""

from __future__ import annotations

import json
from typing import Any

from cloudlet.services.cloudformation import parameters, store

_NOT_CHECKED = {"StackDriftStatus": "NOT_CHECKED"}


def stack(s: store.Stack, change_set_id: str | None = None) -> dict[str, Any]:
    declared = s.template.get("Parameters") or {}
    result: dict[str, Any] = {
        "StackId": s.stack_id,
        "StackName": s.name,
        "CreationTime": s.created_at,
        "StackStatus": s.status,
        "DisableRollback": s.disable_rollback,
        "NotificationARNs": s.notification_arns,
        "Capabilities": s.capabilities,
        "Outputs": s.outputs,
        "Tags": s.tags,
        "EnableTerminationProtection": s.termination_protection,
        "DriftInformation": _NOT_CHECKED,
        "Parameters": parameters.described(declared, s.parameters.get("resolved") or {}),
        "RollbackConfiguration": {},
    }
    optional = {
        "StackStatusReason": s.reason,
        "Description": s.description,
        "LastUpdatedTime": s.updated_at,
        "DeletionTime": s.deleted_at,
        "RoleARN": s.role_arn,
        "TimeoutInMinutes": s.timeout,
        "ChangeSetId": change_set_id or s.change_set_id,
    }
    result.update({key: value for key, value in optional.items() if value is not None})
    return result


def summary(s: store.Stack) -> dict[str, Any]:
    result: dict[str, Any] = {
        "StackId": s.stack_id,
        "StackName": s.name,
        "CreationTime": s.created_at,
        "StackStatus": s.status,
        "DriftInformation": _NOT_CHECKED,
    }
    optional = {
        "StackStatusReason": s.reason,
        "TemplateDescription": s.description,
        "LastUpdatedTime": s.updated_at,
        "DeletionTime": s.deleted_at,
    }
    result.update({key: value for key, value in optional.items() if value is not None})
    return result


def event(s: store.Stack, row: tuple) -> dict[str, Any]:
    event_id, logical_id, physical_id, type_name, status, reason, properties, at = row
    result: dict[str, Any] = {
        "StackId": s.stack_id,
        "EventId": event_id,
        "StackName": s.name,
        "LogicalResourceId": logical_id,
        "ResourceType": type_name,
        "Timestamp": at,
        "ResourceStatus": status,
    }
    if physical_id:
        result["PhysicalResourceId"] = physical_id
    if reason:
        result["ResourceStatusReason"] = reason
    if properties:
        result["ResourceProperties"] = properties
    return result


def _resource_base(r: store.Resource) -> dict[str, Any]:
    result: dict[str, Any] = {
        "LogicalResourceId": r.logical_id,
        "ResourceType": r.type,
        "ResourceStatus": r.status,
        "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
    }
    if r.physical_id:
        result["PhysicalResourceId"] = r.physical_id
    if r.reason:
        result["ResourceStatusReason"] = r.reason
    return result


def resource(s: store.Stack, r: store.Resource) -> dict[str, Any]:
    return {**_resource_base(r), "StackName": s.name, "StackId": s.stack_id, "Timestamp": r.updated_at}


def resource_detail(s: store.Stack, r: store.Resource) -> dict[str, Any]:
    metadata = (s.template.get("Resources") or {}).get(r.logical_id, {}).get("Metadata")
    result = {
        **_resource_base(r),
        "StackName": s.name,
        "StackId": s.stack_id,
        "LastUpdatedTimestamp": r.updated_at,
    }
    if metadata is not None:
        result["Metadata"] = json.dumps(metadata)
    return result


def resource_summary(r: store.Resource) -> dict[str, Any]:
    return {**_resource_base(r), "LastUpdatedTimestamp": r.updated_at}


def execution_status(c: store.ChangeSet, s: store.Stack) -> str:
    if c.execution_status != "EXECUTE_IN_PROGRESS" or s.status.endswith("IN_PROGRESS"):
        return c.execution_status
    return "EXECUTE_COMPLETE" if s.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE") else "EXECUTE_FAILED"


def change_set(c: store.ChangeSet, s: store.Stack) -> dict[str, Any]:
    request = c.request
    declared = (request.get("template") or {}).get("Parameters") or {}
    result: dict[str, Any] = {
        "ChangeSetName": c.name,
        "ChangeSetId": c.change_set_id,
        "StackId": s.stack_id,
        "StackName": s.name,
        "CreationTime": c.created_at,
        "ExecutionStatus": execution_status(c, s),
        "Status": c.status,
        "NotificationARNs": request.get("notification_arns") or [],
        "Capabilities": request.get("capabilities") or [],
        "Tags": request.get("tags") or [],
        "Changes": c.changes,
        "IncludeNestedStacks": False,
        "Parameters": parameters.described(declared, request.get("resolved") or {}),
    }
    if c.reason:
        result["StatusReason"] = c.reason
    if c.description:
        result["Description"] = c.description
    return result


def change_set_summary(c: store.ChangeSet, s: store.Stack) -> dict[str, Any]:
    result: dict[str, Any] = {
        "StackId": s.stack_id,
        "StackName": s.name,
        "ChangeSetId": c.change_set_id,
        "ChangeSetName": c.name,
        "ExecutionStatus": execution_status(c, s),
        "Status": c.status,
        "CreationTime": c.created_at,
        "IncludeNestedStacks": False,
    }
    if c.reason:
        result["StatusReason"] = c.reason
    if c.description:
        result["Description"] = c.description
    return result


def declared_parameters(template: dict[str, Any]) -> list[dict[str, Any]]:
    result = []
    for name, declaration in (template.get("Parameters") or {}).items():
        item: dict[str, Any] = {
            "ParameterKey": name,
            "NoEcho": str(declaration.get("NoEcho", "")).lower() == "true",
        }
        if "Default" in declaration:
            item["DefaultValue"] = parameters.text(declaration["Default"])
        if "Description" in declaration:
            item["Description"] = declaration["Description"]
        result.append(item)
    return result
