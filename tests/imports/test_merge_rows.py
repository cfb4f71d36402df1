"""Merge rows of an import: a merge skips the packages nobody in it holds rows in, and learns its id without a
query, yet stores exactly what the merge that asks every package stores, and undoes exactly."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

import contacts.imports.commit as commit_module
from contacts import ownership, snapshot
from contacts.db import Base, session_factory
from contacts.dedup import merge_many as merge_many_module
from contacts.dedup.merge import contact_snapshot
from contacts.dedup.models import MergeOperation
from contacts.imports.commit import run_import
from contacts.imports.models import ImportRow
from contacts.people.models import Contact
from tests import factories
from tests.conftest import OrgClient, make_org
from tests.imports.helpers import rows_one_by_one, statements_sent, upload

HEADER = "name,company,title,email,mobile,tags,met_at,met_where\n"
MAPPING = {
    "name": "full_name",
    "company": "company",
    "title": "title",
    "email": "emails",
    "mobile": "mobile",
    "tags": "tags",
    "met_at": "met_at",
    "met_where": "met_where",
}
LINES = [
    # two rows merged into the same existing twin (name and mobile)
    "山田 太郎,アクメ,,yamada@home.example,090-1111-2222,,,",
    "山田 太郎,アクメ,部長,taro@second.example,090-1111-2222,,,",
    # a new person, then a row merged into the contact the chunk just created
    "田中 次郎,ガンマ,課長,tanaka@gamma.co.jp,090-3333-4444,,,",
    "田中 次郎,ガンマ,課長,jiro@home.example,090-3333-4444,,,",
    # merged into a twin that has a tag, a touchpoint and a campaign membership; the row brings tags and a meeting
    "佐藤 花子,ベータ,,hanako@home.example,090-5555-6666,VIP;Expo,2026-10-01,Expo 2026",
    # a merge that names another company (a job change), and plain new people
    "鈴木 一郎,デルタ,主任,ichiro@delta.co.jp,090-7777-8888,,,",
    "高橋 三郎,イプシロン,,saburo@epsilon.co.jp,,,,",
]
FILE = HEADER + "\n".join(LINES) + "\n"
ULID = re.compile(r"^[0-9a-z]{26}$")
NOW = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?$")
#: Columns that differ between two organisations for reasons other than the import.
DROP = frozenset({"organization_id", "uid", "owner_id", "user_id", "actor_id", "created_by", "tagged_by"})


def _seed(org: OrgClient) -> dict[str, str]:
    yamada = factories.contact(
        org,
        full_name="山田 太郎",
        phones=[{"value": "090-1111-2222", "type": "mobile"}],
        company_name="アクメ",
    )
    sato = factories.contact(
        org,
        full_name="佐藤 花子",
        phones=[{"value": "090-5555-6666", "type": "mobile"}],
        company_name="ベータ",
        tags=["VIP"],
    )
    factories.touchpoint(org, sato["id"])
    campaign = factories.campaign(org)
    factories.add_members(org, campaign["id"], contact_ids=[sato["id"]])
    suzuki = factories.contact(
        org,
        full_name="鈴木 一郎",
        phones=[{"value": "090-7777-8888", "type": "mobile"}],
        company_name="カッパ",
    )
    return {yamada["id"]: "yamada", sato["id"]: "sato", suzuki["id"]: "suzuki"}


def _every_move(session: Session, merges: list[tuple[ownership.Merge, Any]]) -> None:
    """The reference: every package's move, merge by merge, whether or not anyone in it holds rows in it."""
    session.flush()
    for move, _before in merges:
        for owned in ownership.installed():
            if owned.move is not None:
                owned.move(session, move)


def _queried_merge(session: Session, loser_id: str) -> str | None:
    """The reference: the winner's latest merge, queried."""
    winner = session.scalar(select(Contact.merged_into_id).where(Contact.id == loser_id))
    return session.scalar(
        select(MergeOperation.id)
        .where(MergeOperation.winner_id == winner, MergeOperation.undone_at.is_(None))
        .order_by(MergeOperation.created_at.desc(), MergeOperation.id.desc())
        .limit(1)
    )


