"""Touchpoint use cases: record, read, list, update and delete exchanges with a customer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import get_owned, utcnow
from contacts.errors import Conflict, Forbidden, NotFound, ValidationFailed
from contacts.events.models import Campaign, Event
from contacts.pagination import decode_cursor, encode_cursor
from contacts.people.models import Contact
from contacts.provenance import Actor
from contacts.status import RecordStatus
from contacts.touchpoints.events import TouchpointsChanged
from contacts.touchpoints.models import CHANNELS, TOUCHPOINT_KINDS, TOUCHPOINT_SOURCES, Touchpoint
from contacts.touchpoints.schemas import (
    TimelineQuery,
    TouchpointBulkCreate,
    TouchpointCreate,
    TouchpointListQuery,
    TouchpointOut,
    TouchWarning,
)

OFFLINE_KINDS = frozenset(
    {
        "card_exchange",
        "meeting",
        "visit",
        "call",
        "trade_show",
        "seminar",
        "direct_mail",
        "store_visit",
        "other",
    }
)
ONLINE_KINDS = frozenset({"email", "web_inquiry", "document_request", "webinar", "chat", "sns"})
# What a caller with touchpoints:record but not touchpoints:write (marketing) may record: reaching people at a
# distance, not meeting them.
RECORDABLE_WITHOUT_WRITE = frozenset(
    {"email", "webinar", "web_inquiry", "document_request", "direct_mail", "sns"}
)


def default_channel(kind: str) -> str:
    """Return the channel category a touchpoint of ``kind`` falls in when none is given."""
    return "online" if kind in ONLINE_KINDS else "offline"


def _field_error(field: str, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message, "code": code}])


def _check_choice(field: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise _field_error(field, f"must be one of {', '.join(choices)}", "invalid_choice")


def _check_refs(
    session: Session, org_id: str, *, event_id: str | None, campaign_id: str | None, user_id: str | None
) -> None:
    """Raise a field error when a referenced event, campaign or user is not the organisation's."""
    from contacts.auth.models import User

    rows: list[tuple[str, Event | Campaign | User | None]] = []
    if event_id is not None:
        rows.append(("event_id", session.get(Event, event_id)))
    if campaign_id is not None:
        rows.append(("campaign_id", session.get(Campaign, campaign_id)))
    if user_id is not None:
        rows.append(("user_id", session.get(User, user_id)))
    for field, row in rows:
        if row is None or row.organization_id != org_id:
            raise _field_error(field, f"no such {field[:-3]} in this organisation", "not_found")


def _check_external_id(
    session: Session, org_id: str, external_id: str | None, own_id: str | None = None
) -> None:
    if external_id is None:
        return
    stmt = select(Touchpoint.id).where(
        Touchpoint.organization_id == org_id, Touchpoint.external_id == external_id
    )
    existing = session.scalar(stmt)
    if existing is not None and existing != own_id:
        raise Conflict(
            f"a touchpoint with external_id {external_id!r} already exists: {existing}",
            errors=[
                {
                    "field": "external_id",
                    "message": "already used",
                    "code": "duplicate",
                    "touchpoint_id": existing,
                }
            ],
        )


def _write_unique(session: Session, external_id: str | None, write: Callable[[], None]) -> None:
    """Make ``write`` (which adds or changes a touchpoint to hold ``external_id``) and flush it in a savepoint of
    its own, so that a concurrent duplicate external_id answers 409, not 500, and leaves the caller's
    transaction usable.

    ``begin_nested`` flushes what is pending before its SAVEPOINT, so the write is made inside it, not before.
    Without an external_id there is no such duplicate (it is the only unique key a client sets), so the
    savepoint, two more round trips, is left out.
    """
    if external_id is None:
        write()
        session.flush()
        return
    session.flush()  # what is pending is not the touchpoint's: its errors are not a duplicate external_id
    try:
        with session.begin_nested():
            write()
    except IntegrityError as e:
        raise Conflict(f"a touchpoint with external_id {external_id!r} already exists") from e


