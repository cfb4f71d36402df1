"""Event and campaign use cases; each owns a tag that marks the contacts it reached."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import get_owned, utcnow
from contacts.errors import ValidationFailed
from contacts.events.events import EventDeleted
from contacts.events.models import Campaign, CampaignMember, Event
from contacts.events.schemas import (
    CampaignCreate,
    CampaignListQuery,
    CampaignOut,
    CampaignUpdate,
    EventCreate,
    EventListQuery,
    EventOut,
    EventUpdate,
    TagRef,
)
from contacts.pagination import page_by_id
from contacts.provenance import Actor
from contacts.tags import service as tags
from contacts.tags.models import Tag
from contacts.touchpoints.models import Touchpoint


def get_event(session: Session, org_id: str, event_id: str) -> Event:
    """Return the organisation's event or raise NotFound."""
    return get_owned(session, Event, org_id, event_id)


def get_campaign(session: Session, org_id: str, campaign_id: str) -> Campaign:
    """Return the organisation's campaign or raise NotFound."""
    return get_owned(session, Campaign, org_id, campaign_id)


def own_tag(session: Session, actor: Actor, name: str, kind: str) -> Tag:
    """Return the organisation's tag called ``name``, creating it with ``kind`` when there is none."""
    existing = tags.tags_by_name(session, actor.organization_id, [name]).get(name)
    return existing if existing is not None else tags.create_tag(session, actor, name=name, kind=kind)


def _utc(value: datetime | None) -> datetime | None:
    """Return a timestamp in UTC, as stored, so the response matches what a later read returns."""
    return value.astimezone(UTC) if value is not None else None


def _check_period(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise ValidationFailed(
            "ends_at must not be before starts_at",
            errors=[{"field": "ends_at", "message": "must not be before starts_at", "code": "period"}],
        )


def _rename_tag(session: Session, actor: Actor, tag_id: str | None, old_name: str, new_name: str) -> None:
    """Rename the owned tag along with its event or campaign, unless someone renamed the tag already."""
    tag = session.get(Tag, tag_id) if tag_id else None
    if tag is not None and tag.name == old_name:
        tags.update_tag(session, actor, tag, name=new_name)


def create_event(session: Session, actor: Actor, data: EventCreate) -> Event:
    """Create an event and its tag (kind "event", the event's name), reusing a tag of that name."""
    tag = own_tag(session, actor, data.name, "event")
    now = utcnow()
    event = Event(
        organization_id=actor.organization_id,
        name=data.name,
        kind=data.kind,
        starts_at=_utc(data.starts_at),
        ends_at=_utc(data.ends_at),
        venue=data.venue or None,
        tag_id=tag.id,
        cost=data.cost,
        currency=data.currency,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(event)
    session.flush()
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.EVENT,
            ids=(event.id,),
            operation=Operation.CREATED,
        ),
    )
    return event


def _apply_patch(
    session: Session,
    actor: Actor,
    row: Event | Campaign,
    data: EventUpdate | CampaignUpdate,
    *,
    required: tuple[str, ...],
    optional_text: str,
    nullable: tuple[str, ...] = (),
) -> list[str]:
    """Copy a PATCH onto an event or campaign: nulls refused for ``required``, an empty ``optional_text``
    cleared, ``nullable`` fields copied as sent, the period checked against the stored ends, and a new name
    renaming the owned tag."""
    sent = data.model_fields_set
    for name in required:
        if name in sent and getattr(data, name) is None:
            raise ValidationFailed(
                f"{name} cannot be null",
                errors=[{"field": name, "message": "must not be null", "code": "required"}],
            )
    fields = (*required, optional_text, *nullable, "starts_at", "ends_at")
    values = {name: getattr(data, name) for name in fields if name in sent}
    if optional_text in values:
        values[optional_text] = values[optional_text] or None
    for name in ("starts_at", "ends_at"):
        if name in values:
            values[name] = _utc(values[name])
    _check_period(values.get("starts_at", row.starts_at), values.get("ends_at", row.ends_at))
    changed = sorted(name for name, value in values.items() if getattr(row, name) != value)
    if "name" in changed:
        _rename_tag(session, actor, row.tag_id, row.name, values["name"])
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        row.updated_at = utcnow()
    return changed


