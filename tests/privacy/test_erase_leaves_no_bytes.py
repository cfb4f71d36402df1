"""An erasure leaves no byte of the person in SQLite's files: secure_delete and a WAL checkpoint (issue 15, 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests import factories
from tests.conftest import OrgClient

ERASE = {"confirm": True, "reason": "the person asked"}
SECRETS = ["Quixotelyn", "zqx-erase-me@wal-test.example", "Vrrbosk Holdings", "Tokyo Zqxvar 9-9"]


def _database_files(app: Flask) -> list[Path]:
    url = app.extensions["meishi.settings"].database_url
    path = Path(url.split("///", 1)[1])
    return [
        p
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        if p.exists()
    ]


def _files_holding(app: Flask, needles: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in _database_files(app):
        data = path.read_bytes()
        hits = [n for n in needles if n.encode() in data or n.lower().encode() in data]
        if hits:
            found[path.name] = hits
    return found


def test_erased_values_are_gone_from_the_database_files(app: Flask, org: OrgClient, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the files of an embedded SQLite database")
    body = {
        "family_name": SECRETS[0],
        "given_name": "Ann",
        "emails": [{"value": SECRETS[1]}],
        "company_name": SECRETS[2],
        "addresses": [{"value": SECRETS[3]}],
    }
    contact = factories.contact(org, body)
    for title in ("Head of Things", "Chief of Stuff"):  # several versions of the row pass through the WAL
        etag = org.get(f"/api/v1/contacts/{contact['id']}").headers["ETag"]
        org.patch(f"/api/v1/contacts/{contact['id']}", json={"title": title}, headers={"If-Match": etag})
    assert _files_holding(app, SECRETS[:2]), "the values were never written: the test proves nothing"
    resp = org.post(f"/api/v1/contacts/{contact['id']}/erase", json=ERASE)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert _files_holding(app, SECRETS[:2] + SECRETS[3:]) == {}


def test_an_opted_out_persons_suppression_holds_no_byte_of_them(
    app: Flask, org: OrgClient, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the files of an embedded SQLite database")
    body = {
        "family_name": SECRETS[0],
        "emails": [{"value": SECRETS[1]}],
        "phones": [{"value": "03-9876-5432"}],
    }
    contact = factories.contact(org, body)
    resp = org.post(f"/api/v1/contacts/{contact['id']}/opt-outs", json={"channel": "all"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    resp = org.post(f"/api/v1/contacts/{contact['id']}/erase", json=ERASE)
    assert resp.get_json()["suppressed_identifiers"] == 2, "nothing was kept: the test proves nothing"
    assert _files_holding(app, [*SECRETS[:2], "+81398765432", "9876-5432"]) == {}
