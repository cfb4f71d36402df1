"""Confirming the card of a person who moved: one history row per job, dated from the exchange, the card's
e-mail and office phone primary, and an older card never overwriting newer values (issue 15, item 18)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from contacts.db import session_factory
from contacts.people.models import ContactEmail, ContactPhone
from contacts.storage import storage_of
from tests import factories
from tests.conftest import OrgClient

OLD_JOB: dict[str, Any] = {
    "family_name": "前田",
    "given_name": "充",
    "company_name": "株式会社旧社",
    "title": "課長",
    "emails": [{"value": "maeda@kyusha.co.jp"}],
    "phones": [{"value": "03-1111-2222", "type": "work"}],
}
NEW_CARD = {
    "name": "前田 充",
    "company": "株式会社新社",
    "title": "部長",
    "email": "m.maeda@shinsha.co.jp",
    "phone": "03-3333-4444",
}
OLDER_CARD = {
    "name": "前田 充",
    "company": "株式会社古社",
    "title": "係長",
    "email": "maeda@kosha.co.jp",
    "phone": "03-5555-6666",
}


MAEDA = {
    "family_name": "前田",
    "given_name": "充",
    "company_name": "株式会社旧社",
    "title": "課長",
    "phones": [{"value": "090-9098-9568", "type": "mobile"}],
}


def _card(org: OrgClient, fields: dict[str, str], *, contact_id: str, exchanged_at: str) -> str:
    """A card waiting for review, read as ``fields``, that the reviewer matched to ``contact_id``."""
    key = storage_of(org.app).put(f"card {sorted(fields.items())} {exchanged_at}".encode(), extension="jpg")
    return factories.card_row(
        org,
        front_image=key,
        status="needs_review",
        match_contact_id=contact_id or None,
        exchanged_at=datetime.fromisoformat(exchanged_at),
        fields={k: {"value": v, "confidence": 0.99, "box": None, "side": "front"} for k, v in fields.items()},
    )


def _confirm(org: OrgClient, card_id: str) -> None:
    resp = org.post(f"/api/v1/cards/{card_id}/confirm")
    assert resp.status_code == 200, resp.get_data(as_text=True)


@pytest.fixture
def moved(org: OrgClient) -> str:
    """A contact at the old company who handed over the card of the new job on 2026-10-01 (Tokyo time)."""
    contact = factories.contact(org, OLD_JOB)
    _confirm(org, _card(org, NEW_CARD, contact_id=contact["id"], exchanged_at="2026-10-01T10:00:00+09:00"))
    return str(contact["id"])


def _history(org: OrgClient, contact_id: str) -> list[dict[str, Any]]:
    return list(org.get(f"/api/v1/contacts/{contact_id}/employment").get_json()["items"])


def test_a_job_change_adds_exactly_one_history_row(org: OrgClient, moved: str) -> None:
    history = _history(org, moved)
    assert [(h["company"]["name"], h["title"], h["ended_at"] is None) for h in history] == [
        ("株式会社新社", "部長", True),
        ("株式会社旧社", "課長", False),
    ]


def test_the_job_change_is_dated_from_the_exchange(org: OrgClient, moved: str) -> None:
    new, old = _history(org, moved)
    assert new["started_at"] == "2026-10-01T01:00:00Z" and old["ended_at"] == "2026-10-01T01:00:00Z"


def test_the_cards_email_and_office_phone_become_primary(org: OrgClient, moved: str) -> None:
    contact = org.get(f"/api/v1/contacts/{moved}").get_json()
    assert [e["value"] for e in contact["emails"] if e["primary"]] == ["m.maeda@shinsha.co.jp"]
    assert [p["value"] for p in contact["phones"] if p["primary"]] == ["03-3333-4444"]


def test_the_old_email_and_phone_stay_with_their_source(org: OrgClient, moved: str) -> None:
    with session_factory(org.app)() as session:
        rows = [
            *session.scalars(select(ContactEmail).where(ContactEmail.contact_id == moved)),
            *session.scalars(select(ContactPhone).where(ContactPhone.contact_id == moved)),
        ]
        held = {r.value: (r.primary, r.source_type) for r in rows}
    assert held == {
        "maeda@kyusha.co.jp": (False, "api"),
        "03-1111-2222": (False, "api"),
        "m.maeda@shinsha.co.jp": (True, "card"),
        "03-3333-4444": (True, "card"),
    }


def test_an_older_card_does_not_overwrite_newer_values(org: OrgClient, moved: str) -> None:
    before = org.get(f"/api/v1/contacts/{moved}").get_json()
    _confirm(org, _card(org, OLDER_CARD, contact_id=moved, exchanged_at="2025-04-01T10:00:00+09:00"))
    after = org.get(f"/api/v1/contacts/{moved}").get_json()
    assert (after["company"]["name"], after["title"]) == ("株式会社新社", "部長")
    assert [e["value"] for e in after["emails"] if e["primary"]] == ["m.maeda@shinsha.co.jp"]
    assert [p["value"] for p in after["phones"] if p["primary"]] == ["03-3333-4444"]
    assert "maeda@kosha.co.jp" in {e["value"] for e in after["emails"]}  # kept, as history
    assert [h["company"]["name"] for h in _history(org, moved) if h["ended_at"] is None] == ["株式会社新社"]
    assert before["company"] == after["company"]


def test_a_card_folded_into_its_twin_by_the_matcher_adds_one_history_row(org: OrgClient) -> None:
    made = factories.contact(org, MAEDA)
    card_id = _card(
        org,
        {
            "name": "前田 充",
            "company": "株式会社新社",
            "title": "部長",
            "mobile": "090-9098-9568",
            "email": "m.maeda@shinsha.co.jp",
        },
        contact_id="",
        exchanged_at="2026-10-01T10:00:00+09:00",
    )
    _confirm(org, card_id)
    assert org.get(f"/api/v1/cards/{card_id}").get_json()["contact_id"] == made["id"]
    history = _history(org, made["id"])
    assert [(h["company"]["name"], h["ended_at"] is None) for h in history] == [
        ("株式会社新社", True),
        ("株式会社旧社", False),
    ]
    assert history[0]["started_at"] == "2026-10-01T01:00:00Z"


def test_an_older_card_folded_in_by_the_matcher_does_not_overwrite_the_newer_job(org: OrgClient) -> None:
    made = factories.contact(org, MAEDA)
    newer = _card(
        org,
        {"name": "前田 充", "company": "株式会社新社", "title": "部長", "mobile": "090-9098-9568"},
        contact_id="",
        exchanged_at="2026-10-01T10:00:00+09:00",
    )
    _confirm(org, newer)
    older = _card(
        org,
        {"name": "前田 充", "company": "株式会社古社", "title": "係長", "mobile": "090-9098-9568"},
        contact_id="",
        exchanged_at="2025-04-01T10:00:00+09:00",
    )
    _confirm(org, older)
    assert org.get(f"/api/v1/cards/{older}").get_json()["contact_id"] == made["id"]
    contact = org.get(f"/api/v1/contacts/{made['id']}").get_json()
    assert (contact["company"]["name"], contact["title"]) == ("株式会社新社", "部長")
    assert [h["company"]["name"] for h in _history(org, made["id"]) if h["ended_at"] is None] == [
        "株式会社新社"
    ]
