"""Card use cases: create from uploads, read, list with a batch summary, review edits, reprocess, results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contacts.bus import Recorded, publish
from contacts.cards import intake
from contacts.cards.models import CARD_STATUSES, Card
from contacts.cards.reading import CardReading
from contacts.cards.schemas import (
    BatchSummary,
    CardFieldOut,
    CardImageLinks,
    CardListQuery,
    CardOut,
    CardUpdate,
    CardUploadForm,
)
from contacts.changelog.vocabulary import Entity, Operation
from contacts.config import Settings
from contacts.db import get_owned, new_id, utcnow
from contacts.errors import Conflict, Forbidden, NotFound, ValidationFailed
from contacts.events.models import Event
from contacts.orgsettings import service as orgsettings
from contacts.pagination import page_by_id
from contacts.people.models import Contact
from contacts.provenance import Actor
from contacts.status import RecordStatus
from contacts.storage import Storage
from contacts.tags import service as tags
from ocr.fields.confirm import CardModel, card_confidence

ENQUEUE_KEY = "meishi.cards_to_enqueue"
REVIEWABLE = ("needs_review",)
REPROCESSABLE = ("failed", "needs_review", "completed")
DISCARDABLE = ("needs_review", "failed")


@dataclass(frozen=True)
class Page:
    """One page of cards."""

    items: list[Card]
    next_cursor: str | None


def get_card(session: Session, org_id: str, card_id: str) -> Card:
    """Return the organisation's card or raise NotFound."""
    return get_owned(session, Card, org_id, card_id)


def lock_card(session: Session, card_id: str) -> Card:
    """Load a card with a row lock (SELECT … FOR UPDATE; SQLite's write transaction is the lock there)."""
    card = session.scalars(
        select(Card).where(Card.id == card_id).with_for_update().execution_options(populate_existing=True)
    ).one_or_none()
    if card is None:
        raise NotFound("no such card")
    return card


def enqueue_after_commit(session: Session, card_ids: list[str]) -> None:
    """Put the card ids on the queue once the transaction that made them claimable commits."""
    session.info.setdefault(ENQUEUE_KEY, []).extend(card_ids)


def bump_version(card: Card) -> None:
    """Bump a card's version and update time."""
    card.version += 1
    card.updated_at = utcnow()


def card_changed(
    session: Session,
    card: Card,
    operation: Operation,
    *,
    actor_id: str | None,
    data: dict[str, Any] | None = None,
) -> None:
    """Bump the card's version and log the change (``actor_id`` None: the worker)."""
    bump_version(card)
    publish(
        session,
        Recorded(
            org_id=card.organization_id,
            actor_id=actor_id,
            entity=Entity.CARD,
            ids=(card.id,),
            operation=operation,
            data=data,
        ),
    )


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def _check_event(session: Session, org_id: str, event_id: str | None) -> Event | None:
    if event_id is None:
        return None
    event = session.get(Event, event_id)
    if event is None or event.organization_id != org_id:
        raise ValidationFailed(
            "unknown event",
            errors=[
                {"field": "event_id", "message": "no such event in this organisation", "code": "not_found"}
            ],
        )
    return event


def check_upload(session: Session, org_id: str, form: CardUploadForm, *, may_create_tags: bool) -> None:
    """Refuse an unknown event, or new tags from a caller who may not create tags (before storing images)."""
    _check_event(session, org_id, form.event_id)
    requested = [n for n in dict.fromkeys(form.tags) if n]
    missing = set(requested) - set(tags.tags_by_name(session, org_id, requested))
    if missing and not may_create_tags:
        raise Forbidden(f"creating tags needs the tags:write permission: {', '.join(sorted(missing))}")


def create_cards(
    session: Session,
    actor: Actor,
    *,
    images: list[tuple[str, str | None]],
    form: CardUploadForm,
    batch_id: str,
    may_create_tags: bool,
) -> list[Card]:
    """Create one queued card per (front key, back key) pair and queue them after commit."""
    assert actor.user_id is not None
    check_upload(session, actor.organization_id, form, may_create_tags=may_create_tags)
    requested = [n for n in dict.fromkeys(form.tags) if n]
    now = utcnow()
    cards = []
    ids = sorted(new_id() for _ in images)  # one millisecond may hold a whole batch: keep upload order
    for card_id, (front, back) in zip(ids, images, strict=True):
        card = Card(
            id=card_id,
            organization_id=actor.organization_id,
            batch_id=batch_id,
            status="queued",
            attempts=0,
            uploaded_by=actor.user_id,
            event_id=form.event_id,
            exchanged_at=_utc(form.exchanged_at),
            location=form.location,
            note=form.note,
            requested_tags=requested,
            front_image=front,
            back_image=back,
            fields={},
            warnings=[],
            version=1,
            created_at=now,
            updated_at=now,
            enqueued_at=now,
        )
        session.add(card)
        cards.append(card)
    session.flush()
    for card in cards:
        publish(
            session,
            Recorded(
                org_id=actor.organization_id,
                actor_id=actor.user_id,
                entity=Entity.CARD,
                ids=(card.id,),
                operation=Operation.CREATED,
                data={"batch_id": batch_id},
            ),
        )
    enqueue_after_commit(session, [c.id for c in cards])
    return cards


