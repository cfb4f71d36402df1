"""How the people package (contacts) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, update
from sqlalchemy.orm import Session, selectinload

from contacts.bus import bump_and_record
from contacts.changelog.render import as_json, by_ids
from contacts.changelog.vocabulary import Entity
from contacts.companies.events import CompanyRenamed, CompanyUnlinked
from contacts.db import batches
from contacts.dedup.events import CompaniesMerged, ContactMergesMade, ContactMergesUndone
from contacts.ownership import Merge, contact_rows
from contacts.people import service
from contacts.people.api import bp
from contacts.people.models import Contact, ContactAddress, ContactEmail, ContactPhone, Employment
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint, the path ids and what contacts follow: their company and merges."""
    registry.blueprint(bp)
    registry.path_model("contact_id", Contact)
    registry.subscribe(CompanyRenamed, show_company)
    registry.subscribe(CompanyUnlinked, show_company)
    registry.subscribe(CompaniesMerged, show_company)
    registry.subscribe(ContactMergesMade, merges_made)
    registry.subscribe(ContactMergesUndone, merges_undone)
    registry.renders(Entity.CONTACT, render)
    # A merge unites emails, phones and addresses itself (one row per normalised value, the rest listed as
    # dropped); erasure deletes them, and the employment history, with the contact.
    registry.owns(contact_rows(ContactEmail))
    registry.owns(contact_rows(ContactPhone))
    registry.owns(contact_rows(ContactAddress))
    registry.owns(contact_rows(Employment, move=move_employment, move_many=move_employments))


def render(session: Session, org_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The contacts' JSON, as GET /contacts/{id} shows it."""
    options = (selectinload(Contact.emails), selectinload(Contact.phones), selectinload(Contact.addresses))
    return as_json(service.contacts_out(session, by_ids(session, Contact, org_id, ids, *options)))


def move_employment(session: Session, merge: Merge) -> None:
    """The losers' employment history becomes the winner's (the merge then settles the open entries)."""
    move_employments(session, [merge])


def move_employments(session: Session, merges: list[Merge]) -> None:
    """As :func:`move_employment` for many merges, with one statement per thousand losers."""
    winner_of = {loser_id: m.winner_id for m in merges for loser_id in m.loser_ids}
    for batch in batches(list(winner_of), 1000):
        session.execute(
            update(Employment)
            .where(Employment.contact_id.in_(batch))
            .values(contact_id=case({i: winner_of[i] for i in batch}, value=Employment.contact_id))
        )


def show_company(session: Session, event: CompanyRenamed | CompanyUnlinked | CompaniesMerged) -> None:
    """Contacts whose company was renamed, deleted or merged show the change: search text and version."""
    for contact in event.contacts:
        service.refresh_search(contact)
        service.bump_version(contact)


def merges_made(session: Session, event: ContactMergesMade) -> None:
    """The winners of merges are searchable by their new values; every contact of them has a new version, and
    the contacts merged earlier into a loser show their new survivor (one walk of the merge chains for all)."""
    for each in event.merges:
        for loser in each.losers:
            service.bump_version(loser)
        service.refresh_search(each.winner)
        service.bump_version(each.winner)
    chained = service.merged_through_each(
        session,
        event.org_id,
        {str(each.data["merge_id"]): [c.id for c in each.losers] for each in event.merges},
    )
    for each in event.merges:
        merge_id = str(each.data["merge_id"])
        losers = {c.id for c in each.losers}
        bump_and_record(
            session,
            Contact,
            [i for i in chained[merge_id] if i not in losers],
            org_id=event.org_id,
            actor_id=event.actor_id,
            entity=Entity.CONTACT,
            data={"fields": ["merged_into", "merge_path"], "merge_id": merge_id},
            synchronize="fetch",
        )


def merges_undone(session: Session, event: ContactMergesUndone) -> None:
    """Contacts merged earlier into a contact an undo brings back show it as their survivor again (one walk of
    the merge chains for all the merges undone together)."""
    chained = service.merged_through_each(
        session, event.org_id, {each.merge_id: list(each.record_ids) for each in event.undone}
    )
    for each in event.undone:
        ids = set(each.record_ids)
        bump_and_record(
            session,
            Contact,
            [i for i in chained[each.merge_id] if i not in ids],
            org_id=event.org_id,
            actor_id=event.actor_id,
            entity=Entity.CONTACT,
            data={"fields": ["merged_into", "merge_path"], "merge_id": each.merge_id, "undone": True},
            synchronize="fetch",
        )
