"""Deduplication in the service: match written contacts, propose candidates, merge, dismiss, undo.

Contacts are matched through their stored keys (:mod:`contacts.dedup.stored`) and scored by the engine.
Only a ``merge`` decision merges automatically, and only where the caller asks for it (card confirmation,
imports, ``meishi dedupe-scan``); an API-created contact is never merged away from the id its client was
just given: its matches become duplicate candidates for a person to decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, aliased

from contacts.bus import publish
from contacts.companies.models import Company
from contacts.db import get_owned, utcnow
from contacts.dedup import companies_merge, merge, merge_many, stored, undo_many
from contacts.dedup.events import CandidateDismissed
from contacts.dedup.matching import drop_candidates, drop_pairs_of, match_contact, match_keys, propose
from contacts.dedup.models import CandidateStatus, DuplicateCandidate, MergeOperation
from contacts.dedup.scoring import MERGE
from contacts.errors import Conflict, ValidationFailed
from contacts.pagination import decode_cursor, encode_cursor
from contacts.people.models import Contact
from contacts.people.service import current_employment
from contacts.provenance import Actor
from contacts.status import RecordStatus

__all__ = [
    "CandidateFilter",
    "auto_resolve",
    "dismiss",
    "drop_candidates",
    "drop_pairs_of",
    "get_candidate",
    "get_merge",
    "list_candidates",
    "match_contact",
    "merge_records",
    "propose",
    "undo",
]

# The fields an automatic merge takes from the newer card: where the person works now.
_JOB_FIELDS = ("company", "department", "title")


@dataclass(frozen=True)
class CandidateFilter:
    """Filters of the duplicate list."""

    entity: str = "contact"
    decision: str | None = None
    record_id: str | None = None
    min_score: float | None = None
    status: str = CandidateStatus.OPEN


def auto_resolve(session: Session, actor: Actor, contact: Contact) -> Contact:
    """Merge a new contact (card, import) into its existing twin on a ``merge`` decision; return the survivor.

    The existing contact wins (its id is the one integrators know); the newer record's company, department
    and title win when it names another company, which makes the merge a job change. Weaker matches become
    candidates. Keys are refreshed first, since a card may have added values without a full update.
    """
    stored.refresh_keys(session, contact)
    pairs = match_contact(session, actor.organization_id, contact)
    best = next((p for p in pairs if p.decision == MERGE), None)
    if best is None:
        propose(session, actor.organization_id, pairs)
        return contact
    return _merge_into_twin(session, actor, contact, best.b)


def resolve_new(session: Session, actor: Actor, contact: Contact) -> Contact:
    """Store a new contact's keys and match it once: candidates recorded, a sure twin absorbing it.

    A new contact has no dismissed pair yet, so every pair is proposed (the one merged is then marked
    ``merged`` by the merge, and comes back open if the merge is undone).
    """
    keys = stored.refresh_keys(session, contact, new=True)
    if contact.status != RecordStatus.ACTIVE:
        return contact
    pairs = match_keys(session, actor.organization_id, keys, drop_dismissed=False)
    propose(session, actor.organization_id, pairs)
    best = next((p for p in pairs if p.decision == MERGE), None)
    return contact if best is None else _merge_into_twin(session, actor, contact, best.b)


def _merge_into_twin(session: Session, actor: Actor, contact: Contact, twin_id: str) -> Contact:
    """Merge ``contact`` into its twin (the newer card's job wins if it names another company)."""
    winner = session.get(Contact, twin_id)
    assert winner is not None
    choices = twin_choices(session, contact, winner)
    op = merge_many.merge_contacts(session, actor, winner.id, [contact.id], choices, automatic=True)
    survivor = session.get(Contact, winner.id)
    assert survivor is not None
    # The survivor's new pairs are the merge's too: its undo deletes them.
    merge.note_created_candidates(
        op, propose(session, actor.organization_id, match_contact(session, actor.organization_id, survivor))
    )
    return survivor


def twin_choices(session: Session, contact: Contact, twin: Contact) -> dict[str, str]:
    """Return the field choices of merging a new contact into its twin: the newer card's job, if it names
    another company (and does not date from before the twin's current job)."""
    if (
        contact.company_id
        and contact.company_id != twin.company_id
        and not _older_job(session, contact, twin)
    ):
        return {name: contact.id for name in _JOB_FIELDS}
    return {}


def _older_job(session: Session, newcomer: Contact, holder: Contact) -> bool:
    """Tell whether the newcomer's job dates from before the holder's current one (an old card, say)."""
    new, held = current_employment(session, newcomer.id), current_employment(session, holder.id)
    return bool(
        new is not None
        and held is not None
        and new.started_at
        and held.started_at
        and new.started_at < held.started_at
    )


def dismiss(session: Session, actor: Actor, candidate: DuplicateCandidate) -> DuplicateCandidate:
    """Record that a pair is not the same: it is never proposed again."""
    if candidate.status == CandidateStatus.MERGED:
        raise Conflict("this pair was merged; undo the merge instead")
    if candidate.status != CandidateStatus.DISMISSED:
        candidate.status = CandidateStatus.DISMISSED
        candidate.decided_by = actor.user_id
        candidate.decided_at = utcnow()
        publish(
            session,
            CandidateDismissed(
                org_id=actor.organization_id,
                actor_id=actor.user_id,
                candidate_id=candidate.id,
                entity=candidate.entity,
                a_id=candidate.a_id,
                b_id=candidate.b_id,
            ),
        )
    return candidate


def get_candidate(session: Session, org_id: str, candidate_id: str) -> DuplicateCandidate:
    """Return the organisation's candidate or raise NotFound."""
    return get_owned(session, DuplicateCandidate, org_id, candidate_id, what="candidate")


def _candidates_query(org_id: str, f: CandidateFilter) -> Select[tuple[DuplicateCandidate]]:
    stmt = select(DuplicateCandidate).where(
        DuplicateCandidate.organization_id == org_id,
        DuplicateCandidate.entity == f.entity,
        DuplicateCandidate.status == f.status,
    )
    if f.status == CandidateStatus.OPEN:
        # A pair stays listed only while both records are live (merged or deleted ones wait for an undo).
        model: type[Contact] | type[Company] = Contact if f.entity == "contact" else Company
        a, b = aliased(model), aliased(model)
        stmt = (
            stmt.join(a, a.id == DuplicateCandidate.a_id)
            .join(b, b.id == DuplicateCandidate.b_id)
            .where(a.status == RecordStatus.ACTIVE, b.status == RecordStatus.ACTIVE)
        )
    if f.decision:
        stmt = stmt.where(DuplicateCandidate.decision == f.decision)
    if f.record_id:
        stmt = stmt.where(or_(DuplicateCandidate.a_id == f.record_id, DuplicateCandidate.b_id == f.record_id))
    if f.min_score is not None:
        stmt = stmt.where(DuplicateCandidate.score >= f.min_score)
    return stmt


def list_candidates(
    session: Session, org_id: str, f: CandidateFilter, *, limit: int, cursor: str | None
) -> tuple[list[DuplicateCandidate], str | None]:
    """Return one page of candidates, highest score first (ties by id)."""
    stmt = _candidates_query(org_id, f)
    if cursor:
        score_units, after = decode_cursor(cursor, 2)
        if not isinstance(score_units, int) or not isinstance(after, str):
            raise ValidationFailed(
                "invalid cursor",
                errors=[
                    {
                        "field": "cursor",
                        "message": "not a cursor returned by this API",
                        "code": "invalid_cursor",
                    }
                ],
            )
        score = score_units / 10_000
        stmt = stmt.where(
            or_(
                DuplicateCandidate.score < score,
                and_(DuplicateCandidate.score == score, DuplicateCandidate.id > after),
            )
        )
    rows = list(
        session.scalars(
            stmt.order_by(DuplicateCandidate.score.desc(), DuplicateCandidate.id).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = encode_cursor([round(rows[-1].score * 10_000), rows[-1].id]) if more and rows else None
    return rows, nxt


def merge_records(
    session: Session,
    actor: Actor,
    *,
    entity: str,
    winner_id: str,
    loser_ids: Sequence[str],
    field_choices: dict[str, str],
) -> MergeOperation:
    """Merge contacts or companies named in a request."""
    if entity == "company":
        return companies_merge.merge_companies(session, actor, winner_id, loser_ids, field_choices)
    return merge_many.merge_contacts(session, actor, winner_id, loser_ids, field_choices)


def undo(session: Session, actor: Actor, op: MergeOperation) -> MergeOperation:
    """Undo a merge of either kind exactly."""
    if op.entity == "company":
        return companies_merge.undo_company_merge(session, actor, op)
    return undo_many.undo_contact_merge(session, actor, op)


def get_merge(session: Session, org_id: str, merge_id: str) -> MergeOperation:
    """Return the organisation's merge operation or raise NotFound."""
    return merge.get_merge(session, org_id, merge_id)
