"""How the dedup package (matching, candidates, merges) plugs into the app; listed in ``contacts.packages``.

Dedup listens: every contact and company write reaches it through the publisher, nobody calls it to tell it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from contacts.changelog.vocabulary import Operation
from contacts.companies.events import CompanyRenamed, CompanyUnlinked, CompanyWritten
from contacts.dedup import matching, service, stored
from contacts.dedup.api import bp
from contacts.dedup.companies_merge import company_written
from contacts.dedup.events import CompaniesMerged
from contacts.dedup.models import DuplicateCandidate, MergeOperation
from contacts.people.events import ContactWritten
from contacts.provenance import Actor
from contacts.registry import Registry

#: A company update that changes one of these is matched again.
COMPANY_MATCH_FIELDS = frozenset({"name", "corporate_number", "domains"})


def register(registry: Registry) -> None:
    """Declare the blueprint, the path ids and the writes dedup matches."""
    registry.blueprint(bp)
    registry.path_model("candidate_id", DuplicateCandidate)
    registry.path_model("merge_id", MergeOperation)
    registry.subscribe(ContactWritten, contact_written)
    registry.subscribe(CompanyWritten, company_changed)
    registry.subscribe(CompanyRenamed, contacts_keys)
    registry.subscribe(CompanyUnlinked, contacts_keys)
    registry.subscribe(CompaniesMerged, contacts_keys)


def contact_written(session: Session, event: ContactWritten) -> None:
    """Match a new contact once (merging it into a sure twin when asked); refresh an updated one's keys."""
    if event.operation == Operation.CREATED:
        if event.auto_merge:
            service.resolve_new(session, Actor(event.org_id, event.actor_id), event.contact)
        else:
            matching.contact_created(session, event.contact)
    elif event.operation == Operation.UPDATED:
        matching.refresh_keys(session, event.contact)


def company_changed(session: Session, event: CompanyWritten) -> None:
    """Propose the look-alikes of a new company, or of one whose name, number or domains changed."""
    if event.operation == Operation.CREATED or (
            event.operation == Operation.UPDATED and event.fields & COMPANY_MATCH_FIELDS):
        company_written(session, event.company)


def contacts_keys(session: Session, event: CompanyRenamed | CompanyUnlinked | CompaniesMerged) -> None:
    """Contacts whose company changed are matched by new keys (active ones; the others have none)."""
    for contact in event.contacts:
        if contact.status == "active":
            stored.refresh_keys(session, contact)
