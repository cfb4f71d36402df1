"""Confirm a card into the contact base, in the caller's one transaction.

Company found or created; the same person found (the reviewer's match, else the same normalised email)
and updated, or a new contact created, every value recording the card as its source, and handed to the
matching engine, which merges it into a twin it is sure of; a new company or title becomes employment
history; a card_exchange touchpoint; the event's tag and the requested tags; change log.
Idempotent: the card row is locked and a card that already has a contact is returned unchanged, so one card
gives one contact however many workers or reviewers confirm it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contacts import normalize
from contacts.auth.models import Organization
from contacts.bus import publish
from contacts.cards.events import CardConfirmed
from contacts.cards.models import Card
from contacts.cards.service import bump_version, field_values, lock_card
from contacts.companies import service as companies
from contacts.companies.models import Company
from contacts.db import utcnow
from contacts.errors import Conflict
from contacts.events.models import Event
from contacts.people import inputs as people_inputs
from contacts.people import service as people
from contacts.people.inputs import PersonValues
from contacts.people.models import Contact, ContactEmail, Employment
from contacts.provenance import Actor, Source
from contacts.status import RecordStatus
from contacts.tags import service as tags
from contacts.tags.models import Tag
from contacts.touchpoints import service as touchpoints
from contacts.touchpoints.models import Touchpoint

PHONE_TYPES = {"phone": "work", "mobile": "mobile", "fax": "fax"}


def _other_phones(values: dict[str, str]) -> list[str]:
    """Return the further offices' numbers a card printed ("; "-separated in its other_phones field)."""
    return [v.strip() for v in values.get("other_phones", "").split(";") if v.strip()]


def person_values(values: dict[str, str]) -> PersonValues:
    """Map a card's field values to the people service's own input."""
    return PersonValues(
        name=values.get("name"),
        name_kana=values.get("name_kana"),
        name_romaji=values.get("name_romaji"),
        department=values.get("department"),
        title=values.get("title"),
        url=values.get("url"),
        email=values.get("email"),
        phones=(
            *((values[name], kind) for name, kind in PHONE_TYPES.items() if values.get(name)),
            *((value, "work") for value in _other_phones(values)),
        ),
        address=values.get("address"),
        postal_code=values.get("postal_code"),
    )


def _domain(values: dict[str, str]) -> str | None:
    key = people_inputs.email_key(values.get("email"))
    domain = normalize.company_key_from_email(key) if key else None
    if not domain and values.get("url"):
        domain = normalize.domain_of_url(values["url"])
    return domain or None


def _live(session: Session, contact: Contact | None) -> Contact | None:
    """Follow merges to the surviving contact; a deleted one does not count."""
    if contact is None:
        return None
    contact = people.survivor_of(session, contact)
    return contact if contact.status == RecordStatus.ACTIVE else None


def find_same_person(session: Session, card: Card, values: dict[str, str]) -> Contact | None:
    """Find the contact this card is of: the reviewer's match, else an active contact with the same email.

    A new contact is created with ``auto_merge``: the matching engine merges it into a twin it is sure of.
    """
    if card.match_contact_id:
        matched = _live(session, session.get(Contact, card.match_contact_id))
        if matched is not None:
            return matched
    key = people_inputs.email_key(values.get("email"))
    if key is None:
        return None
    return session.scalar(
        select(Contact)
        .join(ContactEmail, ContactEmail.contact_id == Contact.id)
        .where(
            ContactEmail.organization_id == card.organization_id,
            ContactEmail.value_normalized == key,
            Contact.status == RecordStatus.ACTIVE,
        )
        .order_by(Contact.created_at)
        .limit(1)
    )


def held_since(session: Session, contact: Contact, card: Card) -> datetime | None:
    """Return when what we hold about the contact's job was last known true: the start of the current job or
    the exchange of another card of theirs, whichever is later (None when nothing we hold is dated)."""
    dates = [
        d
        for d in (
            session.scalar(
                select(func.max(Employment.started_at)).where(
                    Employment.contact_id == contact.id, Employment.ended_at.is_(None)
                )
            ),
            session.scalar(
                select(func.max(Touchpoint.occurred_at)).where(
                    Touchpoint.contact_id == contact.id,
                    Touchpoint.kind == "card_exchange",
                    Touchpoint.card_id != card.id,
                )
            ),
        )
        if d is not None
    ]
    return max(dates) if dates else None


