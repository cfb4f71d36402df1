"""The people service's own input for a person read from somewhere else (a card, an import), and its writes.

A card knows a printed name, an email, phones, an address: :class:`PersonValues` says so in the people
package's terms, and the functions here create a contact from it or bring an existing one up to date. The
callers never see the HTTP schemas or the row builders of the people service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from contacts import normalize
from contacts.api.problems import validation_errors
from contacts.errors import ValidationFailed
from contacts.people import service
from contacts.people.models import Contact, ContactAddress, ContactPhone, Employment
from contacts.people.schemas import AddressIn, ContactCreate, ContactUpdate, EmailIn, PhoneIn
from contacts.provenance import Actor, Source

M = TypeVar("M", bound=BaseModel)
_LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f .'-]+$")


@dataclass(frozen=True)
class PersonValues:
    """What a source tells about a person: the printed name and values, each optional.

    ``email`` is the primary address, ``other_emails`` the person's others, in order. ``phones`` are
    (value, type) pairs, type one of work, mobile, fax.
    """

    name: str | None = None
    name_kana: str | None = None
    name_romaji: str | None = None
    department: str | None = None
    title: str | None = None
    url: str | None = None
    email: str | None = None
    other_emails: tuple[str, ...] = ()
    phones: tuple[tuple[str, str], ...] = ()
    address: str | None = None
    postal_code: str | None = None


def split_name(name: str) -> tuple[str | None, str | None]:
    """Split a printed name into (family, given): Japanese order family first, Latin order given first."""
    parts = name.split()
    if len(parts) < 2:
        return None, None
    if _LATIN.match(name):
        return parts[-1], " ".join(parts[:-1])
    return parts[0], " ".join(parts[1:])


def _model(cls: type[M], data: dict[str, Any]) -> M:
    try:
        return cls.model_validate(data)
    except ValidationError as e:
        raise ValidationFailed(
            "the card's fields do not make a valid contact; correct them",
            errors=validation_errors(e, prefix="fields."),
        ) from e


def _payload(person: PersonValues) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if person.name:
        family, given = split_name(person.name)
        data.update(full_name=person.name, family_name=family, given_name=given)
    for name in ("name_kana", "name_romaji", "department", "title", "url"):
        if getattr(person, name):
            data[name] = getattr(person, name)
    emails: list[dict[str, Any]] = []
    seen: set[str | None] = set()
    for value in (person.email, *person.other_emails):
        key = email_key(value) or value
        if value and key not in seen:  # the same address twice makes one row
            seen.add(key)
            emails.append({"value": value, "type": "work"})
    if emails:
        emails[0]["primary"] = True
        data["emails"] = emails
    if person.phones:
        data["phones"] = [{"value": value, "type": kind} for value, kind in person.phones]
    if person.address or person.postal_code:
        data["addresses"] = [
            {"value": person.address or person.postal_code, "postal_code": person.postal_code}
        ]
    return data


def create_person(
    session: Session,
    actor: Actor,
    person: PersonValues,
    source: Source,
    *,
    company_id: str | None,
    auto_merge: bool,
    employed_since: datetime | None = None,
) -> Contact:
    """Create a contact from ``person`` (working at ``company_id`` since ``employed_since``); return it, or the
    twin it merged into."""
    return create_person_pair(
        session,
        actor,
        person,
        source,
        company_id=company_id,
        auto_merge=auto_merge,
        employed_since=employed_since,
    )[1]


def create_person_pair(
    session: Session,
    actor: Actor,
    person: PersonValues,
    source: Source,
    *,
    company_id: str | None,
    auto_merge: bool,
    employed_since: datetime | None = None,
) -> tuple[Contact, Contact]:
    """Create a contact as :func:`create_person` does; return (the created contact, the one that remains)."""
    payload = _payload(person)
    if company_id is not None:
        payload["company_id"] = company_id
    created = service.create_contact(
        session,
        actor,
        _model(ContactCreate, payload),
        source,
        auto_merge=auto_merge,
        employed_since=employed_since,
    )
    return created, service.survivor_of(session, created)


def build_person(
    session: Session, actor: Actor, person: PersonValues, source: Source, *, company_id: str | None
) -> Contact:
    """Return the contact :func:`create_person` would create, not yet written (see ``service.add_built``)."""
    payload = _payload(person)
    if company_id is not None:
        payload["company_id"] = company_id
    return service.build_contact(session, actor, _model(ContactCreate, payload), source)


def update_person(
    session: Session,
    actor: Actor,
    contact: Contact,
    changes: dict[str, Any],
    source: Source,
    *,
    changed_at: datetime | None = None,
    open_entries: list[Employment] | None = None,
) -> None:
    """Set the named fields (``company_id``, ``title``, ...) as a PATCH would: a new job is history, dated
    ``changed_at`` (default now); ``open_entries`` as :func:`service.update_contact` takes them."""
    service.update_contact(
        session,
        actor,
        contact,
        _model(ContactUpdate, changes),
        source,
        changed_at=changed_at,
        open_entries=open_entries,
    )


def add_missing_values(
    session: Session, contact: Contact, person: PersonValues, source: Source, *, primary: bool
) -> list[str]:
    """Append the emails, phones and address ``contact`` lacks; return the kinds added or changed (not yet
    logged).

    With ``primary`` (a newer source of a new job) the source's email and office phone become primary; the
    old ones stay, with their sources, as history.
    """
    org = contact.organization_id
    added: list[str] = []
    for value in (person.email, *person.other_emails):
        key = email_key(value)
        if not value or not key:
            continue
        row = next((e for e in contact.emails if e.value_normalized == key), None)
        if row is None:
            row = service._email_rows(org, [_model(EmailIn, {"value": value})], source)[0]
            row.position, row.primary = len(contact.emails), not contact.emails
            contact.emails.append(row)
            added.append("emails")
        if primary and value == person.email and _make_primary(contact.emails, row):
            added.append("emails")
    have = {p.e164 or normalize.fold_text(p.value): p for p in contact.phones}
    for value, kind in person.phones:
        row_p: ContactPhone = service._phone_rows(
            org, [_model(PhoneIn, {"value": value, "type": kind})], source
        )[0]
        existing = have.get(row_p.e164 or normalize.fold_text(row_p.value))
        if existing is None:
            row_p.position, row_p.primary = len(contact.phones), not contact.phones
            contact.phones.append(row_p)
            added.append("phones")
        if primary and kind == "work" and _make_primary(contact.phones, existing or row_p):
            added.append("phones")
    if person.address:
        addr = _model(AddressIn, {"value": person.address, "postal_code": person.postal_code})
        row_a: ContactAddress = service._address_rows(org, [addr], source)[0]
        if row_a.value_normalized not in {a.value_normalized for a in contact.addresses}:
            row_a.position, row_a.primary = len(contact.addresses), not contact.addresses
            contact.addresses.append(row_a)
            added.append("addresses")
    return sorted(set(added))


def _make_primary(rows: list[Any], chosen: Any) -> bool:
    """Make ``chosen`` the only primary row; return whether anything changed."""
    changed = False
    for row in rows:
        if row.primary != (row is chosen):
            row.primary = row is chosen
            changed = True
    return changed


def email_key(value: str | None) -> str | None:
    """Return the normalised form of an email address, or None when it is not one."""
    if not value:
        return None
    try:
        return normalize.normalize_email(value)
    except ValueError:
        return None
