"""Saved segments: create, read, list, update, delete, count, and what their filters name that is gone.

A segment stores a ``ContactFilter`` (the filters of GET /contacts) as JSON and is evaluated when used, so
every key the contact filter gains works in segments without a change here. Where a filter is taken,
``segment_id`` stands for the segment's filter (``people.service.contacts_query`` resolves it); a segment's
own filter may not name a segment, so no lookup can loop.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, Select, false, func, select
from sqlalchemy.orm import Session

from contacts.auth.models import User
from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.companies.models import Company
from contacts.db import Base, get_owned, utcnow
from contacts.errors import Conflict, ValidationFailed
from contacts.events.models import Campaign, Event
from contacts.pagination import page_by_id
from contacts.people.models import Contact
from contacts.people.schemas import ContactListQuery
from contacts.people.service import contacts_query
from contacts.provenance import Actor
from contacts.segments.models import Segment
from contacts.segments.schemas import (
    SegmentCreate,
    SegmentListQuery,
    SegmentOut,
    SegmentUpdate,
    StaleReference,
)
from contacts.tags.models import Tag
from contacts.tags.schemas import ContactFilter

# Filter keys that name tags (by name) and rows (by id): checked for stale references. Keys the contact
# filter gains are checked once they are listed here; unlisted keys are simply not checked.
TAG_NAME_KEYS = ("tag", "any_tag", "not_tag", "company_tag")
ID_KEYS: dict[str, type[Base]] = {
    "company_id": Company,
    "owner_id": User,
    "event_id": Event,
    "campaign_id": Campaign,
    "not_campaign_id": Campaign,
}


def stored(contact_filter: ContactFilter) -> dict[str, Any]:
    """The JSON a filter is stored as: only the keys set to something other than their default."""
    return contact_filter.model_dump(mode="json", exclude_defaults=True)


def get_segment(session: Session, org_id: str, segment_id: str) -> Segment:
    """Return the organisation's segment or raise NotFound."""
    return get_owned(session, Segment, org_id, segment_id)


def _name_taken(session: Session, org_id: str, name: str, own_id: str | None = None) -> None:
    holder = session.scalar(select(Segment.id).where(Segment.organization_id == org_id, Segment.name == name))
    if holder is not None and holder != own_id:
        raise Conflict(
            f"a segment named {name!r} already exists: {holder}",
            errors=[{"field": "name", "message": f"already used by segment {holder}", "code": "duplicate"}],
        )


def _record(session: Session, actor: Actor, segment: Segment, operation: Operation, **data: Any) -> None:
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.SEGMENT,
            ids=(segment.id,),
            operation=operation,
            data=data or None,
        ),
    )


