"""Confirm a card into the contact base, in the caller's one transaction.

Company found or created; the same person found (the reviewer's match, else the same normalised email)
and updated, or a new contact created, every value recording the card as its source, and handed to the
matching engine, which merges it into a twin it is sure of; a new company or title becomes employment
history; a card_exchange touchpoint; the event's tag and the requested tags; change log.
Idempotent: the card row is locked and a card that already has a contact is returned unchanged, so one card
gives one contact however many workers or reviewers confirm it.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from contacts import normalize
from contacts.api.problems import validation_errors
from contacts.auth.models import Organization
from contacts.cards.models import Card
from contacts.cards.service import field_values, lock_card, touch
from contacts.changelog import service as changelog
from contacts.companies import service as companies
from contacts.companies.models import Company
from contacts.corrections import service as corrections
from contacts.db import utcnow
from contacts.dedup import matching as dedup_matching
from contacts.dedup import service as dedup
from contacts.errors import Conflict, ValidationFailed
from contacts.events.models import Event
from contacts.people import service as people
from contacts.people.models import Contact, ContactAddress, ContactEmail, ContactPhone
from contacts.people.schemas import AddressIn, ContactCreate, ContactUpdate, EmailIn, PhoneIn
from contacts.provenance import Actor, Source
from contacts.tags import service as tags
from contacts.tags.models import Tag
from contacts.touchpoints import service as touchpoints

M = TypeVar("M", bound=BaseModel)
PHONE_TYPES = {"phone": "work", "mobile": "mobile", "fax": "fax"}
_LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f .'-]+$")


def _model(cls: type[M], data: dict[str, Any]) -> M:
    try:
        return cls.model_validate(data)
    except ValidationError as e:
        raise ValidationFailed("the card's fields do not make a valid contact; correct them",
                               errors=validation_errors(e, prefix="fields.")) from e


def split_name(name: str) -> tuple[str | None, str | None]:
    """Split a printed name into (family, given): Japanese order family first, Latin order given first."""
    parts = name.split()
    if len(parts) < 2:
        return None, None
    if _LATIN.match(name):
        return parts[-1], " ".join(parts[:-1])
    return parts[0], " ".join(parts[1:])


def _email_key(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return normalize.normalize_email(value)
    except ValueError:
        return None


def _domain(values: dict[str, str]) -> str | None:
    key = _email_key(values.get("email"))
    domain = normalize.company_key_from_email(key) if key else None
    if not domain and values.get("url"):
        domain = normalize.domain_of_url(values["url"])
    return domain or None


def _live(session: Session, contact: Contact | None) -> Contact | None:
    """Follow merges to the surviving contact; a deleted one does not count."""
    seen = 0
    while contact is not None and contact.status == "merged" and contact.merged_into_id and seen < 20:
        contact = session.get(Contact, contact.merged_into_id)
        seen += 1
    return contact if contact is not None and contact.status == "active" else None


def find_same_person(session: Session, card: Card, values: dict[str, str]) -> Contact | None:
    """Find the contact this card is of: the reviewer's match, else an active contact with the same email.

    A new contact is then handed to the matching engine (``dedup.auto_resolve``), which merges sure twins.
    """
    if card.match_contact_id:
        matched = _live(session, session.get(Contact, card.match_contact_id))
        if matched is not None:
            return matched
    key = _email_key(values.get("email"))
    if key is None:
        return None
    return session.scalar(
        select(Contact).join(ContactEmail, ContactEmail.contact_id == Contact.id).where(
            ContactEmail.organization_id == card.organization_id, ContactEmail.value_normalized == key,
            Contact.status == "active").order_by(Contact.created_at).limit(1))


def _other_phones(values: dict[str, str]) -> list[str]:
    """Return the further offices' numbers a card printed ("; "-separated in its other_phones field)."""
    return [v.strip() for v in values.get("other_phones", "").split(";") if v.strip()]


