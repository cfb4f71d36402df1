"""Segments over HTTP: CRUD with ETags, dynamic counts, segment_id wherever a filter is, the feed, roles."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from contacts.db import session_factory
from contacts.segments.models import Segment
from tests import factories
from tests.conftest import OrgClient
from tests.factories import contact, segment

URL = "/api/v1/segments"


def tagged(org: OrgClient, name: str, *tags: str) -> dict[str, Any]:
    return contact(org, full_name=name, tags=list(tags))


def feed(org: OrgClient, entity: str) -> list[dict[str, Any]]:
    return org.get("/api/v1/changes", query_string={"entity": entity}).get_json()["items"]  # type: ignore[no-any-return]


def ids_listed(org: OrgClient, **params: Any) -> set[str]:
    resp = org.get("/api/v1/contacts", query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {c["id"] for c in resp.get_json()["items"]}


def test_create_stores_the_filter_and_counts_it(org: OrgClient) -> None:
    tagged(org, "A", "VIP")
    tagged(org, "B")
    created = segment(org, filter={"tag": ["VIP"]}, description="our best")
    assert created["filter"] == {"tag": ["VIP"]}
    assert (created["count"], created["description"], created["stale_references"]) == (1, "our best", [])


def test_count_is_evaluated_when_read(org: OrgClient) -> None:
    seg = segment(org, filter={"tag": ["VIP"]})
    tagged(org, "Later", "VIP")
    assert org.get(f"{URL}/{seg['id']}").get_json()["count"] == 1


def test_list_has_the_standard_shape_and_counts_only_on_request(org: OrgClient) -> None:
    segment(org, "One")
    segment(org, "Two")
    body = org.get(URL, query_string={"limit": 1}).get_json()
    assert set(body) == {"items", "next_cursor"} and body["items"][0]["count"] is None
    rest = org.get(URL, query_string={"cursor": body["next_cursor"], "with_count": "true"}).get_json()
    assert [s["name"] for s in rest["items"]] == ["Two"] and rest["items"][0]["count"] == 0


def test_patch_needs_the_current_etag_and_bumps_the_version(org: OrgClient) -> None:
    seg = segment(org)
    url = f"{URL}/{seg['id']}"
    etag = org.get(url).headers["ETag"]
    ok = org.patch(url, json={"filter": {"q": "山田"}}, headers={"If-Match": etag})
    assert (
        ok.status_code == 200 and ok.get_json()["version"] == 2 and ok.get_json()["filter"] == {"q": "山田"}
    )
    assert org.patch(url, json={"name": "x"}, headers={"If-Match": etag}).status_code == 412


def test_delete_then_get_is_404(org: OrgClient) -> None:
    seg = segment(org)
    url = f"{URL}/{seg['id']}"
    assert org.delete(url, headers={"If-Match": org.get(url).headers["ETag"]}).status_code == 204
    assert org.get(url).status_code == 404


def test_duplicate_name_is_409(org: OrgClient) -> None:
    segment(org)
    assert org.post(URL, json={"name": "VIPs"}).status_code == 409


def test_contact_list_takes_segment_id_and_other_filters_narrow_it(org: OrgClient) -> None:
    a = tagged(org, "Alice", "VIP")
    tagged(org, "Bob", "VIP")
    tagged(org, "Alice Other")
    seg = segment(org, filter={"tag": ["VIP"]})
    assert ids_listed(org, segment_id=seg["id"], q="Alice") == {a["id"]}


def test_unknown_segment_id_in_a_filter_is_422(org: OrgClient, other_org: OrgClient) -> None:
    theirs = segment(other_org)
    resp = org.get("/api/v1/contacts", query_string={"segment_id": theirs["id"]})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "segment_id"


def test_bulk_tag_takes_segment_id(org: OrgClient) -> None:
    a = tagged(org, "A", "VIP")
    tagged(org, "B")
    seg = segment(org, filter={"tag": ["VIP"]})
    target = factories.tag(org, "Gift")
    resp = org.post(f"/api/v1/tags/{target['id']}/contacts", json={"filter": {"segment_id": seg["id"]}})
    assert resp.status_code == 200 and resp.get_json()["changed_ids"] == [a["id"]]


def test_campaign_members_by_filter_take_segment_id(org: OrgClient) -> None:
    a = tagged(org, "A", "VIP")
    tagged(org, "B")
    seg = segment(org, filter={"tag": ["VIP"]})
    campaign = factories.campaign(org)
    result = factories.add_members(org, campaign["id"], filter={"segment_id": seg["id"]})
    assert result["added_ids"] == [a["id"]]


def test_analytics_take_segment_id(org: OrgClient) -> None:
    a = tagged(org, "A", "VIP")
    b = tagged(org, "B")
    for c in (a, b):
        factories.touchpoint(org, c["id"], occurred_at="2026-03-02T10:00:00+09:00")
    seg = segment(org, filter={"tag": ["VIP"]})
    params = {"interval": "month", "from": "2026-03-01", "to": "2026-03-31", "segment_id": seg["id"]}
    body = org.get("/api/v1/analytics/touchpoints", query_string=params).get_json()
    assert (body["touchpoints"], body["contacts"]) == (1, 1)


def test_created_updated_deleted_are_in_the_feed(org: OrgClient) -> None:
    seg = segment(org)
    url = f"{URL}/{seg['id']}"
    org.patch(url, json={"name": "Renamed"}, headers={"If-Match": org.get(url).headers["ETag"]})
    org.delete(url, headers={"If-Match": org.get(url).headers["ETag"]})
    rows = feed(org, "segment")
    assert [(r["operation"], r["entity_id"]) for r in rows] == [
        ("created", seg["id"]),
        ("updated", seg["id"]),
        ("deleted", seg["id"]),
    ]


def test_a_deleted_tag_is_reported_as_a_stale_reference(org: OrgClient) -> None:
    vip = factories.tag(org, "VIP")
    seg = segment(org, filter={"any_tag": ["VIP"]})
    tag_url = f"/api/v1/tags/{vip['id']}"
    org.delete(tag_url, headers={"If-Match": org.get(tag_url).headers["ETag"]})
    body = org.get(f"{URL}/{seg['id']}").get_json()
    assert body["stale_references"] == [{"field": "any_tag", "value": "VIP"}] and body["count"] == 0


def test_a_segment_cannot_name_a_segment(org: OrgClient) -> None:
    seg = segment(org)
    resp = org.post(URL, json={"name": "nested", "filter": {"segment_id": seg["id"]}})
    assert resp.status_code == 422 and resp.headers["Content-Type"] == "application/problem+json"


def test_a_segment_cannot_name_itself(org: OrgClient) -> None:
    seg = segment(org)
    url = f"{URL}/{seg['id']}"
    resp = org.patch(
        url, json={"filter": {"segment_id": seg["id"]}}, headers={"If-Match": org.get(url).headers["ETag"]}
    )
    assert resp.status_code == 422 and org.get(url).get_json()["filter"] == {}


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "filter": {"colour": "red"}},
        {"name": "x", "filter": {"tag": ["t"] * 21}},
        {"name": "x", "filter": {"q": "x" * 201}},
        {"name": "x", "filter": "tag=VIP"},
        {"name": "x", "filter": {"touch_kind": ["meeting"]}},
        {"name": "", "filter": {}},
    ],
)
def test_bad_segment_filters_are_422(org: OrgClient, body: dict[str, Any]) -> None:
    resp = org.post(URL, json=body)
    assert resp.status_code == 422 and resp.headers["Content-Type"] == "application/problem+json"
    assert org.get(URL).get_json()["items"] == []


@pytest.mark.parametrize("role", ["marketing", "manager"])
def test_marketing_and_managers_write_segments(org: OrgClient, role: str) -> None:
    assert org.as_role(role).post(URL, json={"name": role}).status_code == 201


def test_sales_reads_but_does_not_write_segments(org: OrgClient) -> None:
    seg = segment(org)
    sales = org.as_role("sales")
    assert sales.get(f"{URL}/{seg['id']}").status_code == 200
    assert sales.post(URL, json={"name": "mine"}).status_code == 403


def test_another_organisations_segment_is_404(org: OrgClient, other_org: OrgClient) -> None:
    assert other_org.get(f"{URL}/{segment(org)['id']}").status_code == 404


def test_a_stored_filter_that_no_longer_validates_counts_null_and_is_refused_in_use(
    app: Flask, org: OrgClient
) -> None:
    seg = segment(org)
    with app.app_context(), session_factory(app)() as s:
        s.get_one(Segment, seg["id"]).filter = {"retired_key": True, "segment_id": seg["id"]}
        s.commit()
    assert org.get(f"{URL}/{seg['id']}").get_json()["count"] is None
    resp = org.get("/api/v1/contacts", query_string={"segment_id": seg["id"]})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["code"] == "invalid_segment"


def test_a_stored_filter_naming_a_segment_is_not_followed(app: Flask, org: OrgClient) -> None:
    seg = segment(org)
    with app.app_context(), session_factory(app)() as s:
        s.get_one(Segment, seg["id"]).filter = {"segment_id": seg["id"]}  # written behind the API's back
        s.commit()
    assert org.get(f"{URL}/{seg['id']}").get_json()["count"] is None
    resp = org.get("/api/v1/contacts", query_string={"segment_id": seg["id"]})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["code"] == "nested_segment"