def create_segment(session: Session, actor: Actor, data: SegmentCreate) -> Segment:
    """Save a named filter; a name already used in the organisation is a 409."""
    _name_taken(session, actor.organization_id, data.name)
    now = utcnow()
    segment = Segment(
        organization_id=actor.organization_id,
        name=data.name,
        description=data.description,
        filter=stored(data.filter),
        created_by=actor.user_id,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(segment)
    session.flush()
    _record(session, actor, segment, Operation.CREATED)
    return segment


def update_segment(session: Session, actor: Actor, segment: Segment, data: SegmentUpdate) -> Segment:
    """Rename, describe or re-filter a segment; a change bumps its version and is logged with its fields."""
    changed = []
    if data.name is not None and data.name != segment.name:
        _name_taken(session, actor.organization_id, data.name, segment.id)
        segment.name = data.name
        changed.append("name")
    if "description" in data.model_fields_set and data.description != segment.description:
        segment.description = data.description
        changed.append("description")
    if data.filter is not None and stored(data.filter) != segment.filter:
        segment.filter = stored(data.filter)
        changed.append("filter")
    if not changed:
        return segment
    segment.version += 1
    segment.updated_at = utcnow()
    session.flush()
    _record(session, actor, segment, Operation.UPDATED, fields=changed)
    return segment


def delete_segment(session: Session, actor: Actor, segment: Segment) -> None:
    """Delete a segment (the contacts it selected are untouched)."""
    _record(session, actor, segment, Operation.DELETED)
    session.delete(segment)
    session.flush()


def list_segments(session: Session, org_id: str, query: SegmentListQuery) -> tuple[list[Segment], str | None]:
    """Return one page of segments in creation order."""
    stmt = select(Segment).where(Segment.organization_id == org_id)
    if query.q:
        stmt = stmt.where(Segment.name.contains(query.q, autoescape=True))
    return page_by_id(session, stmt, Segment.id, limit=query.limit, cursor=query.cursor)


def _segment_error(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": "segment_id", "message": message, "code": code}])


def segment_filter(session: Session, org_id: str, segment_id: str) -> ContactFilter:
    """Return the stored filter of the organisation's segment ``segment_id`` (422 when unknown or invalid)."""
    segment = session.get(Segment, segment_id)
    if segment is None or segment.organization_id != org_id:
        raise _segment_error("no such segment", "unknown_segment")
    try:
        found = ContactFilter.model_validate(segment.filter)
    except ValidationError as e:
        raise _segment_error(
            "the segment's stored filter is no longer valid; edit it", "invalid_segment"
        ) from e
    if found.segment_id is not None:  # refused when saved; checked again so that no lookup can loop
        raise _segment_error("a segment's filter cannot name a segment", "nested_segment")
    return found


def filter_clauses(session: Session, query: Any, org_id: str) -> list[ColumnElement[bool]]:
    """The contact filter ``segment_id``: the contacts the saved segment's filter selects now."""
    segment_id = getattr(query, "segment_id", None)
    if not segment_id:
        return []
    found = segment_filter(session, org_id, segment_id)
    selected = contacts_query(session, org_id, ContactListQuery(**found.model_dump()))
    if selected is None:
        return [false()]
    return [Contact.id.in_(selected.with_only_columns(Contact.id))]


def segment_contacts(session: Session, org_id: str, segment: Segment) -> Select[tuple[Contact]] | None:
    """The select of the active contacts the segment selects now (None: nobody); 422 on a stale filter."""
    return contacts_query(session, org_id, ContactListQuery(segment_id=segment.id))


def count(session: Session, org_id: str, segment: Segment) -> int | None:
    """Count the active contacts the segment selects now; None when its stored filter no longer validates."""
    try:
        contact_filter = ContactFilter.model_validate(segment.filter)
    except ValidationError:
        return None
    if contact_filter.segment_id is not None:  # only writable behind the API's back; never followed
        return None
    stmt = contacts_query(session, org_id, ContactListQuery(**contact_filter.model_dump()))
    if stmt is None:
        return 0
    return int(session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0)


def stale_references(session: Session, org_id: str, segment: Segment) -> list[StaleReference]:
    """The tag names and ids the stored filter names that no longer exist in the organisation."""
    out: list[StaleReference] = []
    names = {n for key in TAG_NAME_KEYS for n in _values(segment.filter.get(key))}
    existing = (
        set(session.scalars(select(Tag.name).where(Tag.organization_id == org_id, Tag.name.in_(names))))
        if names
        else set()
    )
    for key in TAG_NAME_KEYS:
        out += [
            StaleReference(field=key, value=n) for n in _values(segment.filter.get(key)) if n not in existing
        ]
    for key, model in ID_KEYS.items():
        for value in _values(segment.filter.get(key)):
            row = session.get(model, value)
            if row is None or getattr(row, "organization_id", None) != org_id:
                out.append(StaleReference(field=key, value=value))
    return out


def _values(raw: Any) -> list[str]:
    if raw is None:
        return []
    return [str(v) for v in raw] if isinstance(raw, list) else [str(raw)]


def segment_out(session: Session, org_id: str, segment: Segment, *, with_count: bool = True) -> SegmentOut:
    """Serialise a segment, with its current count when asked."""
    return SegmentOut(
        id=segment.id,
        name=segment.name,
        description=segment.description,
        filter=segment.filter,
        count=count(session, org_id, segment) if with_count else None,
        stale_references=stale_references(session, org_id, segment),
        created_by=segment.created_by,
        version=segment.version,
        created_at=segment.created_at,
        updated_at=segment.updated_at,
    )


def record_export(
    session: Session,
    actor: Actor,
    export_id: str,
    *,
    what: dict[str, Any],
    rows: int,
    completed: bool,
) -> None:
    """Log a CSV export (a personal-data event): who, which filter or segment, how many rows, whether whole."""
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.EXPORT,
            ids=(export_id,),
            operation=Operation.CREATED,
            data={**what, "rows": rows, "completed": completed},
        ),
    )