def _commit(
    app: Flask, monkeypatch: pytest.MonkeyPatch, *, reference: bool, per_row: bool
) -> tuple[OrgClient, dict[str, str], str, list[str]]:
    org = make_org(app, "reference" if reference else "fast")
    labels = _seed(org)
    body = upload(org, FILE, mapping=MAPPING)
    assert org.post(f"/api/v1/imports/{body['id']}/commit").status_code == 202
    with monkeypatch.context() as m, statements_sent(app) as sent:
        if reference:
            m.setattr(merge_many_module, "move_links", _every_move)
            m.setattr(commit_module, "merge_made", _queried_merge)
        if per_row:
            rows_one_by_one(m)
        assert run_import(session_factory(app), body["id"]) == "committed"
    return org, labels, str(body["id"]), sent


def _state(org: OrgClient, labels: dict[str, str], import_id: str) -> dict[str, Any]:
    """Every column of every row of the organisation in every table, ids of contacts by label, other ids and
    times of writing replaced by placeholders; the change log in sequence order, other rows sorted."""
    labels = {**labels, import_id: "import", org.user_id: "user", org.organization_id: "org"}
    with session_factory(org.app)() as session:
        for row in session.scalars(
            select(ImportRow).where(ImportRow.import_id == import_id).order_by(ImportRow.row_number)
        ):
            if row.created_contact_id:
                labels.setdefault(row.created_contact_id, f"row{row.row_number}")
        merges = {
            op.id: f"merge-of-{labels[op.loser_ids[0]]}"
            for op in session.scalars(
                select(MergeOperation).where(MergeOperation.organization_id == org.organization_id)
            )
        }
        labels.update(merges)

        def canon(value: Any) -> Any:
            if isinstance(value, dict):
                out = {canon(k): canon(v) for k, v in sorted(value.items()) if k not in DROP}
                if (
                    "a_id" in out and "b_id" in out
                ):  # contacts made in one millisecond: a pair in either order
                    out["a_id"], out["b_id"] = sorted((out["a_id"], out["b_id"]))
                return out
            if isinstance(value, list):  # rows in key order: ids made in one millisecond sort at random
                out = [canon(v) for v in value]
                return sorted(out, key=repr) if all(isinstance(v, dict) for v in value) else out
            if isinstance(value, str):
                if value in labels or ULID.match(value):
                    return labels.get(value, "id")
                if NOW.match(value):
                    return "now"
                parts = value.split(":")  # a membership's id, a touchpoint's external id
                return ":".join(canon(p) for p in parts) if any(ULID.match(p) for p in parts) else value
            return value

        state: dict[str, Any] = {}
        for table in Base.metadata.sorted_tables:
            if "organization_id" not in table.c or table.name in ("organization", "user", "api_token"):
                continue
            model = next((m.class_ for m in Base.registry.mappers if m.local_table is table), None)
            if model is None:
                continue
            rows = snapshot.dump(session, model, table.c.organization_id == org.organization_id)
            for r in rows:
                if isinstance(r.get("id"), int):  # a number the database counts across organisations
                    r.pop("id")
            if table.name == "change_log":  # the feed's order is part of what must not change
                state[table.name] = [canon(r) for r in sorted(rows, key=lambda r: r["seq"])]
            elif (
                table.name == "duplicate_candidate"
            ):  # a pair of contacts made in one millisecond: either order
                pairs = [
                    {**r, "a_id": min(r["a_id"], r["b_id"]), "b_id": max(r["a_id"], r["b_id"])}
                    for r in canon(rows)
                ]
                state[table.name] = sorted(pairs, key=repr)
            else:
                state[table.name] = canon(rows)
        assert state["merge_operation"] and state["change_log"] and state["duplicate_candidate"]
    return state


