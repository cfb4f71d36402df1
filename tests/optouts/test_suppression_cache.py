"""Whether an organisation keeps suppressions is asked once per transaction, not once per session: a long
session (an import's commit job) sees a suppression another one added after its transaction ended."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from contacts.db import session_factory
from contacts.optouts import suppression
from contacts.provenance import Actor
from tests.conftest import OrgClient


def test_a_suppression_added_elsewhere_is_seen_by_the_next_transaction(app: Flask, org: OrgClient) -> None:
    make = session_factory(app)
    with app.app_context(), make() as long_lived, make() as other:
        assert not suppression.any_kept(long_lived, org.organization_id)
        long_lived.commit()
        actor = Actor(organization_id=org.organization_id, user_id=org.user_id)
        suppression.suppress(other, actor, "email", "a@example.com", ["all"], reason="request")
        other.commit()
        assert suppression.any_kept(long_lived, org.organization_id)


def test_a_savepoint_ending_keeps_the_answer_of_its_transaction(app: Flask, org: OrgClient) -> None:
    asked: list[str] = []
    make = session_factory(app)
    with app.app_context(), make() as session:
        engine = session.get_bind()

        def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            if "opt_out_suppression" in statement:
                asked.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert not suppression.any_kept(session, org.organization_id)
            for _ in range(3):
                with session.begin_nested():
                    assert not suppression.any_kept(session, org.organization_id)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(asked) == 1
