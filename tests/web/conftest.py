"""Web fixtures: an app with a generous sign-in limit, and a signed-in admin of a fresh organisation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contacts.app import create_app
from tests.conftest import OrgClient, make_org
from tests.web.helpers import set_password, sign_in


@pytest.fixture(scope="session")
def web_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app({"database_url": database_url, "storage_dir": tmp_path_factory.mktemp("web-images"),
                      "queue": "none", "login_limit": "1000 per minute"})
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
    """Bootstrap an organisation whose admin has a password, and sign them in."""
    api = make_org(app, name)
    # Every test organisation's admin is admin@example.com: a password of its own tells them apart, as it does
    # for a person who is a user in two organisations.
    password = f"password of {api.organization_id}"
    set_password(app, api.user_id, password)
    return WebOrg(api=api, web=sign_in(app, "admin@example.com", password), email="admin@example.com",
                  password=password)


@pytest.fixture
def worg(web_app: Flask) -> WebOrg:
    return make_web_org(web_app, "Web Org")


@pytest.fixture
def repo() -> Path:
    return Path(__file__).resolve().parents[2]
