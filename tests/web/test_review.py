"""Capture uploads and the review page: corrections, confirmation, discard, bulk confirm, images."""

from __future__ import annotations

import io
import random

from flask import Flask
from PIL import Image

from tests import factories
from tests.web.conftest import WebOrg
from tests.web.helpers import card_jpeg, card_row, csrf_of, review_card

CLEAR = {
    "name": ("山田 太郎", 0.95),
    "company": ("株式会社テスト", 0.93),
    "email": ("taro@test.example", 0.99),
}


def _batch(worg: WebOrg) -> str:
    token = csrf_of(worg.web.get("/capture").get_data(as_text=True))
    resp = worg.web.post(
        "/capture/batches",
        data={"tags": "Expo", "exchanged_at": "2026-11-20T10:30"},
        headers={"X-CSRFToken": token},
    )
    assert resp.status_code == 200, resp.get_json()
    return str(resp.get_json()["batch_id"])


def _upload(worg: WebOrg, batch_id: str, key: str, data: bytes) -> tuple[int, dict[str, str]]:
    token = csrf_of(worg.web.get("/capture").get_data(as_text=True))
    resp = worg.web.post(
        f"/capture/batches/{batch_id}/cards",
        headers={"X-CSRFToken": token, "Idempotency-Key": key},
        data={
            "front": (io.BytesIO(data), "card.jpg"),
            "tags": "Expo",
            "exchanged_at": "2026-11-20T10:30:00+09:00",
        },
        content_type="multipart/form-data",
    )
    return resp.status_code, resp.get_json()


def test_a_retried_upload_with_the_same_key_makes_one_card(web_app: Flask, worg: WebOrg) -> None:
    batch_id = _batch(worg)
    first = _upload(worg, batch_id, "file-1", card_jpeg())
    again = _upload(worg, batch_id, "file-1", card_jpeg())
    assert first[0] == again[0] == 202 and first[1]["card_id"] == again[1]["card_id"]
    status = worg.web.get(f"/capture/batches/{batch_id}/status").get_json()
    assert status["summary"]["total"] == 1 and status["summary"]["queued"] == 1


def test_an_upload_that_is_not_an_image_is_refused_with_a_message(web_app: Flask, worg: WebOrg) -> None:
    code, body = _upload(worg, _batch(worg), "file-x", b"not an image at all")
    assert code == 415 and "front[0]" in body["error"]


def test_the_exchange_time_is_read_in_the_users_time_zone(web_app: Flask, worg: WebOrg) -> None:
    token = csrf_of(worg.web.get("/capture").get_data(as_text=True))
    resp = worg.web.post(
        "/capture/batches", data={"exchanged_at": "2026-11-20T10:30"}, headers={"X-CSRFToken": token}
    )
    assert resp.get_json()["exchanged_at"] == "2026-11-20T10:30:00+09:00"


def test_a_correction_and_confirmation_make_the_contact(web_app: Flask, worg: WebOrg) -> None:
    card_id = review_card(
        web_app,
        worg.organization_id,
        worg.user_id,
        {"name": ("山田 太朗", 0.41), "email": ("yamada@acme.example", 0.97)},
    )
    page = worg.web.get(f"/review/{card_id}").get_data(as_text=True)
    assert 'class="frow low"' in page  # the doubtful name is highlighted
    resp = worg.web.post(
        f"/review/{card_id}",
        data={
            "csrf_token": csrf_of(page),
            "version": card_row(web_app, card_id).version,
            "action": "confirm",
            "field-name": "山田 太郎",
            "field-email": "yamada@acme.example",
        },
    )
    assert resp.status_code == 302
    card = card_row(web_app, card_id)
    assert card.status == "completed" and card.fields["name"]["value"] == "山田 太郎"
    assert card.fields["name"]["ocr_value"] == "山田 太朗"
    contact = worg.api.get(f"/api/v1/contacts/{card.contact_id}").get_json()
    assert contact["full_name"] == "山田 太郎"


def test_a_stale_review_form_is_refused(web_app: Flask, worg: WebOrg) -> None:
    card_id = review_card(web_app, worg.organization_id, worg.user_id, CLEAR)
    page = worg.web.get(f"/review/{card_id}").get_data(as_text=True)
    resp = worg.web.post(
        f"/review/{card_id}",
        data={"csrf_token": csrf_of(page), "version": "0", "action": "confirm", "field-name": "x"},
    )
    assert resp.status_code == 409 and card_row(web_app, card_id).status == "needs_review"


def test_a_discarded_card_is_kept_and_the_api_shows_it(web_app: Flask, worg: WebOrg) -> None:
    card_id = review_card(web_app, worg.organization_id, worg.user_id, CLEAR)
    page = worg.web.get(f"/review/{card_id}").get_data(as_text=True)
    worg.web.post(f"/review/{card_id}", data={"csrf_token": csrf_of(page), "action": "discard"})
    body = worg.api.get(f"/api/v1/cards/{card_id}").get_json()
    assert body["status"] == "discarded" and body["contact_id"] is None


