"""Capture: many card photos at once, each uploaded on its own with an Idempotency-Key, then the batch settles."""

from __future__ import annotations

import re
from datetime import datetime
from functools import partial

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from contacts.api.problems import validation_errors
from contacts.cards import intake
from contacts.cards import service as cards
from contacts.cards.models import Card
from contacts.cards.schemas import CardUploadForm
from contacts.config import settings_of
from contacts.db import get_session, new_id
from contacts.errors import ValidationFailed
from contacts.events import service as events
from contacts.events.schemas import EventCreate, EventListQuery
from contacts.storage import storage_of
from contacts.web import idempotency, locale
from contacts.web.forms import EmptyForm
from contacts.web.pages import BODY_LIMITS, actor, bp, can, org_id, page

BATCH_ID = re.compile(r"^[0-9a-hjkmnp-tv-z]{26}$")
MULTIPART_OVERHEAD = 64 * 1024


def _upload_body_limit() -> int:
    """Let one card's upload (a front and a back) through; other pages keep the small default."""
    s = settings_of(current_app)
    return 2 * (s.max_upload_bytes + MULTIPART_OVERHEAD) + s.max_body_bytes


BODY_LIMITS["web.capture_upload"] = _upload_body_limit


def _local_now() -> str:
    return datetime.now(locale.user_zone()).strftime("%Y-%m-%dT%H:%M")


@bp.get("/capture")
@page("cards:write")
def capture() -> str:
    """Show the capture page: photos, event, tags and exchange time (default now, in the user's zone)."""
    rows, _cursor = events.list_events(get_session(), org_id(), EventListQuery(limit=500))
    return render_template(
        "capture.html",
        events=list(reversed(rows)),
        now=_local_now(),
        zone=locale.select_time_zone(),
        form=EmptyForm(),
        may_create_event=can("events:create"),
        may_create_tags=can("tags:write"),
        max_bytes=settings_of(current_app).max_upload_bytes,
    )


def _exchanged_at(raw: str) -> datetime | None:
    """Read a datetime-local value in the user's time zone."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as e:
        raise ValidationFailed(
            "invalid exchange time",
            errors=[{"field": "exchanged_at", "message": "expected YYYY-MM-DDTHH:MM", "code": "datetime"}],
        ) from e
    return value if value.tzinfo is not None else value.replace(tzinfo=locale.user_zone())


def _upload_form(event_id: str | None = None) -> CardUploadForm:
    data = {
        "event_id": event_id or request.form.get("event_id") or None,
        "tags": request.form.get("tags", ""),
        "exchanged_at": _exchanged_at(request.form.get("exchanged_at", "")),
        "location": request.form.get("location", "").strip() or None,
    }
    try:
        return CardUploadForm.model_validate(data)
    except ValidationError as e:
        raise ValidationFailed("invalid upload form", errors=validation_errors(e)) from e


@bp.post("/capture/batches")
@page("cards:write", json=True)
def capture_batch() -> Response:
    """Start a batch: check the event and tags once (creating a new event), and name the batch."""
    db = get_session()
    new_event = request.form.get("new_event", "").strip()
    event_id = None
    if new_event:
        event_id = events.create_event(db, actor(), _event_create(new_event)).id
        db.flush()
    form = _upload_form(event_id)
    cards.check_upload(db, org_id(), form, may_create_tags=can("tags:write"))
    return jsonify(
        {
            "batch_id": new_id(),
            "event_id": form.event_id,
            "tags": form.tags,
            "exchanged_at": form.exchanged_at.isoformat() if form.exchanged_at else None,
            "location": form.location,
        }
    )


def _event_create(name: str) -> EventCreate:
    if not can("events:create"):
        raise ValidationFailed(
            "creating an event needs the events:create permission",
            errors=[
                {"field": "new_event", "message": _("Your role cannot create events."), "code": "forbidden"}
            ],
        )
    try:
        return EventCreate(name=name, kind="trade_show")
    except ValidationError as e:
        raise ValidationFailed("invalid event", errors=validation_errors(e, prefix="new_event.")) from e


def _wrap(field: str, files: list[FileStorage]) -> list[intake.Upload]:
    return [intake.Upload(field, i, f.filename or "", partial(_read, f)) for i, f in enumerate(files)]


def _read(file: FileStorage) -> bytes:
    file.stream.seek(0)
    return bytes(file.stream.read())


@bp.post("/capture/batches/<batch_id>/cards")
@page("cards:write", json=True)
def capture_upload(batch_id: str) -> Response:
    """Upload one card (a front, and its back if any) into a batch; retries with the same key replay."""
    if not BATCH_ID.match(batch_id):
        raise ValidationFailed(
            "invalid batch id", errors=[{"field": "batch_id", "message": "unknown batch", "code": "invalid"}]
        )
    key = idempotency.upload_key()
    request_hash = idempotency.upload_hash() if key is not None else ""
    if key is not None:
        replayed = idempotency.replay(key, request_hash)
        if replayed is not None:
            return replayed
    fronts, backs = request.files.getlist("front"), request.files.getlist("back")
    if len(fronts) != 1 or len(backs) > 1:
        raise ValidationFailed(
            "send one front and at most one back",
            errors=[
                {"field": "front", "message": "one 'front' file (and an optional 'back')", "code": "count"}
            ],
        )
    db = get_session()
    made = cards.upload_cards(
        db,
        actor(),
        storage_of(current_app),
        settings_of(current_app),
        form=_upload_form(),
        fronts=_wrap("front", fronts),
        backs=_wrap("back", backs),
        batch_id=batch_id,
        may_create_tags=can("tags:write"),
    )
    db.flush()
    resp = jsonify({"card_id": made[0].id, "status": made[0].status})
    resp.status_code = 202
    if key is not None:
        idempotency.remember(key, request_hash, resp)
    return resp


@bp.get("/capture/batches/<batch_id>/status")
@page("cards:read", json=True)
def capture_status(batch_id: str) -> Response:
    """Answer how the batch's cards are doing: counts per status and each card's status."""
    db = get_session()
    summary = cards.batch_summary(db, org_id(), batch_id)
    rows = db.execute(
        select(Card.id, Card.status)
        .where(Card.organization_id == org_id(), Card.batch_id == batch_id)
        .order_by(Card.id)
        .limit(500)
    )
    settled = summary.queued + summary.processing == 0
    return jsonify(
        {
            "summary": summary.model_dump(),
            "settled": settled and summary.total > 0,
            "cards": [{"id": card_id, "status": status} for card_id, status in rows],
        }
    )
