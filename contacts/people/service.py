"""Contact use cases: create, read, list, update, delete, restore, employment history."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    Text,
    bindparam,
    func,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.orm import Session

from contacts import bulkinsert, contact_extensions, normalize
from contacts.bus import publish
from contacts.changelog.vocabulary import Operation
from contacts.companies import service as companies
from contacts.companies.models import Company
from contacts.db import IN_LIST_BATCH, Base, among_bound, batches, get_owned, new_id, utcnow
from contacts.errors import Conflict, ValidationFailed
from contacts.events.models import CampaignMember
from contacts.normalize.prefecture import prefectures, region_of
from contacts.normalize.title import seniority_of
from contacts.pagination import page_rows_by_id
from contacts.people.events import ContactsWritten, ContactWritten, JobChanged
from contacts.people.models import Contact, ContactAddress, ContactEmail, ContactPhone, Employment
from contacts.people.schemas import (
    AddressIn,
    AddressOut,
    CompanyRef,
    ContactCreate,
    ContactListQuery,
    ContactOut,
    ContactUpdate,
    EmailIn,
    EmailOut,
    EmploymentOut,
    OverContacted,
    PhoneIn,
    PhoneOut,
)
from contacts.provenance import Actor, Source
from contacts.status import RecordStatus
from contacts.tags import service as tags
from contacts.tags.models import CompanyTag, ContactTag
from contacts.tags.schemas import ContactFilter
from contacts.touchpoints.models import Touchpoint

SCALAR_FIELDS = (
    "family_name",
    "given_name",
    "full_name",
    "name_kana",
    "name_romaji",
    "department",
    "title",
    "url",
    "notes",
)
_LATIN = re.compile(r"^[\x00-\x7f\u00c0-\u024f\s.'-]+$")
_PHONE_LIKE = re.compile(r"^[+\d\s().\-]+$")
SHORT_QUERY = 2  # queries up to this many folded characters use the stored grams, not the trigram index


@dataclass(frozen=True)
class Page:
    """One page of a list."""

    items: list[Any]
    next_cursor: str | None


def get_contact(session: Session, org_id: str, contact_id: str) -> Contact:
    """Return the organisation's contact (any status) or raise NotFound."""
    return get_owned(session, Contact, org_id, contact_id)


def refuse_merged(session: Session, contact: Contact) -> None:
    """Answer 409 naming the surviving contact for any write to a merged one."""
    if contact.status == RecordStatus.MERGED:
        raise Conflict(
            f"contact {contact.id} was merged into {survivor_of(session, contact).id}; "
            "send the request to that contact"
        )


def get_active_contact(session: Session, org_id: str, contact_id: str) -> Contact:
    """Return an active contact; merged or deleted ones answer 409 naming where they went."""
    contact = get_contact(session, org_id, contact_id)
    refuse_merged(session, contact)
    if contact.status == RecordStatus.DELETED:
        raise Conflict(f"contact {contact.id} is deleted")
    return contact


def compose_full_name(family: str | None, given: str | None) -> str:
    """Join name parts the way the card prints them: family first, given first for Latin names."""
    parts = [p for p in (family, given) if p]
    if len(parts) == 2 and all(_LATIN.match(p) for p in parts):
        return f"{given} {family}"
    return " ".join(parts)


def _search_pieces(contact: Contact) -> list[str]:
    """Fold what ``q`` searches: names, readings, company, department, emails and phone digits."""
    pieces = [
        contact.full_name,
        contact.family_name,
        contact.given_name,
        contact.name_kana,
        contact.name_romaji,
        contact.company.name if contact.company else None,
        contact.department,
    ]
    pieces += [e.value_normalized for e in contact.emails]
    for phone in contact.phones:
        digits = re.sub(r"\D", "", normalize.fold_text(phone.value))
        pieces.append(digits)
        if phone.e164:
            pieces.append(phone.e164.lstrip("+"))
    return [normalize.fold_text(p) for p in pieces if p]


def grams_of(folded_pieces: list[str]) -> list[str]:
    """Return the distinct one- and two-character runs of the folded pieces.

    pg_trgm cannot index a LIKE pattern shorter than three characters, so queries of one or two characters
    (a family name such as 林 or 村田, a surname such as Li, two digits) look these up in a GIN index instead.
    """
    grams = {p[i : i + n] for p in folded_pieces for n in (1, 2) for i in range(len(p) - n + 1)}
    return sorted(grams)


def refresh_search(contact: Contact) -> None:
    """Recompute what is stored for searching and filtering after the contact's values changed: the search
    text, the short-query grams, the seniority (from the title) and the prefecture (from the primary address)."""
    pieces = _search_pieces(contact)
    contact.search_text = "\x1f".join(pieces)
    contact.search_grams = grams_of(pieces)
    contact.seniority = seniority_of(contact.title)
    primary = next(
        (a for a in contact.addresses if a.primary), contact.addresses[0] if contact.addresses else None
    )
    contact.prefecture = normalize.prefecture_of(primary.value) if primary is not None else None


def search_key(q: str) -> str:
    """Fold a search query like the stored search text; phone-like queries become their digits."""
    nfkc = unicodedata.normalize("NFKC", q).strip()
    if _PHONE_LIKE.match(nfkc) and sum(c.isdigit() for c in nfkc) >= 4:
        return re.sub(r"\D", "", nfkc)
    return normalize.fold_text(q)


