"""Personal-data requests over HTTP: export everything about a person, erase it for good."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from contacts.changelog.models import IdempotencyRecord
from contacts.db import session_factory
from contacts.storage import storage_of
from tests import factories
from tests.conftest import OrgClient
from tests.dedup.helpers import TAKAHASHI, TAKAHASHI_TWIN

ERASE = {"confirm": True, "reason": "the person asked (mail of 2026-11-20)"}


def _person(org: OrgClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """A contact with a twin merged into it, a touchpoint and a campaign membership."""
    first, second = factories.contact(org, TAKAHASHI), factories.contact(org, TAKAHASHI_TWIN)
    factories.merge(org, first["id"], [second["id"]])
    factories.touchpoint(org, first["id"], occurred_at="2026-11-20T10:00:00+09:00")
    campaign = factories.campaign(org, "Seminar")
    factories.add_members(org, campaign["id"], contact_ids=[first["id"]], status="sent")
    return first, second


def _card(app: Flask, org: OrgClient, contact_id: str | None, image: bytes) -> tuple[str, str]:
    key = storage_of(app).put(image, extension="jpg")
    return factories.card_row(
        org, front_image=key, contact_id=contact_id, text="高橋 一郎 株式会社アクメ"
    ), key


def test_export_holds_the_contact_its_merged_twin_and_what_happened(org: OrgClient) -> None:
    first, second = _person(org)
    resp = org.get(f"/api/v1/contacts/{first['id']}/export")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    export = resp.get_json()
    assert export["contact"]["id"] == first["id"]
    assert [c["id"] for c in export["merged_contacts"]] == [second["id"]]
    assert len(export["touchpoints"]) == 1 and export["campaigns"][0]["status"] == "sent"
    assert len(export["merges"]) == 1
    assert {(c["entity_id"], c["operation"]) for c in export["changes"]} >= {
        (first["id"], "created"),
        (second["id"], "created"),
    }


def test_export_lists_the_cards_with_their_ocr_text(app: Flask, org: OrgClient) -> None:
    first, _ = _person(org)
    card_id, _ = _card(app, org, first["id"], b"front of the card")
    [card] = org.get(f"/api/v1/contacts/{first['id']}/export").get_json()["cards"]
    assert (card["id"], card["text"]) == (card_id, "高橋 一郎 株式会社アクメ")
    assert card["images"] == [f"/api/v1/cards/{card_id}/image?side=front&variant=original"]


def test_erase_removes_the_person_and_everything_about_them(org: OrgClient) -> None:
    first, second = _person(org)
    resp = org.post(f"/api/v1/contacts/{first['id']}/erase", json=ERASE)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    result = resp.get_json()
    assert result["erased_contact_ids"] == [first["id"], second["id"]]
    assert (result["touchpoints"], result["merges"]) == (1, 1)
    for contact_id in (first["id"], second["id"]):
        assert org.get(f"/api/v1/contacts/{contact_id}").status_code == 404
    assert org.get("/api/v1/touchpoints").get_json()["items"] == []
    campaign = org.get("/api/v1/campaigns").get_json()["items"][0]
    assert campaign["member_count"] == 0


def test_erase_tells_the_change_feed_so_synced_systems_delete_too(org: OrgClient) -> None:
    first, second = _person(org)
    org.post(f"/api/v1/contacts/{first['id']}/erase", json=ERASE)
    changes = org.get("/api/v1/changes", query_string={"limit": 500}).get_json()["items"]
    erased = {c["entity_id"] for c in changes if c["operation"] == "erased"}
    assert erased == {first["id"], second["id"]}
    assert any(c["entity"] == "touchpoint" and c["operation"] == "deleted" for c in changes)


def test_erase_deletes_card_images_no_other_card_uses(app: Flask, org: OrgClient) -> None:
    first, _ = _person(org)
    other = factories.contact(org, {"full_name": "別人"})
    _, own = _card(app, org, first["id"], os.urandom(64))
    _, shared = _card(app, org, first["id"], b"the same photo twice")
    _card(app, org, other["id"], b"the same photo twice")
    result = org.post(f"/api/v1/contacts/{first['id']}/erase", json=ERASE).get_json()
    storage = storage_of(app)
    assert (result["cards"], result["images"]) == (2, 1)
    assert not storage.exists(own) and storage.exists(shared)


def test_erase_drops_stored_idempotent_responses_that_repeat_the_person(app: Flask, org: OrgClient) -> None:
    contact_id = factories.contact(org, TAKAHASHI, headers={"Idempotency-Key": "k-1"})["id"]
    org.post(f"/api/v1/contacts/{contact_id}/erase", json=ERASE)
    with app.app_context(), session_factory(app)() as session:
        left = session.scalar(
            select(func.count())
            .select_from(IdempotencyRecord)
            .where(IdempotencyRecord.response_body.contains(contact_id))
        )
    assert left == 0


def test_erase_must_be_confirmed(org: OrgClient) -> None:
    contact = factories.contact(org, TAKAHASHI)
    resp = org.post(f"/api/v1/contacts/{contact['id']}/erase", json={"confirm": False})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "confirm"
    assert org.get(f"/api/v1/contacts/{contact['id']}").status_code == 200


def test_a_merged_record_is_erased_through_the_contact_it_went_to(org: OrgClient) -> None:
    first, second = _person(org)
    resp = org.post(f"/api/v1/contacts/{second['id']}/erase", json=ERASE)
    assert resp.status_code == 409 and first["id"] in resp.get_json()["detail"]


def test_a_deleted_contact_can_be_erased(org: OrgClient) -> None:
    contact = factories.contact(org, TAKAHASHI)
    org.delete(f"/api/v1/contacts/{contact['id']}")
    assert org.post(f"/api/v1/contacts/{contact['id']}/erase", json=ERASE).status_code == 200


def test_only_admins_export_and_erase(org: OrgClient) -> None:
    contact = factories.contact(org, TAKAHASHI)
    manager = org.as_role("manager")
    assert manager.get(f"/api/v1/contacts/{contact['id']}/export").status_code == 403
    assert manager.post(f"/api/v1/contacts/{contact['id']}/erase", json=ERASE).status_code == 403