def test_the_api_discards_a_card_waiting_for_review(web_app: Flask, worg: WebOrg) -> None:
    card_id = review_card(web_app, worg.organization_id, worg.user_id, CLEAR)
    assert worg.api.post(f"/api/v1/cards/{card_id}/discard").get_json()["status"] == "discarded"
    assert worg.api.post(f"/api/v1/cards/{card_id}/confirm").status_code == 409


def test_bulk_confirm_takes_only_cards_whose_fields_pass_the_threshold(web_app: Flask, worg: WebOrg) -> None:
    batch = "0" * 25 + "b"
    sure = review_card(web_app, worg.organization_id, worg.user_id, CLEAR, batch_id=batch)
    doubtful = review_card(
        web_app,
        worg.organization_id,
        worg.user_id,
        {"name": ("佐藤", 0.3), "email": ("sato@test.example", 0.99)},
        batch_id=batch,
    )
    page = worg.web.get(f"/review?batch_id={batch}").get_data(as_text=True)
    assert "Confirm 1 card whose fields all pass" in page
    worg.web.post(f"/review/bulk-confirm?batch_id={batch}", data={"csrf_token": csrf_of(page)})
    assert card_row(web_app, sure).status == "completed"
    assert card_row(web_app, doubtful).status == "needs_review"


def test_the_matcher_suggests_the_existing_contact(web_app: Flask, worg: WebOrg) -> None:
    existing = factories.contact(
        worg.api,
        {
            "family_name": "高橋",
            "given_name": "一郎",
            "company_name": "株式会社アクメ",
            "phones": [{"value": "090-1234-5678", "type": "mobile"}],
        },
    )
    card_id = review_card(
        web_app,
        worg.organization_id,
        worg.user_id,
        {"name": ("高橋 一郎", 0.9), "mobile": ("090-1234-5678", 0.9), "company": ("アクメ", 0.5)},
    )
    page = worg.web.get(f"/review/{card_id}").get_data(as_text=True)
    assert f'name="contact_id" value="{existing["id"]}"' in page and "same mobile" in page


def test_the_review_image_is_a_resized_variant(web_app: Flask, worg: WebOrg) -> None:
    card_id = review_card(web_app, worg.organization_id, worg.user_id, CLEAR)
    resp = worg.web.get(f"/cards/{card_id}/front.jpg?w=480")
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(resp.data)).width == 480


def test_card_images_need_a_signed_in_user(web_app: Flask, worg: WebOrg) -> None:
    card_id = review_card(web_app, worg.organization_id, worg.user_id, CLEAR)
    assert web_app.test_client().get(f"/cards/{card_id}/front.jpg?w=480").status_code == 302


def test_an_accepted_suggestion_makes_the_card_update_that_contact(web_app: Flask, worg: WebOrg) -> None:
    existing = factories.contact(
        worg.api,
        {
            "family_name": "高橋",
            "given_name": "一郎",
            "phones": [{"value": "090-2222-3333", "type": "mobile"}],
        },
    )
    card_id = review_card(
        web_app,
        worg.organization_id,
        worg.user_id,
        {"name": ("高橋 一郎", 0.9), "mobile": ("090-2222-3333", 0.9)},
    )
    page = worg.web.get(f"/review/{card_id}").get_data(as_text=True)
    worg.web.post(
        f"/review/{card_id}",
        data={
            "csrf_token": csrf_of(page),
            "version": card_row(web_app, card_id).version,
            "action": "accept",
            "contact_id": existing["id"],
        },
    )
    page = worg.web.get(f"/review/{card_id}").get_data(as_text=True)
    worg.web.post(
        f"/review/{card_id}",
        data={
            "csrf_token": csrf_of(page),
            "version": card_row(web_app, card_id).version,
            "action": "confirm",
        },
    )
    assert card_row(web_app, card_id).contact_id == existing["id"]


def test_a_heic_photo_from_an_iphone_uploads(web_app: Flask, worg: WebOrg) -> None:
    from tests.cards.images import heic

    code, body = _upload(worg, _batch(worg), "iphone-1", heic(640, 400))
    assert code == 202 and card_row(web_app, body["card_id"]).front_image.endswith(".jpg")


def test_a_phone_sized_photo_of_several_megabytes_uploads(web_app: Flask, worg: WebOrg) -> None:
    noise = Image.frombytes("RGB", (1800, 1400), random.Random(1).randbytes(1800 * 1400 * 3))
    out = io.BytesIO()
    noise.save(out, format="JPEG", quality=95)
    assert out.tell() > 2_000_000  # larger than the JSON endpoints' MEISHI_MAX_BODY_BYTES
    code, body = _upload(worg, _batch(worg), "big-1", out.getvalue())
    assert code == 202, body
