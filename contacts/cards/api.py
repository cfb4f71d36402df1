"""Card endpoints: /api/v1/cards (upload, list and review, images, confirm, reprocess)."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, Response, current_app, request
from pydantic import ValidationError
from werkzeug.datastructures import FileStorage

from contacts.api.context import actor, org_id
from contacts.api.http import check_if_match, etag_for, json_response
from contacts.api.principal import current_principal
from contacts.api.problems import validation_errors
from contacts.api.spec import operation, unstorable_strings
from contacts.cards import intake, service
from contacts.cards.confirm import confirm_card
from contacts.cards.schemas import (
    CardBatchOut,
    CardImageQuery,
    CardListQuery,
    CardOut,
    CardPage,
    CardUpdate,
    CardUploadForm,
)
from contacts.config import settings_of
from contacts.db import get_session, new_id
from contacts.errors import NotFound, UnsupportedMediaType, ValidationFailed
from contacts.storage import content_type_of, storage_of

bp = Blueprint("cards", __name__, url_prefix="/api/v1/cards")

MULTIPART_OVERHEAD = 64 * 1024  # per file: part headers and boundaries
FORM_FIELDS = {"event_id", "tags", "exchanged_at", "location", "note"}
UPLOAD_SCHEMA = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["front"],
            "properties": {
                "front": {
                    "type": "array",
                    "items": {"type": "string", "format": "binary"},
                    "description": "one card per front image (up to MEISHI_MAX_BATCH_FILES)",
                },
                "back": {"type": "string", "format": "binary", "description": "only with a single front"},
                "event_id": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "exchanged_at": {"type": "string", "format": "date-time"},
                "location": {"type": "string"},
                "note": {"type": "string"},
            },
        }
    }
}
IMAGE_CONTENT = {
    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
    "image/png": {"schema": {"type": "string", "format": "binary"}},
}


@bp.before_request
def _upload_body_limit() -> None:
    """Let the upload endpoint take a whole batch of images; JSON endpoints keep the small default."""
    if request.endpoint == "cards.upload_cards":
        s = settings_of(current_app)
        request.max_content_length = (
            s.max_batch_files * (s.max_upload_bytes + MULTIPART_OVERHEAD) + s.max_body_bytes
        )


def _one(card_id: str, status: int = 200) -> Response:
    card = service.get_card(get_session(), org_id(), card_id)
    return json_response(service.card_out(card), status, etag=etag_for(card.id, card.version))


def _form() -> CardUploadForm:
    # A part without a name arrives under the key None (werkzeug); it is an unknown field like any other.
    unknown = sorted(name or "" for name in set(request.form) - FORM_FIELDS)
    data: dict[str, object] = {k: request.form.get(k) for k in FORM_FIELDS - {"tags"} if k in request.form}
    data["tags"] = request.form.getlist("tags")
    errors = [
        {
            "field": name,
            "message": "unknown form field" if name else "a form part without a name",
            "code": "unknown",
        }
        for name in unknown
    ]
    # The same refusal of NUL characters and lone surrogates as in JSON bodies, before anything is validated.
    errors += unstorable_strings(data)
    form = None
    if not errors:
        try:
            form = CardUploadForm.model_validate(data)
        except ValidationError as e:
            errors += validation_errors(e)
    if errors or form is None:
        raise ValidationFailed("invalid upload form", errors=errors)
    return form


def _uploads() -> tuple[list[intake.Upload], list[intake.Upload]]:
    unknown = sorted(name or "" for name in set(request.files) - {"front", "back"})
    if unknown:
        raise ValidationFailed(
            "unknown file fields",
            errors=[
                {"field": n, "message": "send images as 'front' (and 'back')", "code": "unknown"}
                for n in unknown
            ],
        )
    fronts, backs = request.files.getlist("front"), request.files.getlist("back")
    limit = settings_of(current_app).max_batch_files
    if not fronts:
        raise ValidationFailed(
            "no card image",
            errors=[{"field": "front", "message": "send at least one 'front' image", "code": "missing"}],
        )
    if len(fronts) > limit:
        raise ValidationFailed(
            "too many images",
            errors=[{"field": "front", "message": f"at most {limit} images per request", "code": "too_many"}],
        )
    if backs and (len(fronts) > 1 or len(backs) > 1):
        raise ValidationFailed(
            "a back image goes with a single front",
            errors=[
                {"field": "back", "message": "send one 'back' with exactly one 'front'", "code": "ambiguous"}
            ],
        )

    def wrap(field: str, files: list[FileStorage]) -> list[intake.Upload]:
        return [intake.Upload(field, i, f.filename or "", partial(_read, f)) for i, f in enumerate(files)]

    return wrap("front", fronts), wrap("back", backs)


def _read(file: FileStorage) -> bytes:
    file.stream.seek(0)
    return bytes(file.stream.read())


@bp.post("")
@operation(
    summary="Upload card images (one card per front; a back with a single front)",
    permission="cards:write",
    response=CardBatchOut,
    status=202,
    tag="cards",
    idempotent=True,
    request_content=UPLOAD_SCHEMA,
    extra_responses={
        "413": "An image (or the request) is too large",
        "415": "Not a JPEG, PNG, WebP or HEIC image",
        "422": "Invalid form, or an image is corrupt or a decompression bomb",
    },
)
def upload_cards() -> Response:
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("send the card images as multipart/form-data")
    session = get_session()
    form = _form()
    fronts, backs = _uploads()
    batch_id = new_id()
    cards = service.upload_cards(
        session,
        actor(),
        storage_of(current_app),
        settings_of(current_app),
        form=form,
        fronts=fronts,
        backs=backs,
        batch_id=batch_id,
        may_create_tags=current_principal().can("tags:write"),
    )
    session.flush()
    return json_response(CardBatchOut(batch_id=batch_id, cards=[service.card_out(c) for c in cards]), 202)


@bp.get("")
@operation(
    summary="List cards, oldest first (filter by status, batch, event, uploader)",
    permission="cards:read",
    query=CardListQuery,
    response=CardPage,
    tag="cards",
)
def list_cards(query: CardListQuery) -> Response:
    session = get_session()
    page = service.list_cards(session, org_id(), query)
    summary = service.batch_summary(session, org_id(), query.batch_id) if query.batch_id else None
    return json_response(
        CardPage(
            items=[service.card_out(c) for c in page.items], next_cursor=page.next_cursor, summary=summary
        )
    )


@bp.get("/<card_id>")
@operation(
    summary="Get a card: every field with value, confidence, box and side; text; contact",
    permission="cards:read",
    response=CardOut,
    tag="cards",
    etag=True,
)
def get_card(card_id: str) -> Response:
    return _one(card_id)


@bp.get("/<card_id>/image")
@operation(
    summary="Get a card image (side front|back, variant original|normalized)",
    permission="cards:read",
    query=CardImageQuery,
    tag="cards",
    response_content=IMAGE_CONTENT,
)
def card_image(card_id: str, query: CardImageQuery) -> Response:
    card = service.get_card(get_session(), org_id(), card_id)
    key = {
        ("front", "original"): card.front_image,
        ("front", "normalized"): card.front_normalized,
        ("back", "original"): card.back_image,
        ("back", "normalized"): card.back_normalized,
    }[(query.side, query.variant)]
    if not key:
        raise NotFound(f"the card has no {query.variant} {query.side} image")
    resp = Response(storage_of(current_app).get(key), mimetype=content_type_of(key))
    resp.headers["ETag"] = f'"{key}"'
    resp.headers["Cache-Control"] = "private, max-age=86400"
    resp.make_conditional(request)
    return resp


@bp.patch("/<card_id>")
@operation(
    summary="Correct a card's fields (kept as the reviewer's edit beside the OCR value)",
    permission="cards:write",
    body=CardUpdate,
    response=CardOut,
    tag="cards",
    if_match=True,
)
def update_card(card_id: str, body: CardUpdate) -> Response:
    session = get_session()
    card = service.lock_card(session, card_id)
    check_if_match(card.id, card.version)
    service.update_card(session, actor(), card, body)
    session.flush()
    return _one(card.id)


@bp.post("/<card_id>/confirm")
@operation(
    summary="Confirm a card: create or update its contact, touchpoint and tags (idempotent)",
    permission="cards:write",
    response=CardOut,
    tag="cards",
)
def confirm(card_id: str) -> Response:
    current_principal().require("contacts:write")
    session = get_session()
    confirm_card(session, card_id, confirmed_by=current_principal().user_id, allow_processing=False)
    session.flush()
    return _one(card_id)


@bp.post("/<card_id>/reprocess")
@operation(
    summary="Run OCR on a card again (after a failure or a pipeline upgrade)",
    permission="cards:write",
    response=CardOut,
    status=202,
    tag="cards",
)
def reprocess(card_id: str) -> Response:
    session = get_session()
    card = service.lock_card(session, card_id)
    service.request_reprocess(session, actor(), card)
    session.flush()
    return _one(card.id, 202)


@bp.post("/<card_id>/discard")
@operation(
    summary="Discard a card waiting for review or failed: kept for audit, never a contact",
    permission="cards:write",
    response=CardOut,
    tag="cards",
)
def discard(card_id: str) -> Response:
    session = get_session()
    card = service.lock_card(session, card_id)
    service.discard_card(session, actor(), card)
    session.flush()
    return _one(card.id)
