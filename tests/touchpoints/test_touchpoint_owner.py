"""Who may record a touchpoint in another user's name: managers and admins, not sales."""

from __future__ import annotations

from tests.conftest import OrgClient
from tests.factories import touchpoint
from tests.touchpoints.test_touchpoints_api import contact

BODY = {"kind": "call", "occurred_at": "2026-11-02T10:00:00Z"}


def test_sales_cannot_record_a_touchpoint_in_another_users_name(org: OrgClient) -> None:
    person, sales = contact(org), org.as_role("sales")
    resp = sales.post(
        "/api/v1/touchpoints", json={"contact_id": person["id"], "user_id": org.user_id, **BODY}
    )
    assert resp.status_code == 403 and resp.mimetype == "application/problem+json"


def test_sales_may_name_themselves(org: OrgClient) -> None:
    person, sales = contact(org), org.as_role("sales")
    resp = sales.post(
        "/api/v1/touchpoints", json={"contact_id": person["id"], "user_id": sales.user_id, **BODY}
    )
    assert resp.status_code == 201 and resp.get_json()["user_id"] == sales.user_id


def test_sales_cannot_move_a_touchpoint_to_another_user(org: OrgClient) -> None:
    sales = org.as_role("sales")
    tp = touchpoint(sales, contact(org)["id"])
    etag = sales.get(f"/api/v1/touchpoints/{tp['id']}").headers["ETag"]
    resp = sales.patch(
        f"/api/v1/touchpoints/{tp['id']}", json={"user_id": org.user_id}, headers={"If-Match": etag}
    )
    assert resp.status_code == 403


def test_a_manager_may_record_a_touchpoint_for_a_sales_user(org: OrgClient) -> None:
    person, sales, manager = contact(org), org.as_role("sales"), org.as_role("manager")
    resp = manager.post(
        "/api/v1/touchpoints", json={"contact_id": person["id"], "user_id": sales.user_id, **BODY}
    )
    assert resp.status_code == 201 and resp.get_json()["user_id"] == sales.user_id
