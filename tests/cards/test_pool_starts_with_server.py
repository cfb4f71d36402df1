"""Queued cards are processed after a restart without waiting for an HTTP request (item 10 of issue 15)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from contacts import migrate
from contacts.app import create_app
from contacts.cards.models import Card
from tests.cards.conftest import image, upload
from tests.conftest import make_org

MEISHI = str(Path(sys.executable).with_name("meishi"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _queue_one_card(url: str, storage: Path) -> str:
    app = create_app({"database_url": url, "storage_dir": storage, "queue": "none"})
    try:
        resp = upload(make_org(app), [("front", "card.jpg", image("scans/0001.jpg"))])
        assert resp.status_code == 202, resp.get_json()
        return str(resp.get_json()["cards"][0]["id"])
    finally:
        app.extensions["meishi.engine"].dispose()


def _status(url: str, card_id: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.scalar(select(Card.status).where(Card.id == card_id)))
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "command", [["serve", "--workers", "1"], ["serve", "--workers", "1", "--no-card-worker"], ["run"]]
)
def test_a_queued_card_is_processed_by_a_fresh_server_without_any_request(
    tmp_path: Path, command: list[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    migrate.upgrade(url)
    card_id = _queue_one_card(url, tmp_path / "images")
    env = {
        **os.environ,
        "MEISHI_DATABASE_URL": url,
        "MEISHI_STORAGE_DIR": str(tmp_path / "images"),
        "MEISHI_QUEUE": "embedded",
        "MEISHI_WORKERS": "1",
        "MEISHI_WEBHOOKS": "off",
        "MEISHI_SECRET_KEY": "test-secret-not-the-default",
    }
    server = subprocess.Popen(
        [MEISHI, *command, "--port", str(_free_port())],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        status = "queued"
        while time.monotonic() < deadline and status in ("queued", "processing"):
            time.sleep(0.5)
            status = _status(url, card_id)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert status in ("completed", "needs_review"), (
        f"the card is still {status}: the pool waited for a request"
    )
