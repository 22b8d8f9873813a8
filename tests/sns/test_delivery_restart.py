"""A published message reaches its subscriber at least once across a `kill -9` of the server:
the pending delivery is in the outbox, in the data directory, and the restarted server sends it."""

from __future__ import annotations

import json
import shutil

from test_delivery_http import Subscriber, confirmed

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server


def test_a_delivery_pending_at_kill_9_is_made_after_restart(tmp_path):
    data_dir = str(tmp_path / "cloudlet")
    subscriber = Subscriber()
    server = start_server(data_dir)
    try:
        sns = make_client(server.endpoint, "sns")
        topic = sns.create_topic(Name="survives")["TopicArn"]
        confirmed(sns, topic, subscriber)
        subscriber.statuses = [500]  # the first attempt fails, so the delivery waits for its retry
        message_id = sns.publish(TopicArn=topic, Message="still coming")["MessageId"]
        headers, _ = subscriber.next()
        assert headers["x-amz-sns-message-id"] == message_id
        server.stop(kill=True)  # before the retry is due

        server = start_server(data_dir)
        headers, body = subscriber.next(timeout=30)
        assert headers["x-amz-sns-message-id"] == message_id
        assert json.loads(body)["Message"] == "still coming"
    finally:
        server.stop()
        subscriber.close()
        shutil.rmtree(data_dir, ignore_errors=True)
