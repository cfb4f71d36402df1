"""Events and campaigns API: shapes, owned tags, periods, filters, paging, ETags, roles and isolation."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.conftest import OrgClient

EXPO: dict[str, Any] = {
    "name": "Expo 2026",
    "kind": "trade_show",
    "starts_at": "2026-05-10T10:00:00+09:00",
    "ends_at": "2026-05-12T17:00:00+09:00",
    "venue": "東京ビッグサイト",
}


def event(org: OrgClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return factories.event(org, body if body is not None else EXPO)


def campaign(org: OrgClient, name: str = "Spring DM") -> dict[str, Any]:
    return factories.campaign(org, name, description="Direct mail", starts_at="2026-03-01T00:00:00Z")


def test_create_returns_contract_shape_and_event_tag(org: OrgClient) -> None:
    created = event(org)
    assert set(created) >= {"id", "name", "kind", "starts_at", "ends_at", "venue", "tag"}
    assert created["starts_at"].startswith("2026-05-10T01:00:00")
    tag = org.get(f"/api/v1/tags/{created['tag']['id']}").get_json()
    assert (tag["name"], tag["kind"]) == ("Expo 2026", "event")
    assert created["tag"]["name"] == "Expo 2026"


def test_create_reuses_an_existing_tag_of_that_name(org: OrgClient) -> None:
    existing = factories.tag(org, "Expo 2026", kind="event")
    assert event(org)["tag"]["id"] == existing["id"]
    assert len(org.get("/api/v1/tags").get_json()["items"]) == 1


def test_ends_before_start_is_422(org: OrgClient) -> None:
    resp = org.post("/api/v1/events", json={**EXPO, "ends_at": "2026-05-09T00:00:00+09:00"})
    assert resp.status_code == 422
    assert org.get("/api/v1/events").get_json()["items"] == []


def test_patch_end_before_stored_start_is_422(org: OrgClient) -> None:
    created = event(org)
    resp = org.patch(f"/api/v1/events/{created['id']}", json={"ends_at": "2026-01-01T00:00:00Z"})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "ends_at"


def test_naive_timestamp_is_422(org: OrgClient) -> None:
    assert org.post("/api/v1/events", json={**EXPO, "starts_at": "2026-05-10T10:00:00"}).status_code == 422


def test_rename_renames_the_tag_and_keeps_its_contacts(org: OrgClient) -> None:
    created = event(org)
    contact = factories.contact(org, full_name="A", tags=["Expo 2026"])
    renamed = org.patch(f"/api/v1/events/{created['id']}", json={"name": "Expo Tokyo 2026"}).get_json()
    assert renamed["tag"] == {"id": created["tag"]["id"], "name": "Expo Tokyo 2026"}
    assert renamed["version"] == created["version"] + 1
    assert org.get(f"/api/v1/contacts/{contact['id']}").get_json()["tags"] == ["Expo Tokyo 2026"]


def test_rename_onto_a_taken_tag_name_is_409(org: OrgClient) -> None:
    created = event(org)
    org.post("/api/v1/tags", json={"name": "vip"})
    assert org.patch(f"/api/v1/events/{created['id']}", json={"name": "vip"}).status_code == 409
    assert org.get(f"/api/v1/events/{created['id']}").get_json()["name"] == "Expo 2026"


def test_stale_if_match_is_412(org: OrgClient) -> None:
    created = event(org)
    etag = org.get(f"/api/v1/events/{created['id']}").headers["ETag"]
    assert (
        org.patch(
            f"/api/v1/events/{created['id']}", json={"venue": "幕張メッセ"}, headers={"If-Match": etag}
        ).status_code
        == 200
    )
    assert (
        org.patch(
            f"/api/v1/events/{created['id']}", json={"venue": "x"}, headers={"If-Match": etag}
        ).status_code
        == 412
    )
    assert org.delete(f"/api/v1/events/{created['id']}", headers={"If-Match": etag}).status_code == 412


def test_delete_keeps_the_tag_and_unlinks_touchpoints(org: OrgClient) -> None:
    created = event(org)
    contact = factories.contact(org, full_name="A", tags=["Expo 2026"])
    tp = factories.touchpoint(
        org, contact["id"], kind="trade_show", occurred_at="2026-05-10T11:00:00+09:00", event_id=created["id"]
    )
    assert org.delete(f"/api/v1/events/{created['id']}").status_code == 204
    assert org.get(f"/api/v1/events/{created['id']}").status_code == 404
    assert org.get(f"/api/v1/contacts/{contact['id']}").get_json()["tags"] == ["Expo 2026"]
    after = org.get(f"/api/v1/touchpoints/{tp['id']}").get_json()
    assert after["event_id"] is None and after["version"] == tp["version"] + 1


def test_event_tag_cannot_be_deleted_while_the_event_exists(org: OrgClient) -> None:
    created = event(org)
    assert org.delete(f"/api/v1/tags/{created['tag']['id']}").status_code == 409


def test_list_filters_and_paginates(org: OrgClient) -> None:
    expo = event(org)
    seminar = event(org, {"name": "AI seminar", "kind": "seminar", "starts_at": "2026-07-01T13:00:00+09:00"})
    webinar = event(org, {"name": "AI webinar", "kind": "webinar", "starts_at": "2026-08-01T13:00:00+09:00"})
    assert [e["id"] for e in org.get("/api/v1/events?kind=seminar").get_json()["items"]] == [seminar["id"]]
    assert [e["id"] for e in org.get("/api/v1/events?q=ai").get_json()["items"]] == [
        seminar["id"],
        webinar["id"],
    ]
    window = org.get(
        "/api/v1/events",
        query_string={"starts_from": "2026-06-01T00:00:00Z", "starts_to": "2026-07-31T00:00:00Z"},
    ).get_json()["items"]
    assert [e["id"] for e in window] == [seminar["id"]]
    first = org.get("/api/v1/events?limit=2").get_json()
    second = org.get("/api/v1/events", query_string={"limit": 2, "cursor": first["next_cursor"]}).get_json()
    assert [e["id"] for e in first["items"] + second["items"]] == [expo["id"], seminar["id"], webinar["id"]]
    assert second["next_cursor"] is None


def test_idempotency_key_replays_create(org: OrgClient) -> None:
    headers = {"Idempotency-Key": "event-1"}
    first = org.post("/api/v1/events", json=EXPO, headers=headers)
    again = org.post("/api/v1/events", json=EXPO, headers=headers)
    assert again.get_json()["id"] == first.get_json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert len(org.get("/api/v1/events").get_json()["items"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {**EXPO, "kind": "party"},
        {**EXPO, "capacity": 10},
        {**EXPO, "name": "x" * 201},
        {**EXPO, "name": ""},
        {**EXPO, "venue": "v" * 401},
        {**EXPO, "name": "a\x00b"},
        {**EXPO, "name": "a\x1fb"},
        {**EXPO, "starts_at": "yesterday"},
        {**EXPO, "starts_at": ["2026-05-10"]},
        {**EXPO, "name": {"x": 1}},
    ],
)
def test_hostile_event_bodies_are_422(org: OrgClient, body: dict[str, Any]) -> None:
    assert org.post("/api/v1/events", json=body).status_code == 422
    assert org.get("/api/v1/events").get_json()["items"] == []


def test_campaign_crud_with_campaign_tag(org: OrgClient) -> None:
    created = campaign(org)
    assert set(created) >= {"id", "name", "description", "starts_at", "ends_at", "tag"}
    assert org.get(f"/api/v1/tags/{created['tag']['id']}").get_json()["kind"] == "campaign"
    etag = org.get(f"/api/v1/campaigns/{created['id']}").headers["ETag"]
    updated = org.patch(
        f"/api/v1/campaigns/{created['id']}",
        json={"name": "Spring DM 2026", "description": None},
        headers={"If-Match": etag},
    )
    assert updated.status_code == 200
    assert updated.get_json()["tag"]["name"] == "Spring DM 2026" and updated.get_json()["description"] is None
    assert (
        org.patch(
            f"/api/v1/campaigns/{created['id']}", json={"description": "x"}, headers={"If-Match": etag}
        ).status_code
        == 412
    )
    assert [c["id"] for c in org.get("/api/v1/campaigns?q=spring").get_json()["items"]] == [created["id"]]
    assert org.delete(f"/api/v1/campaigns/{created['id']}").status_code == 204
    assert org.get(f"/api/v1/campaigns/{created['id']}").status_code == 404


def test_campaign_period_is_validated(org: OrgClient) -> None:
    resp = org.post(
        "/api/v1/campaigns",
        json={"name": "X", "starts_at": "2026-03-02T00:00:00Z", "ends_at": "2026-03-01T00:00:00Z"},
    )
    assert resp.status_code == 422


def test_other_organisations_events_and_campaigns_are_404(org: OrgClient, other_org: OrgClient) -> None:
    created, camp = event(org), campaign(org)
    for path in (f"/api/v1/events/{created['id']}", f"/api/v1/campaigns/{camp['id']}"):
        assert other_org.get(path).status_code == 404
        assert other_org.patch(path, json={"name": "mine"}).status_code == 404
        assert other_org.delete(path).status_code == 404
    assert other_org.get("/api/v1/events").get_json()["items"] == []
    assert other_org.get("/api/v1/campaigns").get_json()["items"] == []


@pytest.mark.parametrize(("role", "can_write"), [("sales", False), ("marketing", True), ("manager", True)])
def test_roles_on_events_and_campaigns(org: OrgClient, role: str, can_write: bool) -> None:
    created, camp = event(org), campaign(org)
    client = org.as_role(role)
    assert client.get(f"/api/v1/events/{created['id']}").status_code == 200
    assert client.get("/api/v1/campaigns").status_code == 200
    statuses = (
        client.post("/api/v1/events", json={"name": f"by {role}"}).status_code,
        client.patch(f"/api/v1/events/{created['id']}", json={"venue": "x"}).status_code,
        client.post("/api/v1/campaigns", json={"name": f"camp by {role}"}).status_code,
        client.delete(f"/api/v1/campaigns/{camp['id']}").status_code,
    )
    # Sales may create events (reps set up the trade show they are at), not edit them or run campaigns.
    assert statuses == ((201, 200, 201, 204) if can_write else (201, 403, 403, 403))
