"""POST /api/v1/cards: validation before storage, hostile files, batches, idempotency, images."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from contacts.app import create_app
from contacts.cards.models import Card
from contacts.db import session_factory
from contacts.storage import storage_of
from tests.cards.conftest import BOUNDARY, image, multipart, upload
from tests.cards.images import bomb_png, jpeg_with_exif
from tests.conftest import OrgClient, make_org


def _stored_files(app: Flask) -> int:
    root = Path(app.extensions["meishi.settings"].storage_dir)
    return sum(1 for p in root.rglob("*") if p.is_file())


def _card_count(app: Flask, org_id: str) -> int:
    with session_factory(app)() as session:
        return int(
            session.scalar(select(func.count()).select_from(Card).where(Card.organization_id == org_id)) or 0
        )


def test_single_upload_answers_202_with_one_queued_card(org: OrgClient) -> None:
    resp = upload(
        org,
        [("front", "card.jpg", image("scans/0001.jpg"))],
        [("exchanged_at", "2026-11-20T10:00:00+09:00"), ("location", "Booth 12"), ("note", "met at lunch")],
    )
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    (card,) = body["cards"]
    assert card["status"] == "queued" and card["batch_id"] == body["batch_id"]
    assert card["side_count"] == 1 and card["uploaded_by"] == org.user_id and card["contact_id"] is None
    assert card["exchanged_at"] == "2026-11-20T01:00:00Z" and card["location"] == "Booth 12"


def test_batch_makes_one_card_per_front_and_summarises_progress(org: OrgClient) -> None:
    files = [("front", f"{n}.jpg", image(f"scans/{n}.jpg")) for n in ("0001", "0003", "0005")]
    body = upload(org, files).get_json()
    assert len(body["cards"]) == 3 and len({c["id"] for c in body["cards"]}) == 3
    listed = org.get(f"/api/v1/cards?batch_id={body['batch_id']}").get_json()
    assert [c["id"] for c in listed["items"]] == [c["id"] for c in body["cards"]]  # oldest first
    assert listed["summary"] == {
        "total": 3,
        "queued": 3,
        "processing": 0,
        "completed": 0,
        "needs_review": 0,
        "failed": 0,
        "discarded": 0,
    }


def test_back_goes_only_with_a_single_front(org: OrgClient) -> None:
    resp = upload(
        org,
        [
            ("front", "a.jpg", image("scans/0001.jpg")),
            ("front", "b.jpg", image("scans/0003.jpg")),
            ("back", "c.jpg", image("scans/0005.jpg")),
        ],
    )
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] == "back"


def test_empty_file_is_refused_and_nothing_is_stored(org: OrgClient) -> None:
    before = _stored_files(org.app)
    resp = upload(org, [("front", "empty.jpg", b"")])
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert "empty.jpg" in resp.get_json()["detail"]
    assert _stored_files(org.app) == before and _card_count(org.app, org.organization_id) == 0


def test_text_named_jpg_is_unsupported_media_type(org: OrgClient) -> None:
    resp = upload(org, [("front", "notes.jpg", b"hello, this is not a photo\n" * 10)])
    assert resp.status_code == 415
    assert resp.get_json()["errors"][0]["code"] == "unsupported_format"


def test_truncated_jpeg_is_unprocessable(org: OrgClient) -> None:
    data = image("scans/0001.jpg")
    resp = upload(org, [("front", "cut.jpg", data[: len(data) // 3])])
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] == "front[0]"


def test_decompression_bomb_is_refused_without_decoding(org: OrgClient) -> None:
    resp = upload(org, [("front", "bomb.png", bomb_png())])
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["code"] == "image_too_many_pixels"


def test_file_over_the_upload_limit_is_413(org: OrgClient) -> None:
    limit = org.app.extensions["meishi.settings"].max_upload_bytes
    resp = upload(org, [("front", "huge.jpg", b"\xff\xd8\xff" + b"\0" * limit)])
    assert resp.status_code == 413 and resp.mimetype == "application/problem+json"
    assert "huge.jpg" in resp.get_json()["detail"]


def test_one_bad_image_refuses_the_whole_batch(org: OrgClient) -> None:
    before = _stored_files(org.app)
    resp = upload(org, [("front", "good.jpg", image("scans/0001.jpg")), ("front", "bad.jpg", b"GIF89a....")])
    assert resp.status_code == 415
    assert "front[1] 'bad.jpg'" in resp.get_json()["detail"]
    assert _stored_files(org.app) == before and _card_count(org.app, org.organization_id) == 0


def test_body_beyond_the_batch_limit_is_413_problem(database_url: str, tmp_path: Path) -> None:
    app = create_app(
        {
            "database_url": database_url,
            "storage_dir": tmp_path,
            "queue": "none",
            "max_upload_bytes": 2000,
            "max_batch_files": 2,
            "max_body_bytes": 1000,
        }
    )
    try:
        small = make_org(app)
        resp = upload(small, [("front", f"{i}.jpg", b"\xff\xd8\xff" + b"\0" * 1900) for i in range(100)])
        assert resp.status_code == 413 and resp.mimetype == "application/problem+json"
        assert _card_count(app, small.organization_id) == 0
    finally:
        app.extensions["meishi.engine"].dispose()


def test_upload_needs_multipart(org: OrgClient) -> None:
    resp = org.post("/api/v1/cards", json={"front": "x"})
    assert resp.status_code == 415


def test_unknown_event_and_naive_timestamp_are_422(org: OrgClient) -> None:
    front = [("front", "a.jpg", image("scans/0001.jpg"))]
    assert upload(org, front, [("event_id", "nope")]).status_code == 422
    resp = upload(org, front, [("exchanged_at", "2026-11-20T10:00:00")])
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "exchanged_at"


def test_tags_accept_a_comma_list_and_repeats(org: OrgClient) -> None:
    resp = upload(
        org, [("front", "a.jpg", image("scans/0001.jpg"))], [("tags", "expo, vip"), ("tags", "2026")]
    )
    assert resp.get_json()["cards"][0]["tags"] == ["expo", "vip", "2026"]


def test_role_without_card_write_cannot_upload(org: OrgClient) -> None:
    marketing = org.as_role("marketing")
    assert upload(marketing, [("front", "a.jpg", image("scans/0001.jpg"))]).status_code == 403


def test_same_idempotency_key_and_body_replays_the_first_answer(org: OrgClient) -> None:
    files = [("front", "a.jpg", image("scans/0001.jpg"))]
    first = upload(org, files, headers={"Idempotency-Key": "up-1"})
    again = upload(org, files, headers={"Idempotency-Key": "up-1"})
    assert first.status_code == again.status_code == 202
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert _card_count(org.app, org.organization_id) == 1
    other = upload(org, [("front", "b.jpg", image("scans/0003.jpg"))], headers={"Idempotency-Key": "up-1"})
    assert other.status_code == 422


def test_original_is_reencoded_without_metadata_and_served(org: OrgClient) -> None:
    card = upload(org, [("front", "exif.jpg", jpeg_with_exif())]).get_json()["cards"][0]
    resp = org.get(card["images"]["front"]["original"])
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    served = Image.open(io.BytesIO(resp.data))
    assert served.size == (40, 64)  # EXIF orientation 6 applied once
    assert not served.getexif() and b"SecretCam" not in resp.data
    assert resp.headers["ETag"].strip('"') in {
        p.name for p in Path(org.app.extensions["meishi.settings"].storage_dir).rglob("*.jpg")
    }
    assert storage_of(org.app).exists(resp.headers["ETag"].strip('"'))


def test_missing_side_or_variant_is_404(org: OrgClient) -> None:
    card = upload(org, [("front", "a.jpg", image("scans/0001.jpg"))]).get_json()["cards"][0]
    assert org.get(f"/api/v1/cards/{card['id']}/image?side=back").status_code == 404
    assert org.get(f"/api/v1/cards/{card['id']}/image?variant=normalized").status_code == 404


def test_another_organisations_card_is_404(org: OrgClient, other_org: OrgClient) -> None:
    card = upload(org, [("front", "a.jpg", image("scans/0001.jpg"))]).get_json()["cards"][0]
    assert other_org.get(f"/api/v1/cards/{card['id']}").status_code == 404
    assert other_org.get(f"/api/v1/cards/{card['id']}/image").status_code == 404
    assert other_org.post(f"/api/v1/cards/{card['id']}/confirm").status_code == 404


def test_multipart_helper_uses_a_fixed_boundary() -> None:
    assert multipart([("front", "a", b"x")]).startswith(f"--{BOUNDARY}".encode())


def test_list_filters_by_uploader_and_event_and_pages_oldest_first(org: OrgClient) -> None:
    from contacts.events.models import Event

    with session_factory(org.app)() as session:
        event = Event(organization_id=org.organization_id, name="Seminar", kind="seminar")
        session.add(event)
        session.commit()
        event_id = event.id
    sales = org.as_role("sales")
    front = [("front", "a.jpg", image("scans/0001.jpg"))]
    mine = [upload(org, front).get_json()["cards"][0]["id"] for _ in range(2)]
    theirs = upload(sales, front, [("event_id", event_id)]).get_json()["cards"][0]["id"]
    by_sales = org.get(f"/api/v1/cards?uploaded_by={sales.user_id}").get_json()["items"]
    assert [c["id"] for c in by_sales] == [theirs]
    assert [c["id"] for c in org.get(f"/api/v1/cards?event_id={event_id}").get_json()["items"]] == [theirs]
    page = org.get("/api/v1/cards?limit=2").get_json()
    assert [c["id"] for c in page["items"]] == mine and page["next_cursor"] and page["summary"] is None
    rest = org.get(f"/api/v1/cards?limit=2&cursor={page['next_cursor']}").get_json()
    assert [c["id"] for c in rest["items"]] == [theirs] and rest["next_cursor"] is None


def test_heic_from_a_phone_is_accepted_and_stored_as_jpeg(org: OrgClient) -> None:
    from tests.cards.images import heic

    card = upload(org, [("front", "IMG_0001.HEIC", heic())]).get_json()["cards"][0]
    resp = org.get(card["images"]["front"]["original"])
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(resp.data)).size == (64, 40)
