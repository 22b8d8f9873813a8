"""A process stopped mid-operation leaves no stack stuck: the next start rolls back a create
or update whose requester is gone, and finishes a delete."""

from __future__ import annotations

import sqlite3

from conftest import reasons, settled

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server

BODY = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: %s}\n"


def test_restart_resolves_operations_left_in_progress(tmp_path):
    data_dir = str(tmp_path / "data")
    server = start_server(data_dir)
    try:
        cfn = make_client(server.endpoint, "cloudformation")
        for name in ("creating", "deleting"):
            cfn.create_stack(StackName=name, TemplateBody=BODY % f"{name}-queue")
            assert settled(cfn, name)["StackStatus"] == "CREATE_COMPLETE"
    finally:
        server.stop(kill=True)
    # What the killed process had written when it died: two operations under way.
    with sqlite3.connect(f"{data_dir}/cloudlet.db") as db:
        for name, status in (("creating", "CREATE_IN_PROGRESS"), ("deleting", "DELETE_IN_PROGRESS")):
            db.execute(
                "UPDATE cfn_stacks SET status = ?, owner = '2147483000:gone' WHERE name = ?", (status, name)
            )
    server = start_server(data_dir)
    try:
        cfn = make_client(server.endpoint, "cloudformation")
        sqs = make_client(server.endpoint, "sqs")
        rolled_back = settled(cfn, "creating")
        assert rolled_back["StackStatus"] == "ROLLBACK_COMPLETE"
        assert ("creating", "ROLLBACK_IN_PROGRESS", "cloudlet restarted while this operation ran") in reasons(
            cfn, "creating"
        )
        assert not sqs.list_queues(QueueNamePrefix="creating-queue").get("QueueUrls")
        deleted = next(s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == "deleting")
        assert settled(cfn, deleted["StackId"])["StackStatus"] == "DELETE_COMPLETE"
        assert not sqs.list_queues(QueueNamePrefix="deleting-queue").get("QueueUrls")
    finally:
        server.stop()
