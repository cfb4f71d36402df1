"""How the opt-outs package plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from contacts.events.events import MembersUnsubscribed
from contacts.optouts import service
from contacts.optouts.api import bp
from contacts.optouts.models import OptOut
from contacts.ownership import Merge, contact_rows
from contacts.people.models import Contact
from contacts.provenance import Actor
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint, the filters and field it adds to contacts, what it reacts to, its rows."""
    registry.blueprint(bp)
    registry.contact_filter(service.filter_clauses)
    registry.contact_field(service.contact_fields)
    registry.subscribe(MembersUnsubscribed, members_unsubscribed)
    # Undo restores the snapshot exactly; erasure deletes the opt-outs with the person.
    registry.owns(contact_rows(OptOut, move=move_opt_outs))


def move_opt_outs(session: Session, merge: Merge) -> None:
    """The merged contact is opted out of every channel any part of it was (the earliest opt-out kept)."""
    ids = [merge.winner_id, *merge.loser_ids]
    rows = list(session.scalars(select(OptOut).where(OptOut.contact_id.in_(ids)).order_by(OptOut.created_at)))
    kept: dict[str, OptOut] = {}
    for row in rows:
        if row.channel not in kept:
            kept[row.channel] = row
    drop = [row.id for row in rows if kept[row.channel] is not row]
    if drop:
        session.execute(delete(OptOut).where(OptOut.id.in_(drop)))
    move = [row.id for row in kept.values() if row.contact_id != merge.winner_id]
    if move:
        session.execute(update(OptOut).where(OptOut.id.in_(move)).values(contact_id=merge.winner_id))


def members_unsubscribed(session: Session, event: MembersUnsubscribed) -> None:
    """A campaign member who unsubscribed is opted out of e-mail."""
    actor = Actor(organization_id=event.org_id, user_id=event.actor_id)
    for contact_id in event.contact_ids:
        contact = session.get(Contact, contact_id)
        if contact is not None:
            service.opt_out(
                session, actor, contact, "email", source="campaign_unsubscribe", source_id=event.campaign_id
            )
