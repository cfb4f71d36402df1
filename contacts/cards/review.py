"""Review helpers: the matcher's suggestion for a card, and bulk confirmation of cards that pass the threshold."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from contacts.cards.confirm import confirm_card
from contacts.cards.models import Card
from contacts.cards.schemas import CardListQuery
from contacts.cards.service import field_values
from contacts.dedup.matching import match_keys
from contacts.dedup.records import ContactRecord, record_keys
from contacts.people.models import Contact

BULK_CONFIRM_LIMIT = 200


@dataclass(frozen=True)
class Suggestion:
    """An existing contact the matcher takes for the card's person, with its score and reasons."""

    contact: Contact
    score: float
    decision: str
    reasons: list[str]


def suggest_contact(
    session: Session, card: Card, *, exclude: frozenset[str] = frozenset()
) -> Suggestion | None:
    """Return the active contact that best matches the card's current values, if the matcher finds one."""
    values = field_values(card)
    if not values:
        return None
    record = ContactRecord(
        id=card.id,
        name=values.get("name", ""),
        name_kana=values.get("name_kana", ""),
        name_romaji=values.get("name_romaji", ""),
        company=values.get("company", ""),
        department=values.get("department", ""),
        title=values.get("title", ""),
        emails=tuple(v for v in [values.get("email")] if v),
        phone=values.get("phone", ""),
        mobile=values.get("mobile", ""),
        fax=values.get("fax", ""),
        postal_code=values.get("postal_code", ""),
        address=values.get("address", ""),
        url=values.get("url", ""),
    )
    pairs = sorted(
        match_keys(session, card.organization_id, record_keys(record), drop_dismissed=False),
        key=lambda p: -p.score,
    )
    for pair in pairs:
        if pair.b in exclude:
            continue
        contact = session.get(Contact, pair.b)
        if (
            contact is not None
            and contact.status == "active"
            and contact.organization_id == card.organization_id
        ):
            return Suggestion(
                contact=contact, score=pair.score, decision=pair.decision, reasons=list(pair.reasons)
            )
    return None


def passes(card: Card, threshold: float) -> bool:
    """Tell whether a waiting card may be confirmed without a look: a name or e-mail, and every field at or
    above the threshold or typed by a reviewer."""
    values = field_values(card)
    if not ({"name", "email"} & set(values)):
        return False
    for name in values:
        field = card.fields[name]
        if field.get("edited_by") is None and float(field.get("confidence") or 0.0) < threshold:
            return False
    return True


def confirmable(session: Session, org_id: str, query: CardListQuery, threshold: float) -> list[Card]:
    """Return the waiting cards of a filtered queue (oldest first, up to a limit) that pass the threshold."""
    stmt = select(Card).where(Card.organization_id == org_id, Card.status == "needs_review")
    if query.batch_id:
        stmt = stmt.where(Card.batch_id == query.batch_id)
    if query.event_id:
        stmt = stmt.where(Card.event_id == query.event_id)
    if query.uploaded_by:
        stmt = stmt.where(Card.uploaded_by == query.uploaded_by)
    rows = session.scalars(stmt.order_by(Card.id).limit(BULK_CONFIRM_LIMIT))
    return [card for card in rows if passes(card, threshold)]


def confirm_many(session: Session, cards: list[Card], *, confirmed_by: str) -> list[str]:
    """Confirm each card (one contact per card, as a reviewer would); return the confirmed card ids."""
    done = []
    for card in cards:
        confirm_card(session, card.id, confirmed_by=confirmed_by, allow_processing=False)
        done.append(card.id)
    return done