def update_event(session: Session, actor: Actor, event: Event, data: EventUpdate) -> Event:
    """Apply a PATCH; the period is checked against the stored ends, and a new name renames the tag."""
    changed = _apply_patch(
        session,
        actor,
        event,
        data,
        required=("name", "kind", "currency"),
        optional_text="venue",
        nullable=("cost",),
    )
    if changed:
        event.version += 1
        publish(
            session,
            Recorded(
                org_id=actor.organization_id,
                actor_id=actor.user_id,
                entity=Entity.EVENT,
                ids=(event.id,),
                operation=Operation.UPDATED,
                data={"fields": changed},
            ),
        )
    return event


def _unlink_touchpoints(session: Session, actor: Actor, column: str, value: str) -> None:
    """Clear a deleted event or campaign from its touchpoints, bumping and logging each of them."""
    attr = getattr(Touchpoint, column)
    ids = list(
        session.scalars(
            select(Touchpoint.id).where(Touchpoint.organization_id == actor.organization_id, attr == value)
        )
    )
    if not ids:
        return
    session.execute(
        update(Touchpoint)
        .where(Touchpoint.id.in_(ids))
        .values({column: None, "version": Touchpoint.version + 1, "updated_at": utcnow()})
        .execution_options(synchronize_session="fetch")
    )
    for touchpoint_id in ids:
        publish(
            session,
            Recorded(
                org_id=actor.organization_id,
                actor_id=actor.user_id,
                entity=Entity.TOUCHPOINT,
                ids=(touchpoint_id,),
                operation=Operation.UPDATED,
                data={"fields": [column]},
            ),
        )


def delete_event(session: Session, actor: Actor, event: Event) -> None:
    """Delete an event; its tag stays on the contacts met there, its touchpoints lose the link."""
    _unlink_touchpoints(session, actor, "event_id", event.id)
    # Cards name the event too (the cards package unlinks them, bumped and logged)
    publish(
        session,
        EventDeleted(
            org_id=actor.organization_id, actor_id=actor.user_id, event_id=event.id, name=event.name
        ),
    )
    session.delete(event)


def list_events(session: Session, org_id: str, query: EventListQuery) -> tuple[list[Event], str | None]:
    """Return one page of events in creation order and the cursor of the next page."""
    stmt = select(Event).where(Event.organization_id == org_id)
    if query.q and query.q.strip():
        stmt = stmt.where(func.lower(Event.name).contains(query.q.strip().lower(), autoescape=True))
    if query.kind:
        stmt = stmt.where(Event.kind == query.kind)
    if query.starts_from:
        stmt = stmt.where(Event.starts_at >= query.starts_from)
    if query.starts_to:
        stmt = stmt.where(Event.starts_at < query.starts_to)
    return page_by_id(session, stmt, Event.id, limit=query.limit, cursor=query.cursor)


def _tag_refs(session: Session, tag_ids: list[str | None]) -> dict[str, TagRef]:
    wanted = sorted({t for t in tag_ids if t})
    if not wanted:
        return {}
    return {
        t.id: TagRef(id=t.id, name=t.name) for t in session.scalars(select(Tag).where(Tag.id.in_(wanted)))
    }


def events_out(session: Session, events: list[Event]) -> list[EventOut]:
    """Serialise events with their tags in one query."""
    refs = _tag_refs(session, [e.tag_id for e in events])
    return [
        EventOut(
            id=e.id,
            name=e.name,
            kind=e.kind,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            venue=e.venue,
            tag=refs.get(e.tag_id or ""),
            cost=e.cost,
            currency=e.currency,
            version=e.version,
            created_at=e.created_at,
            updated_at=e.updated_at,
        )
        for e in events
    ]


