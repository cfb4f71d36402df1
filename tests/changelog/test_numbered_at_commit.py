"""Changes are numbered as their transaction commits, so the organisation's counter is locked only then."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from contacts.bus import Recorded, publish
from contacts.changelog.models import ChangeLogEntry
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import session_factory
from tests import factories
from tests.conftest import OrgClient


def _changed(org: OrgClient, operation: Operation, *ids: str) -> Recorded:
    return Recorded(
        org_id=org.organization_id, actor_id=org.user_id, entity=Entity.CONTACT, ids=ids, operation=operation
    )


def _log(app: Flask, org: OrgClient) -> list[tuple[int, str, str]]:
    with session_factory(app)() as session:
        return [
            (e.seq, e.entity_id, e.operation)
            for e in session.scalars(
                select(ChangeLogEntry)
                .where(ChangeLogEntry.organization_id == org.organization_id)
                .order_by(ChangeLogEntry.seq)
            )
        ]


def _write_statements(app: Flask, org: OrgClient) -> list[str]:
    """Create a contact through the API and return its statements, whitespace folded."""
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    engine = app.extensions["meishi.engine"]
    event.listen(engine, "before_cursor_execute", note)
    try:
        factories.contact(org, full_name="山田 太郎", company_name="Acme")
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return statements


def test_the_counter_is_taken_after_every_other_statement_of_a_write(app: Flask, org: OrgClient) -> None:
    statements = _write_statements(app, org)
    counter = next(i for i, s in enumerate(statements) if "UPDATE organization SET change_seq" in s)
    # its log rows: a statement of their own, or (PostgreSQL) the same one
    assert [s.split()[0] for s in statements[counter + 1 :]] in (["INSERT"], []), statements
    assert _log(app, org)[-1][2] == "created"


def test_on_postgresql_one_statement_takes_the_counter_and_inserts_the_rows(
    app: Flask, org: OrgClient, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has no data-modifying WITH: two statements there")
    before = len(_log(app, org))
    statements = _write_statements(app, org)
    assert "UPDATE organization SET change_seq" in statements[-1], statements
    assert "INSERT INTO change_log" in statements[-1]
    assert not any("change_log" in s for s in statements[:-1])
    log = _log(app, org)
    assert [seq for seq, _, _ in log] == list(range(1, len(log) + 1))  # gap-free, no reuse
    assert {op for _, _, op in log[before:]} == {"created"}  # the contact, and its new company


def test_changes_are_numbered_in_publish_order_at_commit(app: Flask, org: OrgClient) -> None:
    before = len(_log(app, org))
    with session_factory(app)() as session:
        publish(session, _changed(org, Operation.CREATED, "a1", "a2"))
        publish(session, _changed(org, Operation.UPDATED, "b1"))
        session.flush()
        assert len(_log(app, org)) == before  # nothing numbered before the commit
        session.commit()
    log = _log(app, org)[before:]
    assert [(entity_id, op) for _, entity_id, op in log] == [
        ("a1", "created"),
        ("a2", "created"),
        ("b1", "updated"),
    ]
    assert [seq for seq, _, _ in log] == list(range(before + 1, before + 4))


def test_a_rolled_back_savepoint_drops_its_changes_and_a_committed_one_keeps_them(
    app: Flask, org: OrgClient
) -> None:
    before = len(_log(app, org))
    with session_factory(app)() as session:
        publish(session, _changed(org, Operation.CREATED, "kept-outer"))
        with session.begin_nested():
            publish(session, _changed(org, Operation.CREATED, "kept-savepoint"))
        savepoint = session.begin_nested()
        publish(session, _changed(org, Operation.CREATED, "dropped"))
        with session.begin_nested():
            publish(session, _changed(org, Operation.CREATED, "dropped-inner"))
        savepoint.rollback()
        session.commit()
    assert [entity_id for _, entity_id, _ in _log(app, org)[before:]] == ["kept-outer", "kept-savepoint"]


def test_a_rolled_back_transaction_numbers_nothing(app: Flask, org: OrgClient) -> None:
    before = _log(app, org)
    with session_factory(app)() as session:
        publish(session, _changed(org, Operation.CREATED, "never"))
        session.rollback()
        publish(session, _changed(org, Operation.CREATED, "after"))
        session.commit()
    assert [entity_id for _, entity_id, _ in _log(app, org)[len(before) :]] == ["after"]
    assert _log(app, org)[-1][0] == (before[-1][0] if before else 0) + 1
