"""Webhooks: subscriptions over HTTP, and deliveries to a real local receiver (signed, ordered, retried)."""

from __future__ import annotations

import hashlib
import hmac
import socket
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from contacts.config import settings_of
from contacts.db import session_factory, utcnow
from contacts.webhooks import service
from contacts.webhooks.models import Webhook
from contacts.webhooks.transport import sender_for
from tests.conftest import OrgClient
from tests.factories import contact, tag, webhook
from tests.webhooks.conftest import Receiver


def deliver(org: OrgClient) -> int:
    """One delivery pass over the test's organisation (the database is shared by the whole session)."""
    return service.deliver_due(
        session_factory(org.app), post=sender_for(settings_of(org.app)), organization_id=org.organization_id
    )


def make_due(app: Flask, webhook_id: str) -> None:
    with session_factory(app)() as session:
        session.execute(
            update(Webhook)
            .where(Webhook.id == webhook_id)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()


def state(org: OrgClient, webhook_id: str) -> dict[str, Any]:
    return org.get(f"/api/v1/webhooks/{webhook_id}").get_json()  # type: ignore[no-any-return]


def test_the_secret_is_shown_at_creation_only(org: OrgClient, receiver: Receiver) -> None:
    hook = webhook(org, receiver.url)
    assert hook["secret"].startswith("whsec_")
    assert "secret" not in state(org, hook["id"])


@pytest.mark.parametrize("url", ["ftp://example.com/x", "http:///nohost", "https://user:pw@example.com/x"])
def test_a_url_that_is_not_plain_http_is_a_field_error(org: OrgClient, url: str) -> None:
    resp = org.post("/api/v1/webhooks", json={"url": url})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "url"


def test_changes_after_the_subscription_are_delivered(org: OrgClient, receiver: Receiver) -> None:
    before = contact(org, full_name="Before")
    hook = webhook(org, receiver.url)
    after = contact(org, full_name="After")
    assert deliver(org) == 1
    assert [(c["entity"], c["entity_id"], c["operation"]) for c in receiver.changes()] == [
        ("webhook", hook["id"], "created"),
        ("contact", after["id"], "created"),
    ]
    assert before["id"] not in {c["entity_id"] for c in receiver.changes()}


def test_a_delivery_is_signed_with_the_secret(org: OrgClient, receiver: Receiver) -> None:
    hook = webhook(org, receiver.url)
    deliver(org)
    [delivery] = receiver.deliveries
    changes = receiver.changes()
    timestamp = delivery["headers"]["Meishi-Signature"].split(",")[0].removeprefix("t=")
    expected = hmac.new(
        hook["secret"].encode(), f"{timestamp}.".encode() + delivery["body"], hashlib.sha256
    ).hexdigest()
    assert delivery["headers"]["Meishi-Signature"] == f"t={timestamp},v1={expected}"
    assert state(org, hook["id"])["delivered_seq"] == changes[-1]["seq"]


def test_nothing_new_means_no_delivery(org: OrgClient, receiver: Receiver) -> None:
    webhook(org, receiver.url)
    deliver(org)
    deliver(org)
    assert len(receiver.deliveries) == 1  # the subscription's own "created" change, once


def test_an_entity_filter_skips_other_changes_and_moves_past_them(org: OrgClient, receiver: Receiver) -> None:
    hook = webhook(org, receiver.url, entities=["contact"])
    tag(org, "VIP")
    deliver(org)
    assert receiver.deliveries == [] and state(org, hook["id"])["delivered_seq"] > 0
    contact(org, full_name="A")
    deliver(org)
    assert {c["entity"] for c in receiver.changes()} == {"contact"}


def test_a_failed_delivery_is_not_acknowledged_and_backs_off(org: OrgClient, receiver: Receiver) -> None:
    hook = webhook(org, receiver.url, entities=["contact"])
    contact(org, full_name="A")
    receiver.statuses = [500]
    deliver(org)
    failed = state(org, hook["id"])
    assert (failed["failures"], failed["last_status_code"]) == (1, 500)
    assert failed["delivered_seq"] == hook["delivered_seq"] and failed["next_attempt_at"] is not None
    assert deliver(org) == 0  # not due until the backoff has passed


def test_a_failed_delivery_is_sent_again_with_what_came_after_in_order(
    org: OrgClient, receiver: Receiver
) -> None:
    hook = webhook(org, receiver.url, entities=["contact"])
    a = contact(org, full_name="A")["id"]
    receiver.statuses = [500]
    deliver(org)
    b = contact(org, full_name="B")["id"]
    make_due(org.app, hook["id"])
    deliver(org)
    assert [c["entity_id"] for c in receiver.changes(0)] == [a]
    assert [c["entity_id"] for c in receiver.changes(1)] == [a, b]
    assert state(org, hook["id"])["failures"] == 0


def test_a_redirect_is_a_failure_not_followed(org: OrgClient, receiver: Receiver) -> None:
    hook = webhook(org, receiver.url)
    receiver.statuses = [302]
    deliver(org)
    assert len(receiver.deliveries) == 1 and state(org, hook["id"])["last_status_code"] == 302


def test_an_unreachable_receiver_is_a_failure_with_its_error(org: OrgClient) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hook = webhook(org, f"http://127.0.0.1:{port}/nobody")
    deliver(org)
    failed = state(org, hook["id"])
    assert failed["failures"] == 1 and failed["last_status_code"] is None and failed["last_error"]


def test_a_webhook_failing_again_and_again_is_disabled_until_re_enabled(org: OrgClient) -> None:
    hook = webhook(org, "http://127.0.0.1:9/never")
    factory = session_factory(org.app)
    for _ in range(service.MAX_FAILURES):
        service.deliver_one(factory, hook["id"], post=lambda *_: service.Answer(status=503))
    disabled = state(org, hook["id"])
    assert disabled["active"] is False and "503" in disabled["disabled_reason"]
    etag = org.get(f"/api/v1/webhooks/{hook['id']}").headers["ETag"]
    enabled = org.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": True}, headers={"If-Match": etag})
    assert enabled.get_json()["active"] is True and enabled.get_json()["failures"] == 0


def test_a_rotated_secret_signs_the_next_delivery(org: OrgClient, receiver: Receiver) -> None:
    hook = webhook(org, receiver.url)
    secret = org.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret").get_json()["secret"]
    assert secret != hook["secret"]
    deliver(org)
    delivery = receiver.deliveries[-1]
    timestamp = delivery["headers"]["Meishi-Signature"].split(",")[0].removeprefix("t=")
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + delivery["body"], hashlib.sha256
    ).hexdigest()
    assert delivery["headers"]["Meishi-Signature"].endswith(expected)


