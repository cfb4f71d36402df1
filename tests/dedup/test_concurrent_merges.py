"""Two merges of one contact at the same time: one wins, the other is refused (row locks on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from flask import Flask

from contacts.db import session_factory
from contacts.dedup import merge_many
from contacts.errors import Conflict
from contacts.people.models import Contact
from contacts.provenance import Actor
from tests.conftest import OrgClient
from tests.dedup.helpers import TAKAHASHI, TAKAHASHI_TWIN, create


def test_concurrent_merges_of_one_loser_serialise(app: Flask, org: OrgClient, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers by BEGIN IMMEDIATE already")
    a, b, loser = create(org, TAKAHASHI), create(org, TAKAHASHI_TWIN), create(org, {**TAKAHASHI, "tags": []})
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(winner_id: str) -> None:
        with app.app_context(), session_factory(app)() as session:
            actor = Actor(organization_id=org.organization_id, user_id=org.user_id)
            barrier.wait()
            try:
                merge_many.merge_contacts(session, actor, winner_id, [loser["id"]])
                session.commit()
                outcomes.append("merged")
            except Conflict:
                session.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=run, args=(w,)) for w in (a["id"], b["id"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "merged"]
    with app.app_context(), session_factory(app)() as session:
        row = session.get(Contact, loser["id"])
        assert row is not None and row.status == "merged" and row.merged_into_id in (a["id"], b["id"])
