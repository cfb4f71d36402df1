"""A member's status moves only forward along the funnel unless forced; unsubscribed always stands; bulk
updates report moved, kept and skipped; membership can tag the contacts."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.conftest import OrgClient


def contact(org: OrgClient, name: str) -> str:
    return str(factories.contact(org, full_name=name)["id"])


def statuses(org: OrgClient, campaign_id: str) -> dict[str, str]:
    items = org.get(f"/api/v1/campaigns/{campaign_id}/members").get_json()["items"]
    return {m["contact_id"]: m["status"] for m in items}


def add(org: OrgClient, campaign_id: str, **body: Any) -> dict[str, Any]:
    return factories.add_members(org, campaign_id, **body)


def test_a_bulk_update_never_moves_members_back_without_force(org: OrgClient) -> None:
    cid = factories.campaign(org)["id"]
    converted, planned = contact(org, "converted"), contact(org, "planned")
    add(org, cid, contact_ids=[converted], status="converted")
    add(org, cid, contact_ids=[planned])
    result = add(org, cid, contact_ids=[converted, planned], status="sent")
    assert statuses(org, cid) == {converted: "converted", planned: "sent"}
    assert (result["moved"], result["kept"], result["skipped"]) == (1, 0, 1)


def test_force_moves_members_back(org: OrgClient) -> None:
    cid = factories.campaign(org)["id"]
    who = contact(org, "converted")
    add(org, cid, contact_ids=[who], status="converted")
    assert add(org, cid, contact_ids=[who], status="sent", force=True)["moved"] == 1
    assert statuses(org, cid) == {who: "sent"}


def test_members_already_at_the_status_are_kept(org: OrgClient) -> None:
    cid = factories.campaign(org)["id"]
    who = contact(org, "sent")
    add(org, cid, contact_ids=[who], status="sent")
    assert (add(org, cid, contact_ids=[who], status="sent")["kept"], statuses(org, cid)) == (1, {who: "sent"})


def test_unsubscribed_stands_even_with_force(org: OrgClient) -> None:
    cid = factories.campaign(org)["id"]
    who = contact(org, "gone")
    add(org, cid, contact_ids=[who], status="unsubscribed")
    result = add(org, cid, contact_ids=[who], status="converted", force=True)
    assert (result["skipped"], statuses(org, cid)) == (1, {who: "unsubscribed"})


def test_patching_one_member_back_is_a_conflict_without_force(org: OrgClient) -> None:
    cid = factories.campaign(org)["id"]
    who = contact(org, "responded")
    add(org, cid, contact_ids=[who], status="responded")
    resp = org.patch(f"/api/v1/campaigns/{cid}/members/{who}", json={"status": "sent"})
    assert resp.status_code == 409 and resp.content_type == "application/problem+json"
    forced = org.patch(f"/api/v1/campaigns/{cid}/members/{who}", json={"status": "sent", "force": True})
    assert forced.status_code == 200 and forced.get_json()["status"] == "sent"


def test_patching_an_unsubscribed_member_is_a_conflict_even_with_force(org: OrgClient) -> None:
    cid = factories.campaign(org)["id"]
    who = contact(org, "gone")
    add(org, cid, contact_ids=[who], status="unsubscribed")
    resp = org.patch(f"/api/v1/campaigns/{cid}/members/{who}", json={"status": "planned", "force": True})
    assert resp.status_code == 409


def test_any_member_may_unsubscribe(org: OrgClient) -> None:
    cid = factories.campaign(org)["id"]
    who = contact(org, "converted")
    add(org, cid, contact_ids=[who], status="converted")
    assert add(org, cid, contact_ids=[who], status="unsubscribed")["moved"] == 1


def test_tag_members_puts_the_campaigns_tag_on_the_added_contacts(org: OrgClient) -> None:
    camp = factories.campaign(org, "Winter webinar")
    who = contact(org, "A")
    add(org, camp["id"], contact_ids=[who], tag_members=True)
    assert org.get(f"/api/v1/contacts/{who}").get_json()["tags"] == ["Winter webinar"]


def test_without_tag_members_the_contacts_are_not_tagged(org: OrgClient) -> None:
    camp = factories.campaign(org, "Winter webinar")
    who = contact(org, "A")
    add(org, camp["id"], contact_ids=[who])
    assert org.get(f"/api/v1/contacts/{who}").get_json()["tags"] == []


def test_a_campaign_carries_its_channel(org: OrgClient) -> None:
    assert factories.campaign(org, channel="postal_mail")["channel"] == "postal_mail"
    resp = org.post("/api/v1/campaigns", json={"name": "x", "channel": "pigeon"})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "channel"


def test_sales_may_create_an_event_but_not_change_anothers(org: OrgClient) -> None:
    created = factories.event(org)
    sales = org.as_role("sales")
    assert sales.post("/api/v1/events", json={"name": "Booth at Expo"}).status_code == 201
    assert sales.delete(f"/api/v1/events/{created['id']}").status_code == 403


def test_tag_members_also_tags_members_already_there_but_not_skipped_contacts(org: OrgClient) -> None:
    camp = factories.campaign(org, "Spring mail", channel="email")
    member, opted = contact(org, "member"), contact(org, "opted")
    add(org, camp["id"], contact_ids=[member])
    assert org.post(f"/api/v1/contacts/{opted}/opt-outs", json={"channel": "email"}).status_code == 201
    add(org, camp["id"], contact_ids=[member, opted], tag_members=True)
    tags = {c: org.get(f"/api/v1/contacts/{c}").get_json()["tags"] for c in (member, opted)}
    assert tags == {member: ["Spring mail"], opted: []}
