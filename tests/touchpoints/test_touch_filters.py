"""Contact lists by when we last reached people: touched_since, not_touched_since and touch_kind."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.conftest import OrgClient
from tests.factories import touchpoint
from tests.touchpoints.test_relationships import days_ago
from tests.touchpoints.test_touchpoints_api import contact


def names(org: OrgClient, **query: Any) -> list[str]:
    resp = org.get("/api/v1/contacts", query_string=query)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return sorted(c["full_name"] for c in resp.get_json()["items"])


def people(org: OrgClient) -> None:
    """Emailed lately, called lately, met long ago, never touched."""
    emailed, called, old = (contact(org, full_name=n)["id"] for n in ("Emailed", "Called", "Old"))
    contact(org, full_name="Never")
    touchpoint(org, emailed, kind="email", occurred_at=days_ago(2))
    touchpoint(org, called, kind="call", occurred_at=days_ago(3))
    touchpoint(org, old, kind="meeting", occurred_at=days_ago(200))


def test_touched_since_keeps_the_contacts_reached_lately(org: OrgClient) -> None:
    people(org)
    assert names(org, touched_since=days_ago(7)) == ["Called", "Emailed"]


def test_not_touched_since_leaves_out_the_contacts_reached_lately(org: OrgClient) -> None:
    people(org)
    assert names(org, not_touched_since=days_ago(7)) == ["Never", "Old"]


def test_touch_kind_narrows_the_time_filter(org: OrgClient) -> None:
    people(org)
    assert names(org, not_touched_since=days_ago(7), touch_kind="email") == ["Called", "Never", "Old"]


def test_touch_kind_alone_is_a_validation_error(org: OrgClient) -> None:
    resp = org.get("/api/v1/contacts", query_string={"touch_kind": "email"})
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"


def test_bulk_tagging_takes_the_touch_filters(org: OrgClient) -> None:
    people(org)
    tag = factories.tag(org, "Rest")
    resp = org.post(
        f"/api/v1/tags/{tag['id']}/contacts", json={"filter": {"not_touched_since": days_ago(30)}}
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert names(org, tag="Rest") == ["Never", "Old"]
