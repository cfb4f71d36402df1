"""Who delivers: the thread in the serving process, and the `meishi webhooks` command, each on its own database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask

from contacts import migrate
from contacts.app import create_app
from contacts.auth import service as auth_service
from contacts.db import session_factory
from contacts.webhooks.runner import Dispatcher
from tests.webhooks.conftest import LOOPBACK_ALLOWED, Receiver

MEISHI = str(Path(sys.executable).with_name("meishi"))


def _app(tmp_path: Path, **config: object) -> tuple[Flask, str]:
    url = f"sqlite:///{tmp_path / 'hooks.db'}"
    migrate.upgrade(url)
    app = create_app(
        {
            "database_url": url,
            "storage_dir": tmp_path / "images",
            "queue": "none",
            **LOOPBACK_ALLOWED,
            **config,
        }
    )
    with app.app_context(), session_factory(app)() as session:
        _, _, issued = auth_service.bootstrap(session, org_name="Hooks", email="admin@hooks.example")
        session.commit()
    return app, issued.plain


def _subscribe(app: Flask, token: str, url: str) -> None:
    resp = app.test_client().post(
        "/api/v1/webhooks", json={"url": url}, headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status_code == 201


def test_the_serving_process_delivers_when_webhooks_are_embedded(tmp_path: Path, receiver: Receiver) -> None:
    app, token = _app(tmp_path, webhooks="embedded")
    dispatcher = app.extensions["meishi.webhooks"]
    assert isinstance(dispatcher, Dispatcher)
    dispatcher.interval = 0.1
    try:
        _subscribe(app, token, receiver.url)  # the first request starts the thread
        deadline = time.monotonic() + 20
        while not receiver.deliveries and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        dispatcher.stop(timeout=10)
    assert receiver.changes()[0]["entity"] == "webhook"


def test_no_thread_delivers_when_webhooks_are_off(tmp_path: Path) -> None:
    app, _ = _app(tmp_path, webhooks="off")
    assert "meishi.webhooks" not in app.extensions


def test_the_webhooks_command_makes_one_pass(tmp_path: Path, receiver: Receiver) -> None:
    app, token = _app(tmp_path)
    _subscribe(app, token, receiver.url)
    env = {
        **os.environ,
        "MEISHI_DATABASE_URL": f"sqlite:///{tmp_path / 'hooks.db'}",
        "MEISHI_STORAGE_DIR": str(tmp_path / "images"),
        "MEISHI_QUEUE": "none",
        "MEISHI_WEBHOOK_ALLOW_CIDRS": "127.0.0.0/8",
    }
    result = subprocess.run(
        [MEISHI, "webhooks", "--once"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 webhooks tried" and len(receiver.deliveries) == 1


def test_an_unknown_webhooks_mode_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="MEISHI_WEBHOOKS"):
        _app(tmp_path, webhooks="sometimes")
