"""Relationships (つながり): who on our side knows a person or a company, and how often we reached them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import OrgClient
from tests.factories import touchpoint
from tests.touchpoints.test_touchpoints_api import contact


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def relationship(org: OrgClient, path: str, **query: Any) -> dict[str, Any]:
    resp = org.get(f"/api/v1/{path}/relationship", query_string=query)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()  # type: ignore[no-any-return]


def test_a_contact_without_touchpoints_has_an_empty_relationship(org: OrgClient) -> None:
    person = contact(org)
    rel = relationship(org, f"contacts/{person['id']}")
    assert (
        rel["touchpoints"]["total"] == 0 and rel["touchpoints"]["last_at"] is None and rel["known_by"] == []
    )


def test_counts_cover_all_time_and_the_recent_window(org: OrgClient) -> None:
    person = contact(org)
    touchpoint(org, person["id"], kind="email", occurred_at=days_ago(400))
    touchpoint(org, person["id"], kind="email", occurred_at=days_ago(5))
    touchpoint(org, person["id"], kind="call", occurred_at=days_ago(2))
    summary = relationship(org, f"contacts/{person['id']}")["touchpoints"]
    assert (summary["total"], summary["in_window"], summary["last_kind"]) == (3, 2, "call")
    assert summary["by_kind"] == [
        {"key": "email", "total": 2, "in_window": 1},
        {"key": "call", "total": 1, "in_window": 1},
    ]


def test_the_window_is_the_callers_to_choose(org: OrgClient) -> None:
    person = contact(org)
    touchpoint(org, person["id"], occurred_at=days_ago(400))
    assert relationship(org, f"contacts/{person['id']}", window_days=365 * 2)["touchpoints"]["in_window"] == 1


def test_known_by_lists_our_users_most_recent_first(org: OrgClient) -> None:
    person = contact(org)
    sales = org.as_role("sales")
    touchpoint(org, person["id"], occurred_at=days_ago(30))
    touchpoint(org, person["id"], occurred_at=days_ago(20))
    touchpoint(sales, person["id"], occurred_at=days_ago(1))
    known = relationship(org, f"contacts/{person['id']}")["known_by"]
    assert [(k["user_id"], k["touchpoints"]) for k in known] == [(sales.user_id, 1), (org.user_id, 2)]
    assert known[1]["email"] == "admin@example.com"


def test_a_company_counts_the_people_met_there_even_after_they_moved(org: OrgClient) -> None:
    mover = contact(org, company_name="株式会社アクメ")
    company_id = mover["company"]["id"]
    touchpoint(org, mover["id"], occurred_at=days_ago(10))
    etag = org.get(f"/api/v1/contacts/{mover['id']}").headers["ETag"]
    moved = org.patch(
        f"/api/v1/contacts/{mover['id']}", json={"company_name": "別会社株式会社"}, headers={"If-Match": etag}
    )
    assert moved.status_code == 200
    touchpoint(org, mover["id"], occurred_at=days_ago(1))  # at the new company: not Acme's
    rel = relationship(org, f"companies/{company_id}")
    assert rel["touchpoints"]["total"] == 1
    assert [(c["contact_id"], c["still_there"]) for c in rel["contacts"]] == [(mover["id"], False)]


def test_a_company_lists_whom_we_met_there_most_recent_first(org: OrgClient) -> None:
    first, second = contact(org, full_name="佐藤 一郎"), contact(org, full_name="鈴木 花子")
    touchpoint(org, first["id"], occurred_at=days_ago(9))
    touchpoint(org, second["id"], occurred_at=days_ago(3))
    rel = relationship(org, f"companies/{first['company']['id']}")
    assert [c["full_name"] for c in rel["contacts"]] == ["鈴木 花子", "佐藤 一郎"]
    assert all(c["still_there"] for c in rel["contacts"]) and rel["known_by"][0]["touchpoints"] == 2


def test_marketing_sees_relationships(org: OrgClient) -> None:
    person = contact(org)
    assert org.as_role("marketing").get(f"/api/v1/contacts/{person['id']}/relationship").status_code == 200


def test_a_window_out_of_range_is_a_field_error(org: OrgClient) -> None:
    person = contact(org)
    resp = org.get(f"/api/v1/contacts/{person['id']}/relationship", query_string={"window_days": 0})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "window_days"
