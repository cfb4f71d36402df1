"""`meishi import-cards` through the service path, and the embedded worker pool started by the app."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from contacts import migrate
from contacts.app import create_app
from contacts.background import stop_serving_threads
from contacts.cards.queue import EmbeddedPool, queue_of
from contacts.cli import _register_card_commands, cli
from contacts.config import settings_of
from tests.cards.conftest import cards_dev, image, upload
from tests.conftest import OrgClient, make_org
from tests.dbs import temporary_database


@pytest.fixture
def runner_env(app: Flask, database_url: str) -> dict[str, str]:
    _register_card_commands(cli)
    return {
        "MEISHI_DATABASE_URL": database_url,
        "MEISHI_STORAGE_DIR": str(settings_of(app).storage_dir),
        "MEISHI_QUEUE": "none",
    }


def test_import_cards_processes_a_folder_and_reports_refused_files(
    org: OrgClient, runner_env: dict[str, str], tmp_path: Path
) -> None:
    for name in ("0001.jpg", "0003.jpg"):
        shutil.copy(cards_dev() / "scans" / name, tmp_path / name)
    (tmp_path / "notes.jpg").write_text("not an image")
    result = CliRunner().invoke(
        cli,
        [
            "import-cards",
            str(tmp_path),
            "--org",
            org.organization_id,
            "--user",
            "admin@example.com",
            "--tag",
            "import",
            "--json",
        ],
        env=runner_env,
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["cards"] == 2 and summary["refused"] == 1
    assert summary["completed"] + summary["needs_review"] + summary["failed"] == 2 and summary["failed"] == 0
    assert "notes.jpg" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    listed = org.get(f"/api/v1/cards?batch_id={summary['batch_id']}").get_json()
    assert len(listed["items"]) == 2 and all(c["tags"] == ["import"] for c in listed["items"])


def test_import_cards_refuses_an_unknown_user_in_one_line(
    org: OrgClient, runner_env: dict[str, str], tmp_path: Path
) -> None:
    shutil.copy(cards_dev() / "scans" / "0001.jpg", tmp_path / "a.jpg")
    result = CliRunner().invoke(
        cli,
        ["import-cards", str(tmp_path), "--org", org.organization_id, "--user", "nobody@example.com"],
        env=runner_env,
    )
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: --user 'nobody@example.com' is not an active user of {'Test Org'}"
    ]


def test_import_cards_with_a_missing_path_is_a_usage_error(
    org: OrgClient, runner_env: dict[str, str]
) -> None:
    result = CliRunner().invoke(
        cli,
        ["import-cards", "/no/such/dir", "--org", org.organization_id, "--user", "admin@example.com"],
        env=runner_env,
    )
    assert result.exit_code == 2 and "no such file or directory" in result.stderr


def test_embedded_pool_processes_an_upload_by_itself(tmp_path: Path) -> None:
    # Its own database: the pool takes any claimable card, and other tests leave queued ones behind.
    with temporary_database("sqlite", tmp_path) as url:
        migrate.upgrade(url)
        _run_embedded(url, tmp_path / "images")


def _run_embedded(database_url: str, storage_dir: Path) -> None:
    app = create_app(
        {"database_url": database_url, "storage_dir": storage_dir, "queue": "embedded", "workers": 1}
    )
    pool = queue_of(app)
    assert isinstance(pool, EmbeddedPool)
    try:
        org = make_org(app)
        card_id = upload(org, [("front", "a.jpg", image("scans/0001.jpg"))]).get_json()["cards"][0]["id"]
        deadline = time.monotonic() + 60
        status = "queued"
        while time.monotonic() < deadline and status in ("queued", "processing"):
            time.sleep(0.2)
            status = org.get(f"/api/v1/cards/{card_id}").get_json()["status"]
        assert status in ("completed", "needs_review")
    finally:
        stop_serving_threads(
            app, timeout=30
        )  # the pool, and the webhook and import runners a request started
        app.extensions["meishi.engine"].dispose()


def test_reprocess_cards_requeues_cards_read_by_an_older_pipeline(
    org: OrgClient, runner_env: dict[str, str]
) -> None:
    from contacts.cards.models import Card
    from contacts.db import session_factory

    card_id = upload(org, [("front", "a.jpg", image("scans/0001.jpg"))]).get_json()["cards"][0]["id"]
    with session_factory(org.app)() as session:
        card = session.get(Card, card_id)
        assert card is not None
        card.status, card.pipeline_version = "needs_review", "0.0.1"
        session.commit()
    result = CliRunner().invoke(
        cli,
        ["reprocess-cards", "--org", org.organization_id, "--outdated"],
        env=runner_env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0 and result.stdout.strip() == "queued 1 cards for OCR again"
    assert org.get(f"/api/v1/cards/{card_id}").get_json()["status"] == "queued"
