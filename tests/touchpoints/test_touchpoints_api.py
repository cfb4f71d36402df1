"""Touchpoints API: shapes, defaults, external ids, filters, timeline order, paging, ETags, roles, isolation."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from flask import Flask
from sqlalchemy import select

from contacts.changelog.models import ChangeLogEntry
from contacts.db import session_factory
from contacts.touchpoints.models import CHANNELS, TOUCHPOINT_KINDS
from contacts.touchpoints.schemas import Channel, Kind
from tests import factories
from tests.conftest import OrgClient
from tests.factories import touchpoint

PERSON: dict[str, Any] = {"full_name": "山田 太郎", "company_name": "株式会社アクメ", "title": "部長"}


def contact(org: OrgClient, **body: Any) -> dict[str, Any]:
    return factories.contact(org, PERSON, **body)


def ids(resp: Any) -> list[str]:
    return [t["id"] for t in resp.get_json()["items"]]


def test_schema_literals_match_the_model_taxonomy() -> None:
    assert get_args(Kind) == TOUCHPOINT_KINDS and get_args(Channel) == CHANNELS


def test_create_returns_contract_shape_with_defaults(org: OrgClient) -> None:
    person = contact(org)
    tp = touchpoint(org, person["id"], location="本社", summary="初回訪問")
    assert set(tp) >= {
        "id",
        "contact_id",
        "user_id",
        "occurred_at",
        "kind",
        "channel",
        "event_id",
        "campaign_id",
        "location",
        "summary",
        "source",
        "company_name_at_time",
        "title_at_time",
        "created_at",
        "external_id",
        "company_id",
        "card_id",
        "version",
        "updated_at",
    }
    assert tp["occurred_at"].startswith("2026-11-01T01:00:00")
    assert (tp["channel"], tp["source"], tp["user_id"]) == ("offline", "api", org.user_id)
    assert (tp["company_name_at_time"], tp["title_at_time"]) == ("株式会社アクメ", "部長")
    assert tp["company_id"] == person["company"]["id"]


@pytest.mark.parametrize(
    ("kind", "channel"),
    [
        ("email", "online"),
        ("webinar", "online"),
        ("sns", "online"),
        ("card_exchange", "offline"),
        ("store_visit", "offline"),
    ],
)
def test_channel_defaults_from_kind(org: OrgClient, kind: str, channel: str) -> None:
    assert touchpoint(org, contact(org)["id"], kind=kind)["channel"] == channel


def test_explicit_channel_and_company_at_time_win(org: OrgClient) -> None:
    tp = touchpoint(
        org,
        contact(org)["id"],
        kind="store_visit",
        channel="o2o",
        company_name_at_time="旧社名",
        title_at_time="課長",
    )
    assert (tp["channel"], tp["company_name_at_time"], tp["title_at_time"]) == ("o2o", "旧社名", "課長")


def test_company_at_time_stays_when_the_contact_moves(org: OrgClient) -> None:
    person = contact(org)
    tp = touchpoint(org, person["id"])
    org.patch(f"/api/v1/contacts/{person['id']}", json={"company_name": "Globex", "title": "CEO"})
    assert org.get(f"/api/v1/touchpoints/{tp['id']}").get_json()["company_name_at_time"] == "株式会社アクメ"


def test_duplicate_external_id_is_409_and_writes_nothing(org: OrgClient) -> None:
    person = contact(org)
    touchpoint(org, person["id"], external_id="sf-00001")
    resp = org.post(
        "/api/v1/touchpoints",
        json={
            "contact_id": person["id"],
            "kind": "call",
            "occurred_at": "2026-11-02T10:00:00Z",
            "external_id": "sf-00001",
        },
    )
    assert resp.status_code == 409
    assert len(org.get(f"/api/v1/contacts/{person['id']}/touchpoints").get_json()["items"]) == 1
    assert ids(org.get("/api/v1/touchpoints?external_id=sf-00001")) != []


def test_same_external_id_in_another_organisation_is_fine(org: OrgClient, other_org: OrgClient) -> None:
    touchpoint(org, contact(org)["id"], external_id="sf-1")
    touchpoint(other_org, contact(other_org)["id"], external_id="sf-1")


def test_touchpoint_on_merged_or_deleted_contact_is_409(org: OrgClient) -> None:
    person = contact(org)
    org.delete(f"/api/v1/contacts/{person['id']}")
    resp = org.post(
        "/api/v1/touchpoints",
        json={"contact_id": person["id"], "kind": "call", "occurred_at": "2026-11-02T10:00:00Z"},
    )
    assert resp.status_code == 409


def test_unknown_or_foreign_references_are_field_errors(org: OrgClient, other_org: OrgClient) -> None:
    person = contact(org)
    theirs = contact(other_org)
    foreign_event = factories.event(other_org, name="Their expo")
    base = {"contact_id": person["id"], "kind": "call", "occurred_at": "2026-11-02T10:00:00Z"}
    for field, body in (
        ("contact_id", {**base, "contact_id": theirs["id"]}),
        ("event_id", {**base, "event_id": foreign_event["id"]}),
        ("campaign_id", {**base, "campaign_id": "nope"}),
        ("user_id", {**base, "user_id": other_org.user_id}),
    ):
        resp = org.post("/api/v1/touchpoints", json=body)
        assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == field, field
    assert org.get("/api/v1/touchpoints").get_json()["items"] == []


@pytest.mark.parametrize(
    "override",
    [
        {"kind": "telepathy"},
        {"channel": "pigeon"},
        {"occurred_at": "2026-11-01T10:00:00"},
        {"occurred_at": None},
        {"source": "card"},
        {"summary": "s" * 20_001},
        {"location": "l\x07"},
        {"external_id": ""},
        {"external_id": "e" * 201},
        {"company_name_at_time": "c" * 301},
        {"card_id": "c1"},
        {"kind": ["call"]},
        {"contact_id": 42},
    ],
)
def test_hostile_bodies_are_422_and_write_nothing(org: OrgClient, override: dict[str, Any]) -> None:
    person = contact(org)
    body = {"contact_id": person["id"], "kind": "meeting", "occurred_at": "2026-11-01T10:00:00Z", **override}
    assert org.post("/api/v1/touchpoints", json=body).status_code == 422
    assert org.get("/api/v1/touchpoints").get_json()["items"] == []


def test_timeline_is_newest_first_and_pages_with_ties(org: OrgClient) -> None:
    person = contact(org)
    other = contact(org, full_name="Other")
    made = [
        touchpoint(org, person["id"], occurred_at=when)["id"]
        for when in (
            "2026-01-01T00:00:00Z",
            "2026-03-01T00:00:00Z",
            "2026-03-01T00:00:00Z",
            "2026-02-01T00:00:00Z",
        )
    ]
    touchpoint(org, other["id"], occurred_at="2026-12-01T00:00:00Z")
    expected = [made[2], made[1], made[3], made[0]]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = org.get(f"/api/v1/contacts/{person['id']}/touchpoints", query_string=params).get_json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == expected


def test_list_filters(org: OrgClient) -> None:
    a, b = contact(org), contact(org, full_name="B", company_name="Globex")
    expo, camp = factories.event(org, name="Expo"), factories.campaign(org, "DM")
    sales = org.as_role("sales")
    t1 = touchpoint(org, a["id"], kind="trade_show", event_id=expo["id"], occurred_at="2026-05-01T00:00:00Z")
    t2 = touchpoint(org, a["id"], kind="email", campaign_id=camp["id"], occurred_at="2026-06-01T00:00:00Z")
    t3 = touchpoint(sales, b["id"], kind="call", occurred_at="2026-07-01T00:00:00Z")
    assert ids(org.get(f"/api/v1/touchpoints?contact_id={a['id']}")) == [t2["id"], t1["id"]]
    assert ids(org.get(f"/api/v1/touchpoints?company_id={b['company']['id']}")) == [t3["id"]]
    assert ids(org.get(f"/api/v1/touchpoints?user_id={sales.user_id}")) == [t3["id"]]
    assert ids(org.get("/api/v1/touchpoints?kind=email&kind=call")) == [t3["id"], t2["id"]]
    assert ids(org.get(f"/api/v1/touchpoints?event_id={expo['id']}")) == [t1["id"]]
    assert ids(org.get(f"/api/v1/touchpoints?campaign_id={camp['id']}")) == [t2["id"]]
    assert ids(org.get("/api/v1/touchpoints?channel=online")) == [t2["id"]]
    window = org.get(
        "/api/v1/touchpoints",
        query_string={"occurred_from": "2026-05-15T00:00:00+09:00", "occurred_to": "2026-07-01T00:00:00Z"},
    )
    assert ids(window) == [t2["id"]]


def test_bad_cursor_and_unknown_filters_are_422(org: OrgClient) -> None:
    assert org.get("/api/v1/touchpoints?cursor=WyJ4IiwieSJd").status_code == 422  # ["x","y"]
    assert org.get("/api/v1/touchpoints?cursor=!!").status_code == 422
    assert org.get("/api/v1/touchpoints?mood=happy").status_code == 422
    assert org.get("/api/v1/touchpoints?kind=telepathy").status_code == 422


def test_patch_changes_fields_bumps_version_and_honours_if_match(org: OrgClient) -> None:
    tp = touchpoint(org, contact(org)["id"])
    etag = org.get(f"/api/v1/touchpoints/{tp['id']}").headers["ETag"]
    resp = org.patch(
        f"/api/v1/touchpoints/{tp['id']}",
        json={"summary": "決裁者と面談", "kind": "visit"},
        headers={"If-Match": etag},
    )
    assert resp.status_code == 200
    assert (resp.get_json()["summary"], resp.get_json()["version"]) == ("決裁者と面談", tp["version"] + 1)
    stale = org.patch(f"/api/v1/touchpoints/{tp['id']}", json={"summary": "x"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert org.delete(f"/api/v1/touchpoints/{tp['id']}", headers={"If-Match": etag}).status_code == 412


def test_patch_rejects_contact_and_source_changes_and_nulls(org: OrgClient) -> None:
    tp = touchpoint(org, contact(org)["id"])
    for body in ({"contact_id": "x"}, {"source": "import"}, {"kind": None}, {"occurred_at": None}):
        assert org.patch(f"/api/v1/touchpoints/{tp['id']}", json=body).status_code == 422, body


def test_patch_external_id_onto_a_used_one_is_409(org: OrgClient) -> None:
    person = contact(org)
    touchpoint(org, person["id"], external_id="a")
    tp = touchpoint(org, person["id"], external_id="b")
    assert org.patch(f"/api/v1/touchpoints/{tp['id']}", json={"external_id": "a"}).status_code == 409


def test_delete(org: OrgClient) -> None:
    tp = touchpoint(org, contact(org)["id"])
    assert org.delete(f"/api/v1/touchpoints/{tp['id']}").status_code == 204
    assert org.get(f"/api/v1/touchpoints/{tp['id']}").status_code == 404


def test_idempotency_key_replays_create(org: OrgClient) -> None:
    person = contact(org)
    body = {"contact_id": person["id"], "kind": "call", "occurred_at": "2026-11-02T10:00:00Z"}
    headers = {"Idempotency-Key": "tp-1"}
    first = org.post("/api/v1/touchpoints", json=body, headers=headers)
    again = org.post("/api/v1/touchpoints", json=body, headers=headers)
    assert again.get_json()["id"] == first.get_json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert len(org.get("/api/v1/touchpoints").get_json()["items"]) == 1


def test_other_organisations_touchpoints_are_404(org: OrgClient, other_org: OrgClient) -> None:
    person = contact(org)
    tp = touchpoint(org, person["id"])
    for method in ("get", "patch", "delete"):
        assert (
            getattr(other_org, method)(f"/api/v1/touchpoints/{tp['id']}", json={"summary": "x"}).status_code
            == 404
        ), method
    assert other_org.get(f"/api/v1/contacts/{person['id']}/touchpoints").status_code == 404
    assert other_org.get(f"/api/v1/touchpoints?contact_id={person['id']}").get_json()["items"] == []


@pytest.mark.parametrize(("role", "can_write"), [("sales", True), ("marketing", False), ("manager", True)])
def test_roles_on_touchpoints(org: OrgClient, role: str, can_write: bool) -> None:
    person = contact(org)
    tp = touchpoint(org, person["id"])
    client = org.as_role(role)
    assert client.get(f"/api/v1/touchpoints/{tp['id']}").status_code == 200
    assert client.get(f"/api/v1/contacts/{person['id']}/touchpoints").status_code == 200
    statuses = (
        client.post(
            "/api/v1/touchpoints",
            json={"contact_id": person["id"], "kind": "call", "occurred_at": "2026-11-02T10:00:00Z"},
        ).status_code,
        client.patch(f"/api/v1/touchpoints/{tp['id']}", json={"summary": "x"}).status_code,
        client.delete(f"/api/v1/touchpoints/{tp['id']}").status_code,
    )
    assert statuses == ((201, 200, 204) if can_write else (403, 403, 403))


def test_create_update_delete_are_in_the_change_log(app: Flask, org: OrgClient) -> None:
    tp = touchpoint(org, contact(org)["id"])
    org.patch(f"/api/v1/touchpoints/{tp['id']}", json={"summary": "x"})
    org.delete(f"/api/v1/touchpoints/{tp['id']}")
    with app.app_context(), session_factory(app)() as s:
        ops = list(
            s.scalars(
                select(ChangeLogEntry.operation)
                .where(ChangeLogEntry.entity_id == tp["id"])
                .order_by(ChangeLogEntry.seq)
            )
        )
    assert ops == ["created", "updated", "deleted"]
