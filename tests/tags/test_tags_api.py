"""Tags API: CRUD with counts, renames that keep links, tagging by ids or by filter, roles and isolation."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from contacts.changelog.models import ChangeLogEntry
from contacts.db import session_factory
from tests import factories
from tests.conftest import OrgClient
from tests.factories import contact


def tag(org: OrgClient, name: str = "Expo 2026", kind: str = "event") -> dict[str, Any]:
    return factories.tag(org, name, kind=kind)


def names_of(org: OrgClient, contact_id: str) -> list[str]:
    return org.get(f"/api/v1/contacts/{contact_id}").get_json()["tags"]  # type: ignore[no-any-return]


def test_create_returns_contract_shape(org: OrgClient) -> None:
    created = tag(org)
    assert {k: created[k] for k in ("name", "kind", "contact_count")} == {
        "name": "Expo 2026",
        "kind": "event",
        "contact_count": 0,
    }
    assert set(created) >= {"id", "name", "kind", "contact_count"}


def test_duplicate_name_is_409(org: OrgClient) -> None:
    tag(org)
    assert org.post("/api/v1/tags", json={"name": "Expo 2026"}).status_code == 409


def test_unknown_kind_and_fields_are_422(org: OrgClient) -> None:
    assert org.post("/api/v1/tags", json={"name": "x", "kind": "vip"}).status_code == 422
    resp = org.post("/api/v1/tags", json={"name": "x", "colour": "red"})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "colour"


@pytest.mark.parametrize(
    "body", [{"name": ""}, {"name": "x" * 201}, {"name": "a\x1bb"}, {"name": 5}, {"name": None}, {}]
)
def test_hostile_tag_bodies_are_422(org: OrgClient, body: dict[str, Any]) -> None:
    assert org.post("/api/v1/tags", json=body).status_code == 422
    assert org.get("/api/v1/tags").get_json()["items"] == []


def test_attach_by_ids_counts_bumps_versions_and_logs(app: Flask, org: OrgClient) -> None:
    expo = tag(org)
    a, b = contact(org, full_name="A"), contact(org, full_name="B")
    resp = org.post(f"/api/v1/tags/{expo['id']}/contacts", json={"contact_ids": [a["id"], b["id"], a["id"]]})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["changed_count"] == 2 and sorted(body["changed_ids"]) == sorted([a["id"], b["id"]])
    assert body["tag"]["contact_count"] == 2
    after = org.get(f"/api/v1/contacts/{a['id']}").get_json()
    assert after["tags"] == ["Expo 2026"] and after["version"] == a["version"] + 1
    again = org.post(f"/api/v1/tags/{expo['id']}/contacts", json={"contact_ids": [a["id"]]}).get_json()
    assert again["changed_count"] == 0
    assert org.get(f"/api/v1/contacts/{a['id']}").get_json()["version"] == a["version"] + 1
    with app.app_context(), session_factory(app)() as s:
        logged = s.scalar(
            select(func.count())
            .select_from(ChangeLogEntry)
            .where(
                ChangeLogEntry.organization_id == org.organization_id,
                ChangeLogEntry.entity_id == a["id"],
                ChangeLogEntry.operation == "updated",
            )
        )
    assert logged == 1


def test_detach_by_ids(org: OrgClient) -> None:
    expo = tag(org)
    a = contact(org, full_name="A", tags=["Expo 2026"])
    body = org.delete(f"/api/v1/tags/{expo['id']}/contacts", json={"contact_ids": [a["id"]]}).get_json()
    assert body["changed_ids"] == [a["id"]] and body["tag"]["contact_count"] == 0
    assert names_of(org, a["id"]) == []


def test_attach_by_filter_tags_exactly_the_matching_contacts(org: OrgClient) -> None:
    vip = tag(org, "vip", "segment")
    a = contact(org, full_name="A", tags=["expo"])
    b = contact(org, full_name="B", tags=["expo", "competitor"])
    c = contact(org, full_name="C")
    resp = org.post(
        f"/api/v1/tags/{vip['id']}/contacts", json={"filter": {"tag": ["expo"], "not_tag": ["competitor"]}}
    )
    assert resp.get_json()["changed_ids"] == [a["id"]]
    assert [names_of(org, x["id"]) for x in (a, b, c)] == [["expo", "vip"], ["competitor", "expo"], []]
    listed = org.get("/api/v1/contacts", query_string={"tag": "vip"}).get_json()["items"]
    assert [x["id"] for x in listed] == [a["id"]]


def test_detach_by_filter(org: OrgClient) -> None:
    expo = tag(org)
    a = contact(org, full_name="Tanaka", tags=["Expo 2026"])
    b = contact(org, full_name="Suzuki", tags=["Expo 2026"])
    body = org.delete(f"/api/v1/tags/{expo['id']}/contacts", json={"filter": {"q": "tanaka"}}).get_json()
    assert body["changed_ids"] == [a["id"]]
    assert names_of(org, b["id"]) == ["Expo 2026"]


def test_body_needs_exactly_one_of_ids_or_filter(org: OrgClient) -> None:
    expo = tag(org)
    a = contact(org, full_name="A")
    for body in (
        {},
        {"contact_ids": [a["id"]], "filter": {"q": "a"}},
        {"contact_ids": []},
        {"filter": {"colour": "red"}},
        {"contact_ids": "abc"},
        {"contact_ids": ["x"] * 1001},
    ):
        assert org.post(f"/api/v1/tags/{expo['id']}/contacts", json=body).status_code == 422, body


def test_other_organisations_contact_ids_are_422_and_nothing_is_written(
    org: OrgClient, other_org: OrgClient
) -> None:
    expo = tag(org)
    mine = contact(org, full_name="Mine")
    theirs = contact(other_org, full_name="Theirs")
    resp = org.post(f"/api/v1/tags/{expo['id']}/contacts", json={"contact_ids": [mine["id"], theirs["id"]]})
    assert resp.status_code == 422
    assert theirs["id"] in resp.get_json()["detail"]
    assert [e["field"] for e in resp.get_json()["errors"]] == ["contact_ids"]
    assert names_of(org, mine["id"]) == []
    assert names_of(other_org, theirs["id"]) == []


def test_deleted_contact_cannot_be_tagged(org: OrgClient) -> None:
    expo = tag(org)
    a = contact(org, full_name="A")
    org.delete(f"/api/v1/contacts/{a['id']}")
    assert org.post(f"/api/v1/tags/{expo['id']}/contacts", json={"contact_ids": [a["id"]]}).status_code == 409


def test_rename_keeps_links_and_bumps_contacts(org: OrgClient) -> None:
    expo = tag(org)
    a = contact(org, full_name="A", tags=["Expo 2026"])
    resp = org.patch(f"/api/v1/tags/{expo['id']}", json={"name": "Expo Tokyo 2026"})
    assert resp.status_code == 200 and resp.get_json()["contact_count"] == 1
    after = org.get(f"/api/v1/contacts/{a['id']}").get_json()
    assert after["tags"] == ["Expo Tokyo 2026"] and after["version"] == a["version"] + 1
    assert [x["id"] for x in org.get("/api/v1/contacts?tag=Expo Tokyo 2026").get_json()["items"]] == [a["id"]]


def test_rename_to_a_taken_name_is_409(org: OrgClient) -> None:
    expo = tag(org)
    tag(org, "vip", "segment")
    assert org.patch(f"/api/v1/tags/{expo['id']}", json={"name": "vip"}).status_code == 409


def test_patch_with_stale_if_match_is_412(org: OrgClient) -> None:
    expo = tag(org)
    etag = org.get(f"/api/v1/tags/{expo['id']}").headers["ETag"]
    assert (
        org.patch(
            f"/api/v1/tags/{expo['id']}", json={"kind": "campaign"}, headers={"If-Match": etag}
        ).status_code
        == 200
    )
    stale = org.patch(f"/api/v1/tags/{expo['id']}", json={"kind": "custom"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert org.get(f"/api/v1/tags/{expo['id']}").get_json()["kind"] == "campaign"


def test_delete_removes_links_and_bumps_contacts(org: OrgClient) -> None:
    expo = tag(org)
    a = contact(org, full_name="A", tags=["Expo 2026", "vip"])
    assert org.delete(f"/api/v1/tags/{expo['id']}").status_code == 204
    assert org.get(f"/api/v1/tags/{expo['id']}").status_code == 404
    after = org.get(f"/api/v1/contacts/{a['id']}").get_json()
    assert after["tags"] == ["vip"] and after["version"] == a["version"] + 1


def test_list_filters_counts_and_paginates(org: OrgClient) -> None:
    ids = [tag(org, f"seg {i}", "segment")["id"] for i in range(3)]
    tag(org, "Expo", "event")
    contact(org, full_name="A", tags=["seg 0"])
    segs = org.get("/api/v1/tags", query_string={"kind": "segment", "limit": 2}).get_json()
    rest = org.get("/api/v1/tags", query_string={"kind": "segment", "cursor": segs["next_cursor"]}).get_json()
    assert [t["id"] for t in segs["items"] + rest["items"]] == ids and rest["next_cursor"] is None
    assert segs["items"][0]["contact_count"] == 1
    assert [t["name"] for t in org.get("/api/v1/tags?q=EXP").get_json()["items"]] == ["Expo"]


def test_idempotency_key_replays_create(org: OrgClient) -> None:
    headers = {"Idempotency-Key": "tag-1"}
    first = org.post("/api/v1/tags", json={"name": "once"}, headers=headers)
    again = org.post("/api/v1/tags", json={"name": "once"}, headers=headers)
    assert again.status_code == 201 and again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"


def test_other_organisations_tag_is_404(org: OrgClient, other_org: OrgClient) -> None:
    expo = tag(org)
    theirs = contact(other_org, full_name="Theirs")
    assert other_org.get(f"/api/v1/tags/{expo['id']}").status_code == 404
    assert other_org.patch(f"/api/v1/tags/{expo['id']}", json={"name": "x"}).status_code == 404
    assert (
        other_org.post(
            f"/api/v1/tags/{expo['id']}/contacts", json={"contact_ids": [theirs["id"]]}
        ).status_code
        == 404
    )
    assert other_org.delete(f"/api/v1/tags/{expo['id']}").status_code == 404
    assert other_org.get("/api/v1/tags").get_json()["items"] == []


@pytest.mark.parametrize(("role", "can_write"), [("sales", False), ("marketing", True), ("manager", True)])
def test_roles_on_tags(org: OrgClient, role: str, can_write: bool) -> None:
    expo = tag(org)
    a = contact(org, full_name="A")
    client = org.as_role(role)
    assert client.get("/api/v1/tags").status_code == 200
    assert client.get(f"/api/v1/tags/{expo['id']}").status_code == 200
    statuses = (
        client.post("/api/v1/tags", json={"name": f"by {role}"}).status_code,
        client.post(f"/api/v1/tags/{expo['id']}/contacts", json={"contact_ids": [a["id"]]}).status_code,
        client.patch(f"/api/v1/tags/{expo['id']}", json={"kind": "custom"}).status_code,
        client.delete(f"/api/v1/tags/{expo['id']}").status_code,
    )
    assert statuses == ((201, 200, 200, 204) if can_write else (403, 403, 403, 403))


def test_filter_selecting_too_many_contacts_is_422_and_writes_nothing(
    org: OrgClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contacts.tags import service

    monkeypatch.setattr(service, "BULK_FILTER_LIMIT", 2)
    expo = tag(org)
    people = [contact(org, full_name=f"P{i}") for i in range(3)]
    resp = org.post(f"/api/v1/tags/{expo['id']}/contacts", json={"filter": {}})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["code"] == "too_many"
    assert all(names_of(org, p["id"]) == [] for p in people)
