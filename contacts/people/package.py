"""How the people package (contacts) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, selectinload

from contacts.bus import bump_and_record
from contacts.changelog.render import as_json, by_ids
from contacts.changelog.vocabulary import Entity
from contacts.companies.events import CompanyRenamed, CompanyUnlinked
from contacts.dedup.events import CompaniesMerged, ContactMergesUndone, ContactsMerged
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
    registry.subscribe(ContactsMerged, contacts_merged)
    registry.subscribe(ContactMergesUndone, merges_undone)
    registry.renders(Entity.CONTACT, render)
    # A merge unites emails, phones and addresses itself (one row per normalised value, the rest listed as
    # dropped); erasure deletes them, and the employment history, with the contact.
    registry.owns(contact_rows(ContactEmail))
    registry.owns(contact_rows(ContactPhone))
    registry.owns(contact_rows(ContactAddress))
    registry.owns(contact_rows(Employment, move=move_employment))


def render(session: Session, org_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The contacts' JSON, as GET /contacts/{id} shows it."""
    options = (selectinload(Contact.emails), selectinload(Contact.phones), selectinload(Contact.addresses))
    return as_json(service.contacts_out(session, by_ids(session, Contact, org_id, ids, *options)))


def move_employment(session: Session, merge: Merge) -> None:
    """The losers' employment history becomes the winner's (the merge then settles the open entries)."""
    session.execute(
        update(Employment)
        .where(Employment.contact_id.in_(merge.loser_ids))
        .values(contact_id=merge.winner_id)
    )


def show_company(session: Session, event: CompanyRenamed | CompanyUnlinked | CompaniesMerged) -> None:
    """Contacts whose company was renamed, deleted or merged show the change: search text and version."""
    for contact in event.contacts:
        service.refresh_search(contact)
        service.bump_version(contact)


def contacts_merged(session: Session, event: ContactsMerged) -> None:
    """The winner of a merge is searchable by its new values; every contact of the merge has a new version."""
    for loser in event.losers:
        service.bump_version(loser)
    service.refresh_search(event.winner)
    service.bump_version(event.winner)
    _repoint(session, event, [c.id for c in event.losers], str(event.data["merge_id"]))


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


def _repoint(session: Session, event: ContactsMerged, ids: list[str], merge_id: str) -> None:
    """Bump and log the contacts merged (by earlier merges) into ``ids``: their ``merged_into`` changed."""
    chained = [i for i in service.merged_through(session, event.org_id, ids) if i not in ids]
    bump_and_record(
        session,
        Contact,
        chained,
        org_id=event.org_id,
        actor_id=event.actor_id,
        entity=Entity.CONTACT,
        data={"fields": ["merged_into", "merge_path"], "merge_id": merge_id},
        synchronize="fetch",
    )