def _email_rows(org_id: str, emails: list[EmailIn], source: Source) -> list[ContactEmail]:
    rows, errors = [], []
    for i, email in enumerate(emails):
        try:
            normalized = normalize.normalize_email(email.value)
        except ValueError as e:
            errors.append({"field": f"emails.{i}.value", "message": str(e), "code": "invalid_email"})
            continue
        rows.append(
            ContactEmail(
                organization_id=org_id,
                value=email.value,
                value_normalized=normalized,
                type=email.type,
                primary=email.primary,
                position=i,
                source_type=source.type,
                source_id=source.id,
            )
        )
    if errors:
        raise ValidationFailed("invalid email address", errors=errors)
    _one_primary(rows)
    return rows


def _phone_rows(org_id: str, phones: list[PhoneIn], source: Source) -> list[ContactPhone]:
    rows = []
    for i, phone in enumerate(phones):
        e164 = normalize.to_e164(phone.value)
        kind = phone.type or ("mobile" if e164 and normalize.phone_type_of(e164) == "mobile" else "work")
        rows.append(
            ContactPhone(
                organization_id=org_id,
                value=phone.value,
                e164=e164,
                type=kind,
                primary=phone.primary,
                position=i,
                source_type=source.type,
                source_id=source.id,
            )
        )
    _one_primary(rows)
    return rows


def _address_rows(org_id: str, addresses: list[AddressIn], source: Source) -> list[ContactAddress]:
    rows = []
    for i, addr in enumerate(addresses):
        postal = normalize.normalize_postal_code(addr.postal_code or "") or addr.postal_code
        rows.append(
            ContactAddress(
                organization_id=org_id,
                value=addr.value,
                postal_code=postal or None,
                value_normalized=normalize.normalize_address(addr.value),
                type=addr.type,
                primary=addr.primary,
                position=i,
                source_type=source.type,
                source_id=source.id,
            )
        )
    _one_primary(rows)
    return rows


def _one_primary(rows: list[Any]) -> None:
    seen = False
    for row in rows:
        row.primary = bool(row.primary) and not seen
        seen = seen or row.primary
    if rows and not seen:
        rows[0].primary = True


def _company_domain(contact: Contact) -> str | None:
    for email in contact.emails:
        domain = normalize.company_key_from_email(email.value_normalized)
        if domain:
            return domain
    return normalize.domain_of_url(contact.url) if contact.url else None


def _apply(
    session: Session, actor: Actor, contact: Contact, data: ContactCreate | ContactUpdate, source: Source
) -> set[str]:
    """Copy the sent fields onto ``contact``, recording their source; return the changed field names."""
    sent = data.model_fields_set
    changed: set[str] = set()
    stamp = source.stamp()
    # A new dict, not an in-place edit: the ORM only notices a JSON column that is reassigned.
    sources = dict(contact.field_sources or {})
    for name in SCALAR_FIELDS:
        if name in sent:
            value = getattr(data, name) or None
            if getattr(contact, name) != value:
                setattr(contact, name, value)
                changed.add(name)
                sources[name] = stamp
    org = actor.organization_id
    if "emails" in sent:
        contact.emails = _email_rows(org, data.emails or [], source)
        changed.add("emails")
    if "phones" in sent:
        contact.phones = _phone_rows(org, data.phones or [], source)
        changed.add("phones")
    if "addresses" in sent:
        contact.addresses = _address_rows(org, data.addresses or [], source)
        changed.add("addresses")
    if "owner_id" in sent:
        if data.owner_id is not None:
            from contacts.auth.models import User

            owner = session.get(User, data.owner_id)
            if owner is None or owner.organization_id != org:
                raise ValidationFailed(
                    "unknown owner",
                    errors=[
                        {
                            "field": "owner_id",
                            "message": "no such user in this organisation",
                            "code": "not_found",
                        }
                    ],
                )
        contact.owner_id = data.owner_id
        changed.add("owner_id")
    company: Company | None = contact.company
    if "company_id" in sent:
        company = companies.referenced_company(session, org, data.company_id) if data.company_id else None
    elif "company_name" in sent:
        company = companies.find_or_create_company(
            session, actor, name=data.company_name, domain=_company_domain(contact)
        )
    if company is not contact.company:
        contact.company = company
        contact.company_id = company.id if company else None
        sources["company"] = stamp
        changed.add("company")
    if not contact.full_name or ({"family_name", "given_name"} & changed and "full_name" not in sent):
        composed = compose_full_name(contact.family_name, contact.given_name)
        contact.full_name = (
            composed
            or contact.full_name
            or contact.name_romaji
            or contact.name_kana
            or (contact.emails[0].value if contact.emails else "")
        )
    contact.field_sources = sources
    return changed


def create_contact(
    session: Session,
    actor: Actor,
    data: ContactCreate,
    source: Source,
    *,
    may_create_tags: bool = True,
    auto_merge: bool = False,
    employed_since: datetime | None = None,
) -> Contact:
    """Create a contact with its values, company, tags and first employment entry.

    With ``auto_merge`` (cards, imports) the matching engine merges the new contact into a twin it is sure
    of: follow :func:`survivor_of` to the contact that remains.
    """
    contact = build_contact(session, actor, data, source)
    session.add(contact)
    session.flush()
    if data.tags:
        for tag in tags.ensure_tags(session, actor.organization_id, data.tags, may_create=may_create_tags):
            tags.attach(session, actor.organization_id, tag, [contact.id], actor.user_id)
    else:  # its answer then needs no read of its tags
        tags.note_untagged(session, [contact.id])
    if contact.company_id or contact.title:
        start_employment(session, contact, source, started_at=employed_since)
    publish(
        session,
        ContactWritten(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            contact=contact,
            operation=Operation.CREATED,
            auto_merge=auto_merge,
        ),
    )
    return contact


