"""A chunk with many merging rows merges them together, yet writes what the per-row commit writes."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

import contacts.imports.bulk as bulk_module
from contacts.db import session_factory
from contacts.dedup.merge_many import MergesNotApart
from contacts.dedup.models import MergeOperation
from contacts.imports.commit import run_import
from tests import factories
from tests.conftest import OrgClient, make_org
from tests.dedup.helpers import open_pair
from tests.imports.helpers import get_contact, rows_one_by_one, upload
from tests.imports.test_bulk import HEADER, MAPPING, _state

FAMILIES = ("山田", "佐藤", "鈴木", "高橋", "田中", "伊藤")
LINES = [
    line
    for n, family in enumerate(FAMILIES)
    for line in (
        # the twin of a base contact (name and mobile), another email: merged into it
        f"{family} 太郎,,アクメ{n},,{family}{n}@home.example,090-1000-000{n},,,,,",
        # a new person, and an update of a base contact by its email
        f"{family} 花子,,ベータ{n},課長,hanako{n}@beta.co.jp,,,,,,",
        f"{family} 一郎,,,部長,ichiro{n}@gamma.co.jp,,,,,,",
    )
] + [
    # the merged twins' new emails again: updates of the twins; a twin merged into twice
    "山田 太郎,,アクメ0,部長,山田0@home.example,,,,,,",
    "佐藤 太郎,,アクメ1,,sato.second@home.example,090-1000-0001,,,VIP,2026-10-01,Expo",
]
#: What a rollback gives anew: versions, for the change feed.
NEW = ("version", "updated_at")
FILE = HEADER + "\n".join(LINES) + "\n"


def _seed(org: OrgClient) -> dict[str, str]:
    labels = {}
    for n, family in enumerate(FAMILIES):
        twin = factories.contact(
            org,
            full_name=f"{family} 太郎",
            phones=[{"value": f"090-1000-000{n}", "type": "mobile"}],
            company_name=f"アクメ{n}",
        )
        updated = factories.contact(
            org, full_name=f"{family} 一郎", emails=[{"value": f"ichiro{n}@gamma.co.jp"}], title="課長"
        )
        labels.update({twin["id"]: f"twin{n}", updated["id"]: f"updated{n}"})
    return labels


def _run(app: Flask, monkeypatch: pytest.MonkeyPatch, *, per_row: bool) -> dict[str, Any]:
    org = make_org(app, "per-row" if per_row else "bulk")
    labels = _seed(org)
    before = {cid: get_contact(org, cid) for cid in labels}
    body = upload(org, FILE, mapping=MAPPING)
    assert org.post(f"/api/v1/imports/{body['id']}/commit").status_code == 202
    with monkeypatch.context() as m:
        if per_row:
            rows_one_by_one(m)
        assert run_import(session_factory(app), body["id"]) == "committed"
    state = _state(org, str(body["id"]), labels)
    resp = org.post(f"/api/v1/imports/{body['id']}/rollback")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    for cid, was in before.items():  # each twin and updated contact back as it was
        now = get_contact(org, cid)
        assert {k: v for k, v in now.items() if k not in NEW} == {
            k: v for k, v in was.items() if k not in NEW
        }
    with session_factory(app)() as session:
        ops = session.scalars(
            select(MergeOperation).where(MergeOperation.organization_id == org.organization_id)
        ).all()
        state["undone"] = sorted(op.undone_at is not None for op in ops)
    return state


def test_merging_rows_merged_together_write_what_the_per_row_commit_writes(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    merge_groups = bulk_module.merge_groups

    def counted(session: Any, actor: Any, groups: Any, **kwargs: Any) -> Any:
        calls.append(len(groups))
        return merge_groups(session, actor, groups, **kwargs)

    monkeypatch.setattr(bulk_module, "merge_groups", counted)
    bulk = _run(app, monkeypatch, per_row=False)
    per_row = _run(app, monkeypatch, per_row=True)
    merged = [r["result"] for r in bulk["rows"]].count("merge")
    assert merged >= 6
    assert max(calls) > 1  # merges made together, not one by one
    assert bulk["undone"] == [True] * merged
    for part in bulk:
        assert bulk[part] == per_row[part], part


def test_merges_not_apart_make_the_chunk_go_row_by_row(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise MergesNotApart("a snapshot row belongs to two merges")

    per_row = _run(app, monkeypatch, per_row=True)
    monkeypatch.setattr(bulk_module, "merge_groups", refused)
    fallback = _run(app, monkeypatch, per_row=False)
    for part in per_row:
        assert fallback[part] == per_row[part], part


def test_twins_paired_with_each_other_are_merged_row_by_row(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused: list[int] = []
    merge_groups = bulk_module.merge_groups

    def watched(session: Any, actor: Any, groups: Any, **kwargs: Any) -> Any:
        try:
            return merge_groups(session, actor, groups, **kwargs)
        except MergesNotApart:
            refused.append(len(groups))
            raise

    def run(per_row: bool) -> tuple[list[Any], list[Any]]:
        org = make_org(app, "per-row" if per_row else "bulk")
        twins = [
            factories.contact(
                org,
                full_name=f"{family} 太郎",
                phones=[{"value": f"090-1000-000{n}", "type": "mobile"}],
                company_name=f"アクメ{n}",
            )["id"]
            for n, family in enumerate(FAMILIES[:2])
        ]
        with session_factory(app)() as session:  # a pair a person left open between the two twins
            session.add(open_pair(org.organization_id, *twins))
            session.commit()
        text = HEADER + "\n".join(LINES[0:6:3]) + "\n"
        body = upload(org, text, mapping=MAPPING)
        assert org.post(f"/api/v1/imports/{body['id']}/commit").status_code == 202
        with monkeypatch.context() as m:
            m.setattr(bulk_module, "merge_groups", watched)
            if per_row:
                rows_one_by_one(m)
            assert run_import(session_factory(app), body["id"]) == "committed"
        labels = {t: f"twin{n}" for n, t in enumerate(twins)}
        state = _state(org, str(body["id"]), labels)
        return state["rows"], state["candidates"]

    bulk = run(per_row=False)
    assert refused == [2]  # the two merges share the pair: the chunk went row by row
    assert [r["result"] for r in bulk[0]] == ["merge", "merge"]
    assert bulk == run(per_row=True)
