"""How the events package (trade-show events and campaigns) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from contacts.events import members
from contacts.events.api import bp
from contacts.events.models import Campaign, CampaignMember, Event
from contacts.ownership import Merge, contact_rows
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint and the path ids."""
    registry.blueprint(bp)
    registry.path_model("event_id", Event)
    registry.path_model("campaign_id", Campaign)
    registry.owns(contact_rows(CampaignMember, move=move_memberships))


def move_memberships(session: Session, merge: Merge) -> None:
    """The losers' campaign memberships become the winner's (the stronger status wins)."""
    members.move_memberships(session, merge.winner_id, merge.loser_ids)
