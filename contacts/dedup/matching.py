"""Match written contacts through their stored keys and record candidates; no merging here.

The people service calls :func:`refresh_keys` on every update and :func:`contact_created` on every create;
this module imports nothing that imports the people service, so the hooks add no import cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, cast

from sqlalchemy import ColumnElement, CursorResult, and_, delete, or_, select, tuple_
from sqlalchemy.orm import Session

from contacts.db import batches
from contacts.dedup import stored
from contacts.dedup.engine import ScoredPair, match_one
from contacts.dedup.models import CandidateStatus, DuplicateCandidate
from contacts.dedup.records import MatchKeys
from contacts.people.models import Contact
from contacts.status import RecordStatus


def ordered(a: str, b: str) -> tuple[str, str]:
    """Return a pair in its stored order (smaller id first), so each pair has one row."""
    return (a, b) if a < b else (b, a)


#: ``session.info`` key of the contacts whose key refresh a writer collects (see :func:`keys_collected`).
_COLLECTED: Final = "meishi.dedup.collected_keys"


def refresh_keys(session: Session, contact: Contact) -> None:
    """Store the keys of a contact that was just written (called by the people service on update)."""
    collected: dict[str, Contact] | None = session.info.get(_COLLECTED)
    if collected is not None:
        collected[contact.id] = contact
        return
    stored.refresh_keys(session, contact)


@contextmanager
def keys_collected(session: Session, into: dict[str, Contact]) -> Iterator[None]:
    """Within the block, updated contacts are put in ``into`` instead of having their keys stored one by one.

    For a writer of many updates (an import's chunk), which stores them later with :func:`store_collected`,
    before anything reads the keys of those contacts.
    """
    session.info[_COLLECTED] = into
    try:
        yield
    finally:
        session.info.pop(_COLLECTED, None)


def store_collected(session: Session, org_id: str, contacts: Iterable[Contact]) -> None:
    """Store the keys of collected contacts as :func:`refresh_keys` would have, with a few statements in all."""
    wanted = list(contacts)
    if not wanted:
        return
    session.flush()
    active = [c for c in wanted if c.status == RecordStatus.ACTIVE]
    stored.store_keys_many(session, org_id, [stored.keys_of(c) for c in active])
    stored.drop_keys(session, [c.id for c in wanted if c.status != RecordStatus.ACTIVE])


def contact_created(session: Session, contact: Contact) -> None:
    """Store a new contact's keys and record its likely duplicates as candidates (never merges)."""
    keys = stored.refresh_keys(session, contact, new=True)
    if contact.status == RecordStatus.ACTIVE:
        # propose() itself leaves dismissed pairs alone: no need to look them up twice
        pairs = match_keys(session, contact.organization_id, keys, drop_dismissed=False)
        propose(session, contact.organization_id, pairs)


def store_matched(
    session: Session, org_id: str, matched: Sequence[tuple[MatchKeys, Sequence[ScoredPair]]]
) -> None:
    """Store the keys of new contacts matched by their writer, and record their pairs as candidates.

    What :func:`contact_created` does one contact at a time, for many (an import's chunk): a new contact has
    no dismissed pair, so every pair is proposed.
    """
    stored.store_keys_many(session, org_id, [keys for keys, _ in matched], new=True)
    propose(session, org_id, [p for _, pairs in matched for p in pairs])


def _dismissed_with(session: Session, org_id: str, contact_id: str, others: Iterable[str]) -> set[str]:
    ids = list(others)
    if not ids:
        return set()
    rows = session.execute(
        select(DuplicateCandidate.a_id, DuplicateCandidate.b_id).where(
            DuplicateCandidate.organization_id == org_id,
            DuplicateCandidate.entity == "contact",
            DuplicateCandidate.status == CandidateStatus.DISMISSED,
            or_(
                and_(DuplicateCandidate.a_id == contact_id, DuplicateCandidate.b_id.in_(ids)),
                and_(DuplicateCandidate.b_id == contact_id, DuplicateCandidate.a_id.in_(ids)),
            ),
        )
    ).all()
    return {b if a == contact_id else a for a, b in rows}


def match_contact(session: Session, org_id: str, contact: Contact) -> list[ScoredPair]:
    """Score a contact against the organisation's active contacts sharing a stored key; best first.

    Pairs a person dismissed are left out. Each pair's ``a`` is ``contact``; ``decision`` is "merge" or
    "review".
    """
    if contact.organization_id != org_id or contact.status != RecordStatus.ACTIVE:
        return []
    return match_keys(session, org_id, stored.stored_keys(session, contact))


def match_keys(
    session: Session, org_id: str, keys: MatchKeys, *, drop_dismissed: bool = True
) -> list[ScoredPair]:
    """Score precomputed keys (``keys.id`` is the contact's id) against the organisation's stored keys."""
    found = stored.fetch_candidates(session, org_id, keys)
    pairs = match_one(keys, found.keys, stats=found.stats)
    if not drop_dismissed:
        return pairs
    dismissed = _dismissed_with(session, org_id, keys.id, [p.b for p in pairs])
    return [p for p in pairs if p.b not in dismissed]


def match_keys_many(session: Session, org_id: str, many: list[MatchKeys]) -> list[list[ScoredPair]]:
    """Score several records' keys against the stored keys, looking candidates up once for them all (no
    dismissed pairs are dropped: the records are not stored contacts)."""
    return [
        match_one(keys, found.keys, stats=found.stats)
        for keys, found in zip(many, stored.fetch_candidates_many(session, org_id, many), strict=True)
    ]


def match_contacts(session: Session, org_id: str, contacts: Sequence[Contact]) -> list[list[ScoredPair]]:
    """Score several active contacts by their keys now (as :func:`match_contact` scores one by its stored
    keys), looking candidates and dismissed pairs up once for them all; each contact's pairs, best first."""
    many = [stored.keys_of(c) for c in contacts]
    matched = match_keys_many(session, org_id, many)
    ids = sorted({c.id for c in contacts})
    dismissed: set[tuple[str, str]] = set()
    for batch in batches(ids):
        dismissed.update(
            session.execute(
                select(DuplicateCandidate.a_id, DuplicateCandidate.b_id).where(
                    DuplicateCandidate.organization_id == org_id,
                    DuplicateCandidate.entity == "contact",
                    DuplicateCandidate.status == CandidateStatus.DISMISSED,
                    or_(DuplicateCandidate.a_id.in_(batch), DuplicateCandidate.b_id.in_(batch)),
                )
            ).tuples()
        )
    return [[p for p in pairs if ordered(p.a, p.b) not in dismissed] for pairs in matched]


def propose(
    session: Session, org_id: str, pairs: Sequence[ScoredPair], *, entity: str = "contact"
) -> list[DuplicateCandidate]:
    """Record pairs as open duplicate candidates (refreshing open ones); dismissed pairs stay dismissed."""
    out: list[DuplicateCandidate] = []
    if not pairs:
        return out
    wanted = {ordered(p.a, p.b): p for p in pairs}
    existing: dict[tuple[str, str], DuplicateCandidate] = {}
    keys = list(wanted)
    for batch in batches(keys):
        for found in session.scalars(
            select(DuplicateCandidate).where(
                DuplicateCandidate.organization_id == org_id,
                DuplicateCandidate.entity == entity,
                tuple_(DuplicateCandidate.a_id, DuplicateCandidate.b_id).in_(batch),
            )
        ):
            existing[(found.a_id, found.b_id)] = found
    for (a_id, b_id), pair in wanted.items():
        row = existing.get((a_id, b_id))
        if row is None:
            row = DuplicateCandidate(
                organization_id=org_id,
                entity=entity,
                a_id=a_id,
                b_id=b_id,
                score=pair.score,
                decision=pair.decision,
                reasons=list(pair.reasons),
                status=CandidateStatus.OPEN,
            )
            session.add(row)
        elif row.status == CandidateStatus.DISMISSED:
            continue
        else:
            row.score, row.decision, row.reasons = pair.score, pair.decision, list(pair.reasons)
            row.status, row.decided_by, row.decided_at = CandidateStatus.OPEN, None, None
        out.append(row)
    session.flush()
    return out


def pairs_of(contact_ids: Sequence[str]) -> ColumnElement[bool]:
    """The condition of the contact candidates any of ``contact_ids`` is part of."""
    return and_(
        DuplicateCandidate.entity == "contact",
        or_(DuplicateCandidate.a_id.in_(contact_ids), DuplicateCandidate.b_id.in_(contact_ids)),
    )


def drop_pairs_of(session: Session, org_id: str, contact_ids: Sequence[str]) -> int:
    """Delete the organisation's contact candidates any of ``contact_ids`` is part of, a statement per 500
    contacts; return how many went."""
    return _delete(session, org_id, [pairs_of(batch) for batch in batches(list(dict.fromkeys(contact_ids)))])


def drop_candidates(session: Session, org_id: str, ids: Sequence[str]) -> int:
    """Delete the organisation's candidate rows ``ids``, a statement per 500; return how many went."""
    return _delete(
        session, org_id, [DuplicateCandidate.id.in_(batch) for batch in batches(list(dict.fromkeys(ids)))]
    )


def _delete(session: Session, org_id: str, conditions: list[ColumnElement[bool]]) -> int:
    """Delete the organisation's candidates each condition selects, a statement each; return how many went."""
    dropped = 0
    for condition in conditions:
        result = cast(
            CursorResult[Any],
            session.execute(
                delete(DuplicateCandidate).where(DuplicateCandidate.organization_id == org_id, condition)
            ),
        )
        dropped += int(result.rowcount)
    return dropped