def test_marketing_cannot_manage_webhooks_but_a_manager_can(org: OrgClient, receiver: Receiver) -> None:
    assert org.as_role("marketing").post("/api/v1/webhooks", json={"url": receiver.url}).status_code == 403
    assert org.as_role("manager").post("/api/v1/webhooks", json={"url": receiver.url}).status_code == 201


def test_deleted_webhooks_are_not_delivered(org: OrgClient, receiver: Receiver) -> None:
    hook = webhook(org, receiver.url)
    etag = org.get(f"/api/v1/webhooks/{hook['id']}").headers["ETag"]
    assert org.delete(f"/api/v1/webhooks/{hook['id']}", headers={"If-Match": etag}).status_code == 204
    deliver(org)
    assert receiver.deliveries == []


def test_a_backlog_is_delivered_in_batches_in_sequence(org: OrgClient, receiver: Receiver) -> None:
    webhook(org, receiver.url, entities=["contact"])
    for i in range(service.BATCH + 5):
        contact(org, full_name=f"Person {i}")
    deliver(org)
    deliver(org)
    first, second = receiver.changes(0), receiver.changes(1)
    assert len(first) < service.BATCH + 5 and len(first) + len(second) == service.BATCH + 5
    seqs = [c["seq"] for c in first + second]
    assert seqs == sorted(seqs)


def test_a_second_dispatcher_leaves_a_webhook_being_delivered_alone(org: OrgClient) -> None:
    webhook(org, "http://127.0.0.1:9/never")
    factory = session_factory(org.app)
    inner: list[int] = []

    def post(url: str, body: bytes, headers: dict[str, str]) -> service.Answer:
        inner.append(service.deliver_due(factory, post=post, organization_id=org.organization_id))
        return service.Answer(status=204)

    assert service.deliver_due(factory, post=post, organization_id=org.organization_id) == 1
    assert inner == [0]


def test_the_list_shows_each_webhook_and_its_state_without_secrets(
    org: OrgClient, receiver: Receiver
) -> None:
    first, second = webhook(org, receiver.url), webhook(org, receiver.url, entities=["card"])
    page = org.get("/api/v1/webhooks?limit=1").get_json()
    rest = org.get(f"/api/v1/webhooks?cursor={page['next_cursor']}").get_json()
    items = page["items"] + rest["items"]
    assert sorted(w["id"] for w in items) == sorted([first["id"], second["id"]])
    assert all("secret" not in w for w in items)
