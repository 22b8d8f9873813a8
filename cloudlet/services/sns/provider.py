"""SNS: topics, subscriptions and publishing, with delivery through the outbox."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from cloudlet.aws.errors import NotImplementedOperation
from cloudlet.core import outbox
from cloudlet.edge.types import RequestContext
from cloudlet.services.base import Provider
from cloudlet.services.environment import Environment
from cloudlet.services.sns import batches, delivery, envelope, publishing, store, subscriptions, topics
from cloudlet.services.sns.errors import InvalidParameter, topic_not_found
from cloudlet.services.sns.signing import Signer

Params = dict[str, Any]
PAGE = 100


def base_url(ctx: RequestContext) -> str:
    """How the caller reached cloudlet: where subscribers fetch certificates and confirm."""
    request = ctx.request
    return f"{request.scheme or 'http'}://{request.host or 'localhost:4566'}"


class SnsProvider(Provider):
    service = "sns"
    migrations = store.MIGRATIONS

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.signer = Signer(env.store)
        self.deliveries = delivery.Deliveries(env, self.signer)

    async def start(self) -> None:
        with self.env.store.read() as conn:
            has_topics = store.has_topics(conn)
        if has_topics:
            await asyncio.to_thread(self.signer.certificate)  # an RSA key takes a moment: not on the loop
        self.env.dispatcher.subscribe(publishing.DELIVERY_TOPIC, self.deliveries.handle, name=delivery.CONSUMER,
                                      max_attempts=delivery.MAX_ATTEMPTS, backoff=delivery.BACKOFF, timeout=60.0)

    def _now(self) -> float:
        return self.env.clock.now()

    # -- topics --------------------------------------------------------------------------------

    def create_topic(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            arn = topics.create(conn, ctx.account_id, ctx.region, params, self._now())
        # The key the first notification is signed with, made while the caller subscribes.
        self.signer.prepare_soon()
        return {"TopicArn": arn}

    def delete_topic(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            if topics.parse_arn(params["TopicArn"]) is None:
                raise InvalidParameter("TopicArn")
            store.delete_topic(conn, params["TopicArn"])
        return {}

    def list_topics(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            arns = store.list_topics(conn, ctx.account_id, ctx.region, params.get("NextToken") or "", PAGE + 1)
        result: Params = {"Topics": [{"TopicArn": arn} for arn in arns[:PAGE]]}
        if len(arns) > PAGE:
            result["NextToken"] = arns[PAGE - 1]
        return result

    def get_topic_attributes(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            topic = topics.get(conn, params["TopicArn"])
            return {"Attributes": topics.describe(conn, topic)}

    def set_topic_attributes(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            topic = topics.get(conn, params["TopicArn"])
            topics.set_attribute(conn, topic, params["AttributeName"], params.get("AttributeValue"))
        return {}

    # -- tags ----------------------------------------------------------------------------------

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            topic = topics.tagged_topic(conn, params["ResourceArn"])
            topics.set_tags(conn, topic.arn, {tag["Key"]: tag["Value"] for tag in params["Tags"]})
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            topic = topics.tagged_topic(conn, params["ResourceArn"])
            store.delete_tags(conn, topic.arn, params["TagKeys"])
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            topic = topics.tagged_topic(conn, params["ResourceArn"])
            return {"Tags": [{"Key": k, "Value": v} for k, v in store.tags(conn, topic.arn).items()]}

    # -- subscriptions -------------------------------------------------------------------------

    def subscribe(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            topic = topics.get(conn, params["TopicArn"])
            sub, created = subscriptions.subscribe(conn, topic, params, ctx.account_id, self._now())
            if created and sub.pending:
                self._send_confirmation(conn, "SubscriptionConfirmation", sub, base_url(ctx))
            return {"SubscriptionArn": subscriptions.returned_arn(sub, params)}

    def _send_confirmation(self, conn: Any, kind: str, sub: store.Subscription, url: str) -> None:
        if sub.protocol not in ("http", "https", *delivery.EMAIL_PROTOCOLS):
            return
        message = envelope.confirmation(kind, sub.arn, sub.topic_arn, sub.token, url,
                                        publishing.timestamp(self._now()), self.signer)
        if sub.protocol in delivery.EMAIL_PROTOCOLS:
            if kind != "SubscriptionConfirmation":
                return  # cloudlet mails an email subscriber only the request to confirm
            subject, body = envelope.email_confirmation(sub.protocol, message)
            outbox.emit(conn, publishing.DELIVERY_TOPIC, {
                "kind": kind, "protocol": sub.protocol, "endpoint": sub.endpoint, "account": sub.account_id,
                "region": sub.region, "subject": subject, "body": body})
            return
        headers = delivery.http_headers(kind, message["MessageId"], sub.topic_arn,
                                        sub.arn if kind == "UnsubscribeConfirmation" else None)
        outbox.emit(conn, publishing.DELIVERY_TOPIC, {"kind": kind, "endpoint": sub.endpoint,
                                                      "body": json.dumps(message, indent=2), "headers": headers})

    def confirm_subscription(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            topic = topics.get(conn, params["TopicArn"])
            sub = store.find_by_token(conn, topic.arn, params["Token"])
            if sub is None:
                raise InvalidParameter("Token")
            if sub.pending:
                sub.pending = False
                store.update_subscription(conn, sub)
        return {"SubscriptionArn": sub.arn}

    def unsubscribe(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            sub = subscriptions.get(conn, params["SubscriptionArn"])
            store.delete_subscription(conn, sub.arn)
            if not sub.pending:
                self._send_confirmation(conn, "UnsubscribeConfirmation", sub, base_url(ctx))
        return {}

    def get_subscription_attributes(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            return {"Attributes": subscriptions.describe(subscriptions.get(conn, params["SubscriptionArn"]))}

    def set_subscription_attributes(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            sub = subscriptions.get(conn, params["SubscriptionArn"])
            subscriptions.set_attribute(conn, sub, params["AttributeName"], params.get("AttributeValue") or "")
        return {}

    def list_subscriptions(self, ctx: RequestContext, params: Params) -> Params:
        return self._list_subscriptions(ctx, None, params.get("NextToken"))

    def list_subscriptions_by_topic(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            topics.get(conn, params["TopicArn"])
        return self._list_subscriptions(ctx, params["TopicArn"], params.get("NextToken"))

    def _list_subscriptions(self, ctx: RequestContext, topic_arn: str | None, token: str | None) -> Params:
        with self.env.store.read() as conn:
            subs = store.list_subscriptions(conn, ctx.account_id, ctx.region, topic_arn, token or "", PAGE + 1)
        result: Params = {"Subscriptions": [subscriptions.listed(sub) for sub in subs[:PAGE]]}
        if len(subs) > PAGE:
            result["NextToken"] = subs[PAGE - 1].arn
        return result

    # -- publishing ----------------------------------------------------------------------------

    def publish(self, ctx: RequestContext, params: Params) -> Params:
        arn = params.get("TopicArn") or params.get("TargetArn")
        if params.get("PhoneNumber") and not arn:
            raise NotImplementedOperation("sns", "Publish to a phone number (SMS)")
        if not arn:
            raise InvalidParameter("TopicArn or TargetArn Reason: no value for required parameter")
        with self.env.store.db() as conn:
            topic = self._topic(conn, arn)
            record = publishing.check(topic, params)
            return publishing.publish(conn, topic, record, base_url(ctx), self._now())

    def publish_batch(self, ctx: RequestContext, params: Params) -> Params:
        entries = params.get("PublishBatchRequestEntries") or []
        batches.check(entries)
        with self.env.store.db() as conn:
            topic = self._topic(conn, params["TopicArn"])
            return batches.publish(conn, topic, entries, base_url(ctx), self._now())

    @staticmethod
    def _topic(conn: Any, arn: str) -> store.Topic:
        if topics.parse_arn(arn) is None:
            if arn.startswith("arn:") and ":endpoint/" in arn:
                raise NotImplementedOperation("sns", "Publish to a platform endpoint")
            raise InvalidParameter("TopicArn")
        topic = store.find_topic(conn, arn)
        if topic is None:
            raise topic_not_found()
        return topic
