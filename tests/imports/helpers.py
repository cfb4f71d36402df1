"""Upload files to /imports, run the commit job, read rows: the steps every import test takes."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from tests.conftest import OrgClient

SALESFORCE = "First Name,Last Name,Account Name,Title,Department,Email,Phone,Mobile,Mailing Zip/Postal Code,Mailing State/Province,Mailing City,Mailing Street\n"
HUBSPOT = "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Job Title\n"
SANSAN = "会社名,部署名,役職,姓,名,メールアドレス,TEL会社,携帯電話,郵便番号,住所,名刺交換日,名刺交換場所\n"
MEISHI = (
    "id,family_name,given_name,full_name,name_kana,name_romaji,company,department,title,"
    "emails,phones,postal_code,address,tags,owner,last_touchpoint_at\n"
)


def upload(
    org: OrgClient,
    content: str | bytes,
    *,
    filename: str = "contacts.csv",
    status: int = 201,
    charset: str = "utf-8",
    **form: Any,
) -> dict[str, Any]:
    """POST a file to /imports (the dry-run) and return the JSON answer."""
    data = content.encode(charset) if isinstance(content, str) else content
    fields: dict[str, Any] = {"file": (io.BytesIO(data), filename)}
    for key, value in form.items():
        fields[key] = json.dumps(value) if isinstance(value, dict) else value
    resp = org.post("/api/v1/imports", data=fields, content_type="multipart/form-data")
    assert resp.status_code == status, resp.get_data(as_text=True)
    body: dict[str, Any] = resp.get_json()
    return body


def rows(org: OrgClient, import_id: str) -> list[dict[str, Any]]:
    """Return every row of an import (all pages)."""
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        url = f"/api/v1/imports/{import_id}/rows?limit=500" + (f"&cursor={cursor}" if cursor else "")
        resp = org.get(url)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        body = resp.get_json()
        out += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return out


def commit(org: OrgClient, import_id: str) -> dict[str, Any]:
    """Commit an import through the API and run the commit job to its end; return the import."""
    from contacts.imports.worker import run_pending

    resp = org.post(f"/api/v1/imports/{import_id}/commit")
    assert resp.status_code == 202, resp.get_data(as_text=True)
    assert resp.get_json()["status"] == "committing"
    run_pending(org.app)
    got = org.get(f"/api/v1/imports/{import_id}")
    assert got.status_code == 200
    body: dict[str, Any] = got.get_json()
    return body


def commit_on(org: OrgClient, import_id: str, path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commit an import through the API and run the commit job on the ``bulk`` path or the ``per_row`` one
    (each row through the people service in a savepoint of its own, as a chunk a service refused)."""
    import contacts.imports.commit as commit_module
    from contacts.db import session_factory

    assert org.post(f"/api/v1/imports/{import_id}/commit").status_code == 202
    with monkeypatch.context() as m:
        if path == "per_row":
            rows_one_by_one(m)
        assert commit_module.run_import(session_factory(org.app), import_id) == "committed"


def rows_one_by_one(m: pytest.MonkeyPatch) -> None:
    """Make the commit job apply every chunk the per-row way: each row through the people service in a
    savepoint of its own, as a chunk a service refused is applied again."""
    import contacts.imports.commit as commit_module

    real = commit_module.apply_chunk
    m.setattr(
        commit_module,
        "apply_chunk",
        lambda session, imp, chunk, **_: real(session, imp, chunk, isolate_rows=True),
    )


@contextmanager
def statements_sent(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements the app's engine sends while the block runs (whitespace folded)."""
    sent: list[str] = []
    engine = app.extensions["meishi.engine"]

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def imported(org: OrgClient, content: str, **form: Any) -> dict[str, Any]:
    """Plan and commit a file; return the committed import."""
    return commit(org, upload(org, content, **form)["id"])


def get_contact(org: OrgClient, contact_id: str) -> dict[str, Any]:
    resp = org.get(f"/api/v1/contacts/{contact_id}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body: dict[str, Any] = resp.get_json()
    return body