def build_contact(session: Session, actor: Actor, data: ContactCreate, source: Source) -> Contact:
    """Return a new contact with its values and search text, its id set, not yet in the session."""
    # Built before it joins the session, with its collections known to be empty: the queries _apply makes (its
    # company) would otherwise flush it half-filled, then update it, and load its empty collections one by one.
    contact = Contact(
        id=new_id(),
        organization_id=actor.organization_id,
        owner_id=actor.user_id,
        field_sources={},
        emails=[],
        phones=[],
        addresses=[],
    )
    _apply(session, actor, contact, data, source)
    refresh_search(contact)
    return contact


def add_built(session: Session, actor: Actor, contacts: list[Contact], source: Source) -> None:
    """Write contacts made by :func:`build_contact` with batched inserts and log them as created at once.

    Their rows, their values' and their first employment entries' (opened as :func:`create_contact` opens
    them) are inserted a statement per table (:mod:`contacts.bulkinsert`: a COPY on PostgreSQL), without the
    ORM's unit of work; the contacts and their values are then in the session as if flushed. Nothing matches
    them here: the caller matched them already and stores their keys (see :class:`ContactsWritten`).
    """
    if not contacts:
        return
    session.flush()  # what the session holds is written first (the contacts' companies, say)
    values: dict[type[Base], list[Any]] = {ContactEmail: [], ContactPhone: [], ContactAddress: []}
    entries = []
    for contact in contacts:
        for kind in (contact.emails, contact.phones, contact.addresses):
            for value in kind:
                value.contact_id = contact.id
                values[type(value)].append(value)
        if contact.company_id or contact.title:
            entries.append(employment_entry(contact, source, None))
    bulkinsert.insert_rows(session, Contact, bulkinsert.object_rows(contacts))
    for model, objects in values.items():
        bulkinsert.insert_rows(session, model, bulkinsert.object_rows(objects))
    # The entries are not kept in the session: what reads them later loads them, as after a flush.
    bulkinsert.insert_rows(session, Employment, bulkinsert.object_rows(entries))
    bulkinsert.attach(session, [*contacts, *(v for objects in values.values() for v in objects)])
    publish(
        session,
        ContactsWritten(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            ids=tuple(c.id for c in contacts),
            operation=Operation.CREATED,
        ),
    )


def survivor_of(session: Session, contact: Contact) -> Contact:
    """Follow merges from ``contact`` to the contact that absorbed it (itself when it was not merged)."""
    seen = 0
    while contact.status == RecordStatus.MERGED and contact.merged_into_id and seen < 20:
        nxt = session.get(Contact, contact.merged_into_id)
        if nxt is None:
            break
        contact, seen = nxt, seen + 1
    return contact


def update_contact(
    session: Session,
    actor: Actor,
    contact: Contact,
    data: ContactUpdate,
    source: Source,
    *,
    changed_at: datetime | None = None,
    open_entries: list[Employment] | None = None,
) -> Contact:
    """Apply a PATCH; a new company or title closes the current employment entry and opens another.

    ``changed_at`` dates a job change (a card's exchange time); by default it is now. ``open_entries``: the
    contact's open employment entries, newest first, when the caller read them already (see :func:`change_job`).
    """
    refuse_merged(session, contact)
    before_company, before_title = contact.company_id, contact.title
    if data.status == RecordStatus.ACTIVE and contact.status == RecordStatus.DELETED:
        restore_contact(session, actor, contact)
    changed = _apply(session, actor, contact, data, source)
    if not changed:
        return contact
    refresh_search(contact)
    bump_version(contact)
    job_changed = contact.company_id != before_company or contact.title != before_title
    if job_changed:
        change_job(
            session,
            contact,
            source,
            previous_company_id=before_company,
            when=changed_at,
            open_entries=open_entries,
        )
    publish(
        session,
        ContactWritten(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            contact=contact,
            operation=Operation.UPDATED,
            data={"fields": sorted(changed)},
        ),
    )
    return contact


def values_added(session: Session, actor: Actor, contact: Contact, fields: list[str], source: Source) -> None:
    """Record values appended to a contact outside a PATCH (a card's new email, say) as one update."""
    refresh_search(contact)
    contact.field_sources = {**contact.field_sources, **{name: source.stamp() for name in fields}}
    bump_version(contact)
    publish(
        session,
        ContactWritten(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            contact=contact,
            operation=Operation.UPDATED,
            data={"fields": fields, "card_id": source.id},
        ),
    )


def bump_version(contact: Contact) -> None:
    """Bump version and update time after any change visible in the contact's JSON."""
    contact.version += 1
    contact.updated_at = utcnow()


def delete_contact(session: Session, actor: Actor, contact: Contact) -> None:
    """Soft-delete: the record stays, marked deleted, and can be restored by an admin."""
    refuse_merged(session, contact)
    if contact.status == RecordStatus.DELETED:
        return
    contact.status = RecordStatus.DELETED
    contact.deleted_at = utcnow()
    bump_version(contact)
    publish(
        session,
        ContactWritten(
            org_id=actor.organization_id, actor_id=actor.user_id, contact=contact, operation=Operation.DELETED
        ),
    )


