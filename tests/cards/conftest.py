"""Card test helpers: real card images from cards-dev, multipart bodies with a fixed boundary, inline OCR."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from contacts.cards.worker import WorkerConfig, process_one
from tests.conftest import OrgClient
from tests.shared_data import require_shared_data

BOUNDARY = "meishi-test-boundary-7d1f"


def cards_dev() -> Path:
    """Locate the labelled card images."""
    return require_shared_data("cards-dev", "scans")


def image(name: str) -> bytes:
    """Return the bytes of a cards-dev image, e.g. ``scans/0000.jpg``."""
    return (cards_dev() / name).read_bytes()


def multipart(files: list[tuple[str, str, bytes]], fields: list[tuple[str, str]] | None = None) -> bytes:
    """Encode a multipart/form-data body with a fixed boundary (so a retry sends the very same bytes)."""
    out = b""
    for name, value in fields or []:
        out += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n').encode()
    for name, filename, data in files:
        out += (
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    return out + f"--{BOUNDARY}--\r\n".encode()


def upload(
    org: OrgClient,
    files: list[tuple[str, str, bytes]],
    fields: list[tuple[str, str]] | None = None,
    **kwargs: Any,
) -> TestResponse:
    """POST /api/v1/cards with the given files and form fields."""
    return org.post(
        "/api/v1/cards",
        data=multipart(files, fields),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        **kwargs,
    )


def process(app: Flask, card_id: str) -> None:
    """Run the worker's process-one step on this card, inline."""
    assert process_one(app, WorkerConfig(), card_id) == card_id


def upload_and_process(
    org: OrgClient, files: list[tuple[str, str, bytes]], fields: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """Upload one card, process it inline and return its JSON."""
    resp = upload(org, files, fields)
    assert resp.status_code == 202, resp.get_json()
    card_id = resp.get_json()["cards"][0]["id"]
    process(org.app, card_id)
    got = org.get(f"/api/v1/cards/{card_id}")
    assert got.status_code == 200
    return dict(got.get_json())


def set_threshold(app: Flask, org_id: str, threshold: float) -> None:
    """Set an organisation's review threshold (0 confirms every card with a name or email by itself)."""
    from contacts.auth.models import Organization
    from contacts.db import session_factory

    with session_factory(app)() as session:
        org = session.get(Organization, org_id)
        assert org is not None
        org.review_threshold = threshold
        session.commit()