def _ensure_live(contact: Contact) -> None:
    if contact.status == RecordStatus.MERGED:
        raise Conflict(f"contact {contact.id} was merged into {contact.merged_into_id}")
    if contact.status == RecordStatus.DELETED:
        raise Conflict(f"contact {contact.id} is deleted")


def record_touchpoint(
    session: Session,
    actor: Actor,
    *,
    contact: Contact,
    kind: str,
    occurred_at: datetime,
    source: str,
    channel: str | None = None,
    event_id: str | None = None,
    campaign_id: str | None = None,
    location: str | None = None,
    summary: str | None = None,
    company_name_at_time: str | None = None,
    title_at_time: str | None = None,
    card_id: str | None = None,
    external_id: str | None = None,
    user_id: str | None = None,
    bulk: bool = False,
    announce: bool = True,
) -> Touchpoint:
    """Record one exchange with an active contact and log it; the company and title default to the contact's."""
    if contact.organization_id != actor.organization_id:
        raise NotFound("no such contact")
    _ensure_live(contact)
    _check_choice("kind", kind, TOUCHPOINT_KINDS)
    _check_choice("source", source, TOUCHPOINT_SOURCES)
    channel = channel or default_channel(kind)
    _check_choice("channel", channel, CHANNELS)
    user_id = user_id if user_id is not None else actor.user_id
    # the actor is a user of the organisation: only someone else's id is looked up
    other_user = user_id if user_id != actor.user_id else None
    _check_refs(
        session, actor.organization_id, event_id=event_id, campaign_id=campaign_id, user_id=other_user
    )
    _check_external_id(session, actor.organization_id, external_id)
    if company_name_at_time is None and contact.company is not None:
        company_name_at_time = contact.company.name
    if title_at_time is None:
        title_at_time = contact.title
    now = utcnow()
    touchpoint = Touchpoint(
        organization_id=actor.organization_id,
        contact_id=contact.id,
        user_id=user_id,
        company_id=contact.company_id,
        occurred_at=occurred_at.astimezone(UTC),
        kind=kind,
        channel=channel,
        event_id=event_id,
        campaign_id=campaign_id,
        card_id=card_id,
        location=location,
        summary=summary,
        source=source,
        external_id=external_id,
        company_name_at_time=company_name_at_time,
        title_at_time=title_at_time,
        bulk=bulk,
        version=1,
        created_at=now,
        updated_at=now,
    )
    _write_unique(session, external_id, lambda: session.add(touchpoint))
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.TOUCHPOINT,
            ids=(touchpoint.id,),
            operation=Operation.CREATED,
            data={"contact_id": contact.id, "kind": kind, **({"bulk": True} if bulk else {})},
        ),
    )
    if announce:  # else the caller announces a batch at once
        _changed(session, actor, [contact.id], [touchpoint.occurred_at])
    return touchpoint


def _changed(session: Session, actor: Actor, contact_ids: list[str], occurred_at: Iterable[datetime]) -> None:
    publish(
        session,
        TouchpointsChanged(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            contact_ids=tuple(contact_ids),
            occurred_at=tuple(sorted(set(occurred_at))),
        ),
    )


def warnings_for(contact: Contact, kind: str) -> list[TouchWarning]:
    """The contact-frequency rule a touchpoint of ``kind`` made (or left) the contact over, as a warning."""
    rule, until = contact.over_contacted_rule, contact.over_contacted_until
    if rule is None or until is None or until <= utcnow() or kind not in rule.get("kinds", ()):
        return []
    message = (
        f"the contact has had more than {rule['max']} touchpoints of {', '.join(rule['kinds'])} "
        f"within {rule['days']} days"
    )
    return [TouchWarning(code="over_contacted", message=message, contact_id=contact.id, rule=rule)]