def delete_contacts(session: Session, actor: Actor, contact_ids: list[str]) -> list[str]:
    """Soft-delete the active ones of ``contact_ids`` with set-based updates, logged at once; return them."""
    ids = sorted(
        cid
        for batch in batches(sorted(set(contact_ids)))
        for cid in session.scalars(
            select(Contact.id).where(Contact.id.in_(batch), Contact.status == RecordStatus.ACTIVE)
        )
    )
    if not ids:
        return []
    now = utcnow()
    for batch in batches(ids):
        session.execute(
            update(Contact)
            .where(Contact.id.in_(batch))
            .values(
                status=RecordStatus.DELETED.value,
                deleted_at=now,
                version=Contact.version + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session="fetch")
        )
    publish(
        session,
        ContactsWritten(
            org_id=actor.organization_id, actor_id=actor.user_id, ids=tuple(ids), operation=Operation.DELETED
        ),
    )
    return ids


def restore_contact(session: Session, actor: Actor, contact: Contact) -> None:
    """Undo a soft delete."""
    refuse_merged(session, contact)
    if contact.status != RecordStatus.DELETED:
        raise Conflict("only a deleted contact can be restored")
    contact.status = RecordStatus.ACTIVE
    contact.deleted_at = None
    bump_version(contact)
    publish(
        session,
        ContactWritten(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            contact=contact,
            operation=Operation.RESTORED,
        ),
    )


def current_employment(session: Session, contact_id: str) -> Employment | None:
    """Return the open employment entry of a contact, if any."""
    return session.scalar(
        select(Employment)
        .where(Employment.contact_id == contact_id, Employment.ended_at.is_(None))
        .order_by(Employment.created_at.desc())
        .limit(1)
    )


def start_employment(
    session: Session, contact: Contact, source: Source, started_at: datetime | None
) -> Employment:
    """Open an employment entry for the contact's current company, department and title."""
    entry = employment_entry(contact, source, started_at)
    session.add(entry)
    return entry


def employment_entry(contact: Contact, source: Source, started_at: datetime | None) -> Employment:
    """An open employment entry (not yet added) for the contact's current company, department and title."""
    return Employment(
        organization_id=contact.organization_id,
        contact_id=contact.id,
        company_id=contact.company_id,
        department=contact.department,
        title=contact.title,
        started_at=started_at,
        source_type=source.type,
        source_id=source.id,
    )


def open_employment(session: Session, contact_ids: Sequence[str]) -> dict[str, list[Employment]]:
    """Return the open employment entries of contacts, newest first, by contact id (one query a thousand)."""
    found: dict[str, list[Employment]] = {}
    for batch in batches(list(contact_ids), 1000):
        for entry in session.scalars(
            select(Employment)
            .where(Employment.contact_id.in_(batch), Employment.ended_at.is_(None))
            .order_by(Employment.created_at.desc())
        ):
            found.setdefault(entry.contact_id, []).append(entry)
    return found


def change_job(
    session: Session,
    contact: Contact,
    source: Source,
    *,
    previous_company_id: str | None,
    when: datetime | None = None,
    open_entries: list[Employment] | None = None,
) -> Employment:
    """Close the open employment entries and open one for the new job: a job change is history, not an
    overwrite. An open entry of the new job already there (a merged card's) is kept rather than repeated, and
    its start dates the change when ``when`` is not given.

    ``open_entries`` are the contact's open entries, newest first, when the caller read them already (what
    :func:`open_employment` returned, with nothing written to them since); by default they are read here.
    """
    job = (contact.company_id, contact.department, contact.title)
    if open_entries is None:
        open_entries = open_employment(session, [contact.id]).get(contact.id, [])
    entry = next((e for e in open_entries if (e.company_id, e.department, e.title) == job), None)
    when = when or (entry.started_at if entry is not None else None) or utcnow()
    for other in open_entries:
        if other is not entry:
            other.ended_at = when
    if entry is None:
        entry = start_employment(session, contact, source, started_at=when)
    elif entry.started_at is None:
        entry.started_at = when
    if previous_company_id is not None and previous_company_id != contact.company_id:
        publish(
            session,
            JobChanged(
                org_id=contact.organization_id,
                actor_id=source.user_id,
                contact=contact,
                from_company_id=previous_company_id,
                to_company_id=contact.company_id,
            ),
        )
    return entry


def list_employment(session: Session, contact: Contact) -> list[Employment]:
    """Return a contact's employment history, newest first."""
    return list(
        session.scalars(
            select(Employment)
            .where(Employment.contact_id == contact.id)
            .order_by(
                Employment.started_at.desc().nulls_last(), Employment.created_at.desc(), Employment.id.desc()
            )
        )
    )


