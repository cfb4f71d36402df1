"""Rate limits on failed authentication and uploads, and security headers on every response (issue 15, item 5)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contacts.app import create_app
from tests.conftest import make_org


@pytest.fixture
def limited_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app with its own (in-memory) counters and small limits."""
    app = create_app(
        {
            "database_url": database_url,
            "storage_dir": tmp_path_factory.mktemp("images"),
            "queue": "none",
            "ratelimit_auth_failures": "3/minute",
            "ratelimit_uploads": "2/minute",
            "trusted_proxies": 1,
        }
    )
    yield app
    app.extensions["meishi.engine"].dispose()


def call(
    client: FlaskClient, token: str, address: str = "203.0.113.5", path: str = "/api/v1/me", **kwargs: Any
) -> Any:
    return client.get(
        path, headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": address}, **kwargs
    )


def test_repeated_failures_from_one_address_get_a_429_problem_with_retry_after(limited_app: Flask) -> None:
    client = limited_app.test_client()
    statuses = [call(client, f"msk_{i}_wrong").status_code for i in range(3)]
    blocked = call(client, "msk_9_wrong")
    assert statuses == [401, 401, 401] and blocked.status_code == 429
    assert blocked.mimetype == "application/problem+json" and int(blocked.headers["Retry-After"]) >= 1


def test_an_address_over_the_limit_is_refused_even_with_a_good_token(limited_app: Flask) -> None:
    org, client = make_org(limited_app), limited_app.test_client()
    for _ in range(3):
        call(client, "msk_x_wrong", address="203.0.113.6")
    assert call(client, org.token, address="203.0.113.6").status_code == 429
    assert call(client, org.token, address="203.0.113.7").status_code == 200


def test_repeated_failures_on_one_token_are_limited_across_addresses(limited_app: Flask) -> None:
    org, client = make_org(limited_app), limited_app.test_client()
    prefix = org.token.rsplit("_", 1)[0]
    for i in range(3):
        assert call(client, f"{prefix}_guess{i}", address=f"198.51.100.{i}").status_code == 401
    assert call(client, f"{prefix}_guess9", address="198.51.100.50").status_code == 429


def test_uploads_are_limited_per_user(limited_app: Flask) -> None:
    org = make_org(limited_app)
    sales = org.as_role("sales")
    statuses = [org.post("/api/v1/cards", json={}).status_code for _ in range(3)]
    assert statuses[:2] == [415, 415] and statuses[2] == 429
    assert sales.post("/api/v1/cards", json={}).status_code == 415


def test_every_response_carries_the_security_headers(client: FlaskClient) -> None:
    for resp in (client.get("/healthz"), client.get("/api/v1/nowhere"), client.get("/api/v1/openapi.json")):
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert resp.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_a_policy_set_by_the_view_is_kept(app: Flask) -> None:
    from contacts.http_security import add_security_headers

    with app.test_request_context("/page"):
        resp = app.response_class("<p>hi</p>", mimetype="text/html")
        resp.headers["Content-Security-Policy"] = "default-src 'self'"
        assert add_security_headers(resp).headers["Content-Security-Policy"] == "default-src 'self'"


def test_hsts_only_over_https(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    assert (
        "max-age="
        in client.get("/healthz", base_url="https://localhost").headers["Strict-Transport-Security"]
    )


def test_a_forwarded_proto_is_believed_only_from_a_trusted_proxy(
    client: FlaskClient, limited_app: Flask
) -> None:
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in client.get("/healthz", headers=forwarded).headers
    assert "Strict-Transport-Security" in limited_app.test_client().get("/healthz", headers=forwarded).headers
