"""Helpers for CloudFormation tests: deploy a template and read the stack back."""

from __future__ import annotations

import time

import pytest

DONE = ("_COMPLETE", "_FAILED")


def settled(cfn, stack: str, timeout: float = 30.0) -> dict:
    """The stack once its operation finished. Operations answer when done if they finish quickly,
    so this normally reads once; it polls as clients' waiters do otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        found = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        if found["StackStatus"].endswith(DONE) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def outputs(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def reasons(cfn, stack: str) -> list[tuple[str, str, str]]:
    """(logical id, status, reason) of every event, oldest first."""
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    return [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
        for e in reversed(events)
    ]


@pytest.fixture(scope="module")
def cfn(client):
    return client("cloudformation")


@pytest.fixture(scope="module")
def deploy(cfn):
    """deploy(name, body, **create_stack_args) -> the settled stack."""

    def deploy(name: str, body: str, **kwargs) -> dict:
        cfn.create_stack(StackName=name, TemplateBody=body, **kwargs)
        return settled(cfn, name)

    return deploy