def contacts_query(session: Session, org_id: str, query: ContactListQuery) -> Select[tuple[Contact]] | None:
    """Build the filtered select of GET /contacts (unordered), or None when it can match nothing."""
    stmt = select(Contact).where(Contact.organization_id == org_id, Contact.status == query.status)
    if query.q:
        folded = search_key(query.q)
        if 0 < len(folded) <= SHORT_QUERY and session.get_bind().dialect.name == "postgresql":
            stmt = stmt.where(type_coerce(Contact.search_grams, ARRAY(Text())).contains([folded]))
        elif folded:
            stmt = stmt.where(Contact.search_text.contains(folded, autoescape=True))
    if query.company_id:
        stmt = stmt.where(Contact.company_id == query.company_id)
    if query.owner_id:
        stmt = stmt.where(Contact.owner_id == query.owner_id)
    if query.updated_since:
        stmt = stmt.where(Contact.updated_at >= query.updated_since)
    stmt = _touch_filtered(stmt, query)
    stmt = _marketing_filtered(stmt, query)
    stmt = stmt.where(*contact_extensions.filter_clauses(session, query, org_id))
    names = set(query.tag) | set(query.any_tag) | set(query.not_tag) | set(query.company_tag)
    found = tags.tags_by_name(session, org_id, names)
    if query.company_tag:
        company_tag_ids = [found[n].id for n in query.company_tag if n in found]
        if not company_tag_ids:
            return None
        stmt = stmt.where(
            Contact.company_id.in_(
                select(CompanyTag.company_id).where(CompanyTag.tag_id.in_(company_tag_ids))
            )
        )
    for name in query.tag:
        if name not in found:
            return None
        stmt = stmt.where(
            Contact.id.in_(select(ContactTag.contact_id).where(ContactTag.tag_id == found[name].id))
        )
    if query.any_tag:
        ids = [found[n].id for n in query.any_tag if n in found]
        if not ids:
            return None
        stmt = stmt.where(Contact.id.in_(select(ContactTag.contact_id).where(ContactTag.tag_id.in_(ids))))
    not_ids = [found[n].id for n in query.not_tag if n in found]
    if not_ids:
        stmt = stmt.where(
            ~Contact.id.in_(select(ContactTag.contact_id).where(ContactTag.tag_id.in_(not_ids)))
        )
    return stmt


def _marketing_filtered(stmt: Select[tuple[Contact]], query: ContactListQuery) -> Select[tuple[Contact]]:
    """Apply the title, seniority, prefecture, region, campaign and over-contacted filters."""
    if query.title:
        stmt = stmt.where(Contact.title.icontains(query.title, autoescape=True))
    if query.seniority:
        stmt = stmt.where(Contact.seniority.in_(query.seniority))
    if query.prefecture:  # narrowed to the regions asked for, if any
        wanted = {p for p in query.prefecture if not query.region or region_of(p) in query.region}
        stmt = stmt.where(Contact.prefecture.in_(sorted(wanted)))
    elif query.region:
        stmt = stmt.where(
            Contact.prefecture.in_(sorted(p.name for p in prefectures() if p.region in query.region))
        )
    if query.campaign_id is not None:
        members = select(CampaignMember.contact_id).where(CampaignMember.campaign_id == query.campaign_id)
        if query.campaign_status:
            members = members.where(CampaignMember.status.in_(query.campaign_status))
        stmt = stmt.where(Contact.id.in_(members))
    if query.not_campaign_id is not None:
        stmt = stmt.where(
            ~Contact.id.in_(
                select(CampaignMember.contact_id).where(CampaignMember.campaign_id == query.not_campaign_id)
            )
        )
    if query.over_contacted is True:
        stmt = stmt.where(Contact.over_contacted_until > utcnow())
    elif query.over_contacted is False:
        stmt = stmt.where(
            or_(Contact.over_contacted_until.is_(None), Contact.over_contacted_until <= utcnow())
        )
    return stmt


def _touch_filtered(stmt: Select[tuple[Contact]], query: ContactListQuery) -> Select[tuple[Contact]]:
    """Apply touched_since / not_touched_since (narrowed to touch_kind) as semi- and anti-joins."""

    def touched(since: datetime) -> ColumnElement[bool]:
        # Correlated, so a narrow list probes ix_touchpoint_contact_occurred per contact instead of hashing
        # every touchpoint of the window (the planner still picks a hash anti-join for a wide one).
        touches = select(Touchpoint.id).where(
            Touchpoint.contact_id == Contact.id, Touchpoint.occurred_at >= since
        )
        if query.touch_kind:
            touches = touches.where(Touchpoint.kind.in_(query.touch_kind))
        return touches.exists()

    if query.touched_since is not None:
        stmt = stmt.where(touched(query.touched_since))
    if query.not_touched_since is not None:
        stmt = stmt.where(~touched(query.not_touched_since))
    return stmt


def contacts_by_filter(session: Session, org_id: str, contact_filter: ContactFilter) -> list[str]:
    """Return the ids of the active contacts the filters of GET /contacts select (422 past BULK_FILTER_LIMIT)."""
    # The contacts list's own filter, so that bulk tagging selects exactly what GET /contacts shows.
    stmt = contacts_query(session, org_id, ContactListQuery(**contact_filter.model_dump()))
    if stmt is None:
        return []
    ids = list(
        session.scalars(
            stmt.with_only_columns(Contact.id).order_by(Contact.id).limit(tags.BULK_FILTER_LIMIT + 1)
        )
    )
    if len(ids) > tags.BULK_FILTER_LIMIT:
        raise ValidationFailed(
            "the filter selects too many contacts",
            errors=[
                {
                    "field": "filter",
                    "message": f"selects more than {tags.BULK_FILTER_LIMIT} contacts; narrow it",
                    "code": "too_many",
                }
            ],
        )
    return ids


def narrow_ids(session: Session, org_id: str, contact_ids: list[str], query: ContactListQuery) -> set[str]:
    """Return which of ``contact_ids`` the filter ``query`` selects."""
    stmt = contacts_query(session, org_id, query)
    if stmt is None or not contact_ids:
        return set()
    found: set[str] = set()
    for batch in batches(contact_ids):
        found.update(session.scalars(stmt.with_only_columns(Contact.id).where(Contact.id.in_(batch))))
    return found