def _update_existing(
    session: Session,
    actor: Actor,
    contact: Contact,
    values: dict[str, str],
    company: Company | None,
    source: Source,
    *,
    exchanged_at: datetime,
    older: bool,
) -> None:
    """Bring an existing contact up to date with the card; a new company or title is a job change dated
    from the exchange. A card ``older`` than what we hold only adds the values the contact lacks."""
    company_changed = not older and company is not None and company.id != contact.company_id
    added = people_inputs.add_missing_values(
        session, contact, person_values(values), source, primary=company_changed
    )
    update: dict[str, str | None] = {}
    if company_changed:
        assert company is not None
        update.update(company_id=company.id, title=values.get("title"), department=values.get("department"))
    elif not older:
        for name in ("title", "department"):
            if values.get(name) and values[name] != getattr(contact, name):
                update[name] = values[name]
    for name in ("name_kana", "name_romaji", "url"):
        if values.get(name) and not getattr(contact, name):
            update[name] = values[name]
    version = contact.version
    if update:
        people_inputs.update_person(session, actor, contact, update, source, changed_at=exchanged_at)
    if added and contact.version == version:
        people.values_added(session, actor, contact, added, source)


def _apply_tags(session: Session, actor: Actor, card: Card, contact: Contact, event: Event | None) -> None:
    """Put the event's tag and the tags asked for at upload on the contact (a new tag bumps and logs it)."""
    wanted: list[Tag] = []
    if event is not None and event.tag_id:
        tag = session.get(Tag, event.tag_id)
        if tag is not None:
            wanted.append(tag)
    if card.requested_tags:
        wanted += tags.ensure_tags(session, card.organization_id, card.requested_tags, may_create=True)
    for tag in wanted:
        tags.attach_contacts(session, actor, tag, [contact.id])


def confirm_card(
    session: Session, card_id: str, *, confirmed_by: str | None, allow_processing: bool = True
) -> Card:
    """Turn a card into a contact (new or updated), a touchpoint and tags; a no-op if already confirmed.

    ``confirmed_by`` is the reviewer, or None when the worker completes the card by itself (the worker holds
    the card in ``processing``; a reviewer may only confirm a card waiting for review).
    """
    card = lock_card(session, card_id)
    if card.contact_id is not None:
        return card
    allowed = ("needs_review", "processing") if allow_processing else ("needs_review",)
    if card.status not in allowed:
        raise Conflict(f"a {card.status} card cannot be confirmed")
    # Serialise confirmations per organisation (they all take this row for the change log anyway), so two
    # cards of one new person confirmed at the same time find each other instead of making two contacts.
    session.execute(select(Organization.id).where(Organization.id == card.organization_id).with_for_update())
    values = field_values(card)
    actor = Actor(organization_id=card.organization_id, user_id=card.uploaded_by)
    source = actor.source("card", card.id)
    exchanged_at = card.exchanged_at or card.created_at
    company = companies.find_or_create_company(
        session, actor, name=values.get("company"), domain=_domain(values)
    )
    contact = find_same_person(session, card, values)
    if contact is None:
        # Matched once, as it is written: a twin the engine is sure of (e.g. same name and mobile) absorbs
        # the new contact, a new company on the card becoming a job change; weaker matches wait as
        # duplicate candidates.
        # The job on the card is known from the day the card was handed over (which also dates a job change
        # when the matching engine folds this contact into its twin).
        contact = people_inputs.create_person(
            session,
            actor,
            person_values(values),
            source,
            company_id=company.id if company else None,
            auto_merge=True,
            employed_since=exchanged_at,
        )
    else:
        since = held_since(session, contact, card)
        _update_existing(
            session,
            actor,
            contact,
            values,
            company,
            source,
            exchanged_at=exchanged_at,
            older=since is not None and exchanged_at < since,
        )
    session.flush()
    event = session.get(Event, card.event_id) if card.event_id else None
    _apply_tags(session, actor, card, contact, event)
    touchpoints.record_touchpoint(
        session,
        actor,
        contact=contact,
        kind="card_exchange",
        channel="offline",
        occurred_at=card.exchanged_at or card.created_at,
        source="card",
        event_id=card.event_id,
        location=card.location or (event.venue if event is not None else None),
        summary=card.note,
        company_name_at_time=values.get("company"),
        title_at_time=values.get("title"),
        card_id=card.id,
        external_id=f"card:{card.id}",
        user_id=card.uploaded_by,
    )
    now = utcnow()
    card.contact_id = contact.id
    card.status = "completed"
    card.confirmed_at = now
    card.confirmed_by = confirmed_by
    bump_version(card)
    publish(
        session,
        CardConfirmed(
            org_id=card.organization_id, actor_id=confirmed_by, card_id=card.id, contact_id=contact.id
        ),
    )
    return card
