"""Marketing records touchpoints of the online kinds only; a bulk touchpoint (a mass mailing) does not make its
user know the person in relationships."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import OrgClient
from tests.factories import OCCURRED_AT


def contact(org: OrgClient) -> str:
    return str(factories.contact(org)["id"])


@pytest.mark.parametrize(
    "kind", ["email", "webinar", "web_inquiry", "document_request", "direct_mail", "sns"]
)
def test_marketing_records_online_kinds(org: OrgClient, kind: str) -> None:
    resp = org.as_role("marketing").post(
        "/api/v1/touchpoints", json={"contact_id": contact(org), "kind": kind, "occurred_at": OCCURRED_AT}
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["meeting", "visit", "call", "card_exchange"])
def test_marketing_may_not_record_meetings(org: OrgClient, kind: str) -> None:
    resp = org.as_role("marketing").post(
        "/api/v1/touchpoints", json={"contact_id": contact(org), "kind": kind, "occurred_at": OCCURRED_AT}
    )
    assert resp.status_code == 403 and resp.content_type == "application/problem+json"


def test_marketing_may_not_edit_touchpoints(org: OrgClient) -> None:
    point = factories.touchpoint(org, contact(org), kind="email")
    resp = org.as_role("marketing").patch(f"/api/v1/touchpoints/{point['id']}", json={"summary": "x"})
    assert resp.status_code == 403


def test_a_bulk_touchpoint_does_not_make_its_user_know_the_person(org: OrgClient) -> None:
    who = contact(org)
    factories.touchpoint(org, who, kind="email", bulk=True)
    body = org.get(f"/api/v1/contacts/{who}/relationship").get_json()
    assert body["known_by"] == [] and body["touchpoints"]["total"] == 1


def test_a_single_touchpoint_makes_its_user_know_the_person(org: OrgClient) -> None:
    who = contact(org)
    factories.touchpoint(org, who, kind="email")
    body = org.get(f"/api/v1/contacts/{who}/relationship").get_json()
    assert [a["user_id"] for a in body["known_by"]] == [org.user_id]


def test_bulk_endpoint_records_one_bulk_touchpoint_per_contact(org: OrgClient) -> None:
    a, b = contact(org), contact(org)
    resp = org.post(
        "/api/v1/touchpoints/bulk", json={"contact_ids": [a, b], "kind": "email", "occurred_at": OCCURRED_AT}
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.get_json()["created"] == 2
    points = org.get("/api/v1/touchpoints").get_json()["items"]
    assert sorted((p["contact_id"], p["bulk"]) for p in points) == sorted([(a, True), (b, True)])
    assert org.get(f"/api/v1/contacts/{a}/relationship").get_json()["known_by"] == []


def test_bulk_endpoint_refuses_an_unknown_contact(org: OrgClient) -> None:
    resp = org.post(
        "/api/v1/touchpoints/bulk",
        json={"contact_ids": [contact(org), "nope"], "kind": "email", "occurred_at": OCCURRED_AT},
    )
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "contact_ids"
    assert org.get("/api/v1/touchpoints").get_json()["items"] == []
