"""Web fixtures: an app with a generous sign-in limit, and a signed-in admin of a fresh organisation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contacts.app import create_app
from contacts.auth import passwords
from contacts.auth import service as auth_service
from contacts.db import session_factory
from tests.conftest import OrgClient
from tests.web.helpers import PASSWORD, sign_in


@pytest.fixture(scope="session")
def web_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(
        {
            "database_url": database_url,
            "storage_dir": tmp_path_factory.mktemp("web-images"),
            "queue": "none",
            "login_limit": "1000 per minute",
        }
    )
    app.config["TESTING"] = True
    yield app
    app.extensions["meishi.engine"].dispose()


@dataclass
class WebOrg:
    """An organisation with an API client and a browser-like client signed in as its admin."""

    api: OrgClient
    web: FlaskClient
    email: str
    password: str

    @property
    def organization_id(self) -> str:
        return self.api.organization_id

    @property
    def user_id(self) -> str:
        return self.api.user_id


def make_web_org(app: Flask, name: str) -> WebOrg:
    """Bootstrap an organisation whose admin (with an e-mail of its own) has a password, and sign them in."""
    email = f"admin-{uuid.uuid4().hex[:12]}@example.com"
    with app.app_context(), session_factory(app)() as session:
        org, user, issued = auth_service.bootstrap(session, org_name=name, email=email)
        passwords.set_password(user, PASSWORD)
        session.commit()
        api = OrgClient(
            client=app.test_client(), app=app, organization_id=org.id, user_id=user.id, token=issued.plain
        )
    return WebOrg(api=api, web=sign_in(app, email), email=email, password=PASSWORD)


@pytest.fixture
def worg(web_app: Flask) -> WebOrg:
    return make_web_org(web_app, "Web Org")


@pytest.fixture
def repo() -> Path:
    return Path(__file__).resolve().parents[2]
