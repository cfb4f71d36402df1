"""Shared test factories: create each resource through the HTTP API, a card row in the database, or engine
records in memory.

The HTTP factories post with an ``OrgClient`` (so tests stay end-to-end), merge keyword overrides into
sensible defaults, assert the expected status and return the JSON body.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from werkzeug.test import TestResponse

from contacts.cards.models import Card
from contacts.db import session_factory
from contacts.dedup import ContactRecord, MatchKeys, record_keys
from tests.conftest import OrgClient

CONTACT: dict[str, Any] = {"full_name": "山田 太郎"}
COMPANY: dict[str, Any] = {"name": "株式会社アクメ"}
EVENT: dict[str, Any] = {"name": "Expo 2026"}
OCCURRED_AT = "2026-11-01T10:00:00+09:00"


def _json(resp: TestResponse, status: int = 201) -> dict[str, Any]:
    """Assert the response status and return its JSON body."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    body: dict[str, Any] = resp.get_json()
    return body


def _post(
    org: OrgClient, path: str, payload: dict[str, Any], headers: dict[str, str] | None, status: int = 201
) -> dict[str, Any]:
    """Post ``payload`` to ``path`` and return the created resource."""
    return _json(org.post(path, json=payload, headers=headers or {}), status)


def contact(
    org: OrgClient,
    body: dict[str, Any] | None = None,
    /,
    *,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Create a contact from ``body`` (default: a bare full name) with ``fields`` overriding it."""
    return _post(org, "/api/v1/contacts", {**(CONTACT if body is None else body), **fields}, headers)


def company(
    org: OrgClient,
    body: dict[str, Any] | None = None,
    /,
    *,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Create a company from ``body`` (default: a bare name) with ``fields`` overriding it."""
    return _post(org, "/api/v1/companies", {**(COMPANY if body is None else body), **fields}, headers)


def tag(
    org: OrgClient, name: str = "VIP", *, headers: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    """Create a tag called ``name``."""
    return _post(org, "/api/v1/tags", {"name": name, **fields}, headers)


def event(
    org: OrgClient,
    body: dict[str, Any] | None = None,
    /,
    *,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Create an event from ``body`` (default: a bare name) with ``fields`` overriding it."""
    return _post(org, "/api/v1/events", {**(EVENT if body is None else body), **fields}, headers)


def campaign(
    org: OrgClient, name: str = "Autumn seminar", *, headers: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    """Create a campaign called ``name``."""
    return _post(org, "/api/v1/campaigns", {"name": name, **fields}, headers)


def add_members(org: OrgClient, campaign_id: str, **body: Any) -> dict[str, Any]:
    """Add contacts to a campaign (by ``contact_ids`` or by ``filter``) and return the summary."""
    return _post(org, f"/api/v1/campaigns/{campaign_id}/members", body, None, status=200)


def touchpoint(
    org: OrgClient, contact_id: str, *, headers: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    """Record a touchpoint with ``contact_id`` (default: a meeting on 2026-11-01)."""
    payload = {"contact_id": contact_id, "kind": "meeting", "occurred_at": OCCURRED_AT, **fields}
    return _post(org, "/api/v1/touchpoints", payload, headers)


def merge(org: OrgClient, winner_id: str, loser_ids: list[str], **fields: Any) -> dict[str, Any]:
    """Merge ``loser_ids`` into ``winner_id``."""
    return _post(org, "/api/v1/merges", {"winner_id": winner_id, "loser_ids": loser_ids, **fields}, None)


def webhook(org: OrgClient, url: str, **fields: Any) -> dict[str, Any]:
    """Subscribe a webhook to ``url``."""
    return _post(org, "/api/v1/webhooks", {"url": url, **fields}, None)


def card_row(org: OrgClient, **fields: Any) -> str:
    """Insert a processed card row straight into the database (no image pipeline) and return its id."""
    defaults: dict[str, Any] = {"batch_id": "b", "front_image": "x" * 64, "status": "completed"}
    with org.app.app_context(), session_factory(org.app)() as session:
        row = Card(organization_id=org.organization_id, uploaded_by=org.user_id, **{**defaults, **fields})
        session.add(row)
        session.commit()
        return str(row.id)


_record_ids = count(1)


def record(**fields: Any) -> ContactRecord:
    """Build an in-memory engine record; ``email`` may be a string, ids are generated unless given."""
    email = fields.pop("email", None)
    if email is not None:
        fields["emails"] = (email,)
    fields.setdefault("id", f"r{next(_record_ids)}")
    return ContactRecord(**fields)


def match_keys(**fields: Any) -> MatchKeys:
    """Build an in-memory engine record and return its match keys."""
    return record_keys(record(**fields))


def segment(
    org: OrgClient, name: str = "VIPs", *, headers: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    """Save a segment called ``name`` (default filter: every active contact)."""
    return _post(org, "/api/v1/segments", {"name": name, **fields}, headers)
