"""The `meishi` console script: db upgrade, bootstrap output, exit codes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

MEISHI = str(Path(sys.executable).with_name("meishi"))


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MEISHI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "MEISHI_STORAGE_DIR": str(tmp_path / "images"),
        "MEISHI_QUEUE": "none",
    }
    return subprocess.run([MEISHI, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    result = run(["db", "upgrade"], tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_bootstrap_json_prints_token_org_and_user(migrated: Path) -> None:
    result = run(["bootstrap", "--org", "Acme", "--email", "admin@acme.example", "--json"], migrated)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"token", "organization_id", "user_id", "password"}
    assert out["token"].startswith("msk_")


def test_bootstrap_without_email_is_usage_error(migrated: Path) -> None:
    result = run(["bootstrap", "--org", "Acme"], migrated)
    assert result.returncode == 2


def test_bootstrap_with_bad_email_is_usage_error(migrated: Path) -> None:
    result = run(["bootstrap", "--org", "Acme", "--email", "nope"], migrated)
    assert result.returncode == 2
    assert "not an email address" in result.stderr


def test_bootstrapped_token_authenticates(migrated: Path) -> None:
    from contacts.app import create_app

    out = json.loads(
        run(["bootstrap", "--org", "Acme", "--email", "a@acme.example", "--json"], migrated).stdout
    )
    app = create_app({"database_url": f"sqlite:///{migrated / 'cli.db'}", "queue": "none"})
    resp = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {out['token']}"})
    assert resp.status_code == 200 and resp.get_json()["id"] == out["user_id"]


def test_serve_answers_through_gunicorn(migrated: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {
        **os.environ,
        "MEISHI_DATABASE_URL": f"sqlite:///{migrated / 'cli.db'}",
        "MEISHI_STORAGE_DIR": str(migrated / "images"),
        "MEISHI_QUEUE": "none",
        "MEISHI_SECRET_KEY": "not-the-default-key",
    }
    server = subprocess.Popen(
        [MEISHI, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = b""
        for _ in range(150):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert json.loads(body)["status"] == "ok"


def test_wsgi_entry_point_freezes_the_start_up_heap(migrated: Path) -> None:
    env = {**os.environ, "MEISHI_DATABASE_URL": f"sqlite:///{migrated / 'cli.db'}", "MEISHI_QUEUE": "none"}
    probe = "import gc, contacts.wsgi as w; print(w.app.name, gc.get_freeze_count() > 10000)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.stdout.split() == ["contacts.app", "True"], result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("MEISHI_WORKERS", "many"), ("MEISHI_QUEUE", "bogus"), ("MEISHI_WEBHOOKS", "sometimes")],
)
def test_an_unusable_setting_is_one_line_naming_it(migrated: Path, name: str, value: str) -> None:
    env = {**os.environ, "MEISHI_DATABASE_URL": f"sqlite:///{migrated / 'cli.db'}", name: value}
    result = subprocess.run(
        [MEISHI, "db", "upgrade"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    [line] = result.stderr.strip().splitlines()
    assert result.returncode == 1 and line.startswith("Error: ") and name in line
