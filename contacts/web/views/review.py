"""Review: the queue oldest first; each card's image with its field boxes, each field beside its crop."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from pydantic import ValidationError
from sqlalchemy import select
from werkzeug.wrappers import Response

from contacts.api.problems import validation_errors
from contacts.auth.models import User
from contacts.cards import review
from contacts.cards import service as cards
from contacts.cards.confirm import confirm_card
from contacts.cards.models import Card
from contacts.cards.schemas import CardListQuery, CardUpdate, FieldName
from contacts.config import settings_of
from contacts.db import get_session
from contacts.errors import Conflict, ValidationFailed
from contacts.events.models import Event
from contacts.people.models import Contact
from contacts.storage import storage_of
from contacts.web import images
from contacts.web.forms import EmptyForm
from contacts.web.pages import actor, bp, org_id, page, principal

FIELDS: tuple[str, ...] = typing.get_args(FieldName)
CROP_PADDING = 6
REJECTED_KEY = "rejected_matches"
REJECTED_KEEP = 50


@dataclass(frozen=True)
class FieldRow:
    """One field of the review form: its value, the OCR's reading, and where it is on which side."""

    name: str
    value: str
    ocr_value: str | None
    confidence: float | None
    low: bool
    edited: bool
    side: str | None
    crop: tuple[int, int, int, int] | None  # x, y, w, h on the side's image, padded


def _queue_query() -> CardListQuery:
    data = {k: request.args.get(k) or None for k in ("batch_id", "event_id", "uploaded_by")}
    data["status"] = request.args.get("status") or "needs_review"
    try:
        return CardListQuery.model_validate({k: v for k, v in data.items() if v is not None} | {"limit": 50})
    except ValidationError as e:
        raise ValidationFailed("invalid filters", errors=validation_errors(e)) from e


def _filters(query: CardListQuery) -> dict[str, Any]:
    return {
        k: v
        for k, v in (
            ("batch_id", query.batch_id),
            ("event_id", query.event_id),
            ("uploaded_by", query.uploaded_by),
        )
        if v
    }


def _threshold() -> float:
    return cards.review_threshold(get_session(), org_id(), settings_of(current_app))


@bp.get("/review")
@page("cards:read")
def review_queue() -> str:
    """List the cards waiting for review, oldest first, with the queue's filters."""
    db = get_session()
    query = _queue_query()
    if request.args.get("cursor"):
        query = query.model_copy(update={"cursor": request.args["cursor"]})
    result = cards.list_cards(db, org_id(), query)
    threshold = _threshold()
    events = list(
        db.scalars(
            select(Event).where(Event.organization_id == org_id()).order_by(Event.id.desc()).limit(200)
        )
    )
    users = list(db.scalars(select(User).where(User.organization_id == org_id()).order_by(User.email)))
    passing = review.confirmable(db, org_id(), query, threshold) if query.status == "needs_review" else []
    summary = cards.batch_summary(db, org_id(), query.batch_id) if query.batch_id else None
    return render_template(
        "review_queue.html",
        cards=result.items,
        next_cursor=result.next_cursor,
        query=query,
        filters=_filters(query),
        events=events,
        users=users,
        threshold=threshold,
        passing=len(passing),
        summary=summary,
        form=EmptyForm(),
        values=cards.field_values,
    )


@bp.post("/review/bulk-confirm")
@page("cards:write")
def review_bulk_confirm() -> Response:
    """Confirm every waiting card of the filtered queue whose fields all pass the threshold."""
    principal().require("contacts:write")
    db = get_session()
    query = _queue_query()
    done = review.confirm_many(
        db, review.confirmable(db, org_id(), query, _threshold()), confirmed_by=principal().user_id
    )
    flash(ngettext("%(num)d card confirmed.", "%(num)d cards confirmed.", len(done)))
    return redirect(url_for("web.review_queue", **_filters(query)))


def _rows(card: Card, threshold: float) -> list[FieldRow]:
    rows = []
    stored = card.fields or {}
    names = list(FIELDS) + sorted(set(stored) - set(FIELDS))
    for name in names:
        f: dict[str, Any] = stored.get(name) or {}
        box = f.get("box")
        crop = None
        if box and len(box) == 4 and box[2] > 0 and box[3] > 0:
            x, y, w, h = (int(v) for v in box)
            crop = (
                max(0, x - CROP_PADDING),
                max(0, y - CROP_PADDING),
                w + 2 * CROP_PADDING,
                h + 2 * CROP_PADDING,
            )
        confidence = f.get("confidence")
        edited = f.get("edited_by") is not None
        value = f.get("value") or ""
        rows.append(
            FieldRow(
                name=name,
                value=value,
                ocr_value=f.get("ocr_value", f.get("value")),
                confidence=float(confidence) if confidence is not None else None,
                low=bool(value) and not edited and confidence is not None and float(confidence) < threshold,
                edited=edited,
                side=f.get("side"),
                crop=crop,
            )
        )
    return rows


def _side_images(card: Card) -> dict[str, dict[str, Any]]:
    """Describe each side's review image: its URL and the size of the image the boxes refer to."""
    storage = storage_of(current_app)
    out = {}
    for side, normalized, original in (
        ("front", card.front_normalized, card.front_image),
        ("back", card.back_normalized, card.back_image),
    ):
        key = normalized or original
        if not key:
            continue
        width, height = images.size_of(storage, key)
        out[side] = {
            "url": url_for("web.card_image", card_id=card.id, side=side, w=images.WIDTHS[1]),
            "width": width,
            "height": height,
        }
    return out


