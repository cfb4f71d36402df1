"""How the dedup package (matching, candidates, merges) plugs into the app; listed in ``contacts.packages``.

Dedup listens: every contact and company write reaches it through the publisher, nobody calls it to tell it.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, tuple_, update
from sqlalchemy.orm import Session

from contacts import snapshot
from contacts.changelog.vocabulary import Operation
from contacts.companies.events import CompanyRenamed, CompanyUnlinked, CompanyWritten
from contacts.db import batches, utcnow
from contacts.dedup import matching, service, stored
from contacts.dedup.api import bp
from contacts.dedup.companies_merge import company_written
from contacts.dedup.events import CompaniesMerged
from contacts.dedup.models import CandidateStatus, DuplicateCandidate, MatchKey, MatchProfile, MergeOperation
from contacts.ownership import Erasure, Merge, OwnedRows, Rows, contact_rows
from contacts.people.events import ContactsWritten, ContactWritten
from contacts.provenance import Actor
from contacts.registry import Registry
from contacts.status import RecordStatus

#: A company update that changes one of these is matched again.
COMPANY_MATCH_FIELDS = frozenset({"name", "corporate_number", "domains"})


def register(registry: Registry) -> None:
    """Declare the blueprint, the path ids and the writes dedup matches."""
    registry.blueprint(bp)
    registry.path_model("candidate_id", DuplicateCandidate)
    registry.path_model("merge_id", MergeOperation)
    registry.subscribe(ContactWritten, contact_written)
    registry.subscribe(ContactsWritten, contacts_written)
    registry.subscribe(CompanyWritten, company_changed)
    registry.subscribe(CompanyRenamed, contacts_keys)
    registry.subscribe(CompanyUnlinked, contacts_keys)
    registry.subscribe(CompaniesMerged, contacts_keys)
    # A merge drops the losers' keys and stores the winner's itself; they go with an erased contact.
    registry.owns(contact_rows(MatchKey))
    registry.owns(contact_rows(MatchProfile))
    registry.owns(
        OwnedRows(
            key="duplicate_candidate",
            dump=dump_candidates,
            restore=restore_candidates,
            move=settle_candidates,
            move_many=settle_candidates_many,
            erase=erase_candidates,
        )
    )
    registry.owns(OwnedRows(key="merge_operation", erase=erase_merges))


def contact_written(session: Session, event: ContactWritten) -> None:
    """Match a new contact once (merging it into a sure twin when asked); refresh an updated one's keys."""
    if event.operation == Operation.CREATED:
        if event.auto_merge:
            service.resolve_new(session, Actor(event.org_id, event.actor_id), event.contact)
        else:
            matching.contact_created(session, event.contact)
    elif event.operation == Operation.UPDATED:
        matching.refresh_keys(session, event.contact)


def contacts_written(session: Session, event: ContactsWritten) -> None:
    """Refresh the keys of contacts updated together (created ones were matched by their writer)."""
    if event.operation == Operation.UPDATED:
        session.flush()
        active = [c for c in event.contacts if c.status == RecordStatus.ACTIVE]
        stored.store_keys_many(session, event.org_id, [stored.keys_of(c) for c in active])
        stored.drop_keys(session, [c.id for c in event.contacts if c.status != RecordStatus.ACTIVE])


def company_changed(session: Session, event: CompanyWritten) -> None:
    """Propose the look-alikes of a new company, or of one whose name, number or domains changed."""
    if event.operation == Operation.CREATED or (
        event.operation == Operation.UPDATED and event.fields & COMPANY_MATCH_FIELDS
    ):
        company_written(session, event.company)


def contacts_keys(session: Session, event: CompanyRenamed | CompanyUnlinked | CompaniesMerged) -> None:
    """Contacts whose company changed are matched by new keys (active ones; the others have none)."""
    for contact in event.contacts:
        if contact.status == RecordStatus.ACTIVE:
            stored.refresh_keys(session, contact)


def dump_candidates(session: Session, ids: list[str]) -> Rows:
    """The contact candidates any of ``ids`` is part of."""
    return snapshot.dump(session, DuplicateCandidate, matching.pairs_of(ids))


def restore_candidates(session: Session, rows: Rows, ids: list[str]) -> None:
    """Put the dumped candidates back exactly."""
    snapshot.replace(session, DuplicateCandidate, DuplicateCandidate.id.in_([r["id"] for r in rows]), rows)


def settle_candidates(session: Session, merge: Merge) -> None:
    """Open candidates between records of the merge are settled: they were merged."""
    settle_candidates_many(session, [merge])


def settle_candidates_many(session: Session, merges: list[Merge]) -> None:
    """As :func:`settle_candidates` for many merges (of one organisation), with one statement per 500 pairs."""
    pairs = [
        matching.ordered(a, b)
        for members in ([m.winner_id, *m.loser_ids] for m in merges)
        for n, a in enumerate(members)
        for b in members[n + 1 :]
    ]
    for batch in batches(pairs):
        session.execute(
            update(DuplicateCandidate)
            .where(
                DuplicateCandidate.organization_id == merges[0].org_id,
                DuplicateCandidate.entity == "contact",
                DuplicateCandidate.status == CandidateStatus.OPEN,
                tuple_(DuplicateCandidate.a_id, DuplicateCandidate.b_id).in_(batch),
            )
            .values(status=CandidateStatus.MERGED, decided_by=merges[0].actor_id, decided_at=utcnow())
        )


def _count(session: Session, statement: Any) -> int:
    """Run a DELETE and return how many rows it removed."""
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount)


def erase_candidates(session: Session, erasure: Erasure) -> dict[str, int]:
    """Delete every contact candidate of the person."""
    return {"duplicate_candidates": matching.drop_pairs_of(session, erasure.org_id, erasure.contact_ids)}


def erase_merges(session: Session, erasure: Erasure) -> dict[str, int]:
    """Delete the contact merges the person took part in: their snapshots hold copies of the values."""
    wanted = set(erasure.contact_ids)
    rows = session.execute(
        select(MergeOperation.id, MergeOperation.winner_id, MergeOperation.loser_ids).where(
            MergeOperation.organization_id == erasure.org_id, MergeOperation.entity == "contact"
        )
    )
    merge_ids = [op_id for op_id, winner, losers in rows if winner in wanted or wanted.intersection(losers)]
    return {"merges": _count(session, delete(MergeOperation).where(MergeOperation.id.in_(merge_ids)))}
