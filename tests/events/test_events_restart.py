"""Durability across a `kill -9`: a delivery still being retried is made by the restarted server,
and a scheduled rule's timer is set again from the store."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time

from conftest import allow_events, receive_from, zipped

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server
from cloudlet.testing.sink import SINK_RECORD

HANDLER = SINK_RECORD + """
import json

def handler(event, context):
    record(event["detail"]["sink"], json.dumps(event))
"""


def _failed_attempts(data_dir: str) -> int:
    with sqlite3.connect(f"{data_dir}/cloudlet.db") as db:
        row = db.execute("SELECT MAX(attempts) FROM _outbox_deliveries WHERE consumer = 'events.deliver'"
                         " AND error IS NOT NULL").fetchone()
    return row[0] or 0


def test_a_delivery_being_retried_at_kill_9_is_made_after_restart(tmp_path, reports):
    data_dir = str(tmp_path / "cloudlet")
    server = start_server(data_dir)
    try:
        lam = make_client(server.endpoint, "lambda")
        # A runtime this cloudlet lacks: with --strict-runtimes every invoke answers 502, which
        # EventBridge retries; without it the function runs.
        function = lam.create_function(FunctionName="later", Role="arn:aws:iam::000000000000:role/r",
                                       Runtime="python3.9", Handler="app.handler",
                                       Code={"ZipFile": zipped({"app.py": HANDLER})})["FunctionArn"]
        events = make_client(server.endpoint, "events")
        events.put_rule(Name="to-later", EventPattern=json.dumps({"source": ["durable"]}))
        events.put_targets(Rule="to-later", Targets=[{"Id": "fn", "Arn": function}])
        server.stop()

        server = start_server(data_dir, "--strict-runtimes")
        events = make_client(server.endpoint, "events")
        sink = reports.url_for("later")
        event_id = events.put_events(Entries=[{"Source": "durable", "DetailType": "t",
                                               "Detail": json.dumps({"sink": sink})}])["Entries"][0]["EventId"]
        deadline = time.monotonic() + 20
        while _failed_attempts(data_dir) < 1:  # the dispatcher runs in the server: nothing to await here
            assert time.monotonic() < deadline, "the delivery never failed"
            time.sleep(0.05)
        server.stop(kill=True)

        server = start_server(data_dir)
        server.advance_clock(120)  # past the retry's backoff
        assert json.loads(reports.wait("later", 1, timeout=30)[0])["id"] == event_id
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_a_scheduled_rule_fires_after_a_restart(tmp_path):
    data_dir = str(tmp_path / "cloudlet")
    server = start_server(data_dir)
    try:
        sqs, events = make_client(server.endpoint, "sqs"), make_client(server.endpoint, "events")
        url = sqs.create_queue(QueueName="ticks")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        allow_events(sqs, url, arn)
        rule_arn = events.put_rule(Name="hourly", ScheduleExpression="rate(1 hour)")["RuleArn"]
        events.put_targets(Rule="hourly", Targets=[{"Id": "q", "Arn": arn}])
        server.stop(kill=True)

        server = start_server(data_dir)
        sqs = make_client(server.endpoint, "sqs")
        server.advance_clock(3601)
        [message] = receive_from(sqs, url)
        assert json.loads(message["Body"])["resources"] == [rule_arn]
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
