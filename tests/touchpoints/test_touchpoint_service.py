"""record_touchpoint: the service the card ingest calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import InstrumentedAttribute

from contacts.db import session_factory
from contacts.errors import Conflict, ValidationFailed
from contacts.people.models import Contact
from contacts.provenance import Actor
from contacts.touchpoints import service
from contacts.touchpoints.models import Touchpoint
from contacts.touchpoints.schemas import TouchpointOut
from tests import factories
from tests.conftest import OrgClient

WHEN = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def _contact(org: OrgClient, **body: object) -> str:
    return str(factories.contact(org, {"family_name": "山田", "given_name": "太郎", **body})["id"])


def test_record_touchpoint_defaults_channel_company_and_title(app: Flask, org: OrgClient) -> None:
    cid = _contact(org, company_name="株式会社テスト", title="部長")
    with app.app_context(), session_factory(app)() as session:
        actor = Actor(org.organization_id, org.user_id)
        tp = service.record_touchpoint(
            session,
            actor,
            contact=session.get_one(Contact, cid),
            kind="card_exchange",
            occurred_at=WHEN,
            source="card",
            card_id="C1",
        )
        session.commit()
        assert (tp.channel, tp.company_name_at_time, tp.title_at_time) == (
            "offline",
            "株式会社テスト",
            "部長",
        )
        assert tp.user_id == org.user_id
    r = org.get(f"/api/v1/contacts/{cid}/touchpoints")
    assert r.status_code in (200, 404)


def test_record_touchpoint_online_kind_defaults_online(app: Flask, org: OrgClient) -> None:
    cid = _contact(org)
    with app.app_context(), session_factory(app)() as session:
        tp = service.record_touchpoint(
            session,
            Actor(org.organization_id, org.user_id),
            contact=session.get_one(Contact, cid),
            kind="webinar",
            occurred_at=WHEN,
            source="api",
        )
        assert tp.channel == "online"
        session.rollback()


def test_record_touchpoint_duplicate_external_id_conflicts(app: Flask, org: OrgClient) -> None:
    cid = _contact(org)
    with app.app_context(), session_factory(app)() as session:
        actor = Actor(org.organization_id, org.user_id)
        contact = session.get_one(Contact, cid)
        service.record_touchpoint(
            session, actor, contact=contact, kind="call", occurred_at=WHEN, source="api", external_id="crm-1"
        )
        with pytest.raises(Conflict):
            service.record_touchpoint(
                session,
                actor,
                contact=contact,
                kind="call",
                occurred_at=WHEN,
                source="api",
                external_id="crm-1",
            )
        session.rollback()


def test_record_touchpoint_rejects_unknown_kind(app: Flask, org: OrgClient) -> None:
    cid = _contact(org)
    with app.app_context(), session_factory(app)() as session, pytest.raises(ValidationFailed):
        service.record_touchpoint(
            session,
            Actor(org.organization_id, org.user_id),
            contact=session.get_one(Contact, cid),
            kind="telepathy",
            occurred_at=WHEN,
            source="api",
        )


def test_record_touchpoint_on_deleted_contact_conflicts(app: Flask, org: OrgClient) -> None:
    cid = _contact(org)
    assert org.delete(f"/api/v1/contacts/{cid}").status_code == 204
    with app.app_context(), session_factory(app)() as session, pytest.raises(Conflict):
        service.record_touchpoint(
            session,
            Actor(org.organization_id, org.user_id),
            contact=session.get_one(Contact, cid),
            kind="call",
            occurred_at=WHEN,
            source="api",
        )


def test_record_touchpoint_on_merged_contact_names_the_winner(app: Flask, org: OrgClient) -> None:
    winner, loser = _contact(org), _contact(org, given_name="次郎")
    with app.app_context(), session_factory(app)() as session:
        contact = session.get_one(Contact, loser)
        contact.status, contact.merged_into_id = "merged", winner
        with pytest.raises(Conflict, match=winner):
            service.record_touchpoint(
                session,
                Actor(org.organization_id, org.user_id),
                contact=contact,
                kind="call",
                occurred_at=WHEN,
                source="api",
            )
        session.rollback()


def test_record_touchpoint_stores_occurred_at_in_utc(app: Flask, org: OrgClient) -> None:
    cid = _contact(org)
    local = datetime.fromisoformat("2026-11-01T18:30:00+09:00")
    with app.app_context(), session_factory(app)() as session:
        tp = service.record_touchpoint(
            session,
            Actor(org.organization_id, org.user_id),
            contact=session.get_one(Contact, cid),
            kind="call",
            occurred_at=local,
            source="import",
        )
        assert tp.occurred_at == local and tp.occurred_at.utcoffset() == timedelta(0)
        session.rollback()


def test_a_racing_duplicate_external_id_conflicts_and_leaves_the_transaction_usable(
    app: Flask, org: OrgClient, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip(
            "SQLite lets one writer at a time: the other transaction cannot commit in the race window"
        )
    cid = _contact(org)
    actor = Actor(org.organization_id, org.user_id)
    make = session_factory(app)

    def commit_the_same_external_id_first(*_args: object) -> None:
        with make() as other:
            service.record_touchpoint(
                other,
                actor,
                contact=other.get_one(Contact, cid),
                kind="call",
                occurred_at=WHEN,
                source="api",
                external_id="crm-race",
            )
            other.commit()

    with app.app_context(), make() as session:
        contact = session.get_one(Contact, cid)
        kept = service.record_touchpoint(
            session, actor, contact=contact, kind="meeting", occurred_at=WHEN, source="api"
        )
        # The other transaction commits after this one checked that the external_id was free.
        event.listen(session, "before_flush", commit_the_same_external_id_first, once=True)
        with pytest.raises(Conflict):
            service.record_touchpoint(
                session,
                actor,
                contact=contact,
                kind="call",
                occurred_at=WHEN,
                source="api",
                external_id="crm-race",
            )
        session.commit()
        kept_id = kept.id
    with app.app_context(), make() as session:
        stored = session.scalars(select(Touchpoint).where(Touchpoint.contact_id == cid)).all()
        assert sorted((tp.kind, tp.external_id) for tp in stored) == [("call", "crm-race"), ("meeting", None)]
        assert kept_id in {tp.id for tp in stored}


def test_a_loaded_touchpoint_serialises_without_the_orm_descriptors(
    app: Flask, org: OrgClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a page of touchpoints is read whole: serialising it reads the loaded values, not 20 descriptors per item
    cid = _contact(org, company_name="株式会社テスト", title="部長")
    body = {"contact_id": cid, "kind": "call", "occurred_at": WHEN.isoformat(), "summary": "電話"}
    assert org.post("/api/v1/touchpoints", json=body).status_code == 201
    with app.app_context(), session_factory(app)() as session:
        tp = session.scalars(select(Touchpoint).where(Touchpoint.contact_id == cid)).one()
        reference = TouchpointOut.model_validate(tp, from_attributes=True).model_dump(mode="json")
        descriptor_reads = []
        get = InstrumentedAttribute.__get__

        def counted(self: InstrumentedAttribute[Any], instance: object, owner: Any) -> Any:
            descriptor_reads.append(self.key)
            return get(self, instance, owner)

        monkeypatch.setattr(InstrumentedAttribute, "__get__", counted)
        assert service.touchpoint_out(tp).model_dump(mode="json") == reference
        assert descriptor_reads == []
        # an expired touchpoint still serialises whole: the descriptors load it
        session.expire(tp, ["summary", "updated_at"])
        assert service.touchpoint_out(tp).model_dump(mode="json") == reference
        assert "summary" in descriptor_reads


def test_a_touchpoint_of_the_actor_does_not_look_the_actor_up(app: Flask, org: OrgClient) -> None:
    # the actor is a user of its organisation; an API request's user is no longer a loaded row to find
    cid = _contact(org)
    with app.app_context(), session_factory(app)() as session:
        contact = session.get_one(Contact, cid)
        asked: list[object] = []
        get = session.get

        def spy(model: Any, ident: Any, **kwargs: Any) -> Any:
            asked.append(model.__name__)
            return get(model, ident, **kwargs)

        session.get = spy  # type: ignore[method-assign]
        actor = Actor(org.organization_id, org.user_id)
        service.record_touchpoint(
            session, actor, contact=contact, kind="call", occurred_at=WHEN, source="api", user_id=org.user_id
        )
        service.record_touchpoint(
            session, actor, contact=contact, kind="call", occurred_at=WHEN, source="api"
        )
    assert "User" not in asked, asked