def upload_cards(
    session: Session,
    actor: Actor,
    storage: Storage,
    settings: Settings,
    *,
    form: CardUploadForm,
    fronts: list[intake.Upload],
    backs: list[intake.Upload],
    batch_id: str,
    may_create_tags: bool,
) -> list[Card]:
    """Check the form, clean and store every image (all or none), and create one queued card per front.

    A back goes with a single front. The API and the web app's capture page both upload through here. The one
    service that ends its caller's transaction: the checks' transaction ends before any image is decoded.
    """
    check_upload(session, actor.organization_id, form, may_create_tags=may_create_tags)
    # End the transaction that authentication and the checks opened before decoding: on SQLite it holds the
    # write lock (BEGIN IMMEDIATE), and decoding a batch takes seconds during which every other request would
    # wait. Nothing was written yet; the cards are created in a transaction of their own below.
    session.commit()
    keys = intake.store_all(
        storage,
        fronts + backs,
        max_bytes=settings.max_upload_bytes,
        max_pixels=settings.max_image_pixels,
        max_batch_pixels=settings.max_batch_pixels,
    )
    back = keys[len(fronts)] if backs else None
    return create_cards(
        session,
        actor,
        images=[(k, back) for k in keys[: len(fronts)]],
        form=form,
        batch_id=batch_id,
        may_create_tags=may_create_tags,
    )


def _filtered(org_id: str, query: CardListQuery) -> Any:
    stmt = select(Card).where(Card.organization_id == org_id)
    if query.status:
        stmt = stmt.where(Card.status == query.status)
    if query.batch_id:
        stmt = stmt.where(Card.batch_id == query.batch_id)
    if query.event_id:
        stmt = stmt.where(Card.event_id == query.event_id)
    if query.uploaded_by:
        stmt = stmt.where(Card.uploaded_by == query.uploaded_by)
    return stmt


def list_cards(session: Session, org_id: str, query: CardListQuery) -> Page:
    """Return one page of cards, oldest first (ids are time-ordered)."""
    rows, next_cursor = page_by_id(
        session, _filtered(org_id, query), Card.id, limit=query.limit, cursor=query.cursor
    )
    return Page(items=rows, next_cursor=next_cursor)


def batch_summary(session: Session, org_id: str, batch_id: str) -> BatchSummary:
    """Count a batch's cards per status."""
    counts = dict.fromkeys(CARD_STATUSES, 0)
    rows = session.execute(
        select(Card.status, func.count())
        .where(Card.organization_id == org_id, Card.batch_id == batch_id)
        .group_by(Card.status)
    )
    for status, count in rows:
        counts[status] = int(count)
    return BatchSummary(total=sum(counts.values()), **counts)


def update_card(session: Session, actor: Actor, card: Card, body: CardUpdate) -> Card:
    """Apply a reviewer's corrections; the OCR value stays beside the edited one."""
    if card.status not in REVIEWABLE:
        raise Conflict(f"a {card.status} card cannot be edited; only cards waiting for review can")
    sent = body.model_fields_set
    now = utcnow()
    fields = {k: dict(v) for k, v in (card.fields or {}).items()}
    for name, value in body.fields.items():
        value = value.strip() if value is not None else None
        current = fields.get(name)
        if current is None:
            current = {"value": None, "confidence": None, "box": None, "side": None}
        if current.get("value") == (value or None):
            continue
        if "ocr_value" not in current:
            current["ocr_value"] = current.get("value")
        current.update(value=value or None, edited_by=actor.user_id, edited_at=now.isoformat())
        fields[name] = current
    card.fields = fields
    if "match_contact_id" in sent:
        if body.match_contact_id is not None:
            contact = session.get(Contact, body.match_contact_id)
            if (
                contact is None
                or contact.organization_id != card.organization_id
                or contact.status == RecordStatus.DELETED
            ):
                raise ValidationFailed(
                    "unknown contact",
                    errors=[
                        {
                            "field": "match_contact_id",
                            "message": "no such contact in this organisation",
                            "code": "not_found",
                        }
                    ],
                )
        card.match_contact_id = body.match_contact_id
    for attr in ("exchanged_at", "location", "note"):
        if attr in sent:
            value = getattr(body, attr)
            setattr(card, attr, _utc(value) if isinstance(value, datetime) else value)
    card_changed(
        session,
        card,
        Operation.UPDATED,
        actor_id=actor.user_id,
        data={"fields": sorted(body.fields), "other": sorted(sent - {"fields"})},
    )
    return card