def _contact_payload(values: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if values.get("name"):
        family, given = split_name(values["name"])
        data.update(full_name=values["name"], family_name=family, given_name=given)
    for name in ("name_kana", "name_romaji", "department", "title", "url"):
        if values.get(name):
            data[name] = values[name]
    if values.get("email"):
        data["emails"] = [{"value": values["email"], "type": "work", "primary": True}]
    phones = [{"value": values[n], "type": t} for n, t in PHONE_TYPES.items() if values.get(n)]
    phones += [{"value": v, "type": "work"} for v in _other_phones(values)]
    if phones:
        data["phones"] = phones
    if values.get("address") or values.get("postal_code"):
        data["addresses"] = [{"value": values.get("address") or values["postal_code"],
                              "postal_code": values.get("postal_code")}]
    return data


def _add_missing_values(session: Session, contact: Contact, values: dict[str, str], source: Source,
                        *, primary: bool) -> list[str]:
    """Append the card's email, phones and address the contact lacks; return what was added."""
    org = contact.organization_id
    added: list[str] = []
    key = _email_key(values.get("email"))
    if key and key not in {e.value_normalized for e in contact.emails}:
        row = people._email_rows(org, [_model(EmailIn, {"value": values["email"]})], source)[0]
        row.position = len(contact.emails)
        if primary:
            for e in contact.emails:
                e.primary = False
        row.primary = primary or not contact.emails
        contact.emails.append(row)
        added.append("emails")
    have = {p.e164 or normalize.fold_text(p.value) for p in contact.phones}
    new_phones = [_model(PhoneIn, {"value": values[n], "type": t}) for n, t in PHONE_TYPES.items() if values.get(n)]
    new_phones += [_model(PhoneIn, {"value": v, "type": "work"}) for v in _other_phones(values)]
    for phone_in in new_phones:
        row_p: ContactPhone = people._phone_rows(org, [phone_in], source)[0]
        if (row_p.e164 or normalize.fold_text(row_p.value)) in have:
            continue
        row_p.position, row_p.primary = len(contact.phones), not contact.phones
        contact.phones.append(row_p)
        added.append("phones")
    if values.get("address"):
        addr = _model(AddressIn, {"value": values["address"], "postal_code": values.get("postal_code")})
        row_a: ContactAddress = people._address_rows(org, [addr], source)[0]
        if row_a.value_normalized not in {a.value_normalized for a in contact.addresses}:
            row_a.position, row_a.primary = len(contact.addresses), not contact.addresses
            contact.addresses.append(row_a)
            added.append("addresses")
    return sorted(set(added))


def _update_existing(session: Session, actor: Actor, contact: Contact, values: dict[str, str],
                     company: Company | None, source: Source) -> None:
    """Bring an existing contact up to date with the card; a new company or title is a job change."""
    company_changed = company is not None and company.id != contact.company_id
    added = _add_missing_values(session, contact, values, source, primary=company_changed)
    update: dict[str, Any] = {}
    if company_changed:
        assert company is not None
        update.update(company_id=company.id, title=values.get("title"), department=values.get("department"))
    else:
        for name in ("title", "department"):
            if values.get(name) and values[name] != getattr(contact, name):
                update[name] = values[name]
    for name in ("name_kana", "name_romaji", "url"):
        if values.get(name) and not getattr(contact, name):
            update[name] = values[name]
    version = contact.version
    if update:
        people.update_contact(session, actor, contact, _model(ContactUpdate, update), source)
    if added and contact.version == version:
        people.refresh_search(contact)
        contact.field_sources = {**contact.field_sources, **{a: source.stamp() for a in added}}
        people.touch(contact)
        dedup_matching.refresh_keys(session, contact)
        changelog.record(session, actor.organization_id, "contact", contact.id, "updated", actor.user_id,
                         {"fields": added, "card_id": source.id})


def _apply_tags(session: Session, card: Card, contact: Contact, event: Event | None) -> None:
    wanted: list[Tag] = []
    if event is not None and event.tag_id:
        tag = session.get(Tag, event.tag_id)
        if tag is not None:
            wanted.append(tag)
    if card.requested_tags:
        wanted += tags.ensure_tags(session, card.organization_id, card.requested_tags, may_create=True)
    for tag in wanted:
        tags.attach(session, card.organization_id, tag, [contact.id], card.uploaded_by)


def confirm_card(session: Session, card_id: str, *, confirmed_by: str | None,
                 allow_processing: bool = True) -> Card:
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
    corrections.record_from_card(session, card, confirmed_by)
    values = field_values(card)
    actor = Actor(organization_id=card.organization_id, user_id=card.uploaded_by)
    source = actor.source("card", card.id)
    company = companies.find_or_create_company(session, actor, name=values.get("company"), domain=_domain(values))
    contact = find_same_person(session, card, values)
    if contact is None:
        payload = _contact_payload(values)
        if company is not None:
            payload["company_id"] = company.id
        contact = people.create_contact(session, actor, _model(ContactCreate, payload), source)
        # The matching engine: a twin it is sure of (e.g. same name and mobile) absorbs the new contact,
        # a new company on the card becoming a job change; weaker matches wait as duplicate candidates.
        contact = dedup.auto_resolve(session, actor, contact)
    else:
        _update_existing(session, actor, contact, values, company, source)
    session.flush()
    event = session.get(Event, card.event_id) if card.event_id else None
    _apply_tags(session, card, contact, event)
    touchpoints.record_touchpoint(
        session, actor, contact=contact, kind="card_exchange", channel="offline",
        occurred_at=card.exchanged_at or card.created_at, source="card", event_id=card.event_id,
        location=card.location or (event.venue if event is not None else None), summary=card.note,
        company_name_at_time=values.get("company"), title_at_time=values.get("title"), card_id=card.id,
        external_id=f"card:{card.id}", user_id=card.uploaded_by)
    now = utcnow()
    card.contact_id = contact.id
    card.status = "completed"
    card.confirmed_at = now
    card.confirmed_by = confirmed_by
    touch(card)
    changelog.record(session, card.organization_id, "card", card.id, "confirmed", confirmed_by,
                     {"contact_id": contact.id, "automatic": confirmed_by is None})
    return card
