"""contacts.bulkinsert.insert_rows writes rows as an executemany of INSERTs would, with a COPY on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Table, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contacts import bulkinsert
from contacts.changelog.models import ChangeLogEntry
from contacts.db import Base, noted, session_factory, transaction_notes
from contacts.dedup.models import MatchKey, MatchProfile
from contacts.people.models import Contact, ContactEmail
from contacts.status import RecordStatus
from tests.conftest import make_org

# Text COPY's format escapes these (tab, newline, carriage return, backslash, its own "\N" for NULL).
AWKWARD = [
    "tab\there",
    "new\nline\r\n",
    "back\\slash",
    "\\N",
    "NULL",
    "",
    "quotes ' \" `",
    "小川 健 \U0001f600",
]
JST = timezone(timedelta(hours=9))


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with app.app_context(), session_factory(app)() as session:
        yield session
        session.rollback()


@pytest.fixture
def org_id(app: Flask) -> str:
    return make_org(app).organization_id


def _postgresql(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")


def _contact(org_id: str, text: str) -> Contact:
    return Contact(
        organization_id=org_id,
        full_name=text,
        family_name=text,
        notes=text,
        field_sources={"full_name": {"type": "import", "id": text, "at": "2026-11-25T10:00:00+00:00"}},
        search_text=text,
        search_grams=[text, "{}", ",", '"', "\\", "NULL"],
        over_contacted_until=datetime(2026, 11, 25, 19, 30, 1, 123456, tzinfo=JST),
        version=3,
        status=RecordStatus.DELETED,  # a StrEnum as the services set it
    )


def _rows(model: type[Base], org_id: str, contact_ids: list[str]) -> list[dict[str, Any]]:
    """Rows of ``model`` with every kind of value it holds, one per awkward text."""
    if model is Contact:
        return bulkinsert.object_rows(_contact(org_id, text) for text in AWKWARD)
    if model is ContactEmail:
        objects = [
            ContactEmail(
                organization_id=org_id,
                contact_id=contact_ids[0],
                value=text,
                value_normalized=text.lower(),
                primary=i == 0,
                position=i,
                source_id=None if i % 2 else text,
            )
            for i, text in enumerate(AWKWARD)
        ]
        return bulkinsert.object_rows(objects)
    if model is MatchKey:
        return [
            {"contact_id": contact_ids[0], "key": f"{i}:{text}", "organization_id": org_id}
            for i, text in enumerate(AWKWARD)
        ]
    if model is MatchProfile:
        return [
            {
                "contact_id": contact_id,
                "organization_id": org_id,
                "keys": {"names": AWKWARD, "n": i, "none": None},
            }
            for i, contact_id in enumerate(contact_ids)
        ]
    assert model is ChangeLogEntry
    return bulkinsert.object_rows(
        ChangeLogEntry(
            organization_id=org_id,
            seq=i,
            entity="contact",
            entity_id=contact_ids[0],
            operation="update",
            actor_id=None,
            data={"changes": {"notes": [None, text]}, "float": 1.5e-7, "big": 12345678901234567890},
        )
        for i, text in enumerate(AWKWARD)
    )


def _contacts(session: Session, org_id: str, n: int = 2) -> list[str]:
    contacts = [Contact(organization_id=org_id, full_name=f"c{i}") for i in range(n)]
    session.add_all(contacts)
    session.flush()
    return [c.id for c in contacts]


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _read(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Read back the columns ``rows`` named, in their order (by primary key)."""
    table = _table(model)
    pk = list(table.primary_key.columns)
    got = {
        tuple(r[c.key] for c in pk): r
        for r in session.execute(
            select(*table.c).where(table.c.organization_id == rows[0]["organization_id"])
        )
        .mappings()
        .all()
    }
    if pk[0].key == "id" and "id" not in rows[0]:  # a sequence's id: the rows in their order of insertion
        return [{k: r[k] for k in rows[0]} for _, r in sorted(got.items())]
    return [{k: got[tuple(row[c.key] for c in pk)][k] for k in row} for row in rows]


