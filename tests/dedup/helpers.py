"""Factories and a whole-database export for the deduplication service tests."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import or_, select

from contacts.db import session_factory
from contacts.dedup.models import DuplicateCandidate, MatchKey, MatchProfile
from contacts.models import (
    CampaignMember,
    Card,
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Employment,
    Touchpoint,
)
from tests import factories
from tests.conftest import OrgClient

TAKAHASHI: dict[str, Any] = {
    "family_name": "髙橋",
    "given_name": "一郎",
    "name_kana": "タカハシ イチロウ",
    "company_name": "株式会社アクメ",
    "department": "営業部",
    "title": "部長",
    "emails": [{"value": "ichiro.takahashi@acme.co.jp"}],
    "phones": [{"value": "03-1234-5678"}, {"value": "090-1234-5678"}],
    "addresses": [{"postal_code": "100-0001", "value": "東京都千代田区千代田1-1"}],
    "tags": ["展示会2026"],
}
# The same person from another card: old kanji form folded, full-width phone, legal form after the name.
TAKAHASHI_TWIN: dict[str, Any] = {
    "family_name": "高橋",
    "given_name": "一郎",
    "company_name": "アクメ（株）",
    "title": "営業部長",
    "emails": [{"value": "Ichiro.Takahashi@ACME.co.jp"}, {"value": "ichiro@example.jp"}],
    "phones": [{"value": "０９０（１２３４）５６７８"}, {"value": "03-9999-0000"}],
    "addresses": [{"postal_code": "150-0001", "value": "東京都渋谷区神宮前1-1"}],
    "tags": ["セミナー"],
}
SUZUKI: dict[str, Any] = {
    "family_name": "鈴木",
    "given_name": "花子",
    "company_name": "株式会社アクメ",
    "emails": [{"value": "hanako.suzuki@acme.co.jp"}],
    "phones": [{"value": "03-1234-5678"}],
}


def create(org: OrgClient, body: dict[str, Any]) -> dict[str, Any]:
    """Create a contact through the API."""
    return factories.contact(org, body)


def duplicates(org: OrgClient, **params: Any) -> list[dict[str, Any]]:
    """List duplicate candidates."""
    resp = org.get("/api/v1/duplicates", query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["items"]


# An undo puts every value back under a new version (so that the change feed shows the rows change again):
# versions and update times are not part of what it restores.
NEW_ON_UNDO = ("version", "updated_at")


def _rows(session: Any, model: Any, where: Any) -> list[dict[str, Any]]:
    table = model.__table__
    keys = list(table.primary_key.columns)
    rows = session.execute(select(table).where(where).order_by(*keys)).mappings()
    return [{k: v for k, v in r.items() if k not in NEW_ON_UNDO} for r in rows]


def export(app: Flask, contact_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Read every row involved with these contacts, straight from the database."""
    with app.app_context(), session_factory(app)() as session:
        out = {
            "contact": _rows(session, Contact, Contact.id.in_(contact_ids)),
            "touchpoint": _rows(session, Touchpoint, Touchpoint.contact_id.in_(contact_ids)),
            "card": _rows(
                session, Card, or_(Card.contact_id.in_(contact_ids), Card.match_contact_id.in_(contact_ids))
            ),
            "duplicate_candidate": _rows(
                session,
                DuplicateCandidate,
                or_(DuplicateCandidate.a_id.in_(contact_ids), DuplicateCandidate.b_id.in_(contact_ids)),
            ),
        }
        for model in (
            ContactEmail,
            ContactPhone,
            ContactAddress,
            Employment,
            ContactTag,
            CampaignMember,
            MatchKey,
            MatchProfile,
        ):
            out[model.__tablename__] = _rows(session, model, model.contact_id.in_(contact_ids))
        return out


def open_pair(organization_id: str, x_id: str, y_id: str) -> DuplicateCandidate:
    """A pair a reviewer left open between two contacts (``a_id`` the lesser id), not yet added to a session."""
    a_id, b_id = sorted((x_id, y_id))
    return DuplicateCandidate(
        organization_id=organization_id,
        entity="contact",
        a_id=a_id,
        b_id=b_id,
        score=0.5,
        decision="review",
        reasons=[],
        status="open",
    )
