"""Set-up rough edges new users hit (issue 15, item 19): bootstrap on an empty database, import into a new
event, and the web side's Redis namespace."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import create_engine, select

from contacts import migrate
from contacts.app import create_app
from contacts.background import stop_serving_threads
from contacts.cli import _register_card_commands, cli
from contacts.config import settings_of
from contacts.events.models import Event
from tests.cards.conftest import cards_dev, image, upload
from tests.conftest import OrgClient, make_org

MEISHI = str(Path(sys.executable).with_name("meishi"))
REDIS_URL = os.environ.get("MEISHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def test_bootstrap_on_an_unmigrated_database_migrates_it_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {
        **os.environ,
        "MEISHI_DATABASE_URL": url,
        "MEISHI_STORAGE_DIR": str(tmp_path / "images"),
        "MEISHI_QUEUE": "none",
    }
    result = subprocess.run(
        [MEISHI, "bootstrap", "--org", "Acme", "--email", "admin@acme.example", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["token"].startswith("msk_")
    assert "Traceback" not in result.stderr and "migrated" in result.stderr
    engine = create_engine(url)
    try:
        assert migrate.is_current(engine)
    finally:
        engine.dispose()


def _runner_env(app: Flask, database_url: str) -> dict[str, str]:
    _register_card_commands(cli)
    return {
        "MEISHI_DATABASE_URL": database_url,
        "MEISHI_STORAGE_DIR": str(settings_of(app).storage_dir),
        "MEISHI_QUEUE": "none",
    }


def test_import_cards_creates_the_event_when_asked(
    org: OrgClient, app: Flask, database_url: str, tmp_path: Path
) -> None:
    shutil.copy(cards_dev() / "scans" / "0001.jpg", tmp_path / "a.jpg")
    result = CliRunner().invoke(
        cli,
        [
            "import-cards",
            str(tmp_path),
            "--org",
            org.organization_id,
            "--user",
            "admin@example.com",
            "--event",
            "Expo Osaka 2026",
            "--create-event",
            "--no-wait",
            "--json",
        ],
        env=_runner_env(app, database_url),
    )
    assert result.exit_code == 0, result.stderr
    batch = json.loads(result.stdout.strip().splitlines()[-1])["batch_id"]
    events = org.get("/api/v1/events", query_string={"q": "Expo Osaka"}).get_json()["items"]
    assert [e["name"] for e in events] == ["Expo Osaka 2026"]
    cards = org.get("/api/v1/cards", query_string={"batch_id": batch}).get_json()["items"]
    assert [c["event_id"] for c in cards] == [events[0]["id"]]


def test_import_cards_into_an_unknown_event_says_how_to_create_it(
    org: OrgClient, app: Flask, database_url: str, tmp_path: Path
) -> None:
    shutil.copy(cards_dev() / "scans" / "0001.jpg", tmp_path / "a.jpg")
    result = CliRunner().invoke(
        cli,
        [
            "import-cards",
            str(tmp_path),
            "--org",
            org.organization_id,
            "--user",
            "admin@example.com",
            "--event",
            "Nowhere Fair",
            "--no-wait",
        ],
        env=_runner_env(app, database_url),
    )
    [line] = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and "--create-event" in line
    with app.app_context():
        engine = app.extensions["meishi.engine"]
        with engine.connect() as conn:
            assert conn.scalar(select(Event.id).where(Event.name == "Nowhere Fair")) is None


def test_web_side_sends_cards_to_the_namespace_of_meishi_queue_namespace(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    namespace = f"meishi-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("MEISHI_QUEUE_NAMESPACE", namespace)
    app = create_app(
        {"database_url": database_url, "storage_dir": tmp_path, "queue": "redis", "redis_url": REDIS_URL}
    )
    client = redis.Redis.from_url(REDIS_URL)
    try:
        resp = upload(make_org(app), [("front", "a.jpg", image("scans/0001.jpg"))])
        assert resp.status_code == 202
        assert client.keys(f"{namespace}:*"), "nothing was sent to the configured namespace"
    finally:
        keys = client.keys(f"{namespace}:*")
        if keys:
            client.delete(*keys)
        stop_serving_threads(app, timeout=10)  # the import runner its requests started
        app.extensions["meishi.engine"].dispose()