@dataclass(slots=True)
class ContactRow:
    """A contact as a page shows it: the columns its JSON is made from (to_out, merge_paths), read as plain
    values, and its company's name."""

    id: str
    uid: str
    family_name: str | None
    given_name: str | None
    full_name: str
    name_kana: str | None
    name_romaji: str | None
    company_id: str | None
    department: str | None
    title: str | None
    seniority: str | None
    prefecture: str | None
    over_contacted_until: datetime | None
    over_contacted_rule: dict[str, Any] | None
    url: str | None
    notes: str | None
    owner_id: str | None
    status: str
    merged_into_id: str | None
    field_sources: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    company_name: str | None
    # on PostgreSQL, its values, tag names and SQL fields, read with it (a row of _read_together)
    together: tuple[Any, ...] | None = None


# The columns of ContactRow, in its order (a row of them makes one: ContactRow(*row)).
_ROW_COLUMNS = (
    *(getattr(Contact, f.name) for f in fields(ContactRow) if f.name not in ("company_name", "together")),
    Company.name.label("company_name"),
)

# A contact as its JSON is made from.
ShownContact = Contact | ContactRow


def list_contacts(session: Session, org_id: str, query: ContactListQuery) -> Page:
    """Return one page of contacts in creation order, filtered as the query says.

    The items are ContactRows, not mapped contacts: a page only serialises them, and 50 mapped contacts
    (identity map, instance state, every column, a mapped company each) cost more to load than the rest of
    the page. (SQLAlchemy's rows answer attribute reads several times slower than a plain object.)
    """
    stmt = contacts_query(session, org_id, query)
    if stmt is None:
        return Page(items=[], next_cursor=None)
    shown = stmt.with_only_columns(*_ROW_COLUMNS).outerjoin(Company, Company.id == Contact.company_id)
    if session.get_bind().dialect.name != "postgresql":
        rows, next_cursor = page_rows_by_id(
            session, shown, Contact.id, limit=query.limit, cursor=query.cursor
        )
        return Page(items=[ContactRow(*row) for row in rows], next_cursor=next_cursor)
    # Each row's values, tag names and SQL fields with it: PostgreSQL computes them for the page's rows only
    # (expensive output columns wait for the sort and the limit).
    shown = shown.add_columns(*_together_columns(Contact.id, contact_extensions.sql_fields()))
    rows, next_cursor = page_rows_by_id(session, shown, Contact.id, limit=query.limit, cursor=query.cursor)
    items = []
    for row in rows:
        item = ContactRow(*row[: len(_ROW_COLUMNS)])
        item.together = (row[0], *row[len(_ROW_COLUMNS) :])
        items.append(item)
    return Page(items=items, next_cursor=next_cursor)


MAX_MERGE_HOPS = 50


def merge_paths(session: Session, contacts: Sequence[ShownContact]) -> dict[str, list[str]]:
    """Map each merged contact to the contacts it went into, hop by hop; the last one is the survivor.

    One query per hop for the whole batch, so a page of contacts costs as many queries as its longest chain.
    """
    paths = {c.id: [c.merged_into_id] for c in contacts if c.merged_into_id}
    next_of: dict[str, str | None] = {}
    for _ in range(MAX_MERGE_HOPS):
        wanted = {p[-1] for p in paths.values()} - next_of.keys()
        if not wanted:
            break
        rows = session.execute(select(Contact.id, Contact.merged_into_id).where(Contact.id.in_(wanted)))
        next_of.update({row.id: row.merged_into_id for row in rows})
        next_of.update({i: None for i in wanted if i not in next_of})
        for path in paths.values():
            nxt = next_of.get(path[-1])
            if nxt is not None and nxt not in path and len(path) < MAX_MERGE_HOPS:
                path.append(nxt)
    return {cid: [str(i) for i in path] for cid, path in paths.items()}


def merged_through_each(session: Session, org_id: str, groups: dict[str, list[str]]) -> dict[str, list[str]]:
    """Return what :func:`merged_through` returns for each group of contacts, with one walk for all."""
    reach: dict[str, set[str]] = {}
    for key, ids in groups.items():
        for contact_id in ids:
            reach.setdefault(contact_id, set()).add(key)
    found: dict[str, list[str]] = {key: [] for key in groups}
    frontier = sorted(reach)
    while frontier:
        level: dict[str, set[str]] = {}
        for batch in batches(frontier):
            for contact_id, into in session.execute(
                select(Contact.id, Contact.merged_into_id).where(
                    Contact.organization_id == org_id, Contact.merged_into_id.in_(batch)
                )
            ):
                assert into is not None
                new = reach[into] - reach.get(contact_id, set())
                if new:
                    level.setdefault(contact_id, set()).update(new)
        for contact_id, keys in level.items():
            reach.setdefault(contact_id, set()).update(keys)
        for key in groups:
            found[key] += sorted(c for c, keys in level.items() if key in keys)
        frontier = sorted(level)
    return found


def merged_through(session: Session, org_id: str, contact_ids: list[str]) -> list[str]:
    """Return the contacts merged into any of ``contact_ids``, directly or through a chain of merges."""
    return merged_through_each(session, org_id, {"": contact_ids})[""]