def check_recordable(kind: str, *, may_write: bool) -> None:
    """Refuse (403) a kind a caller without touchpoints:write may not record: only the online kinds."""
    if not may_write and kind not in RECORDABLE_WITHOUT_WRITE:
        raise Forbidden(
            f"this role records touchpoints of the kinds {', '.join(sorted(RECORDABLE_WITHOUT_WRITE))} only"
        )


def get_touchpoint(session: Session, org_id: str, touchpoint_id: str) -> Touchpoint:
    """Return the organisation's touchpoint or raise NotFound."""
    return get_owned(session, Touchpoint, org_id, touchpoint_id)


UPDATABLE_FIELDS = (
    "occurred_at",
    "kind",
    "channel",
    "event_id",
    "campaign_id",
    "location",
    "summary",
    "company_name_at_time",
    "title_at_time",
    "user_id",
    "external_id",
)


def update_touchpoint(
    session: Session, actor: Actor, touchpoint: Touchpoint, changes: dict[str, Any]
) -> Touchpoint:
    """Apply a PATCH given as a mapping of sent fields to values; log the changed field names."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise _field_error(sorted(unknown)[0], "field cannot be changed", "read_only")
    org = actor.organization_id
    if "kind" in changes:
        if changes["kind"] is None:
            raise _field_error("kind", "must not be null", "required")
        _check_choice("kind", changes["kind"], TOUCHPOINT_KINDS)
    if "occurred_at" in changes:
        if changes["occurred_at"] is None:
            raise _field_error("occurred_at", "must not be null", "required")
        changes["occurred_at"] = changes["occurred_at"].astimezone(UTC)
    if "channel" in changes:
        if changes["channel"] is None:
            changes["channel"] = default_channel(changes.get("kind", touchpoint.kind))
        _check_choice("channel", changes["channel"], CHANNELS)
    _check_refs(
        session,
        org,
        event_id=changes.get("event_id"),
        campaign_id=changes.get("campaign_id"),
        user_id=changes.get("user_id"),
    )
    if "external_id" in changes:
        _check_external_id(session, org, changes["external_id"], own_id=touchpoint.id)
    changed = sorted(name for name, value in changes.items() if getattr(touchpoint, name) != value)
    if not changed:
        return touchpoint
    was = touchpoint.occurred_at

    def write() -> None:
        for name in changed:
            setattr(touchpoint, name, changes[name])
        touchpoint.version += 1
        touchpoint.updated_at = utcnow()

    _write_unique(session, changes["external_id"] if "external_id" in changed else None, write)
    publish(
        session,
        Recorded(
            org_id=org,
            actor_id=actor.user_id,
            entity=Entity.TOUCHPOINT,
            ids=(touchpoint.id,),
            operation=Operation.UPDATED,
            data={"fields": changed},
        ),
    )
    _changed(session, actor, [touchpoint.contact_id], [was, touchpoint.occurred_at])
    return touchpoint


def delete_touchpoint(session: Session, actor: Actor, touchpoint: Touchpoint) -> None:
    """Delete a touchpoint for good; the change log keeps the fact."""
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.TOUCHPOINT,
            ids=(touchpoint.id,),
            operation=Operation.DELETED,
            data={"contact_id": touchpoint.contact_id},
        ),
    )
    session.delete(touchpoint)
    session.flush()
    _changed(session, actor, [touchpoint.contact_id], [touchpoint.occurred_at])


def create_from(session: Session, actor: Actor, data: TouchpointCreate) -> tuple[Touchpoint, Contact]:
    """Record a touchpoint from a POST body and return it with its contact; an unknown contact is a field
    error, a merged one a 409."""
    contact = session.get(Contact, data.contact_id)
    if contact is None or contact.organization_id != actor.organization_id:
        raise _field_error("contact_id", "no such contact in this organisation", "not_found")
    values = data.model_dump(exclude={"contact_id", "kind", "occurred_at", "source"})
    touchpoint = record_touchpoint(
        session,
        actor,
        contact=contact,
        kind=data.kind,
        occurred_at=data.occurred_at,
        source=data.source,
        **values,
    )
    return touchpoint, contact


def create_bulk(session: Session, actor: Actor, data: TouchpointBulkCreate) -> list[Touchpoint]:
    """Record one bulk touchpoint per contact (a mass mailing); any unknown contact is a field error."""
    ids = list(dict.fromkeys(data.contact_ids))
    contacts = {
        c.id: c
        for c in session.scalars(
            select(Contact).where(Contact.organization_id == actor.organization_id, Contact.id.in_(ids))
        )
    }
    missing = [i for i in ids if i not in contacts]
    if missing:
        raise _field_error("contact_ids", f"no such contact in this organisation: {missing[0]}", "not_found")
    values = data.model_dump(exclude={"contact_ids", "kind", "occurred_at", "source", "external_id"})
    points = [
        record_touchpoint(
            session,
            actor,
            contact=contacts[i],
            kind=data.kind,
            occurred_at=data.occurred_at,
            source=data.source,
            bulk=True,
            announce=False,
            **values,
        )
        for i in ids
    ]
    _changed(session, actor, ids, [p.occurred_at for p in points])
    return points


def list_touchpoints(
    session: Session, org_id: str, query: TimelineQuery, *, contact_id: str | None = None
) -> tuple[list[Touchpoint], str | None]:
    """Return one page of touchpoints, newest first, and the cursor of the next page."""
    stmt = select(Touchpoint).where(Touchpoint.organization_id == org_id)
    if contact_id is not None:
        stmt = stmt.where(Touchpoint.contact_id == contact_id)
    if query.kind:
        stmt = stmt.where(Touchpoint.kind.in_(query.kind))
    if query.channel:
        stmt = stmt.where(Touchpoint.channel == query.channel)
    if query.occurred_from:
        stmt = stmt.where(Touchpoint.occurred_at >= query.occurred_from)
    if query.occurred_to:
        stmt = stmt.where(Touchpoint.occurred_at < query.occurred_to)
    if isinstance(query, TouchpointListQuery):
        for name in ("contact_id", "company_id", "user_id", "event_id", "campaign_id", "external_id"):
            value = getattr(query, name)
            if value is not None:
                stmt = stmt.where(getattr(Touchpoint, name) == value)
    if query.cursor:
        when, after = _decode(query.cursor)
        stmt = stmt.where(
            or_(Touchpoint.occurred_at < when, and_(Touchpoint.occurred_at == when, Touchpoint.id < after))
        )
    stmt = stmt.order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc()).limit(query.limit + 1)
    rows = list(session.scalars(stmt))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    if not more or not rows:
        return rows, None
    last = rows[-1]
    return rows, encode_cursor([last.occurred_at.astimezone(UTC).isoformat(), last.id])


def _decode(cursor: str) -> tuple[datetime, str]:
    when, after = decode_cursor(cursor, 2)
    try:
        moment = datetime.fromisoformat(str(when))
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationFailed(
            "invalid cursor",
            errors=[
                {"field": "cursor", "message": "not a cursor returned by this API", "code": "invalid_cursor"}
            ],
        )
    return moment, str(after)


_OUT_FIELDS = frozenset(TouchpointOut.model_fields)


def touchpoint_out(touchpoint: Touchpoint) -> TouchpointOut:
    """Serialise a touchpoint to its public JSON shape.

    A touchpoint loaded whole (a page of a list) holds every field in its ``__dict__``, where the ORM's
    attribute descriptors would look each one up: validating that dict spares a page of 50 a thousand
    descriptor calls. One with a field expired or not yet loaded (after a commit, or a flush that leaves a
    server default to read) goes through the descriptors, which load it."""
    loaded = touchpoint.__dict__
    if loaded.keys() >= _OUT_FIELDS:
        return TouchpointOut.model_validate(loaded)
    return TouchpointOut.model_validate(touchpoint, from_attributes=True)