MODELS = [Contact, ContactEmail, MatchKey, MatchProfile, ChangeLogEntry]


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_rows_read_back_as_written(session: Session, org_id: str, model: type[Base]) -> None:
    rows = _rows(model, org_id, _contacts(session, org_id))
    bulkinsert.insert_rows(session, model, rows)
    assert _read(session, model, rows) == rows


@pytest.mark.parametrize("model", MODELS, ids=[m.__name__ for m in MODELS])
def test_copy_writes_what_the_executemany_writes(
    app: Flask, session: Session, org_id: str, model: type[Base], monkeypatch: pytest.MonkeyPatch
) -> None:
    _postgresql(session)
    other = make_org(app, "other").organization_id
    copied = _rows(model, org_id, _contacts(session, org_id))
    executed = _rows(model, other, _contacts(session, other))
    bulkinsert.insert_rows(session, model, copied)
    monkeypatch.setattr(bulkinsert, "_copies", lambda _session: False)
    bulkinsert.insert_rows(session, model, executed)
    differ = {
        "id",
        "uid",
        "organization_id",
        "contact_id",
        "entity_id",
        "created_at",
        "updated_at",
        "occurred_at",
    }

    def same(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k not in differ} for r in rows]

    assert same(_read(session, model, copied)) == same(_read(session, model, executed))


def test_postgresql_gets_a_copy_not_inserts(session: Session, org_id: str) -> None:
    _postgresql(session)
    rows = _rows(ContactEmail, org_id, _contacts(session, org_id))
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        bulkinsert.insert_rows(session, ContactEmail, rows)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert statements == []
    assert len(_read(session, ContactEmail, rows)) == len(AWKWARD)


def test_a_json_column_left_out_is_sql_null(session: Session, org_id: str) -> None:
    rows = bulkinsert.object_rows([_contact(org_id, "x"), _contact(org_id, "y")])
    assert "over_contacted_rule" not in rows[0]
    bulkinsert.insert_rows(session, Contact, rows)
    ids = [r["id"] for r in rows]
    nulls = session.scalar(
        select(func.count()).where(Contact.id.in_(ids), Contact.__table__.c.over_contacted_rule.is_(None))
    )
    assert nulls == 2


def test_none_is_null(session: Session, org_id: str) -> None:
    contact_id = _contacts(session, org_id)[0]
    emails = [
        ContactEmail(
            organization_id=org_id, contact_id=contact_id, value=v, value_normalized=v, source_id=None
        )
        for v in ("a@example.com", "b@example.com")
    ]
    bulkinsert.insert_rows(session, ContactEmail, bulkinsert.object_rows(emails))
    nulls = session.scalar(
        select(func.count()).where(ContactEmail.contact_id == contact_id, ContactEmail.source_id.is_(None))
    )
    assert nulls == 2


def test_a_rolled_back_transaction_keeps_none_of_the_rows(session: Session, org_id: str, app: Flask) -> None:
    rows = _rows(ContactEmail, org_id, _contacts(session, org_id))
    bulkinsert.insert_rows(session, ContactEmail, rows)
    session.rollback()
    with session_factory(app)() as other:
        assert other.scalar(select(func.count()).where(ContactEmail.organization_id == org_id)) == 0


def test_the_notes_of_the_table_written_are_forgotten(session: Session, org_id: str) -> None:
    rows = _rows(ContactEmail, org_id, _contacts(session, org_id))
    transaction_notes(session, "emails", ("contact_email",))["x"] = 1
    transaction_notes(session, "phones", ("contact_phone",))["x"] = 1
    bulkinsert.insert_rows(session, ContactEmail, rows)
    assert noted(session, "emails") == {}
    assert noted(session, "phones") == {"x": 1}


def test_a_duplicate_key_raises_integrity_error(session: Session, org_id: str) -> None:
    rows = _rows(MatchKey, org_id, _contacts(session, org_id))
    with pytest.raises(IntegrityError):
        bulkinsert.insert_rows(session, MatchKey, [*rows, rows[0]])
