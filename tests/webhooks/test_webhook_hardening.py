"""Webhook hardening (issue 15): strict URLs, isolated deliveries, no SSRF, coarse errors, fair concurrency."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from contacts.app import create_app
from contacts.config import settings_of
from contacts.db import session_factory
from contacts.webhooks import service, transport
from contacts.webhooks.models import Webhook
from contacts.webhooks.runner import Dispatcher
from tests.conftest import OrgClient, make_org
from tests.factories import webhook
from tests.webhooks.conftest import GarbageReceiver, Receiver, SlowReceiver, fresh_app


def state(org: OrgClient, webhook_id: str) -> dict[str, Any]:
    return org.get(f"/api/v1/webhooks/{webhook_id}").get_json()  # type: ignore[no-any-return]


def set_url(app: Flask, webhook_id: str, url: str) -> None:
    """Store a URL as an older release (or a name that now resolves elsewhere) would have left it."""
    with session_factory(app)() as session:
        session.execute(update(Webhook).where(Webhook.id == webhook_id).values(url=url))
        session.commit()


@pytest.fixture(scope="module")
def strict_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app with the default webhook address policy (no allow-list)."""
    app = create_app(
        {"database_url": database_url, "storage_dir": tmp_path_factory.mktemp("images"), "queue": "none"}
    )
    yield app
    app.extensions["meishi.engine"].dispose()


@pytest.fixture
def strict_org(strict_app: Flask) -> OrgClient:
    return make_org(strict_app, "Strict")


# 1. strict URLs, isolated deliveries


@pytest.mark.parametrize(
    "url",
    [
        "http://exa mple.com/hook",
        "http://example.com/a\r\nX-Evil: 1",
        "http://example.com/\x00",
        "http://example.com:abc/hook",
        "http://example.com:0/hook",
        "http://example.com:99999/hook",
        "http://exa_mple!.com/hook",
        "http://example.com\t/hook",
    ],
)
def test_a_url_with_blanks_controls_or_a_bad_port_is_a_field_error(org: OrgClient, url: str) -> None:
    resp = org.post("/api/v1/webhooks", json={"url": url})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "url"


def test_a_receiver_answering_a_non_http_line_fails_only_its_webhook(
    tmp_path: Path, receiver: Receiver, garbage_receiver: GarbageReceiver
) -> None:
    app = fresh_app(tmp_path)
    bad, good = make_org(app, "Bad"), make_org(app, "Good")
    bad_hook = webhook(bad, garbage_receiver.url)
    webhook(good, receiver.url)
    tried = service.deliver_due(session_factory(app), post=transport.sender_for(settings_of(app)))
    assert tried == 2 and len(receiver.deliveries) == 1
    failed = state(bad, bad_hook["id"])
    assert (failed["failures"], failed["last_error"]) == (1, "invalid_response")


def test_an_exception_in_one_delivery_is_that_webhooks_failure(tmp_path: Path, receiver: Receiver) -> None:
    app = fresh_app(tmp_path)
    bad, good = make_org(app, "Bad"), make_org(app, "Good")
    bad_hook = webhook(bad, "http://127.0.0.1:9/explodes")
    webhook(good, receiver.url)
    send = transport.sender_for(settings_of(app))

    def post(url: str, body: bytes, headers: dict[str, str]) -> service.Answer:
        if url.endswith("/explodes"):
            raise RuntimeError("boom")
        return send(url, body, headers)

    assert service.deliver_due(session_factory(app), post=post) == 2
    assert len(receiver.deliveries) == 1
    failed = state(bad, bad_hook["id"])
    assert failed["failures"] == 1 and failed["next_attempt_at"] is not None


# 3. SSRF


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "[::1]",
        "0.0.0.0",
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "127.1",
        "169.254.169.254",
        "[::ffff:127.0.0.1]",
        "[::ffff:a9fe:a9fe]",
        "224.0.0.1",
        "[fe80::1]",
        "[::]",
        "[2002:7f00:1::]",
        "[64:ff9b::a9fe:a9fe]",
        "localhost",
        "api.localhost",
        "10.1.2.3",
        "192.168.1.10",
        "172.16.0.1",
        "[fd00::1]",
    ],
)
def test_internal_addresses_are_refused_by_default(strict_org: OrgClient, host: str) -> None:
    resp = strict_org.post("/api/v1/webhooks", json={"url": f"http://{host}:6379/hook"})
    assert resp.status_code == 422, host
    assert resp.get_json()["errors"][0]["code"] == "blocked_address"


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.215.14/hook",
        "https://[2606:4700::1111]:8443/hook",
        "https://hooks.example.com/meishi?x=1",
        "http://例え.jp/hook",
    ],
)
def test_a_public_address_or_a_name_is_accepted(strict_org: OrgClient, url: str) -> None:
    assert strict_org.post("/api/v1/webhooks", json={"url": url}).status_code == 201


