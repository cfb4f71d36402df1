"""The wiring between the domains: the subscriber table, and a card contact matched once."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from contacts.bus import installed
from contacts.db import session_factory
from contacts.dedup import stored
from contacts.people import service as people
from contacts.people.schemas import ContactCreate
from contacts.provenance import Actor
from tests.conftest import OrgClient
from tests.dedup.helpers import TAKAHASHI, TAKAHASHI_TWIN, create

SUBSCRIBERS = [
    ("CardConfirmed", ["contacts.corrections.package.learn_from_confirmation"]),
    ("CompaniesMerged", ["contacts.people.package.show_company", "contacts.dedup.package.contacts_keys"]),
    ("CompanyRenamed", ["contacts.people.package.show_company", "contacts.dedup.package.contacts_keys"]),
    ("CompanyUnlinked", ["contacts.people.package.show_company", "contacts.dedup.package.contacts_keys"]),
    ("CompanyWritten", ["contacts.dedup.package.company_changed"]),
    (
        "ContactMergesMade",
        [
            "contacts.people.package.merges_made",
            "contacts.frequency.package.merges_made",
            "contacts.analytics.package.merges_made",
        ],
    ),
    (
        "ContactMergesUndone",
        [
            "contacts.people.package.merges_undone",
            "contacts.frequency.package.merges_undone",
            "contacts.analytics.package.merges_undone",
        ],
    ),
    (
        "ContactWritten",
        ["contacts.optouts.package.contact_written", "contacts.dedup.package.contact_written"],
    ),
    (
        "ContactsWritten",
        ["contacts.optouts.package.contacts_written", "contacts.dedup.package.contacts_written"],
    ),
    ("EventDeleted", ["contacts.cards.package.unlink_event"]),
    ("MembersUnsubscribed", ["contacts.optouts.package.members_unsubscribed"]),
    (
        "TouchpointsChanged",
        ["contacts.frequency.package.touchpoints_changed", "contacts.analytics.package.touchpoints_changed"],
    ),
]


def test_subscriber_table(app: Flask) -> None:
    table = installed().table()
    print("\nevent -> subscribers, in the order they run")
    for event, subscribers in table:
        print(f"  {event:<16} -> {', '.join(subscribers)}")
    assert table == SUBSCRIBERS


def test_a_new_card_contact_is_matched_once(
    app: Flask, org: OrgClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = create(org, TAKAHASHI)
    calls: list[str] = []
    fetch = stored.fetch_candidates

    def counting(session: Any, org_id: str, keys: Any) -> Any:
        calls.append(keys.id)
        return fetch(session, org_id, keys)

    monkeypatch.setattr(stored, "fetch_candidates", counting)
    with app.app_context(), session_factory(app)() as session:
        actor = Actor(organization_id=org.organization_id, user_id=org.user_id)
        created = people.create_contact(
            session,
            actor,
            ContactCreate.model_validate({**TAKAHASHI_TWIN, "tags": []}),
            actor.source("card", "card-1"),
            auto_merge=True,
        )
        survivor = people.survivor_of(session, created)
        session.commit()
        created_id = created.id
        survivor_id = survivor.id
    assert survivor_id == existing["id"]
    assert calls.count(created_id) == 1


def test_owned_rows_table(app: Flask) -> None:
    from contacts.ownership import installed as owners

    table = owners().table()
    print("\nrows kept per contact: key, dump, move, restore, erase")
    for row in table:
        print("  " + " | ".join(row))
    assert [(key, move != "-", erase != "-") for key, _dump, move, _restore, erase in table] == [
        ("contact_email", False, False),
        ("contact_phone", False, False),
        ("contact_address", False, False),
        ("employment", True, False),
        ("field_correction", False, True),
        ("card", True, True),
        ("contact_tag", True, False),
        ("campaign_member", True, True),
        ("touchpoint", True, True),
        ("opt_out", True, True),
        ("match_key", False, False),
        ("match_profile", False, False),
        ("duplicate_candidate", True, True),
        ("merge_operation", False, True),
        ("idempotency_key", False, True),
    ]
