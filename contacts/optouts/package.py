"""How the opt-outs package plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from contacts.changelog.vocabulary import Operation
from contacts.contact_extensions import SqlContactField
from contacts.db import batches
from contacts.events.events import MembersUnsubscribed
from contacts.optouts import service, suppression
from contacts.optouts.api import bp
from contacts.optouts.models import OptOut, Suppression
from contacts.ownership import Erasure, Merge, contact_rows
from contacts.people.events import ContactsWritten, ContactWritten
from contacts.people.models import Contact
from contacts.provenance import Actor
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint, the filters and field it adds to contacts, what it reacts to, its rows."""
    registry.blueprint(bp)
    registry.path_model("suppression_id", Suppression)
    registry.contact_filter(service.filter_clauses)
    registry.contact_field(
        SqlContactField(service.contact_fields, service.channels_column, service.channel_fields)
    )
    registry.subscribe(MembersUnsubscribed, members_unsubscribed)
    registry.subscribe(ContactWritten, contact_written)
    registry.subscribe(ContactsWritten, contacts_written)
    # Undo restores the snapshot exactly; erasure keeps the person's opt-outs on the suppression list only.
    registry.owns(contact_rows(OptOut, move=move_opt_outs, erase=erase_opt_outs))


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


def erase_opt_outs(session: Session, erasure: Erasure) -> dict[str, int]:
    """Put an erased person's opt-outs on the suppression list (as digests), then delete them."""
    actor = Actor(organization_id=erasure.org_id, user_id=erasure.actor_id)
    kept = suppression.remember_erased(session, actor, erasure.contact_ids)
    session.execute(delete(OptOut).where(OptOut.contact_id.in_(erasure.contact_ids)))
    return {"suppressed_identifiers": kept}


def contact_written(session: Session, event: ContactWritten) -> None:
    """A contact created or restored, or given new e-mails or phones, is checked against the suppression list."""
    fields = set((event.data or {}).get("fields") or ())
    if event.operation == Operation.CREATED:
        service.note_created(session, [event.contact])
    if event.operation in (Operation.CREATED, Operation.RESTORED) or (
        event.operation == Operation.UPDATED and fields & suppression.IDENTIFIER_FIELDS
    ):
        service.opt_out_suppressed(
            session, Actor(organization_id=event.org_id, user_id=event.actor_id), [event.contact]
        )


def contacts_written(session: Session, event: ContactsWritten) -> None:
    """Contacts written together (an import's chunk) are checked against the suppression list."""
    if event.operation not in (Operation.CREATED, Operation.UPDATED, Operation.RESTORED):
        return
    if not suppression.any_kept(session, event.org_id):
        return
    contacts = list(event.contacts)
    missing = sorted(set(event.ids) - {c.id for c in contacts})
    for batch in batches(missing):
        contacts += session.scalars(select(Contact).where(Contact.id.in_(batch)))
    service.opt_out_suppressed(session, Actor(organization_id=event.org_id, user_id=event.actor_id), contacts)