def _rejected() -> dict[str, str]:
    value = session.get(REJECTED_KEY)
    return dict(value) if isinstance(value, dict) else {}


def _next_card(card: Card, query: CardListQuery) -> Card | None:
    stmt = select(Card).where(
        Card.organization_id == org_id(), Card.status == "needs_review", Card.id != card.id
    )
    for attr in ("batch_id", "event_id", "uploaded_by"):
        value = getattr(query, attr)
        if value:
            stmt = stmt.where(getattr(Card, attr) == value)
    return get_session().scalars(stmt.order_by(Card.id).limit(1)).first()


@bp.get("/review/<card_id>")
@page("cards:read")
def review_card(card_id: str) -> str:
    """Show one card: the image with every field's box, each field beside its crop, and the matcher's guess."""
    db = get_session()
    card = cards.get_card(db, org_id(), card_id)
    threshold = _threshold()
    suggestion = None
    matched = None
    if card.status == "needs_review":
        if card.match_contact_id:
            matched = db.get(Contact, card.match_contact_id)
        else:
            rejected = _rejected().get(card.id)
            suggestion = review.suggest_contact(db, card, exclude=frozenset([rejected] if rejected else []))
    query = _queue_query()
    return render_template(
        "review_card.html",
        card=card,
        rows=_rows(card, threshold),
        sides=_side_images(card),
        threshold=threshold,
        suggestion=suggestion,
        matched=matched,
        form=EmptyForm(),
        filters=_filters(query),
        editable=card.status == "needs_review",
        event=db.get(Event, card.event_id) if card.event_id else None,
        uploader=db.get(User, card.uploaded_by),
    )


def _corrections(card: Card) -> dict[str, str | None]:
    changed: dict[str, str | None] = {}
    stored = card.fields or {}
    for name in FIELDS:
        key = f"field-{name}"
        if key not in request.form:
            continue
        value = request.form[key].strip()
        current = (stored.get(name) or {}).get("value") or ""
        if value != current:
            changed[name] = value or None
    return changed


@bp.post("/review/<card_id>")
@page("cards:write")
def review_card_action(card_id: str) -> Response:
    """Save corrections, then confirm, accept or reject the suggestion, discard or reprocess."""
    db = get_session()
    card = cards.lock_card(db, card_id)
    if card.organization_id != org_id():
        abort(404)
    action = request.form.get("action", "save")
    query = _queue_query()
    back = url_for("web.review_card", card_id=card.id, **_filters(query))
    if action == "reprocess":
        cards.request_reprocess(db, actor(), card)
        flash(_("The card is queued to be read again."))
        return redirect(back)
    if action == "discard":
        cards.discard_card(db, actor(), card)
        flash(_("The card is discarded. It stays for audit and never becomes a contact."))
        return redirect(_after(card, query))
    if str(card.version) != request.form.get("version"):
        raise Conflict(_("Someone changed this card meanwhile. Reload it and check again."))
    update: dict[str, Any] = {"fields": _corrections(card)}
    if action == "accept":
        update["match_contact_id"] = request.form.get("contact_id") or None
    elif action == "reject":
        update["match_contact_id"] = None
        rejected = _rejected()
        if request.form.get("contact_id"):
            rejected[card.id] = request.form["contact_id"]
        session[REJECTED_KEY] = dict(list(rejected.items())[-REJECTED_KEEP:])
    try:
        body = CardUpdate.model_validate(update)
    except ValidationError as e:
        raise ValidationFailed("invalid correction", errors=validation_errors(e)) from e
    if body.fields or "match_contact_id" in update:
        cards.update_card(db, actor(), card, body)
        db.flush()
    if action == "confirm":
        principal().require("contacts:write")
        confirm_card(db, card.id, confirmed_by=principal().user_id, allow_processing=False)
        flash(_("Card confirmed."))
        return redirect(_after(card, query))
    if action == "save":
        flash(_("Corrections saved."))
    return redirect(back)


def _after(card: Card, query: CardListQuery) -> str:
    following = _next_card(card, query)
    if following is None:
        return url_for("web.review_queue", **_filters(query))
    return url_for("web.review_card", card_id=following.id, **_filters(query))


@bp.get("/cards/<card_id>/<side>.jpg")
@page("cards:read")
def card_image(card_id: str, side: str) -> Response:
    """Serve a resized variant of a card side (the normalised image the boxes refer to, when there is one)."""
    card = cards.get_card(get_session(), org_id(), card_id)
    width = request.args.get("w", type=int) or images.WIDTHS[-1]
    if side not in ("front", "back") or width not in images.WIDTHS:
        abort(404)
    key = (
        (card.front_normalized or card.front_image)
        if side == "front"
        else (card.back_normalized or card.back_image)
    )
    if not key:
        abort(404)
    data, _size = images.variant(storage_of(current_app), key, width)
    resp = Response(data, mimetype="image/jpeg")
    resp.headers["ETag"] = f'"{key}.{width}"'
    resp.headers["Cache-Control"] = "private, max-age=86400"
    return resp.make_conditional(request)
