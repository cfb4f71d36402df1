"""How the events package (trade-show events and campaigns) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from contacts import snapshot
from contacts.changelog.render import as_json, by_ids
from contacts.changelog.vocabulary import Entity
from contacts.db import batches
from contacts.events import members, service
from contacts.events.api import bp
from contacts.events.models import Campaign, CampaignMember, Event
from contacts.ownership import Merge, Rows, contact_rows
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint and the path ids."""
    registry.blueprint(bp)
    registry.path_model("event_id", Event)
    registry.path_model("campaign_id", Campaign)
    registry.renders(Entity.EVENT, render_events)
    registry.renders(Entity.CAMPAIGN, render_campaigns)
    registry.renders(Entity.CAMPAIGN_MEMBER, render_members)
    registry.owns(
        contact_rows(
            CampaignMember, move=move_memberships, erase=members.erase_memberships, undone=memberships_undone
        )
    )


def render_events(session: Session, org_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The events' JSON, as GET /events/{id} shows it."""
    return as_json(service.events_out(session, by_ids(session, Event, org_id, ids)))


def render_campaigns(session: Session, org_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The campaigns' JSON, as GET /campaigns/{id} shows it."""
    return as_json(service.campaigns_out(session, by_ids(session, Campaign, org_id, ids)))


def render_members(session: Session, org_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The memberships' JSON (ids ``campaign_id:contact_id``), as the campaign's member list shows them."""
    keys = [tuple(i.split(":", 1)) for i in ids if i.count(":") == 1]
    rows: list[CampaignMember] = []
    for batch in batches(keys):
        rows += session.scalars(
            select(CampaignMember).where(
                CampaignMember.organization_id == org_id,
                or_(
                    *(and_(CampaignMember.campaign_id == a, CampaignMember.contact_id == b) for a, b in batch)
                ),
            )
        ).all()
    return as_json(members.members_out(session, rows), key=lambda m: f"{m.campaign_id}:{m.contact_id}")


def _dump(session: Session, merge: Merge) -> Rows:
    ids = [merge.winner_id, *merge.loser_ids]
    return snapshot.dump(session, CampaignMember, CampaignMember.contact_id.in_(ids))


def move_memberships(session: Session, merge: Merge) -> None:
    """The losers' campaign memberships become the winner's (the stronger status wins), logged."""
    session.flush()
    before = _dump(session, merge)
    members.move_memberships(session, merge.winner_id, merge.loser_ids)
    members.log_moved(session, merge, before, _dump(session, merge), undone=False)


def memberships_undone(session: Session, merge: Merge, before: Rows, after: Rows) -> None:
    """An undo gave the losers their memberships back: log what it removed, added or changed."""
    members.log_moved(session, merge, before, after, undone=True)