def test_private_ranges_need_the_allow_private_setting() -> None:
    allowed = transport.AddressPolicy(allow_private=True)
    assert allowed.refusal(ipaddress.ip_address("10.1.2.3")) is None
    assert allowed.refusal(ipaddress.ip_address("127.0.0.1")) is not None
    assert allowed.refusal(ipaddress.ip_address("169.254.169.254")) is not None
    assert transport.AddressPolicy().refusal(ipaddress.ip_address("10.1.2.3")) is not None


def test_a_listed_range_is_allowed_and_nothing_beside_it() -> None:
    policy = transport.AddressPolicy(allow_networks=(ipaddress.ip_network("192.168.7.0/24"),))
    assert policy.refusal(ipaddress.ip_address("192.168.7.20")) is None
    assert policy.refusal(ipaddress.ip_address("192.168.8.20")) is not None


def test_the_resolved_address_is_checked_not_only_the_name() -> None:
    with pytest.raises(transport.BlockedAddress):
        transport.resolve("localhost", 80, transport.AddressPolicy())


def test_a_stored_url_that_now_points_at_loopback_is_not_delivered(
    strict_org: OrgClient, strict_app: Flask, receiver: Receiver
) -> None:
    hook = webhook(strict_org, "https://93.184.215.14/hook")
    set_url(strict_app, hook["id"], receiver.url.replace("127.0.0.1", "localhost"))
    service.deliver_due(
        session_factory(strict_app),
        post=transport.sender_for(settings_of(strict_app)),
        organization_id=strict_org.organization_id,
    )
    assert receiver.deliveries == []
    assert state(strict_org, hook["id"])["last_error"] == "blocked_address"


def test_a_closed_port_is_reported_as_a_class_not_a_socket_message(org: OrgClient) -> None:
    hook = webhook(org, "http://127.0.0.1:9/nobody")
    service.deliver_due(
        session_factory(org.app),
        post=transport.sender_for(settings_of(org.app)),
        organization_id=org.organization_id,
    )
    assert state(org, hook["id"])["last_error"] == "refused"


def test_a_receiver_slower_than_the_timeout_is_a_timeout(org: OrgClient) -> None:
    slow = SlowReceiver(hold=20)
    try:
        hook = webhook(org, slow.url)
        started = time.monotonic()
        service.deliver_due(
            session_factory(org.app),
            post=transport.sender_for(settings_of(org.app)),
            organization_id=org.organization_id,
        )
        elapsed = time.monotonic() - started
    finally:
        slow.release.set()
        slow.server.shutdown()
    assert state(org, hook["id"])["last_error"] == "timeout"
    assert elapsed < settings_of(org.app).webhook_timeout_seconds + 2


# 9. noisy neighbours


def test_ten_slow_receivers_of_one_organisation_barely_delay_another(
    tmp_path: Path, receiver: Receiver
) -> None:
    app = fresh_app(tmp_path, webhooks="embedded")
    noisy, quiet = make_org(app, "Noisy"), make_org(app, "Quiet")
    slow = SlowReceiver(hold=20)
    dispatcher = app.extensions["meishi.webhooks"]
    assert isinstance(dispatcher, Dispatcher)
    dispatcher.interval = 0.1
    try:
        for _ in range(10):
            webhook(noisy, slow.url)  # the first request starts the dispatcher
        time.sleep(1.0)  # the noisy organisation's deliveries are under way
        started = time.monotonic()
        webhook(quiet, receiver.url)
        while not receiver.deliveries and time.monotonic() - started < 8:
            time.sleep(0.05)
        delay = time.monotonic() - started
    finally:
        slow.release.set()
        dispatcher.stop(timeout=10)
        slow.server.shutdown()
    assert receiver.deliveries and delay <= 5.0, delay
