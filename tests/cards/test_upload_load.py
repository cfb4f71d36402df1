"""Uploads under load: image work holds no database lock, one request's decode work is bounded, and a retry
with a fresh multipart boundary replays."""

from __future__ import annotations

import struct
import threading
import time
import zlib
from typing import Any

import pytest
from flask import Flask

from contacts.cards import intake
from tests.cards.conftest import image, upload
from tests.conftest import OrgClient


def _one_colour_png(side: int) -> bytes:
    """A grey PNG of side x side pixels that compresses to a few hundred kilobytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = (b"\0" + b"\x80" * side) * side
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def test_a_read_answers_while_an_upload_is_decoding(
    org: OrgClient, other_org: OrgClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoding, release = threading.Event(), threading.Event()
    real_clean = intake.clean

    def slow_clean(upload: intake.Upload, **kwargs: Any) -> intake.CleanImage:
        decoding.set()
        release.wait(60)
        return real_clean(upload, **kwargs)

    monkeypatch.setattr(intake, "clean", slow_clean)
    card = image("scans/0001.jpg")  # read here: a missing data set skips the test, not the thread
    uploaded: dict[str, int] = {}
    uploader = threading.Thread(
        target=lambda: uploaded.update(
            status=upload(org, [("front", "card.jpg", card)], [("tags", "expo")]).status_code
        )
    )
    uploader.start()
    read: dict[str, int] = {}
    try:
        assert decoding.wait(30), "the upload never reached the image work"
        reader = threading.Thread(
            target=lambda: read.update(
                health=other_org.client.get("/healthz").status_code,
                contacts=other_org.get("/api/v1/contacts").status_code,
            )
        )
        reader.start()
        reader.join(20)
        assert read == {"health": 200, "contacts": 200}, "the read waited for the upload's image work"
    finally:
        release.set()
        uploader.join(60)
    assert uploaded == {"status": 202}


def test_thirty_large_one_colour_pngs_are_refused_quickly_as_413(org: OrgClient, app: Flask) -> None:
    png = _one_colour_png(6000)
    assert len(png) < 200_000 and app.extensions["meishi.settings"].max_image_pixels >= 6000 * 6000
    started = time.monotonic()
    resp = upload(org, [("front", f"blank-{i}.png", png) for i in range(30)])
    elapsed = time.monotonic() - started
    assert resp.status_code == 413 and resp.mimetype == "application/problem+json", resp.get_data()[:300]
    assert resp.get_json()["errors"][0]["code"] == "too_many_pixels"
    assert elapsed < 10, f"the refusal took {elapsed:.1f} s: the images were decoded"
    assert org.get("/api/v1/cards").get_json()["items"] == []


def _multipart(boundary: str, files: list[tuple[str, str, bytes]], fields: list[tuple[str, str]]) -> bytes:
    out = b""
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, filename, data in files:
        out += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: image/jpeg\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    return out + f"--{boundary}--\r\n".encode()


def test_retry_with_a_new_multipart_boundary_replays(org: OrgClient) -> None:
    files = [("front", "card.jpg", image("scans/0001.jpg"))]
    fields = [("location", "Booth 7"), ("tags", "expo")]
    answers = [
        org.post(
            "/api/v1/cards",
            data=_multipart(boundary, files, fields),
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={"Idempotency-Key": "retry-1"},
        )
        for boundary in ("first-try-3f9a", "second-try-77c0")
    ]
    assert [a.status_code for a in answers] == [202, 202], answers[1].get_data()[:300]
    assert answers[1].headers.get("Idempotent-Replayed") == "true"
    assert answers[1].get_json()["batch_id"] == answers[0].get_json()["batch_id"]
    assert len(org.get("/api/v1/cards").get_json()["items"]) == 1


def test_retry_with_another_image_under_the_same_key_is_refused(org: OrgClient) -> None:
    first = org.post(
        "/api/v1/cards",
        data=_multipart("b-1", [("front", "a.jpg", image("scans/0001.jpg"))], []),
        content_type="multipart/form-data; boundary=b-1",
        headers={"Idempotency-Key": "retry-2"},
    )
    other = org.post(
        "/api/v1/cards",
        data=_multipart("b-2", [("front", "a.jpg", image("scans/0003.jpg"))], []),
        content_type="multipart/form-data; boundary=b-2",
        headers={"Idempotency-Key": "retry-2"},
    )
    assert (first.status_code, other.status_code) == (202, 422)