def campaign_version(campaign: Campaign) -> int:
    """Return the number that versions a campaign's ETag (its update time, as campaigns carry no counter)."""
    return int(campaign.updated_at.timestamp() * 1_000_000)


def create_campaign(session: Session, actor: Actor, data: CampaignCreate) -> Campaign:
    """Create a campaign and its tag (kind "campaign", the campaign's name), reusing a tag of that name."""
    tag = own_tag(session, actor, data.name, "campaign")
    now = utcnow()
    campaign = Campaign(
        organization_id=actor.organization_id,
        name=data.name,
        description=data.description or None,
        starts_at=_utc(data.starts_at),
        ends_at=_utc(data.ends_at),
        tag_id=tag.id,
        cost=data.cost,
        currency=data.currency,
        channel=data.channel,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    session.flush()
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.CAMPAIGN,
            ids=(campaign.id,),
            operation=Operation.CREATED,
        ),
    )
    return campaign


def update_campaign(session: Session, actor: Actor, campaign: Campaign, data: CampaignUpdate) -> Campaign:
    """Apply a PATCH; the period is checked against the stored ends, and a new name renames the tag."""
    changed = _apply_patch(
        session,
        actor,
        campaign,
        data,
        required=("name", "currency", "channel"),
        optional_text="description",
        nullable=("cost",),
    )
    if changed:
        publish(
            session,
            Recorded(
                org_id=actor.organization_id,
                actor_id=actor.user_id,
                entity=Entity.CAMPAIGN,
                ids=(campaign.id,),
                operation=Operation.UPDATED,
                data={"fields": changed},
            ),
        )
    return campaign


def delete_campaign(session: Session, actor: Actor, campaign: Campaign) -> None:
    """Delete a campaign; its tag stays on its contacts, its touchpoints lose the link, its members go."""
    _unlink_touchpoints(session, actor, "campaign_id", campaign.id)
    member_ids = session.scalars(
        select(CampaignMember.contact_id).where(CampaignMember.campaign_id == campaign.id)
    ).all()
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.CAMPAIGN_MEMBER,
            ids=tuple(f"{campaign.id}:{c}" for c in member_ids),
            operation=Operation.DELETED,
            data={"campaign_deleted": True},
        ),
    )
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.CAMPAIGN,
            ids=(campaign.id,),
            operation=Operation.DELETED,
            data={"name": campaign.name},
        ),
    )
    session.delete(campaign)


def list_campaigns(
    session: Session, org_id: str, query: CampaignListQuery
) -> tuple[list[Campaign], str | None]:
    """Return one page of campaigns in creation order and the cursor of the next page."""
    stmt = select(Campaign).where(Campaign.organization_id == org_id)
    if query.q and query.q.strip():
        stmt = stmt.where(func.lower(Campaign.name).contains(query.q.strip().lower(), autoescape=True))
    return page_by_id(session, stmt, Campaign.id, limit=query.limit, cursor=query.cursor)


def campaigns_out(session: Session, campaigns: list[Campaign]) -> list[CampaignOut]:
    """Serialise campaigns with their tags and member counts (one query each)."""
    refs = _tag_refs(session, [c.tag_id for c in campaigns])
    counts = (
        dict(
            session.execute(
                select(CampaignMember.campaign_id, func.count())
                .where(CampaignMember.campaign_id.in_([c.id for c in campaigns]))
                .group_by(CampaignMember.campaign_id)
            )
            .tuples()
            .all()
        )
        if campaigns
        else {}
    )
    return [
        CampaignOut(
            id=c.id,
            name=c.name,
            description=c.description,
            starts_at=c.starts_at,
            ends_at=c.ends_at,
            tag=refs.get(c.tag_id or ""),
            cost=c.cost,
            currency=c.currency,
            channel=c.channel,
            member_count=counts.get(c.id, 0),
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c in campaigns
    ]
