"""Shared fixtures: a migrated database per backend, the app, and organisations with tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from contacts import migrate
from contacts.app import create_app
from contacts.auth import service as auth_service
from contacts.db import session_factory
from tests.dbs import backends, temporary_database

REPO = Path(__file__).resolve().parents[1]
UNLIMITED = {"ratelimit_auth_failures": "100000/minute", "ratelimit_uploads": "100000/minute"}


@pytest.fixture(scope="session", params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with temporary_database(backend, tmp_path_factory.mktemp("db")) as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    # The whole session shares this app (and its rate-limit counters): tests/test_http_security.py checks the
    # limits on an app of its own.
    app = create_app(
        {
            "database_url": database_url,
            "storage_dir": tmp_path_factory.mktemp("images"),
            "queue": "none",
            **UNLIMITED,
        }
    )
    app.config["TESTING"] = True
    yield app
    app.extensions["meishi.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class OrgClient:
    """An organisation in the test database, and a client that calls the API as one of its users."""

    client: FlaskClient
    app: Flask
    organization_id: str
    user_id: str
    token: str
    _tokens: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def request(self, method: str, path: str, *, token: str | None = None, **kwargs: Any) -> TestResponse:
        headers = {"Authorization": f"Bearer {token or self.token}", **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", path, **kwargs)

    def as_role(self, role: str) -> OrgClient:
        """Return a client for a new user of this organisation with ``role``."""
        with self.app.app_context(), session_factory(self.app)() as session:
            user = auth_service.create_user(
                session,
                self.organization_id,
                email=f"{role}-{len(self._tokens)}@example.com",
                name=role,
                role=role,
            )
            issued = auth_service.issue_token(session, user, name="test")
            session.commit()
            user_id = user.id
        self._tokens[role] = issued.plain
        return OrgClient(
            client=self.client,
            app=self.app,
            organization_id=self.organization_id,
            user_id=user_id,
            token=issued.plain,
        )


def make_org(app: Flask, name: str = "Test Org") -> OrgClient:
    """Bootstrap a fresh organisation; tests isolate themselves by organisation, not by database."""
    with app.app_context(), session_factory(app)() as session:
        org, user, issued = auth_service.bootstrap(session, org_name=name, email="admin@example.com")
        session.commit()
        return OrgClient(
            client=app.test_client(), app=app, organization_id=org.id, user_id=user.id, token=issued.plain
        )


@pytest.fixture
def org(app: Flask) -> OrgClient:
    return make_org(app)


@pytest.fixture
def other_org(app: Flask) -> OrgClient:
    return make_org(app, "Other Org")