@pytest.mark.parametrize("per_row", [False, True])
def test_merge_rows_store_what_the_merge_through_every_package_stores(
    app: Flask, monkeypatch: pytest.MonkeyPatch, per_row: bool
) -> None:
    fast_org, fast_labels, fast_import, _ = _commit(app, monkeypatch, reference=False, per_row=per_row)
    ref_org, ref_labels, ref_import, _ = _commit(app, monkeypatch, reference=True, per_row=per_row)
    fast = _state(fast_org, fast_labels, fast_import)
    ref = _state(ref_org, ref_labels, ref_import)
    merged = [r["result"] for r in fast["import_row"]]
    assert merged.count("merge") == 5, merged
    assert len(fast["merge_operation"]) == 5
    assert fast.keys() == ref.keys()
    for table in fast:
        assert fast[table] == ref[table], table


def test_a_merge_row_asks_no_package_its_contacts_hold_no_rows_in(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, _, sent = _commit(app, monkeypatch, reference=False, per_row=False)
    # The twin with a tag, a touchpoint and a membership: those moves run once, for its merge alone.
    assert (
        sum(s.startswith("SELECT touchpoint.id FROM touchpoint WHERE touchpoint.contact_id IN") for s in sent)
        == 1
    )
    assert sum(s.startswith("SELECT contact_tag.tag_id FROM contact_tag") for s in sent) == 1
    # No contact of any merge has a card or an opt-out; the merge ids are known without a query.
    assert not [s for s in sent if s.startswith(("UPDATE card", "SELECT card.id FROM card"))]
    assert not [s for s in sent if "FROM opt_out" in s and "ORDER BY opt_out.created_at" in s]
    assert not [s for s in sent if s.startswith("SELECT merge_operation.id FROM merge_operation")]


def _without(rows: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in names} for r in rows]


def test_a_merge_made_by_an_import_undoes_to_its_snapshot_exactly(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    org, _, import_id, _ = _commit(app, monkeypatch, reference=False, per_row=False)
    with session_factory(app)() as session:
        # The job change (row 6): nothing the import did later touches its two contacts.
        row = session.scalars(
            select(ImportRow).where(ImportRow.import_id == import_id, ImportRow.row_number == 6)
        ).one()
        assert row.result == "merge" and row.merge_id is not None
        op = session.get(MergeOperation, row.merge_id)
        assert op is not None and op.loser_ids == [row.created_contact_id] and op.winner_id == row.contact_id
        ids, before = [op.winner_id, *op.loser_ids], op.snapshot["before"]
        assert before["employment"] and before["match_key"] and before["duplicate_candidate"]
    resp = org.post(f"/api/v1/merges/{row.merge_id}/undo")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    with session_factory(app)() as session:
        restored = contact_snapshot(session, ids)
    assert restored.keys() == before.keys()
    for key, rows in before.items():
        if key == "contact":  # an undo gives the contacts new versions, for the change feed
            assert _without(restored[key], "version", "updated_at") == _without(rows, "version", "updated_at")
        else:
            assert restored[key] == rows, key


def test_rolling_back_an_import_with_merge_rows_restores_its_twins_exactly(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = make_org(app)
    twins = list(_seed(org))
    with session_factory(app)() as session:
        before = contact_snapshot(session, twins)
    body = upload(org, FILE, mapping=MAPPING)
    assert org.post(f"/api/v1/imports/{body['id']}/commit").status_code == 202
    assert run_import(session_factory(app), body["id"]) == "committed"
    resp = org.post(f"/api/v1/imports/{body['id']}/rollback")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    with session_factory(app)() as session:
        after = contact_snapshot(session, twins)
        deleted = set(
            session.scalars(
                select(Contact.id).where(
                    Contact.organization_id == org.organization_id, Contact.status == "deleted"
                )
            )
        )
    for key, rows in before.items():
        if key == "contact":
            assert _without(after[key], "version", "updated_at") == _without(rows, "version", "updated_at")
        elif key == "duplicate_candidate":  # the pairs of the import's contacts stay, with those deleted
            kept = {r["id"] for r in rows}
            assert [r for r in after[key] if r["id"] in kept] == rows
            assert {r["a_id"] for r in after[key] if r["id"] not in kept} | {
                r["b_id"] for r in after[key] if r["id"] not in kept
            } <= {*twins, *deleted}
        else:
            assert after[key] == rows, key
