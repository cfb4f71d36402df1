"""The whole card path with real Tesseract on cards-dev images: OCR, review, confirmation, history, retries."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select

from contacts.cards.models import Card
from contacts.cards.worker import WorkerConfig, claim, process_one
from contacts.changelog.models import ChangeLogEntry
from contacts.db import session_factory, utcnow
from contacts.people.models import Contact
from contacts.touchpoints.models import Touchpoint
from tests import factories
from tests.cards.conftest import image, process, set_threshold, upload, upload_and_process
from tests.cards.engines import broken
from tests.conftest import OrgClient


def _contacts(org: OrgClient) -> int:
    with session_factory(org.app)() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Contact)
                .where(Contact.organization_id == org.organization_id)
            )
            or 0
        )


def _touchpoints(org: OrgClient, contact_id: str) -> list[Touchpoint]:
    with session_factory(org.app)() as session:
        return list(
            session.scalars(
                select(Touchpoint).where(Touchpoint.contact_id == contact_id).order_by(Touchpoint.created_at)
            )
        )


def test_two_sided_card_at_an_event_completes_into_contact_touchpoint_and_tags(org: OrgClient) -> None:
    set_threshold(org.app, org.organization_id, 0.0)
    event_id = factories.event(org, name="Expo 2026", kind="trade_show", venue="Tokyo Big Sight")["id"]
    card = upload_and_process(
        org,
        [("front", "front.jpg", image("scans/0004.jpg")), ("back", "back.jpg", image("scans/0001.jpg"))],
        [("event_id", event_id), ("tags", "vip"), ("exchanged_at", "2026-11-20T10:00:00+09:00")],
    )
    assert card["status"] == "completed" and card["side_count"] == 2 and card["contact_id"]
    assert card["pipeline_version"] and card["attempts"] == 1 and card["text"]
    assert card["fields"]["email"]["value"] == "yasuhiro.endo@corp718.com"
    assert all({"value", "confidence", "box", "side"} <= set(f) for f in card["fields"].values())
    assert {f["side"] for f in card["fields"].values()} == {"front", "back"}
    assert org.get(card["images"]["back"]["normalized"]).mimetype == "image/jpeg"
    contact = org.get(f"/api/v1/contacts/{card['contact_id']}").get_json()
    assert contact["company"]["name"] == "小林水産株式会社"
    assert sorted(contact["tags"]) == ["Expo 2026", "vip"]
    assert (
        contact["sources"]["company"]["type"] == "card" and contact["sources"]["company"]["id"] == card["id"]
    )
    (tp,) = _touchpoints(org, card["contact_id"])
    assert (tp.kind, tp.event_id, tp.card_id, tp.user_id) == (
        "card_exchange",
        event_id,
        card["id"],
        org.user_id,
    )
    assert tp.occurred_at.isoformat().startswith("2026-11-20T01:00") and tp.location == "Tokyo Big Sight"
    assert tp.company_name_at_time == "小林水産株式会社"
    with session_factory(org.app)() as session:
        logged = set(
            session.execute(
                select(ChangeLogEntry.entity, ChangeLogEntry.operation).where(
                    ChangeLogEntry.organization_id == org.organization_id
                )
            ).all()
        )
    assert {
        ("card", "created"),
        ("card", "confirmed"),
        ("contact", "created"),
        ("touchpoint", "created"),
    } <= logged


def test_review_correction_keeps_the_ocr_value_and_confirm_is_idempotent(org: OrgClient) -> None:
    set_threshold(org.app, org.organization_id, 1.01)  # nothing passes: every card waits for review
    card = upload_and_process(org, [("front", "c.jpg", image("scans/0003.jpg"))])
    assert card["status"] == "needs_review" and card["contact_id"] is None
    waiting = org.get("/api/v1/cards?status=needs_review").get_json()["items"]
    assert [c["id"] for c in waiting] == [card["id"]]
    ocr_email = card["fields"]["email"]["value"]
    resp = org.patch(f"/api/v1/cards/{card['id']}", json={"fields": {"email": "d.johns@lucero.example"}})
    assert resp.status_code == 200, resp.get_json()
    edited = resp.get_json()["fields"]["email"]
    assert edited["value"] == "d.johns@lucero.example" and edited["ocr_value"] == ocr_email
    assert edited["edited_by"] == org.user_id and edited["edited_at"]
    first = org.post(f"/api/v1/cards/{card['id']}/confirm")
    again = org.post(f"/api/v1/cards/{card['id']}/confirm")
    assert first.status_code == again.status_code == 200
    assert first.get_json()["contact_id"] == again.get_json()["contact_id"]
    assert first.get_json()["status"] == "completed" and first.get_json()["confirmed_by"] == org.user_id
    contact = org.get(f"/api/v1/contacts/{first.get_json()['contact_id']}").get_json()
    assert [e["value"] for e in contact["emails"]] == ["d.johns@lucero.example"]
    assert _contacts(org) == 1 and len(_touchpoints(org, contact["id"])) == 1
    assert org.patch(f"/api/v1/cards/{card['id']}", json={"fields": {"title": "x"}}).status_code == 409


def test_second_card_of_the_same_person_at_another_company_is_a_job_change(org: OrgClient) -> None:
    set_threshold(org.app, org.organization_id, 0.0)
    first = upload_and_process(org, [("front", "a.jpg", image("scans/0000.jpg"))])
    assert first["status"] == "completed"
    set_threshold(org.app, org.organization_id, 1.01)
    second = upload_and_process(org, [("front", "b.jpg", image("scans/0002.jpg"))])
    assert second["status"] == "needs_review"
    # Another email and company: only a reviewer can tell it is the same 前田 充.
    resp = org.patch(f"/api/v1/cards/{second['id']}", json={"match_contact_id": first["contact_id"]})
    assert resp.status_code == 200
    confirmed = org.post(f"/api/v1/cards/{second['id']}/confirm").get_json()
    assert confirmed["contact_id"] == first["contact_id"] and _contacts(org) == 1
    contact = org.get(f"/api/v1/contacts/{first['contact_id']}").get_json()
    assert contact["company"]["name"] == "合同会社中村鉱業"
    assert {e["value"] for e in contact["emails"]} >= {
        "mmituru@mit51-maeda.co.jp",
        "mituru.maeda@corp454.com",
    }
    history = org.get(f"/api/v1/contacts/{first['contact_id']}/employment").get_json()["items"]
    assert [h["company"]["name"] for h in history] == ["合同会社中村鉱業", "合同会社加藤建設"]
    assert history[1]["ended_at"] is not None and history[0]["ended_at"] is None
    assert history[0]["source"] == {"type": "card", "id": second["id"]}
    assert [t.company_name_at_time for t in _touchpoints(org, first["contact_id"])] == [
        "合同会社加藤建設",
        "合同会社中村鉱業",
    ]


def test_a_card_with_a_known_email_updates_that_contact(org: OrgClient) -> None:
    set_threshold(org.app, org.organization_id, 0.0)
    made = factories.contact(org, full_name="Emma Berry", emails=[{"value": "Emma.Berry@wongchapman.io"}])
    card = upload_and_process(org, [("front", "e.jpg", image("scans/0001.jpg"))])
    assert card["status"] == "completed" and card["contact_id"] == made["id"]
    assert _contacts(org) == 1
    contact = org.get(f"/api/v1/contacts/{card['contact_id']}").get_json()
    assert contact["company"]["name"] == "Wong-Chapman" and contact["title"] == "Senior Engineer"


def test_transient_errors_retry_with_backoff_then_fail_with_a_reason(org: OrgClient) -> None:
    card_id = upload(org, [("front", "a.jpg", image("scans/0001.jpg"))]).get_json()["cards"][0]["id"]
    config = WorkerConfig(engine_factory=broken, max_attempts=2, backoff_seconds=60)
    assert process_one(org.app, config, card_id) == card_id
    card = org.get(f"/api/v1/cards/{card_id}").get_json()
    assert card["status"] == "queued" and card["attempts"] == 1 and "simulated crash" in card["error"]
    assert process_one(org.app, config, card_id) is None  # not due before the backoff ends
    with session_factory(org.app)() as session:
        row = session.get(Card, card_id)
        assert row is not None and row.next_attempt_at is not None
        assert row.next_attempt_at > utcnow() + timedelta(seconds=50)
        row.next_attempt_at = utcnow()
        session.commit()
    assert process_one(org.app, config, card_id) == card_id
    card = org.get(f"/api/v1/cards/{card_id}").get_json()
    assert card["status"] == "failed" and "after 2 attempts" in card["error"] and card["attempts"] == 2


def test_reprocess_requeues_a_failed_card_which_then_completes(org: OrgClient) -> None:
    card_id = upload(org, [("front", "a.jpg", image("scans/0005.jpg"))]).get_json()["cards"][0]["id"]
    process_one(org.app, WorkerConfig(engine_factory=broken, max_attempts=1), card_id)
    assert org.get(f"/api/v1/cards/{card_id}").get_json()["status"] == "failed"
    resp = org.post(f"/api/v1/cards/{card_id}/reprocess")
    assert resp.status_code == 202
    assert resp.get_json()["status"] == "queued" and resp.get_json()["attempts"] == 0
    assert resp.get_json()["error"] is None
    assert org.post(f"/api/v1/cards/{card_id}/reprocess").status_code == 409  # already queued
    process(org.app, card_id)
    card = org.get(f"/api/v1/cards/{card_id}").get_json()
    assert card["status"] in ("completed", "needs_review") and card["fields"]["email"]["value"]


def test_a_claimed_card_is_taken_over_only_after_its_lease_expires(org: OrgClient) -> None:
    card_id = upload(org, [("front", "a.jpg", image("scans/0001.jpg"))]).get_json()["cards"][0]["id"]
    factory = session_factory(org.app)
    first, second = WorkerConfig(lease_seconds=60), WorkerConfig(lease_seconds=60)
    assert claim(factory, first, card_id) == card_id
    assert claim(factory, second, card_id) is None
    with factory() as session:
        row = session.get(Card, card_id)
        assert row is not None and row.status == "processing" and row.worker_id == first.worker_id
        row.lease_expires_at = utcnow() - timedelta(seconds=1)  # the first worker died
        session.commit()
    assert claim(factory, second, card_id) == card_id
    with factory() as session:
        row = session.get(Card, card_id)
        assert row is not None and row.worker_id == second.worker_id and row.attempts == 2


def test_confirm_refuses_cards_not_waiting_for_review(org: OrgClient) -> None:
    card_id = upload(org, [("front", "a.jpg", image("scans/0001.jpg"))]).get_json()["cards"][0]["id"]
    resp = org.post(f"/api/v1/cards/{card_id}/confirm")
    assert resp.status_code == 409 and resp.mimetype == "application/problem+json"


def test_matching_engine_folds_a_new_card_into_a_sure_twin_as_a_job_change(org: OrgClient) -> None:
    set_threshold(org.app, org.organization_id, 0.0)
    made = factories.contact(
        org,
        {
            "full_name": "前田 充",
            "family_name": "前田",
            "given_name": "充",
            "company_name": "株式会社旧社",
            "phones": [{"value": "090-9098-9568", "type": "mobile"}],
        },
    )
    card = upload_and_process(org, [("front", "a.jpg", image("scans/0000.jpg"))])
    assert card["status"] == "completed" and card["contact_id"] == made["id"]
    with session_factory(org.app)() as session:
        active = session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.organization_id == org.organization_id, Contact.status == "active")
        )
    assert active == 1
    history = org.get(f"/api/v1/contacts/{card['contact_id']}/employment").get_json()["items"]
    assert history[0]["company"]["name"] == "合同会社加藤建設" and history[0]["ended_at"] is None
    old = [h for h in history if h["company"]["name"] == "株式会社旧社"]
    assert len(old) == 1 and old[0]["ended_at"] is not None
    (tp,) = _touchpoints(org, card["contact_id"])
    assert tp.card_id == card["id"]


def test_heartbeat_keeps_a_slow_card_leased(org: OrgClient) -> None:
    from contacts.cards.worker import Heartbeat

    card_id = upload(org, [("front", "a.jpg", image("scans/0001.jpg"))]).get_json()["cards"][0]["id"]
    factory = session_factory(org.app)
    holder = WorkerConfig(lease_seconds=0.6)
    assert claim(factory, holder, card_id) == card_id
    with Heartbeat(factory, card_id, holder):
        time.sleep(1.5)  # OCR longer than the lease
        assert claim(factory, WorkerConfig(), card_id) is None
    time.sleep(0.7)  # no heartbeat any more: the lease runs out
    assert claim(factory, WorkerConfig(), card_id) == card_id


def test_confirming_a_card_without_name_or_email_asks_for_a_correction(org: OrgClient) -> None:
    card_id = upload(org, [("front", "a.jpg", image("scans/0001.jpg"))]).get_json()["cards"][0]["id"]
    with session_factory(org.app)() as session:  # as OCR would leave a card that found only a title
        row = session.get(Card, card_id)
        assert row is not None
        row.status = "needs_review"
        row.fields = {
            "title": {"value": "Senior Engineer", "confidence": 0.4, "box": [1, 2, 3, 4], "side": "front"}
        }
        session.commit()
    resp = org.post(f"/api/v1/cards/{card_id}/confirm")
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"].startswith("fields")
    assert _contacts(org) == 0
    org.patch(f"/api/v1/cards/{card_id}", json={"fields": {"name": "Emma Berry"}})
    done = org.post(f"/api/v1/cards/{card_id}/confirm").get_json()
    contact = org.get(f"/api/v1/contacts/{done['contact_id']}").get_json()
    assert (contact["given_name"], contact["family_name"], contact["title"]) == (
        "Emma",
        "Berry",
        "Senior Engineer",
    )
