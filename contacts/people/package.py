"""How the people package (contacts) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from contacts.companies.events import CompanyRenamed, CompanyUnlinked
from contacts.dedup.events import CompaniesMerged, ContactsMerged
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
    # A merge unites emails, phones and addresses itself (one row per normalised value, the rest listed as
    # dropped); erasure deletes them, and the employment history, with the contact.
    registry.owns(contact_rows(ContactEmail))
    registry.owns(contact_rows(ContactPhone))
    registry.owns(contact_rows(ContactAddress))
    registry.owns(contact_rows(Employment, move=move_employment))


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
