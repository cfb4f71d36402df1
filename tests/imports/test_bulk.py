"""The bulk commit gives what the per-row commit gives: contacts, values, merges, candidates, feed, rollback."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from contacts import snapshot
from contacts.changelog.models import ChangeLogEntry
from contacts.db import session_factory
from contacts.dedup.models import DuplicateCandidate, MatchKey, MatchProfile, MergeOperation
from contacts.imports.commit import run_import
from contacts.imports.models import ImportRow
from contacts.people.models import Contact, ContactAddress, ContactEmail, ContactPhone, Employment
from contacts.touchpoints.models import Touchpoint
from tests import factories
from tests.conftest import OrgClient, make_org
from tests.imports.helpers import get_contact, rows_one_by_one, upload

HEADER = "name,kana,company,title,email,mobile,phone,address,tags,met_at,met_where\n"
MAPPING = {
    "name": "full_name",
    "kana": "name_kana",
    "company": "company",
    "title": "title",
    "email": "emails",
    "mobile": "mobile",
    "phone": "phones",
    "address": "address",
    "tags": "tags",
    "met_at": "met_at",
    "met_where": "met_where",
}
LINES = [
    # a sure twin of an existing contact (name and mobile), another email: merged into it
    "山田 太郎,,アクメ,,yamada@home.example,090-1111-2222,,,,,",
    # an existing contact's email: updated (a new title, an office phone)
    "佐藤 花子,,Beta,取締役,h@beta.co.jp,,03-1234-5678,,,,",
    # new people, one met at an event, with tags
    "田中 次郎,タナカ ジロウ,ガンマ,部長,tanaka@gamma.co.jp,090-3333-4444,,東京都千代田区丸の内1-1-1,VIP;Expo,2026-10-01,Expo 2026",
    "高橋 三郎,,ガンマ,課長,takahashi@gamma.co.jp,090-5555-6666,03-9999-0000,,Expo,,",
    # the same person as row 3 by name and mobile, another email: merged into row 3's contact
    "田中 次郎,,ガンマ,部長,jiro@home.example,090-3333-4444,,,,,",
    # row 3's email again: an update of the contact the file created
    "田中 次郎,,ガンマ,本部長,tanaka@gamma.co.jp,,,,,,",
    # two emails
    "伊藤 美咲,,デルタ,,ito@delta.co.jp;misaki@home.example,,,,,,",
    # a bad email: an error row
    "木村 誠,,デルタ,,not-an-email,,,,,,",
    # an existing contact holding every value: skipped
    "鈴木 一郎,,,,suzuki@gamma.co.jp,,,,,,",
    # the merged twin's new email again: an update of the twin
    "山田 太郎,,アクメ,部長,yamada@home.example,,,,,,",
    # namesakes of earlier rows at other companies (candidates at most), and plain new people
    "高橋 三郎,,イプシロン,,saburo@epsilon.co.jp,,,,,,",
    "中村 愛,,イプシロン,主任,ai@epsilon.co.jp,080-7777-8888,,,VIP,,",
    "小林 誠,,ゼータ,,kobayashi@zeta.co.jp,,03-1111-2222,大阪府大阪市北区梅田1-1,,2026-09-01,",
    "Hanako Sato,,Beta,CTO,hanako.sato@beta.co.jp,,03-1234-5678,,,,",
    "渡辺 健太,,ゼータ,担当,watanabe@zeta.co.jp,090-2222-1111,,,,2026-11-01,Office",
    "山本 由美,,,,yumi@home.example,,,,,,",
    # updates that wait together in a chunk: a move to another company (a job change), a contact updated
    # twice (its second update writes the first), and one with a tag (which goes through the per-row path)
    "森 健,,オメガ,部長,mori@sigma.co.jp,090-8888-9999,,,,,",
    "岡田 涼,,シグマ,係長,okada@sigma.co.jp,,,,,,",
    "松本 翔太,,シグマ,,matsumoto@sigma.co.jp,,,,,,",
    "岡田 涼,,シグマ,課長,okada@sigma.co.jp,,03-5555-1111,,,,",
    "石井 聡,,タウ,部長,ishii@tau.co.jp,,,,VIP,,",
]
FILE = HEADER + "\n".join(LINES) + "\n"
ULID = re.compile(r"^[0-9a-z]{26}$")
#: A time taken as the rows were written (with microseconds): it differs between two runs.
NOW = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(\+00:00|Z)$")
DROP = frozenset({"created_at", "updated_at", "at", "uid", "owner_id", "user_id", "tagged_at"})


def _seed(org: OrgClient) -> dict[str, str]:
    """The contacts the file meets, the same in every organisation; return their ids by label."""
    twin = factories.contact(
        org,
        full_name="山田 太郎",
        phones=[{"value": "090-1111-2222", "type": "mobile"}],
        company_name="アクメ",
    )
    updated = factories.contact(org, full_name="佐藤 花子", emails=[{"value": "h@beta.co.jp"}], title="部長")
    skipped = factories.contact(org, full_name="鈴木 一郎", emails=[{"value": "suzuki@gamma.co.jp"}])
    moved = factories.contact(
        org, full_name="森 健", emails=[{"value": "mori@sigma.co.jp"}], company_name="シグマ", title="課長"
    )
    twice = factories.contact(
        org, full_name="岡田 涼", emails=[{"value": "okada@sigma.co.jp"}], company_name="シグマ", title="主任"
    )
    tagged = factories.contact(org, full_name="石井 聡", emails=[{"value": "ishii@tau.co.jp"}], title="課長")
    return {
        twin["id"]: "twin",
        updated["id"]: "updated",
        skipped["id"]: "skipped",
        moved["id"]: "moved",
        twice["id"]: "twice",
        tagged["id"]: "tagged",
    }


def _commit(org: OrgClient, monkeypatch: pytest.MonkeyPatch, *, per_row: bool, chunk_rows: int) -> str:
    body = upload(org, FILE, mapping=MAPPING)
    assert org.post(f"/api/v1/imports/{body['id']}/commit").status_code == 202
    with monkeypatch.context() as m:
        if per_row:  # the per-row path: every row through the people service in a savepoint of its own
            rows_one_by_one(m)
        assert run_import(session_factory(org.app), body["id"], chunk_rows=chunk_rows) == "committed"
    return str(body["id"])


def _state(org: OrgClient, import_id: str, labels: dict[str, str]) -> dict[str, Any]:
    """Everything the import wrote, with ids replaced by labels that do not depend on the organisation."""
    labels = {**labels, import_id: "import", org.user_id: "user"}
    with session_factory(org.app)() as session:
        rows = list(
            session.scalars(
                select(ImportRow).where(ImportRow.import_id == import_id).order_by(ImportRow.row_number)
            )
        )
        for row in rows:
            if row.created_contact_id:
                labels.setdefault(row.created_contact_id, f"row{row.row_number}")
        org_id = org.organization_id
        candidates = session.scalars(
            select(DuplicateCandidate).where(DuplicateCandidate.organization_id == org_id)
        )
        merges = session.scalars(select(MergeOperation).where(MergeOperation.organization_id == org_id))
        points = session.scalars(select(Touchpoint).where(Touchpoint.organization_id == org_id))
        changes = session.scalars(select(ChangeLogEntry).where(ChangeLogEntry.organization_id == org_id))

        def canon(value: Any) -> Any:
            if isinstance(value, dict):
                out = {k: canon(v) for k, v in sorted(value.items()) if k not in DROP}
                if (
                    "a_id" in out and "b_id" in out
                ):  # contacts made in one millisecond: a pair in either order
                    out["a_id"], out["b_id"] = sorted((out["a_id"], out["b_id"]))
                return out
            if isinstance(value, list):  # rows (of a snapshot) in any order
                rows = [canon(v) for v in value]
                return sorted(rows, key=repr) if value and all(isinstance(v, dict) for v in value) else rows
            if isinstance(value, str):
                return labels.get(value, "id" if ULID.match(value) else "now" if NOW.match(value) else value)
            return value

        state = {
            "rows": [
                canon(
                    {
                        "result": r.result,
                        "contact": r.contact_id,
                        "created": r.created_contact_id,
                        "merge": bool(r.merge_id),
                        "touchpoint": bool(r.touchpoint_id),
                        "detail": r.detail,
                        "version_after": r.version_after,
                        "before": r.before,
                    }
                )
                for r in rows
            ],
            "candidates": sorted(
                canon(
                    {
                        "pair": sorted(canon([c.a_id, c.b_id])),
                        "score": round(c.score, 6),
                        "decision": c.decision,
                        "status": c.status,
                        "reasons": c.reasons,
                    }
                ).__repr__()
                for c in candidates
            ),
            "merges": sorted(
                repr(canon([m.winner_id, m.loser_ids, m.automatic, m.undone_at is None])) for m in merges
            ),
            "touchpoints": sorted(
                repr(canon([t.contact_id, t.kind, t.source, t.location, t.occurred_at.isoformat()]))
                for t in points
            ),
            "changes": sorted(Counter((c.entity, c.operation) for c in changes).items()),
            # Every entry (its record, operation and data); the order of their numbers may differ.
            "entries": sorted(repr(canon([c.entity, c.entity_id, c.operation, c.data])) for c in changes),
        }
    people = [cid for cid in sorted(labels) if labels[cid] not in ("import", "user")]
    with org.app.app_context(), session_factory(org.app)() as session:
        # Every column of every row the contacts hold (search text and grams, positions, provenance, keys).
        state["stored"] = {
            f"{labels[cid]}.{model.__tablename__}": sorted(
                repr(canon(row))
                for row in snapshot.dump(session, model, model.__table__.c.contact_id == cid)  # type: ignore[attr-defined]
            )
            for cid in people
            for model in (ContactEmail, ContactPhone, ContactAddress, Employment, MatchKey, MatchProfile)
        }
        state["stored"].update(
            {labels[cid]: canon(snapshot.dump(session, Contact, Contact.id == cid)) for cid in people}
        )
    state["contacts"] = {labels[cid]: canon(get_contact(org, cid)) for cid in people}
    state["employment"] = {
        labels[cid]: canon(org.get(f"/api/v1/contacts/{cid}/employment").get_json()["items"])
        for cid in people
    }
    return state


def _run(app: Flask, monkeypatch: pytest.MonkeyPatch, *, per_row: bool, chunk_rows: int) -> dict[str, Any]:
    org = make_org(app, "per-row" if per_row else "bulk")
    labels = _seed(org)
    import_id = _commit(org, monkeypatch, per_row=per_row, chunk_rows=chunk_rows)
    return _state(org, import_id, labels)


@pytest.mark.parametrize("chunk_rows", [500, 4])
def test_the_bulk_commit_writes_what_the_per_row_commit_writes(
    app: Flask, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    bulk = _run(app, monkeypatch, per_row=False, chunk_rows=chunk_rows)
    per_row = _run(app, monkeypatch, per_row=True, chunk_rows=chunk_rows)
    assert [r["result"] for r in bulk["rows"]] == [
        "merge",
        "update",
        "create",
        "create",
        "merge",
        "update",
        "create",
        "error",
        "skip",
        "update",
        "create",
        "create",
        "create",
        "create",
        "create",
        "create",
        "update",
        "update",
        "create",
        "update",
        "update",
    ]
    assert bulk["touchpoints"] and bulk["merges"]
    parts = (
        "rows",
        "contacts",
        "stored",
        "employment",
        "candidates",
        "merges",
        "touchpoints",
        "changes",
        "entries",
    )
    for part in parts:
        assert bulk[part] == per_row[part], part


def _comparable(contact: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in contact.items() if k not in ("version", "updated_at")}


@pytest.mark.parametrize("chunk_rows", [500, 4])
def test_rolling_back_a_bulk_commit_restores_the_state_before(
    org: OrgClient, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    labels = _seed(org)
    before = {cid: get_contact(org, cid) for cid in labels}
    listed = {c["id"] for c in org.get("/api/v1/contacts?limit=500").get_json()["items"]}
    import_id = _commit(org, monkeypatch, per_row=False, chunk_rows=chunk_rows)
    resp = org.post(f"/api/v1/imports/{import_id}/rollback")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    for cid, was in before.items():
        now = get_contact(org, cid)
        assert _comparable(now) == _comparable(was)
        assert now["version"] > was["version"] or labels[cid] == "skipped"
    assert {c["id"] for c in org.get("/api/v1/contacts?limit=500").get_json()["items"]} == listed
    with session_factory(org.app)() as session:
        rows = list(session.scalars(select(ImportRow).where(ImportRow.import_id == import_id)))
        created = [r.created_contact_id for r in rows if r.created_contact_id]
        points = session.scalars(
            select(Touchpoint).where(Touchpoint.organization_id == org.organization_id)
        ).all()
        merges = session.scalars(
            select(MergeOperation).where(MergeOperation.organization_id == org.organization_id)
        ).all()
        assert points == [] and len(merges) == 2 and all(op.undone_at is not None for op in merges)
    assert len(created) == 12
    assert all(get_contact(org, c)["status"] == "deleted" for c in created)


def test_snapshots_dumped_together_are_each_contacts_own(
    org: OrgClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contacts.dedup.merge import contact_snapshot, contact_snapshots

    _seed(org)
    _commit(org, monkeypatch, per_row=False, chunk_rows=500)
    with org.app.app_context(), session_factory(org.app)() as session:
        ids = list(session.scalars(select(Contact.id).where(Contact.organization_id == org.organization_id)))
        together = contact_snapshots(session, ids)
        assert sorted(together) == sorted(ids)
        assert any(snap["duplicate_candidate"] for snap in together.values())
        assert any(snap["touchpoint"] for snap in together.values())
        for contact_id in ids:
            assert together[contact_id] == contact_snapshot(session, [contact_id]), contact_id