def over_contacted_now(contact: ShownContact) -> OverContacted | None:
    """The contact-frequency rule the contact breaks now, with until when; None when it breaks none."""
    until = contact.over_contacted_until
    if until is None or contact.over_contacted_rule is None or until <= utcnow():
        return None
    return OverContacted(rule=contact.over_contacted_rule, until=until)


ValueOut = EmailOut | PhoneOut | AddressOut
# In the order of the kind numbers of _values_select.
_VALUE_KINDS: tuple[tuple[str, type[ValueOut]], ...] = (
    ("emails", EmailOut),
    ("phones", PhoneOut),
    ("addresses", AddressOut),
)


@functools.cache
def _values_select(postgresql: bool) -> CompoundSelect:
    """Return the select of the shown columns of the emails, phones and addresses of the contacts bound as
    ``contact_ids``: one statement for the three kinds (a ``kind`` column tells them apart), built once."""

    def kind(number: int, model: Any, e164: Any, postal_code: Any, primary: Any) -> Select[tuple[Any, ...]]:
        return select(
            literal_column(str(number)).label("kind"),
            model.contact_id,
            model.value,
            model.type,
            primary.label("primary"),
            e164.label("e164"),
            postal_code.label("postal_code"),
            model.position,
            model.id,
        ).where(among_bound(model.contact_id, "contact_ids", postgresql=postgresql))

    return union_all(
        kind(0, ContactEmail, null(), null(), ContactEmail.primary),
        kind(1, ContactPhone, ContactPhone.e164, null(), ContactPhone.primary),
        kind(2, ContactAddress, null(), ContactAddress.postal_code, null()),
    ).order_by(literal_column("position"), literal_column("id"))


def values_out(
    session: Session,
    contacts: Sequence[ShownContact],
    read: dict[str, tuple[Any, ...]] | None = None,
) -> dict[str, dict[str, list[ValueOut]]]:
    """Return the emails, phones and addresses of ``contacts`` in their JSON shapes, by contact and kind.

    A collection the session has loaded (a contact just written) is serialised as it is; the values of the
    others come from ``read`` (the rows of :func:`_read_together`, by contact) or are read in one statement
    for every contact and kind, as plain rows of the columns the JSON shows. A page of contacts has two or
    three values each: ORM objects for them (identity map, instance state, every column) and a statement per
    kind cost more than the rest of the page.
    """
    read = read or {}
    out: dict[str, dict[str, list[ValueOut]]] = {}
    unread: dict[str, list[bool]] = {}  # contact id -> which of _VALUE_KINDS come from the statement
    for contact in contacts:
        values: dict[str, list[ValueOut]] = {}
        together = read.get(contact.id)
        for number, (attr, shape) in enumerate(_VALUE_KINDS):
            # A loaded collection lives in the instance's __dict__ (cheaper to ask than state.unloaded); a
            # row of a page has none.
            loaded = contact.__dict__.get(attr) if isinstance(contact, Contact) else None
            if loaded is not None:
                values[attr] = [shape.model_validate(v) for v in loaded]
            elif together is not None:
                values[attr] = _values_of(number, together[1 + number] or [])
            else:
                values[attr] = []
                unread.setdefault(contact.id, [False] * len(_VALUE_KINDS))[number] = True
        out[contact.id] = values
    if not unread:
        return out
    postgresql = session.get_bind().dialect.name == "postgresql"
    statement = _values_select(postgresql)
    # one array on PostgreSQL; elsewhere the ids are bound once per kind, within SQLite's parameter limit
    size = len(unread) if postgresql else IN_LIST_BATCH // len(_VALUE_KINDS)
    rows = [
        row
        for batch in batches(list(unread), size)
        for row in session.execute(statement, {"contact_ids": list(batch)}).all()
    ]
    for number, contact_id, *shown, _, _ in rows:
        if unread[contact_id][number]:
            out[contact_id][_VALUE_KINDS[number][0]].append(_value_out(number, *shown))
    return out


def _value_out(
    number: int,
    value: str,
    type_: str | None,
    primary: bool | None,
    e164: str | None,
    postal_code: str | None,
) -> ValueOut:
    """Shape one value of kind ``number`` (of :data:`_VALUE_KINDS`) from the columns both value reads give."""
    if number == 0:
        return EmailOut(value=value, type=type_, primary=primary)
    if number == 1:
        return PhoneOut(value=value, e164=e164, type=type_, primary=primary)
    return AddressOut(postal_code=postal_code, value=value, type=type_)


def _values_of(number: int, rows: list[list[Any]]) -> list[ValueOut]:
    """Shape the JSON arrays :func:`_read_together` aggregates of one kind of value."""
    return [_value_out(number, *row) for row in rows]


@functools.cache
def _together_select(fields: tuple[contact_extensions.SqlContactField, ...]) -> Select[tuple[Any, ...]]:
    """Return the select of the contacts bound as ``contact_ids`` (an array, PostgreSQL) with their emails,
    phones and addresses, their tag names and the registered SQL fields, each aggregated as JSON: one row a
    contact, one statement for all. Built once per set of fields."""
    ids = func.unnest(bindparam("contact_ids", type_=ARRAY(String()))).table_valued("id").render_derived()
    return select(ids.c.id, *_together_columns(ids.c.id, fields))


