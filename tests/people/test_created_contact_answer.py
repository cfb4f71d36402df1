"""The answer to a contact create is made from what the request wrote: its tags and opt-outs are not read
back (bench_load's writes, issue 15 item 11), and what a later statement or a savepoint changes is."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import insert

from contacts.db import session_factory
from contacts.optouts import service as optouts
from contacts.people import service as people
from contacts.people.schemas import ContactCreate
from contacts.provenance import Actor
from contacts.tags import service as tags
from contacts.tags.models import ContactTag
from tests.conftest import OrgClient
from tests.people.test_queries_per_request import counting


def test_creating_a_contact_reads_back_neither_its_tags_nor_its_opt_outs(org: OrgClient) -> None:
    org.post("/api/v1/contacts", json={"full_name": "First"})  # the token's last use, written once a minute
    with counting(org) as statements:
        resp = org.post("/api/v1/contacts", json={"full_name": "Load Test", "company_name": "Acme"})
    assert resp.status_code == 201 and (resp.get_json()["tags"], resp.get_json()["opted_out"]) == ([], [])
    reads = [s for s in statements if "FROM contact_tag" in s or "FROM opt_out " in s]
    assert reads == [], statements


def test_tag_links_written_after_the_create_are_read(app: Flask, org: OrgClient) -> None:
    actor = Actor(organization_id=org.organization_id, user_id=org.user_id)
    with app.app_context(), session_factory(app)() as session:
        contact = people.create_contact(
            session, actor, ContactCreate(full_name="Later Tagged"), actor.source("api")
        )
        [tag] = tags.ensure_tags(session, org.organization_id, ["vip"], may_create=True)
        # a statement, not the unit of work: the notes of the transaction cannot know what it wrote
        session.execute(
            insert(ContactTag).values(
                contact_id=contact.id, tag_id=tag.id, organization_id=org.organization_id
            )
        )
        assert people.contact_out(session, contact).tags == ["vip"]


def test_an_opt_out_a_savepoint_rolled_back_is_not_shown(app: Flask, org: OrgClient) -> None:
    actor = Actor(organization_id=org.organization_id, user_id=org.user_id)
    with app.app_context(), session_factory(app)() as session:
        contact = people.create_contact(
            session, actor, ContactCreate(full_name="Rolled Back"), actor.source()
        )
        savepoint = session.begin_nested()
        optouts.opt_out(session, actor, contact, "email", source="api")
        savepoint.rollback()
        assert people.contact_out(session, contact).opted_out == []
