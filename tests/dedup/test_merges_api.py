"""Merges over HTTP: everything moved with its sources, losers resolve, exact undo, refusals."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from contacts.cards.models import Card
from contacts.changelog.models import ChangeLogEntry
from contacts.db import session_factory
from tests import factories
from tests.conftest import OrgClient
from tests.dedup.helpers import SUZUKI, TAKAHASHI, TAKAHASHI_TWIN, create, duplicates, export


def _touchpoint(org: OrgClient, contact_id: str) -> dict[str, Any]:
    return factories.touchpoint(org, contact_id, occurred_at="2026-11-20T10:00:00+09:00")


def _pair(org: OrgClient, app: Flask) -> tuple[dict[str, Any], dict[str, Any]]:
    first, second = create(org, TAKAHASHI), create(org, TAKAHASHI_TWIN)
    _touchpoint(org, first["id"])
    _touchpoint(org, second["id"])
    factories.card_row(org, contact_id=second["id"])
    return first, second


def test_merge_keeps_every_value_with_its_source_and_moves_links(org: OrgClient, app: Flask) -> None:
    first, second = _pair(org, app)
    op = factories.merge(org, first["id"], [second["id"]])
    winner = org.get(f"/api/v1/contacts/{first['id']}").get_json()
    assert [e["value"] for e in winner["emails"]] == ["ichiro.takahashi@acme.co.jp", "ichiro@example.jp"]
    assert [p["e164"] for p in winner["phones"]] == ["+81312345678", "+819012345678", "+81399990000"]
    assert len(winner["addresses"]) == 2
    assert sorted(winner["tags"]) == ["セミナー", "展示会2026"]
    assert winner["title"] == "部長"  # the winner's value unless field_choices says otherwise
    assert op["dropped_duplicates"] and {d["kind"] for d in op["dropped_duplicates"]} == {"emails", "phones"}
    assert all(d["source"]["type"] == "api" for d in op["dropped_duplicates"])
    tps = org.get(f"/api/v1/contacts/{first['id']}/touchpoints").get_json()["items"]
    assert len(tps) == 2 and {t["contact_id"] for t in tps} == {first["id"]}
    with app.app_context(), session_factory(app)() as session:
        cards = list(
            session.scalars(select(Card.contact_id).where(Card.organization_id == org.organization_id))
        )
        ops = set(
            session.scalars(
                select(ChangeLogEntry.entity_id).where(
                    ChangeLogEntry.organization_id == org.organization_id,
                    ChangeLogEntry.operation == "contact.merged",
                )
            )
        )
    assert cards == [first["id"]]
    assert ops == {first["id"], second["id"]}
    history = org.get(f"/api/v1/contacts/{first['id']}/employment").get_json()["items"]
    assert all(h["contact_id"] == first["id"] for h in history) and len(history) == 2


def test_merged_id_still_resolves_with_merged_into(org: OrgClient, app: Flask) -> None:
    first, second = _pair(org, app)
    factories.merge(org, first["id"], [second["id"]])
    loser = org.get(f"/api/v1/contacts/{second['id']}")
    assert loser.status_code == 200
    assert loser.get_json()["status"] == "merged" and loser.get_json()["merged_into"] == first["id"]
    assert org.patch(f"/api/v1/contacts/{second['id']}", json={"title": "x"}).status_code == 409
    assert duplicates(org) == []


def test_field_choices_take_a_losers_company_as_a_job_change(org: OrgClient, app: Flask) -> None:
    first = create(org, TAKAHASHI)
    second = create(org, {**TAKAHASHI_TWIN, "company_name": "株式会社ベータ", "title": "取締役"})
    factories.merge(
        org, first["id"], [second["id"]], field_choices={"company": second["id"], "title": second["id"]}
    )
    winner = org.get(f"/api/v1/contacts/{first['id']}").get_json()
    assert winner["company"]["name"] == "株式会社ベータ" and winner["title"] == "取締役"
    assert winner["sources"]["title"] == second["sources"]["title"] != first["sources"]["title"]
    history = org.get(f"/api/v1/contacts/{first['id']}/employment").get_json()["items"]
    open_entries = [h for h in history if h["ended_at"] is None]
    assert len(open_entries) == 1 and open_entries[0]["company"]["name"] == "株式会社ベータ"
    with app.app_context(), session_factory(app)() as session:
        changed = session.scalar(
            select(ChangeLogEntry).where(
                ChangeLogEntry.entity_id == first["id"], ChangeLogEntry.operation == "contact.job_changed"
            )
        )
    assert changed is not None


def _campaign_with(org: OrgClient, name: str, statuses: dict[str, str]) -> str:
    campaign = factories.campaign(org, name)
    for contact_id, status in statuses.items():
        factories.add_members(org, campaign["id"], contact_ids=[contact_id], status=status)
    return str(campaign["id"])


def _status_of(org: OrgClient, campaign_id: str) -> dict[str, str]:
    items = org.get(f"/api/v1/campaigns/{campaign_id}/members").get_json()["items"]
    return {m["contact_id"]: m["status"] for m in items}


def test_merge_moves_a_losers_campaign_membership_to_the_winner(org: OrgClient, app: Flask) -> None:
    first, second = _pair(org, app)
    campaign_id = _campaign_with(org, "Seminar", {second["id"]: "attended"})
    factories.merge(org, first["id"], [second["id"]])
    assert _status_of(org, campaign_id) == {first["id"]: "attended"}


def test_merge_keeps_the_status_further_down_the_funnel(org: OrgClient, app: Flask) -> None:
    first, second = _pair(org, app)
    campaign_id = _campaign_with(org, "Seminar", {first["id"]: "sent", second["id"]: "converted"})
    factories.merge(org, first["id"], [second["id"]])
    assert _status_of(org, campaign_id) == {first["id"]: "converted"}


def test_merge_keeps_an_unsubscribe_whatever_the_other_status(org: OrgClient, app: Flask) -> None:
    first, second = _pair(org, app)
    campaign_id = _campaign_with(org, "Newsletter", {first["id"]: "converted", second["id"]: "unsubscribed"})
    factories.merge(org, first["id"], [second["id"]])
    assert _status_of(org, campaign_id) == {first["id"]: "unsubscribed"}


def test_undo_restores_every_row_exactly(org: OrgClient, app: Flask) -> None:
    first, second = _pair(org, app)
    third = create(org, {**TAKAHASHI_TWIN, "emails": [{"value": "i.takahashi@acme.co.jp"}], "tags": ["x"]})
    ids = [first["id"], second["id"], third["id"]]
    _campaign_with(org, "Seminar", {first["id"]: "sent", second["id"]: "responded"})
    _campaign_with(org, "Newsletter", {third["id"]: "opened"})
    before = export(app, ids)
    op = factories.merge(
        org,
        first["id"],
        [second["id"], third["id"]],
        field_choices={"title": third["id"], "company": second["id"]},
    )
    assert export(app, ids) != before
    resp = org.post(f"/api/v1/merges/{op['id']}/undo")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json()["status"] == "undone"
    assert export(app, ids) == before
    assert org.get(f"/api/v1/merges/{op['id']}").get_json()["undone_at"] is not None
    assert org.post(f"/api/v1/merges/{op['id']}/undo").status_code == 409


def test_undo_refuses_after_a_later_merge_of_the_winner(org: OrgClient, app: Flask) -> None:
    first, second = _pair(org, app)
    other = create(org, {**TAKAHASHI, "emails": [{"value": "takahashi@acme.co.jp"}], "tags": []})
    op = factories.merge(org, first["id"], [second["id"]])
    later = factories.merge(org, other["id"], [first["id"]])
    resp = org.post(f"/api/v1/merges/{op['id']}/undo")
    assert resp.status_code == 409
    assert "cannot be undone" in resp.get_json()["detail"]
    assert org.post(f"/api/v1/merges/{later['id']}/undo").status_code == 200
    assert org.post(f"/api/v1/merges/{op['id']}/undo").status_code == 200


def test_undo_refuses_after_the_winner_was_edited(org: OrgClient, app: Flask) -> None:
    first, second = _pair(org, app)
    op = factories.merge(org, first["id"], [second["id"]])
    assert org.patch(f"/api/v1/contacts/{first['id']}", json={"notes": "met again"}).status_code == 200
    resp = org.post(f"/api/v1/merges/{op['id']}/undo")
    assert resp.status_code == 409 and "changed after merge" in resp.get_json()["detail"]


def test_merge_refuses_bad_requests(org: OrgClient, other_org: OrgClient) -> None:
    first, second = create(org, TAKAHASHI), create(org, SUZUKI)
    foreign = create(other_org, TAKAHASHI)
    assert (
        org.post("/api/v1/merges", json={"winner_id": first["id"], "loser_ids": [foreign["id"]]}).status_code
        == 404
    )
    assert (
        other_org.post(
            "/api/v1/merges", json={"winner_id": foreign["id"], "loser_ids": [first["id"]]}
        ).status_code
        == 404
    )
    assert (
        org.post("/api/v1/merges", json={"winner_id": first["id"], "loser_ids": [first["id"]]}).status_code
        == 422
    )
    assert org.post("/api/v1/merges", json={"winner_id": first["id"], "loser_ids": []}).status_code == 422
    bad_choice = {
        "winner_id": first["id"],
        "loser_ids": [second["id"]],
        "field_choices": {"emails": second["id"]},
    }
    assert org.post("/api/v1/merges", json=bad_choice).status_code == 422
    outsider = {
        "winner_id": first["id"],
        "loser_ids": [second["id"]],
        "field_choices": {"title": foreign["id"]},
    }
    assert org.post("/api/v1/merges", json=outsider).status_code == 422
    factories.merge(org, first["id"], [second["id"]])
    again = org.post("/api/v1/merges", json={"winner_id": second["id"], "loser_ids": [first["id"]]})
    assert again.status_code == 409 and first["id"] in again.get_json()["detail"]


def test_merge_ids_of_another_organisation_answer_404(
    org: OrgClient, other_org: OrgClient, app: Flask
) -> None:
    first, second = _pair(org, app)
    op = factories.merge(org, first["id"], [second["id"]])
    assert other_org.get(f"/api/v1/merges/{op['id']}").status_code == 404
    assert other_org.post(f"/api/v1/merges/{op['id']}/undo").status_code == 404
    assert org.get(f"/api/v1/merges/{op['id']}").get_json()["winner_id"] == first["id"]


def test_merge_is_idempotent_with_a_key(org: OrgClient, app: Flask) -> None:
    first, second = _pair(org, app)
    body = {"winner_id": first["id"], "loser_ids": [second["id"]]}
    one = org.post("/api/v1/merges", json=body, headers={"Idempotency-Key": "m1"})
    two = org.post("/api/v1/merges", json=body, headers={"Idempotency-Key": "m1"})
    assert one.status_code == two.status_code == 201 and one.get_json()["id"] == two.get_json()["id"]


def test_hostile_merge_bodies_are_refused(org: OrgClient) -> None:
    first = create(org, TAKAHASHI)
    too_many = {"winner_id": first["id"], "loser_ids": [f"id{i}" for i in range(51)]}
    assert org.post("/api/v1/merges", json=too_many).status_code == 422
    assert org.post("/api/v1/merges", json={"winner_id": "a\x00", "loser_ids": ["b"]}).status_code == 422
    assert (
        org.post(
            "/api/v1/merges", json={"winner_id": first["id"], "loser_ids": ["x"], "entity": "tag"}
        ).status_code
        == 422
    )
    assert org.post("/api/v1/merges", data="{", content_type="application/json").status_code == 400
    assert (
        org.post("/api/v1/merges", json={"winner_id": first["id"], "loser_ids": ["nope"]}).status_code == 404
    )


def test_very_long_values_still_get_stored_keys_and_match(org: OrgClient) -> None:
    address = "東京都千代田区" + "丸の内一丁目" * 150
    body = {"family_name": "山田", "given_name": "太郎", "addresses": [{"value": address[:1000]}]}
    first, second = create(org, body), create(org, body)
    pairs = {frozenset((c["a"]["id"], c["b"]["id"])) for c in duplicates(org)}
    assert frozenset((first["id"], second["id"])) in pairs


def test_a_dismissal_carries_to_the_winner_and_undo_takes_it_back(org: OrgClient, app: Flask) -> None:
    first, second = create(org, TAKAHASHI), create(org, TAKAHASHI_TWIN)
    cand = duplicates(org)[0]
    assert org.post(f"/api/v1/duplicates/{cand['id']}/dismiss").status_code == 200
    third = create(org, {**TAKAHASHI_TWIN, "tags": []})  # the twin again: proposed with both
    ids = [first["id"], second["id"], third["id"]]
    before = export(app, ids)
    op = factories.merge(org, third["id"], [second["id"]])
    pairs = {frozenset((c["a"]["id"], c["b"]["id"])) for c in duplicates(org)}
    assert frozenset((first["id"], third["id"])) not in pairs
    dismissed = {frozenset((c["a"]["id"], c["b"]["id"])) for c in duplicates(org, status="dismissed")}
    assert frozenset((first["id"], third["id"])) in dismissed
    assert org.post(f"/api/v1/merges/{op['id']}/undo").status_code == 200
    assert export(app, ids) == before
