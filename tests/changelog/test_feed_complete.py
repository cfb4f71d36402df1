"""Every write path, walked through HTTP: each resource whose JSON changed has a feed entry and a new version."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from contacts.storage import storage_of
from tests import factories
from tests.changelog.feed_walk import walk
from tests.conftest import OrgClient

TARO = {"full_name": "山田 太郎", "emails": [{"value": "taro@example.co.jp"}]}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json() if response.data else None


def complete(org: OrgClient, write: Any) -> None:
    """Run ``write`` and require a feed entry for every resource it changed."""
    result = walk(org, write)
    assert result.changed(), "the write changed nothing: the walk proves nothing"
    assert result.unreported() == []


def card_for(org: OrgClient, fields: dict[str, str], **extra: Any) -> str:
    """A card waiting for review, read as ``fields``."""
    key = storage_of(org.app).put(f"card {sorted(fields.items())} {extra}".encode(), extension="jpg")
    return factories.card_row(
        org,
        front_image=key,
        status="needs_review",
        exchanged_at=datetime.fromisoformat("2026-11-01T10:00:00+09:00"),
        fields={k: {"value": v, "confidence": 0.99, "box": None, "side": "front"} for k, v in fields.items()},
        **extra,
    )


def test_creating_and_editing_a_contact(org: OrgClient) -> None:
    complete(org, lambda: factories.contact(org, TARO))
    contact = org.get("/api/v1/contacts").get_json()["items"][0]
    complete(org, lambda: ok(org.patch(f"/api/v1/contacts/{contact['id']}", json={"title": "部長"})))


def test_deleting_and_restoring_a_contact(org: OrgClient) -> None:
    contact = factories.contact(org, TARO)
    complete(org, lambda: ok(org.delete(f"/api/v1/contacts/{contact['id']}"), 204))
    complete(org, lambda: ok(org.post(f"/api/v1/contacts/{contact['id']}/restore")))


def test_confirming_a_card_onto_an_existing_contact_with_an_event_tag(org: OrgClient) -> None:
    contact = factories.contact(org, TARO)
    event = factories.event(org, name="Expo")
    card = card_for(
        org,
        {"name": "山田 太郎", "email": "taro@example.co.jp"},
        event_id=event["id"],
        match_contact_id=contact["id"],
    )
    complete(org, lambda: ok(org.post(f"/api/v1/cards/{card}/confirm")))


def test_confirming_a_card_into_a_new_contact(org: OrgClient) -> None:
    event = factories.event(org, name="Expo")
    card = card_for(org, {"name": "佐藤 花子", "company": "株式会社ベータ"}, event_id=event["id"])
    complete(org, lambda: ok(org.post(f"/api/v1/cards/{card}/confirm")))


def test_tagging_contacts_and_companies(org: OrgClient) -> None:
    contact = factories.contact(org, TARO)
    company = factories.company(org)
    tag = factories.tag(org, "VIP")
    complete(
        org, lambda: ok(org.post(f"/api/v1/tags/{tag['id']}/contacts", json={"contact_ids": [contact["id"]]}))
    )
    complete(
        org,
        lambda: ok(org.post(f"/api/v1/tags/{tag['id']}/companies", json={"company_ids": [company["id"]]})),
    )
    complete(org, lambda: ok(org.patch(f"/api/v1/tags/{tag['id']}", json={"name": "Key account"})))
    complete(org, lambda: ok(org.delete(f"/api/v1/tags/{tag['id']}"), 204))


def test_renaming_a_company_shows_in_its_contacts(org: OrgClient) -> None:
    company = factories.company(org)
    factories.contact(org, TARO, company_id=company["id"])
    complete(
        org, lambda: ok(org.patch(f"/api/v1/companies/{company['id']}", json={"name": "株式会社ガンマ"}))
    )
    complete(org, lambda: ok(org.delete(f"/api/v1/companies/{company['id']}?force=true"), 204))


def test_merging_contacts_moves_their_rows(org: OrgClient) -> None:
    winner = factories.contact(org, TARO)
    loser = factories.contact(org, {"full_name": "山田 太郎", "phones": [{"value": "090-1234-5678"}]})
    factories.touchpoint(org, loser["id"])
    campaign = factories.campaign(org)
    factories.add_members(org, campaign["id"], contact_ids=[loser["id"]])
    tag = factories.tag(org, "VIP")
    ok(org.post(f"/api/v1/tags/{tag['id']}/contacts", json={"contact_ids": [loser["id"]]}))
    card = card_for(org, {"name": "山田 太郎"}, match_contact_id=loser["id"])
    ok(org.post(f"/api/v1/cards/{card}/confirm"))
    merges: list[dict[str, Any]] = []
    complete(org, lambda: merges.append(factories.merge(org, winner["id"], [loser["id"]])))
    complete(org, lambda: ok(org.post(f"/api/v1/merges/{merges[0]['id']}/undo")))


def test_touchpoints(org: OrgClient) -> None:
    contact = factories.contact(org, TARO)
    points: list[dict[str, Any]] = []
    complete(org, lambda: points.append(factories.touchpoint(org, contact["id"])))
    complete(org, lambda: ok(org.patch(f"/api/v1/touchpoints/{points[0]['id']}", json={"summary": "昼食"})))
    complete(org, lambda: ok(org.delete(f"/api/v1/touchpoints/{points[0]['id']}"), 204))


def test_events(org: OrgClient) -> None:
    events: list[dict[str, Any]] = []
    complete(org, lambda: events.append(factories.event(org, name="Expo")))
    complete(org, lambda: ok(org.patch(f"/api/v1/events/{events[0]['id']}", json={"venue": "幕張"})))
    complete(org, lambda: ok(org.delete(f"/api/v1/events/{events[0]['id']}"), 204))


def test_campaign_members(org: OrgClient) -> None:
    contact = factories.contact(org, TARO)
    campaign = factories.campaign(org)
    base = f"/api/v1/campaigns/{campaign['id']}"
    complete(org, lambda: factories.add_members(org, campaign["id"], contact_ids=[contact["id"]]))
    complete(org, lambda: ok(org.patch(f"{base}/members/{contact['id']}", json={"status": "sent"})))
    complete(org, lambda: ok(org.delete(f"{base}/members/{contact['id']}"), 204))
    complete(org, lambda: ok(org.patch(base, json={"name": "Winter seminar"})))
    complete(org, lambda: ok(org.delete(base), 204))


def test_erasing_a_person(org: OrgClient) -> None:
    contact = factories.contact(org, TARO)
    factories.touchpoint(org, contact["id"])
    campaign = factories.campaign(org)
    factories.add_members(org, campaign["id"], contact_ids=[contact["id"]])
    complete(org, lambda: ok(org.post(f"/api/v1/contacts/{contact['id']}/erase", json={"confirm": True})))


@pytest.mark.parametrize("auto", [True])
def test_a_card_auto_merged_into_its_twin(org: OrgClient, auto: bool) -> None:
    factories.contact(org, {"full_name": "前田 充", "phones": [{"value": "090-9098-9568", "type": "mobile"}]})
    card = card_for(org, {"name": "前田 充", "mobile": "090-9098-9568", "company": "株式会社新社"})
    complete(org, lambda: ok(org.post(f"/api/v1/cards/{card}/confirm")))


def test_a_merge_of_a_merge_winner_repoints_the_earlier_losers(org: OrgClient) -> None:
    a, b, c = (factories.contact(org, full_name=f"P{i}") for i in range(3))
    factories.merge(org, b["id"], [a["id"]])
    merges: list[dict[str, Any]] = []
    complete(org, lambda: merges.append(factories.merge(org, c["id"], [b["id"]])))
    complete(org, lambda: ok(org.post(f"/api/v1/merges/{merges[0]['id']}/undo")))


def test_deleting_a_campaign_with_members(org: OrgClient) -> None:
    contact = factories.contact(org, TARO)
    campaign = factories.campaign(org)
    factories.add_members(org, campaign["id"], contact_ids=[contact["id"]])
    complete(org, lambda: ok(org.delete(f"/api/v1/campaigns/{campaign['id']}"), 204))


def test_deleting_an_event_whose_cards_made_contacts(org: OrgClient) -> None:
    event = factories.event(org, name="Expo")
    card = card_for(org, {"name": "佐藤 花子"}, event_id=event["id"])
    ok(org.post(f"/api/v1/cards/{card}/confirm"))
    complete(org, lambda: ok(org.delete(f"/api/v1/events/{event['id']}"), 204))


def test_merging_companies_and_undoing_it(org: OrgClient) -> None:
    winner = factories.company(org, name="株式会社アクメ")
    loser = factories.company(org, name="アクメ株式会社")
    contact = factories.contact(org, TARO, company_id=loser["id"])
    factories.touchpoint(org, contact["id"])
    tag = factories.tag(org, "Key")
    ok(org.post(f"/api/v1/tags/{tag['id']}/companies", json={"company_ids": [loser["id"]]}))
    merges: list[dict[str, Any]] = []
    complete(
        org,
        lambda: merges.append(factories.merge(org, winner["id"], [loser["id"]], entity="company")),
    )
    complete(org, lambda: ok(org.post(f"/api/v1/merges/{merges[0]['id']}/undo")))


def test_segments(org: OrgClient) -> None:
    made: list[dict[str, Any]] = []
    body = {"name": "VIP", "filter": {"tag": ["vip"]}}
    complete(org, lambda: made.append(ok(org.post("/api/v1/segments", json=body), 201)))
    path = f"/api/v1/segments/{made[0]['id']}"
    complete(org, lambda: ok(org.patch(path, json={"filter": {"tag": ["vip", "expo"]}})))
    complete(org, lambda: ok(org.delete(path), 204))


def test_opting_out_and_undoing_it(org: OrgClient) -> None:
    who = factories.contact(org, **TARO)["id"]
    path = f"/api/v1/contacts/{who}/opt-outs"
    complete(org, lambda: ok(org.post(path, json={"channel": "email"}), 201))
    complete(org, lambda: ok(org.delete(path, query_string={"channel": "email"}), 204))


def test_an_unsubscribed_member_opted_out_of_email(org: OrgClient) -> None:
    who = factories.contact(org, **TARO)["id"]
    campaign = factories.campaign(org, name="Autumn mailing")
    ok(org.post(f"/api/v1/campaigns/{campaign['id']}/members", json={"contact_ids": [who]}))
    member = f"/api/v1/campaigns/{campaign['id']}/members/{who}"
    complete(org, lambda: ok(org.patch(member, json={"status": "unsubscribed"})))


def test_a_touchpoint_that_breaks_a_contact_frequency_rule(org: OrgClient) -> None:
    rules = {"rules": [{"max": 1, "kinds": ["call"], "days": 14}]}
    ok(org.put("/api/v1/organization/contact-rules", json=rules))
    who = factories.contact(org, **TARO)["id"]
    call = {"contact_id": who, "kind": "call", "occurred_at": datetime.now(UTC).isoformat()}
    ok(org.post("/api/v1/touchpoints", json=call), 201)
    complete(org, lambda: ok(org.post("/api/v1/touchpoints", json=call), 201))
    over = org.get(f"/api/v1/contacts/{who}").get_json()["over_contacted"]
    assert over is not None, (
        "the walk ignores over_contacted: it must have changed here for the test to mean it"
    )


def test_committing_an_import_and_rolling_it_back(org: OrgClient) -> None:
    from tests.imports.helpers import HUBSPOT, commit, upload

    factories.contact(org, full_name="佐藤 花子", emails=[{"value": "h@beta.co.jp"}], title="部長")
    rows = "1,花子,佐藤,h@beta.co.jp,03-1234-5678,Beta,取締役\n2,Ichiro,Kato,kato@gamma.example,,Gamma,CEO\n"
    planned = upload(org, HUBSPOT + rows)
    complete(org, lambda: commit(org, planned["id"]))
    complete(org, lambda: ok(org.post(f"/api/v1/imports/{planned['id']}/rollback")))