def request_reprocess(session: Session, actor: Actor, card: Card) -> Card:
    """Queue a card for OCR again (after a failure or a pipeline upgrade); a confirmed contact stays linked."""
    if card.status not in REPROCESSABLE:
        raise Conflict(f"the card is {card.status}; wait until it has been processed")
    card.status = "queued"
    card.attempts = 0
    card.error = None
    card.next_attempt_at = None
    card.worker_id = None
    card.lease_expires_at = None
    card.enqueued_at = utcnow()
    card_changed(session, card, Operation.REPROCESS_REQUESTED, actor_id=actor.user_id)
    enqueue_after_commit(session, [card.id])
    return card


def discard_card(session: Session, actor: Actor, card: Card) -> Card:
    """Set a card aside as unusable: it stays for audit, with its images, and never becomes a contact."""
    if card.status not in DISCARDABLE:
        raise Conflict(
            f"a {card.status} card cannot be discarded; only cards waiting for review or failed can"
        )
    card.status = "discarded"
    card.match_contact_id = None
    card_changed(session, card, Operation.DISCARDED, actor_id=actor.user_id)
    return card


def review_threshold(session: Session, org_id: str, settings: Settings) -> float:
    """Return the organisation's confidence threshold, else the configured default."""
    return orgsettings.review_threshold(session, org_id, settings.review_threshold)


def record_result(card: Card, reading: CardReading) -> None:
    """Store an OCR reading on the card (fields, text, warnings, normalised images, pipeline version)."""
    card.lang = reading.lang
    card.fields = {name: value.to_json() for name, value in reading.fields.items()}
    card.text = reading.text
    card.warnings = list(reading.warnings)
    card.front_normalized = reading.normalized.get("front")
    card.back_normalized = reading.normalized.get("back")
    card.pipeline_version = reading.pipeline_version
    card.error = None
    card.completed_at = utcnow()


def field_values(card: Card) -> dict[str, str]:
    """Return the current non-empty value of each field."""
    out = {}
    for name, field in (card.fields or {}).items():
        value = field.get("value")
        if isinstance(value, str) and value.strip():
            out[name] = value.strip()
    return out


def is_confident(card: Card, threshold: float, *, model: CardModel | None = None) -> bool:
    """Tell whether the card may complete by itself: a name, and the card's confidence at or above threshold.

    The card's confidence is the calibrated chance that every field read from it is right
    (``ocr.fields.confirm``), estimated from the stored reading; ``model`` replaces the shipped one (benchmarks).
    """
    values = field_values(card)
    if "name" not in values:  # a contact named after its e-mail address is a wrong contact
        return False
    confidence = card_confidence(
        card.fields or {}, card.lang, list(card.warnings or []), card.text or "", model=model
    )
    return confidence >= threshold


def _ts(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def card_out(card: Card) -> CardOut:
    """Serialise a card to its public JSON shape."""
    base = f"/api/v1/cards/{card.id}/image"
    images = {
        "front": CardImageLinks(
            original=f"{base}?side=front&variant=original",
            normalized=f"{base}?side=front&variant=normalized" if card.front_normalized else None,
        )
    }
    if card.back_image:
        images["back"] = CardImageLinks(
            original=f"{base}?side=back&variant=original",
            normalized=f"{base}?side=back&variant=normalized" if card.back_normalized else None,
        )
    fields = {}
    for name, f in (card.fields or {}).items():
        box = f.get("box")
        fields[name] = CardFieldOut(
            value=f.get("value"),
            confidence=f.get("confidence"),
            box=list(box) if box is not None else None,
            side=f.get("side"),
            e164=f.get("e164"),
            ocr_value=f.get("ocr_value"),
            edited_by=f.get("edited_by"),
            edited_at=_ts(f.get("edited_at")),
        )
    return CardOut(
        id=card.id,
        status=card.status,
        batch_id=card.batch_id,
        side_count=2 if card.back_image else 1,
        fields=fields,
        text=card.text,
        lang=card.lang,
        warnings=list(card.warnings or []),
        contact_id=card.contact_id,
        match_contact_id=card.match_contact_id,
        event_id=card.event_id,
        uploaded_by=card.uploaded_by,
        exchanged_at=card.exchanged_at,
        location=card.location,
        note=card.note,
        tags=list(card.requested_tags or []),
        error=card.error,
        attempts=card.attempts,
        pipeline_version=card.pipeline_version,
        images=images,
        confirmed_at=card.confirmed_at,
        confirmed_by=card.confirmed_by,
        version=card.version,
        created_at=card.created_at,
        updated_at=card.updated_at,
    )
