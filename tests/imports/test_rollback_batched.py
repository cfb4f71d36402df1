"""An import's merges undone together leave the database as undoing them one by one does.

Each case rolls the same committed import back twice in one database: with merges undone together (the
rollback's ``MERGES``), then one at a time by the general undo (``MERGES = 1``), rolling the transaction back
after each; every row of every table of the organisation, and the change log's entries, must come out equal.
Timestamps the rollback wrote are compared as "written by the rollback".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Integer, Table, select
from sqlalchemy.orm import Session

from contacts.changelog import service as changelog
from contacts.changelog.models import ChangeLogEntry
from contacts.db import Base, session_factory, utcnow
from contacts.dedup import undo_many
from contacts.errors import Conflict
from contacts.imports import rollback
from contacts.imports.models import ContactImport, ImportRow
from contacts.provenance import Actor
from tests import factories
from tests.conftest import OrgClient
from tests.imports.helpers import SALESFORCE, imported, rows

State = tuple[dict[str, list[str]], list[tuple[str, str, str, str]], str | None]

#: Twins by family name: (given name, mobile).
TWINS = {
    "山田": ("太郎", "090-1111-0001"),
    "鈴木": ("一郎", "090-1111-0002"),
    "高橋": ("花子", "090-1111-0003"),
    "田中": ("次郎", "090-1111-0004"),
    "伊藤": ("美咲", "090-1111-0005"),
}


def _twins(org: OrgClient) -> dict[str, dict[str, Any]]:
    return {
        family: factories.contact(
            org,
            full_name=f"{family} {given}",
            family_name=family,
            given_name=given,
            emails=[{"value": f"{family_romaji}@work.example"}],
            phones=[{"value": mobile, "type": "mobile"}],
            company_name="アクメ",
            title="課長",
        )
        for family_romaji, (family, (given, mobile)) in zip(
            ("yamada", "suzuki", "takahashi", "tanaka", "ito"), TWINS.items(), strict=True
        )
    }


def _merge_line(family: str, email: str) -> str:
    given, mobile = TWINS[family]
    return f"{given},{family},アクメ,,,{email},,{mobile},,,,\n"


def _update_line(family: str, romaji: str, title: str) -> str:
    given, _ = TWINS[family]
    return f"{given},{family},アクメ,{title},,{romaji}@work.example,,,,,,\n"


def _lines() -> str:
    return SALESFORCE + "".join(
        [
            "健太,木村,ベータ,,,kimura@beta.example,,,,,,\n",  # created
            _merge_line("鈴木", "ichiro@first.example"),  # a merge into a twin ...
            _update_line("鈴木", "suzuki", "部長"),  # ... that a later row updates ...
            _merge_line("鈴木", "suzuki@home.example"),  # ... and a later one merges into again
            _merge_line("山田", "yamada1@home.example"),  # two merges into one twin (the second below)
            _merge_line("高橋", "takahashi@home.example"),  # merges of their own
            _merge_line("田中", "tanaka@home.example"),
            _merge_line("伊藤", "ito@home.example"),
            _merge_line("山田", "taro@private.example"),
            "陽子,林,ベータ,,,hayashi@beta.example,,,,,,\n",  # created
        ]
    )


def _table_rows(session: Session, table: Table, org_id: str, since: datetime) -> list[str]:
    """The table's rows of the organisation as sorted text, timestamps from ``since`` on as one mark, without
    numbers a sequence gave (a rolled-back transaction does not give them back)."""
    numbered = {c.name for c in table.primary_key.columns if isinstance(c.type, Integer) and c.autoincrement}
    query = select(*(c for c in table.columns if c.name not in numbered))
    if "organization_id" in table.c:
        query = query.where(table.c.organization_id == org_id)
    elif table.name == "organization":
        query = query.where(table.c.id == org_id)
    out = []
    for row in session.execute(query).mappings():
        values = {
            k: "<written by the rollback>" if isinstance(v, datetime) and v >= since else v
            for k, v in row.items()
        }
        out.append(repr(sorted(values.items())))
    return sorted(out)


def _rolled_back(org: OrgClient, import_id: str, merges: int, monkeypatch: pytest.MonkeyPatch) -> State:
    """Roll the import back with ``merges`` merges at once, read every table, and roll the transaction back."""
    monkeypatch.setattr(rollback, "MERGES", merges)
    with org.app.app_context(), session_factory(org.app)() as session:
        since = utcnow()
        imp = session.get(ContactImport, import_id)
        assert imp is not None
        refused = None
        try:
            rollback.rollback_import(session, Actor(org.organization_id, org.user_id), imp)
        except Conflict as e:
            refused = str(e)
        changelog.write_deferred(session)
        session.flush()
        tables = {
            name: _table_rows(session, table, org.organization_id, since)
            for name, table in Base.metadata.tables.items()
            if name != ChangeLogEntry.__tablename__
        }
        log = sorted(
            (e.entity, e.entity_id, e.operation, repr(sorted((e.data or {}).items())))
            for e in session.scalars(
                select(ChangeLogEntry).where(
                    ChangeLogEntry.organization_id == org.organization_id, ChangeLogEntry.occurred_at >= since
                )
            )
        )
        session.rollback()
    return tables, log, refused


def _same_both_ways(
    org: OrgClient, import_id: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[State, list[int]]:
    """Roll back together and one by one; assert the same outcome; return it and the sizes undone together."""
    together: list[int] = []
    undo = undo_many.undo_contact_merges

    def counted(session: Session, actor: Actor, ops: Any, **options: Any) -> None:
        together.append(len(ops))
        undo(session, actor, ops, **options)

    monkeypatch.setattr(rollback, "undo_contact_merges", counted)
    batched = _rolled_back(org, import_id, 100, monkeypatch)
    one_by_one = _rolled_back(org, import_id, 1, monkeypatch)
    for name in batched[0]:
        assert batched[0][name] == one_by_one[0][name], name
    assert batched[1] == one_by_one[1]
    assert batched[2] == one_by_one[2]
    return batched, together


def _import(org: OrgClient) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    twins = _twins(org)
    done = imported(org, _lines())
    results = [r["result"] for r in rows(org, done["id"])]
    assert results == ["create", "merge", "update", *["merge"] * 6, "create"]
    return done, twins


def test_merges_undone_together_leave_what_one_by_one_leaves(
    org: OrgClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    done, _ = _import(org)
    (tables, log, refused), together = _same_both_ways(org, done["id"], monkeypatch)
    assert refused is None
    assert max(together) >= 3  # the merges of their own went together
    operations = [op for _, _, op, _ in log]
    assert operations.count("contact.merge_undone") == 14  # winner and loser of each of the seven merges
    assert operations.count("deleted") == 9  # the contacts the import created
    assert tables["contact"] and tables["contact_email"]
    assert tables["duplicate_candidate"] == []  # every pair was the import's (the twins make none)


def _merge_into(org: OrgClient, import_id: str, winner_id: str) -> str:
    with org.app.app_context(), session_factory(org.app)() as session:
        merge_id = session.scalar(
            select(ImportRow.merge_id).where(
                ImportRow.import_id == import_id, ImportRow.contact_id == winner_id
            )
        )
        assert merge_id
        return merge_id


def test_a_merge_undone_since_refuses_as_one_by_one_does(
    org: OrgClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    done, twins = _import(org)
    winner = twins["高橋"]["id"]
    resp = org.post(f"/api/v1/merges/{_merge_into(org, done['id'], winner)}/undo")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    (_, log, refused), _ = _same_both_ways(org, done["id"], monkeypatch)
    # The undo gave the winner a new version: the rollback would lose it (as the general undo would).
    assert refused is not None and winner in refused
    assert log == []


def test_a_changed_winner_refuses_the_rollback(org: OrgClient, monkeypatch: pytest.MonkeyPatch) -> None:
    done, twins = _import(org)
    changed = twins["高橋"]["id"]
    resp = org.patch(f"/api/v1/contacts/{changed}", json={"department": "営業部"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    (_, log, refused), _ = _same_both_ways(org, done["id"], monkeypatch)
    assert refused is not None and changed in refused
    assert log == []


def test_merges_sharing_a_contact_are_not_undone_together(org: OrgClient) -> None:
    from contacts.dedup.models import MergeOperation

    done, twins = _import(org)
    with org.app.app_context(), session_factory(org.app)() as session:
        ops = list(
            session.scalars(
                select(MergeOperation)
                .join(ImportRow, ImportRow.merge_id == MergeOperation.id)
                .where(ImportRow.import_id == done["id"], MergeOperation.winner_id == twins["山田"]["id"])
            )
        )
        assert len(ops) == 2
        with pytest.raises(ValueError, match="apart from the others"):
            undo_many.undo_contact_merges(session, Actor(org.organization_id, org.user_id), ops)
