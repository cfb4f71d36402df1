"""`meishi tokens`, `meishi import` and `bootstrap`'s duplicate-name guard, through the console script."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli import run

HUBSPOT = "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Job Title\n"


@pytest.fixture
def acme(tmp_path: Path) -> dict[str, Any]:
    result = run(["bootstrap", "--org", "Acme", "--email", "admin@acme.example", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    out: dict[str, Any] = json.loads(result.stdout)
    out["dir"] = tmp_path
    return out


def _last_line(stderr: str) -> str:
    """The error line (migration log lines may precede it)."""
    line = stderr.strip().splitlines()[-1]
    assert line.startswith("Error: "), stderr
    return line


def _tokens(acme: dict[str, Any], *extra: str) -> list[dict[str, Any]]:
    result = run(["tokens", "list", "--org", "Acme", "--json", *extra], acme["dir"])
    assert result.returncode == 0, result.stderr
    items: list[dict[str, Any]] = json.loads(result.stdout)
    return items


def test_tokens_create_issues_a_token_for_the_user(acme: dict[str, Any]) -> None:
    result = run(
        [
            "tokens",
            "create",
            "--org",
            "Acme",
            "--user",
            "admin@acme.example",
            "--scopes",
            "contacts:read",
            "--json",
        ],
        acme["dir"],
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["token"].startswith("msk_") and out["scopes"] == ["contacts:read"]
    assert out["token_id"] in [t["id"] for t in _tokens(acme)]


def test_tokens_list_shows_no_secrets(acme: dict[str, Any]) -> None:
    items = _tokens(acme)
    assert len(items) == 1 and items[0]["user"] == "admin@acme.example"
    assert "secret" not in json.dumps(items) and acme["token"] not in json.dumps(items)


def test_tokens_revoke_revokes(acme: dict[str, Any]) -> None:
    token_id = _tokens(acme)[0]["id"]
    result = run(["tokens", "revoke", token_id], acme["dir"])
    assert result.returncode == 0, result.stderr
    assert _tokens(acme) == []
    assert _tokens(acme, "--all")[0]["revoked_at"]


def test_tokens_create_for_an_unknown_user_is_a_one_line_usage_error(acme: dict[str, Any]) -> None:
    result = run(["tokens", "create", "--org", "Acme", "--user", "nobody@acme.example"], acme["dir"])
    assert result.returncode == 2
    assert "nobody@acme.example" in result.stderr


def test_tokens_create_with_an_unknown_scope_is_refused(acme: dict[str, Any]) -> None:
    result = run(
        ["tokens", "create", "--org", "Acme", "--user", "admin@acme.example", "--scopes", "root"], acme["dir"]
    )
    assert result.returncode == 2 and "root" in result.stderr


def test_bootstrap_refuses_a_second_organisation_of_the_same_name(acme: dict[str, Any]) -> None:
    result = run(["bootstrap", "--org", "Acme", "--email", "other@acme.example"], acme["dir"])
    assert result.returncode == 1
    assert "already exists" in _last_line(result.stderr)


def test_bootstrap_allows_a_duplicate_name_when_told(acme: dict[str, Any]) -> None:
    result = run(
        ["bootstrap", "--org", "Acme", "--email", "other@acme.example", "--allow-duplicate-name"], acme["dir"]
    )
    assert result.returncode == 0, result.stderr


def test_import_dry_run_prints_totals_and_writes_nothing(acme: dict[str, Any]) -> None:
    path = acme["dir"] / "c.csv"
    path.write_text(HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,,Beta,CTO\n2,,,,,,\n", encoding="utf-8")
    result = run(["import", str(path), "--org", "Acme"], acme["dir"])
    assert result.returncode == 0, result.stderr
    assert "planned: create 1, update 0, merge 0, skip 0, error 1" in result.stdout
    assert "committed" not in result.stdout


def test_import_commit_applies_the_file(acme: dict[str, Any]) -> None:
    path = acme["dir"] / "c.csv"
    path.write_text(HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,,Beta,CTO\n", encoding="utf-8")
    result = run(["import", str(path), "--org", "Acme", "--commit", "--json"], acme["dir"])
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["status"] == "committed" and out["results"]["create"] == 1


def test_import_of_a_broken_file_is_a_one_line_error(acme: dict[str, Any]) -> None:
    path = acme["dir"] / "c.csv"
    path.write_text("Nom,Courriel\nDupont,d@x.fr\n", encoding="utf-8")
    result = run(["import", str(path), "--org", "Acme"], acme["dir"])
    assert result.returncode == 1
    assert "mapping" in _last_line(result.stderr) and "Traceback" not in result.stderr
