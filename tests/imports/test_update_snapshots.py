"""An update row's snapshot reads its contact's pairs again only when the chunk wrote a pair naming it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from contacts.db import session_factory
from contacts.imports.commit import run_import
from contacts.imports.models import ImportRow
from tests import factories
from tests.conftest import OrgClient, make_org
from tests.imports.helpers import rows_one_by_one, statements_sent, upload

MAPPING = {"name": "full_name", "company": "company", "title": "title", "email": "emails"}
HEADER = "name,company,title,email\n"


def _commit(org: OrgClient, text: str, monkeypatch: pytest.MonkeyPatch, *, per_row: bool) -> list[str]:
    body = upload(org, text, mapping=MAPPING)
    assert org.post(f"/api/v1/imports/{body['id']}/commit").status_code == 202
    with monkeypatch.context() as m, statements_sent(org.app) as sent:
        if per_row:
            rows_one_by_one(m)
        assert run_import(session_factory(org.app), body["id"]) == "committed"
    return sent


def _befores(org: OrgClient) -> list[Any]:
    with session_factory(org.app)() as session:
        rows = session.scalars(
            select(ImportRow)
            .where(ImportRow.organization_id == org.organization_id)
            .order_by(ImportRow.row_number)
        )
        return [(r.result, r.before) for r in rows]


def test_update_rows_whose_contacts_no_pair_of_the_chunk_names_read_no_pairs_again(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = make_org(app)
    for n in range(5):
        factories.contact(org, full_name=f"山田 {n}郎", emails=[{"value": f"y{n}@acme.co.jp"}], title="課長")
    lines = [f"山田 {n}郎,,部長,y{n}@acme.co.jp" for n in range(5)]
    sent = _commit(org, HEADER + "\n".join(lines) + "\n", monkeypatch, per_row=False)
    assert [result for result, _ in _befores(org)] == ["update"] * 5
    # The chunk's one dump of the contacts' snapshots, none per row.
    assert sum(s.startswith("SELECT duplicate_candidate.") for s in sent) == 1


def _namesake_then_update(app: Flask, monkeypatch: pytest.MonkeyPatch, *, per_row: bool) -> list[Any]:
    org = make_org(app, "per-row" if per_row else "bulk")
    held = factories.contact(
        org, full_name="田中 次郎", emails=[{"value": "tanaka@gamma.co.jp"}], company_name="ガンマ"
    )
    # A namesake at the same company (a pair with the held contact), then an update of the held contact.
    text = HEADER + "田中 次郎,ガンマ,,jiro@home.example\n田中 次郎,ガンマ,部長,tanaka@gamma.co.jp\n"
    _commit(org, text, monkeypatch, per_row=per_row)
    befores = _befores(org)
    assert befores[1][0] == "update"
    pairs = befores[1][1]["duplicate_candidate"]
    assert [held["id"] in (p["a_id"], p["b_id"]) for p in pairs] == [True]
    return [(p["score"], p["decision"], p["status"]) for p in pairs]


def test_an_update_snapshot_holds_the_pair_the_chunk_wrote_before_it(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk = _namesake_then_update(app, monkeypatch, per_row=False)
    assert bulk == _namesake_then_update(app, monkeypatch, per_row=True)