@functools.cache
def _together_columns(contact_id: Any, fields: tuple[contact_extensions.SqlContactField, ...]) -> list[Any]:
    """Return the columns of :func:`_together_select` after the id, correlated to ``contact_id``."""

    def aggregated(model: Any, e164: Any, postal_code: Any, primary: Any) -> Any:
        # the columns of _values_select, in its order (each a _value_out of the kind)
        shown = func.json_build_array(model.value, model.type, primary, e164, postal_code)
        return (
            select(func.json_agg(aggregate_order_by(shown, model.position, model.id)))
            .where(model.contact_id == contact_id)
            .scalar_subquery()
        )

    return [
        aggregated(ContactEmail, null(), null(), ContactEmail.primary),
        aggregated(ContactPhone, ContactPhone.e164, null(), ContactPhone.primary),
        aggregated(ContactAddress, null(), ContactAddress.postal_code, null()),
        tags.names_column(contact_id),
        *(f.column(contact_id) for f in fields),
    ]


def _read_together(
    session: Session, contact_ids: list[str], fields: tuple[contact_extensions.SqlContactField, ...]
) -> dict[str, tuple[Any, ...]]:
    """Read the values, tag names and SQL fields of ``contact_ids`` in one statement (PostgreSQL), by contact:
    (id, emails, phones, addresses, tag names, *fields), each a decoded JSON array or None."""
    if not contact_ids:
        return {}
    rows = session.execute(_together_select(fields), {"contact_ids": contact_ids}).tuples().all()
    return {row[0]: tuple(row) for row in rows}


def _company_ref(contact: ShownContact) -> CompanyRef | None:
    if isinstance(contact, Contact):
        return CompanyRef(id=contact.company.id, name=contact.company.name) if contact.company else None
    return CompanyRef(id=contact.company_id, name=contact.company_name) if contact.company_id else None


def to_out(
    contact: ShownContact,
    tag_names: list[str],
    values: dict[str, list[ValueOut]],
    merge_path: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> ContactOut:
    """Serialise a contact to its public JSON shape.

    ``values``: its emails, phones and addresses (values_out); ``merge_path``: the merges it went through, in
    order; ``extra``: fields other packages add.
    """
    path = merge_path or ([contact.merged_into_id] if contact.merged_into_id else [])
    return ContactOut(
        **(extra or {}),
        id=contact.id,
        uid=contact.uid,
        family_name=contact.family_name,
        given_name=contact.given_name,
        full_name=contact.full_name,
        name_kana=contact.name_kana,
        name_romaji=contact.name_romaji,
        company=_company_ref(contact),
        department=contact.department,
        title=contact.title,
        emails=values["emails"],
        phones=values["phones"],
        addresses=values["addresses"],
        url=contact.url,
        notes=contact.notes,
        tags=tag_names,
        owner_id=contact.owner_id,
        status=contact.status,
        merged_into=path[-1] if path else None,
        merge_path=path,
        seniority=contact.seniority,
        prefecture=contact.prefecture,
        region=region_of(contact.prefecture),
        over_contacted=over_contacted_now(contact),
        version=contact.version,
        sources={
            k: {"type": v.get("type"), "id": v.get("id"), "user_id": v.get("user_id"), "at": v.get("at")}
            for k, v in (contact.field_sources or {}).items()
        },
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )


def contacts_out(session: Session, contacts: Sequence[ShownContact]) -> list[ContactOut]:
    """Serialise several contacts with one query for their values, one for their tags and one per field other
    packages add; on PostgreSQL, one statement for all of these for the contacts read from the database (a
    contact just written serialises its loaded values and what its writers noted)."""
    ids = [c.id for c in contacts]
    read: dict[str, tuple[Any, ...]] = {}
    fields = contact_extensions.sql_fields()
    if session.get_bind().dialect.name == "postgresql":
        read = {c.id: c.together for c in contacts if isinstance(c, ContactRow) and c.together is not None}
        unread = [c.id for c in contacts if c.id not in read and not _loaded_whole(c)]
        read.update(_read_together(session, unread, fields))
    values = values_out(session, contacts, read)
    names: dict[str, list[str]] = {cid: row[4] or [] for cid, row in read.items()}
    names.update(tags.tag_names_for(session, [i for i in ids if i not in read]))
    extra = contact_extensions.extra_fields(session, [i for i in ids if i not in read])
    for cid, values_of_fields in contact_extensions.extra_fields(session, list(read), but_sql=True).items():
        extra.setdefault(cid, {}).update(values_of_fields)
    for cid, row in read.items():
        for field, value in zip(fields, row[5:], strict=True):
            shown = field.fields(value)
            if shown:
                extra.setdefault(cid, {}).update(shown)
    paths = merge_paths(session, contacts)
    return [to_out(c, names.get(c.id, []), values[c.id], paths.get(c.id), extra.get(c.id)) for c in contacts]


def _loaded_whole(contact: ShownContact) -> bool:
    """Whether the session holds the contact's emails, phones and addresses (a contact just written)."""
    return isinstance(contact, Contact) and all(attr in contact.__dict__ for attr, _ in _VALUE_KINDS)


def contact_out(session: Session, contact: Contact) -> ContactOut:
    """Serialise one contact."""
    return contacts_out(session, [contact])[0]


def employment_out(entry: Employment) -> EmploymentOut:
    """Serialise an employment entry."""
    return EmploymentOut(
        id=entry.id,
        contact_id=entry.contact_id,
        company=CompanyRef(id=entry.company.id, name=entry.company.name) if entry.company else None,
        department=entry.department,
        title=entry.title,
        started_at=entry.started_at,
        ended_at=entry.ended_at,
        source={"type": entry.source_type, "id": entry.source_id},
    )
