"""Merges made together: the same rows as making them one by one, each undoable alone, apart or refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from contacts import bus
from contacts.changelog.models import ChangeLogEntry
from contacts.db import session_factory
from contacts.dedup import merge_many
from contacts.dedup.events import ContactMergesMade
from contacts.dedup.matching import match_contact, match_contacts
from contacts.dedup.merge_many import MergesNotApart, merge_contacts, merge_groups
from contacts.dedup.models import DuplicateCandidate, MergeOperation
from contacts.people.models import Contact
from contacts.provenance import Actor
from tests import factories
from tests.conftest import OrgClient, make_org
from tests.dedup.helpers import TAKAHASHI, TAKAHASHI_TWIN, create, duplicates, export, open_pair

ULID = re.compile(r"^[0-9a-z]{26}$")
NOW = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?$")
#: Columns that differ between two organisations (or two runs) for reasons other than the merges.
DROP = frozenset(
    {"uid", "organization_id", "owner_id", "user_id", "created_by", "tagged_by", "uploaded_by", "decided_by"}
)
SATO = {
    "full_name": "佐藤 健",
    "company_name": "ベータ株式会社",
    "emails": [{"value": "ken.sato@beta.co.jp"}],
    "phones": [{"value": "080-1111-0001", "type": "mobile"}],
}
SATO_HOME = {
    "full_name": "佐藤 健",
    "company_name": "ベータ株式会社",
    "title": "課長",
    "emails": [{"value": "ken@home.example"}],
    "phones": [{"value": "080-1111-0001", "type": "mobile"}],
}
SATO_MOVED = {
    "full_name": "佐藤 健",
    "company_name": "ガンマ商事",
    "title": "部長",
    "emails": [{"value": "sato@gamma.co.jp"}],
    "phones": [{"value": "080-1111-0001", "type": "mobile"}],
}
NAKAMURA = {
    "full_name": "中村 愛",
    "company_name": "デルタ工業",
    "emails": [{"value": "ai@delta.co.jp"}],
    "tags": ["VIP"],
}
NAKAMURA_TWIN = {
    "full_name": "中村 愛",
    "company_name": "デルタ工業",
    "title": "主任",
    "emails": [{"value": "ai.nakamura@delta.co.jp"}],
    "tags": ["Expo"],
}


def _world(org: OrgClient) -> tuple[dict[str, str], list[tuple[str, list[str], dict[str, str]]]]:
    """Three merges to make: ids by label, and the groups (winner, losers, field choices)."""
    t1, t2 = create(org, TAKAHASHI), create(org, TAKAHASHI_TWIN)
    factories.touchpoint(org, t1["id"], occurred_at="2026-11-20T10:00:00+09:00")
    factories.touchpoint(org, t2["id"], occurred_at="2026-11-21T10:00:00+09:00")
    factories.card_row(org, contact_id=t2["id"])
    s1, s2, s3 = create(org, SATO), create(org, SATO_HOME), create(org, SATO_MOVED)
    n1, n2 = create(org, NAKAMURA), create(org, NAKAMURA_TWIN)
    labels = {
        c["id"]: name
        for c, name in zip(
            (t1, t2, s1, s2, s3, n1, n2), ("t1", "t2", "s1", "s2", "s3", "n1", "n2"), strict=True
        )
    }
    groups = [
        (t1["id"], [t2["id"]], {}),
        (s1["id"], [s2["id"], s3["id"]], {"company": s3["id"], "title": s3["id"]}),
        (n1["id"], [n2["id"]], {}),
    ]
    return labels, groups


def _canon(value: Any, labels: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {_canon(k, labels): _canon(v, labels) for k, v in sorted(value.items()) if k not in DROP}
    if isinstance(value, list):
        out = [_canon(v, labels) for v in value]
        return sorted(out, key=repr) if all(isinstance(v, dict) for v in value) else out
    if isinstance(value, str):
        return labels.get(value, "id" if ULID.match(value) else "time" if NOW.match(value) else value)
    if hasattr(value, "isoformat"):
        return "time"
    return value


def _merged_state(org: OrgClient, labels: dict[str, str]) -> dict[str, Any]:
    """Every row of the contacts, the merges (with their snapshots) and the change log, without ids."""
    with org.app.app_context(), session_factory(org.app)() as session:
        ops = list(
            session.scalars(
                select(MergeOperation).where(MergeOperation.organization_id == org.organization_id)
            )
        )
        merges = {
            labels[op.winner_id]: _canon([op.loser_ids, op.field_choices, op.snapshot], labels) for op in ops
        }
        merge_labels = {op.id: f"merge-{labels[op.winner_id]}" for op in ops}
        entries = sorted(
            repr(_canon([e.entity, e.entity_id, e.operation, e.data], {**labels, **merge_labels}))
            for e in session.scalars(
                select(ChangeLogEntry).where(ChangeLogEntry.organization_id == org.organization_id)
            )
        )
    return {"rows": _canon(export(org.app, list(labels)), labels), "merges": merges, "entries": entries}


def _actor(org: OrgClient) -> Actor:
    return Actor(organization_id=org.organization_id, user_id=org.user_id)


def test_merges_made_together_store_what_merging_each_in_turn_stores(app: Flask) -> None:
    together, in_turn = make_org(app, "together"), make_org(app, "in turn")
    labels_t, groups_t = _world(together)
    labels_i, groups_i = _world(in_turn)
    with app.app_context(), session_factory(app)() as session:
        ops = merge_groups(session, _actor(together), groups_t, automatic=False)
        assert [op.winner_id for op in ops] == [g[0] for g in groups_t]
        session.commit()
    with app.app_context(), session_factory(app)() as session:
        for winner_id, loser_ids, choices in groups_i:
            merge_contacts(session, _actor(in_turn), winner_id, loser_ids, choices)
        session.commit()
    a, b = _merged_state(together, labels_t), _merged_state(in_turn, labels_i)
    assert a["merges"]["s1"][2]["before"]["employment"]  # snapshots hold rows, not an empty dump
    assert a["rows"]["contact"] and a["rows"]["touchpoint"] and a["rows"]["duplicate_candidate"]
    for part in ("rows", "merges", "entries"):
        assert a[part] == b[part], part


def test_each_merge_made_together_undoes_alone_exactly(app: Flask) -> None:
    org = make_org(app)
    labels, groups = _world(org)
    before = export(app, list(labels))
    with app.app_context(), session_factory(app)() as session:
        ops = [op.id for op in merge_groups(session, _actor(org), groups, automatic=False)]
        session.commit()
    merged = export(app, list(labels))
    resp = org.post(f"/api/v1/merges/{ops[1]}/undo")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    after = export(app, list(labels))
    sato = {i for i, name in labels.items() if name.startswith("s")}
    others = set(labels) - sato

    def naming(rows: list[dict[str, Any]], ids: set[str]) -> list[dict[str, Any]]:
        return [r for r in rows if ids & {v for v in r.values() if isinstance(v, str)}]

    for table, rows in before.items():
        assert naming(after[table], sato) == naming(rows, sato), table
        assert naming(after[table], others) == naming(merged[table], others), table
    for op_id in (ops[0], ops[2]):
        resp = org.post(f"/api/v1/merges/{op_id}/undo")
        assert resp.status_code == 200, resp.get_data(as_text=True)
    assert export(app, list(labels)) == before


def test_merges_sharing_a_contact_are_refused(app: Flask) -> None:
    org = make_org(app)
    _, groups = _world(org)
    shared = [groups[0], (groups[2][0], [groups[0][1][0]], {})]
    with app.app_context(), session_factory(app)() as session:
        with pytest.raises(MergesNotApart):
            merge_groups(session, _actor(org), shared, automatic=False)
        session.rollback()


def test_merges_sharing_a_snapshot_row_are_refused(app: Flask) -> None:
    org = make_org(app)
    _, groups = _world(org)
    with app.app_context(), session_factory(app)() as session:
        session.add(open_pair(org.organization_id, groups[0][0], groups[2][1][0]))
        session.flush()
        with pytest.raises(MergesNotApart):
            merge_groups(session, _actor(org), groups, automatic=False)
        session.rollback()


def test_merges_made_together_publish_one_event_and_log_each_merge(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = make_org(app)
    labels, groups = _world(org)
    published: list[bus.Event] = []
    real = merge_many.publish

    def spy(session: Any, event: bus.Event) -> None:
        published.append(event)
        real(session, event)

    monkeypatch.setattr(merge_many, "publish", spy)
    with app.app_context(), session_factory(app)() as session:
        ops = merge_groups(session, _actor(org), groups, automatic=True)
        session.commit()
        merged = {op.id: [op.winner_id, *op.loser_ids] for op in ops}
    assert [type(e) for e in published] == [ContactMergesMade]
    assert len(published[0].merges) == 3  # type: ignore[attr-defined]
    with app.app_context(), session_factory(app)() as session:
        logged = session.scalars(
            select(ChangeLogEntry).where(
                ChangeLogEntry.organization_id == org.organization_id,
                ChangeLogEntry.operation == "contact.merged",
            )
        ).all()
    assert sorted((e.data["merge_id"], e.entity_id) for e in logged) == sorted(
        (merge_id, i) for merge_id, ids in merged.items() for i in ids
    )
    for e in logged:
        assert e.data["automatic"] is True
        assert ("fields" in e.data) == (e.entity_id == e.data["winner_id"])
    assert len(labels) == len(logged)


def test_contacts_matched_together_are_matched_as_each_alone(app: Flask) -> None:
    org = make_org(app)
    labels, _ = _world(org)
    dismissed = duplicates(org)[0]
    assert org.post(f"/api/v1/duplicates/{dismissed['id']}/dismiss").status_code == 200
    with app.app_context(), session_factory(app)() as session:
        contacts = [session.get(Contact, i) for i in labels]
        assert all(c is not None for c in contacts)
        together = match_contacts(session, org.organization_id, contacts)  # type: ignore[arg-type]
        alone = [match_contact(session, org.organization_id, c) for c in contacts]  # type: ignore[arg-type]
        row = session.get(DuplicateCandidate, dismissed["id"])
        assert row is not None and row.status == "dismissed"
        pair = {row.a_id, row.b_id}
    assert together == alone
    assert sum(len(pairs) for pairs in together) > 0
    assert not [p for pairs in together for p in pairs if {p.a, p.b} == pair]
