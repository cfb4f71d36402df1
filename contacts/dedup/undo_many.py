"""Undo contact merges exactly from their snapshots, one (the API) or many at once, with set-based statements.

The one way to undo a contact merge. Callers that undo merges in bulk (an import's rollback) pass many: the
merges of one call share no record and no snapshot row, so the order among them does not matter and their
snapshots put back together make the state that undoing each in turn makes. Each merge still gets its own
change-log entries: one ``ContactMergesUndone`` event holds a ``MergeUndone`` per merge, so that its
subscribers act once for all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from contacts import ownership, snapshot
from contacts.bus import publish
from contacts.changelog.vocabulary import Entity
from contacts.db import batches, utcnow
from contacts.dedup.events import ContactMergesUndone, MergeUndone
from contacts.dedup.matching import drop_candidates
from contacts.dedup.merge import lock_rows
from contacts.dedup.models import MergeOperation
from contacts.errors import Conflict
from contacts.people.models import Contact
from contacts.provenance import Actor
from contacts.status import RecordStatus

_ROW_AND_CONTACT_KEYS = frozenset({"id", "a_id", "b_id", "merged_into_id"})


def check_undoable(session: Session, op: MergeOperation) -> None:
    """Refuse (409) when a contact of the merge moved on since it: the undo would lose that change.

    The contacts are in the session, locked (:func:`~contacts.dedup.merge.lock_rows`).
    """
    after: dict[str, int] = op.snapshot["after"]
    for contact_id, version in after.items():
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise Conflict(f"contact {contact_id} no longer exists; merge {op.id} cannot be undone")
        expected_status = RecordStatus.ACTIVE if contact_id == op.winner_id else RecordStatus.MERGED
        if contact.status != expected_status or (
            expected_status == RecordStatus.MERGED and contact.merged_into_id != op.winner_id
        ):
            raise Conflict(
                f"contact {contact_id} was merged or deleted after merge {op.id}, so this merge "
                f"cannot be undone exactly; undo the later change first"
            )
        # A merged contact refuses every write (people.refuse_merged), but its version moves when a later merge
        # of its survivor changes where it ends up (merged_into): for the losers, status and link are the check.
        if expected_status == RecordStatus.ACTIVE and contact.version != version:
            raise Conflict(
                f"contact {contact_id} changed after merge {op.id} (version {version} became "
                f"{contact.version}); undoing would lose that change, so the merge cannot be undone "
                f"exactly"
            )


def undo_contact_merge(session: Session, actor: Actor, op: MergeOperation) -> MergeOperation:
    """Restore every record and link of a contact merge exactly, or refuse (409) when that is impossible."""
    undo_contact_merges(session, actor, [op])
    return op


def records_of(op: MergeOperation) -> set[str]:
    """Return the contacts of a merge and the ids its snapshot names: merges whose sets do not meet can be
    undone together."""
    return {op.winner_id, *op.loser_ids, *(op.snapshot.get("after") or {})} | ids_named(
        op.snapshot.get("before")
    )


def ids_named(snapshot: dict[str, Any] | None) -> set[str]:
    """Return the ids of the rows a contact snapshot holds and of the contacts they point at (not the
    organisation, companies, users, tags or campaigns that many contacts share)."""
    found: set[str] = set()
    for rows in (snapshot or {}).values():
        for row in rows:
            found.update(
                value
                for key, value in row.items()
                if isinstance(value, str) and (key in _ROW_AND_CONTACT_KEYS or key.endswith("contact_id"))
            )
    return found


def created_candidates(ops: Sequence[MergeOperation]) -> list[str]:
    """Return the ids of the candidate rows the merges created (dismissals carried, the survivor's new pairs)."""
    return [c for op in ops for c in op.snapshot.get("created_candidates") or []]


@dataclass(frozen=True)
class _Undo:
    """What the undo reads of a merge operation: plain values, so that no expiry of the session reloads them."""

    id: str
    org_id: str
    winner_id: str
    loser_ids: list[str]
    before: dict[str, Any]
    after: dict[str, int]


def undo_contact_merges(
    session: Session, actor: Actor, ops: Sequence[MergeOperation], *, drop_created: bool = True
) -> None:
    """Undo contact merges whose :func:`records_of` do not meet, or refuse (409) as the first that cannot be
    undone would refuse alone.

    Without ``drop_created`` the candidate rows the merges created (:func:`created_candidates`) stay, for the
    caller to drop at once with those of other calls (an import's rollback).
    """
    if not ops:
        return
    held: set[str] = set()
    for op in ops:
        mine = records_of(op)
        if op.entity != "contact" or op.organization_id != ops[0].organization_id or held & mine:
            raise ValueError(
                f"merge {op.id} is not a contact merge of the organisation apart from the others"
            )
        held |= mine
    lock_rows(session, MergeOperation, [op.id for op in ops])
    for op in ops:
        if op.undone_at is not None:
            raise Conflict(f"merge {op.id} was already undone")
    undos = [
        _Undo(
            op.id,
            op.organization_id,
            op.winner_id,
            list(op.loser_ids),
            op.snapshot["before"],
            op.snapshot["after"],
        )
        for op in ops
    ]
    created = created_candidates(ops)
    ids = [i for u in undos for i in u.after]
    _locked = lock_rows(session, Contact, ids)  # held, so that the checks find them in the session
    for op in ops:
        check_undoable(session, op)
    if drop_created:
        drop_candidates(session, undos[0].org_id, created)
    undone = [o for o in ownership.installed() if o.undone is not None and o.dump is not None]
    current = {o.key: _dump(session, o, ids) for o in undone}
    _put_back(session, undos)
    for owned in undone:
        assert owned.undone is not None
        after = _dump(session, owned, ids)
        for u in undos:
            if owned.key not in u.before:
                continue
            mine = set(u.after)
            back = ownership.Merge(
                org_id=u.org_id,
                actor_id=actor.user_id,
                winner_id=u.winner_id,
                loser_ids=u.loser_ids,
                merge_id=u.id,
            )
            owned.undone(session, back, _naming(current[owned.key], mine), _naming(after, mine))
    _renew_versions(session, undos)
    session.execute(
        update(MergeOperation)
        .where(MergeOperation.id.in_([u.id for u in undos]))
        .values(undone_at=utcnow(), undone_by=actor.user_id)
        .execution_options(synchronize_session=False)
    )
    for op in ops:  # read again when next asked for: the statement set them in the database only
        session.expire(op, ["undone_at", "undone_by"])
    publish(
        session,
        ContactMergesUndone(
            org_id=undos[0].org_id,
            actor_id=actor.user_id,
            undone=tuple(
                MergeUndone(
                    org_id=u.org_id,
                    actor_id=actor.user_id,
                    entity=Entity.CONTACT,
                    merge_id=u.id,
                    record_ids=tuple(u.after),
                )
                for u in undos
            ),
        ),
    )
    session.flush()


def _dump(session: Session, owned: ownership.OwnedRows, ids: list[str]) -> ownership.Rows:
    assert owned.dump is not None
    return [row for batch in batches(ids) for row in owned.dump(session, list(batch))]


def _naming(rows: ownership.Rows, ids: set[str]) -> ownership.Rows:
    """The dumped rows that name one of ``ids`` (in a ``*contact_id`` column)."""
    return [
        row
        for row in rows
        if any(isinstance(v, str) and v in ids for k, v in row.items() if k.endswith("contact_id"))
    ]


def _put_back(session: Session, undos: list[_Undo]) -> None:
    """Put every merge's snapshot back: the contacts row for row, then each package's rows of the contacts of
    the merges whose snapshot has them (a package added since a merge leaves that merge's rows alone)."""
    session.flush()
    contacts = [row for u in undos for row in u.before["contact"]]
    snapshot.put_back(session, Contact, contacts)
    for owned in ownership.installed():
        if owned.restore is None:
            continue
        having = [u for u in undos if owned.key in u.before]
        if having:
            rows = [row for u in having for row in u.before[owned.key]]
            owned.restore(session, rows, [i for u in having for i in u.after])
    session.expire_all()


def _renew_versions(session: Session, undos: list[_Undo]) -> None:
    """Give the contacts the undos put back new versions, so that a feed follower sees them change again.

    An earlier merge of the same contacts, still undoable, expected the versions an undo put back: it now
    expects the new ones (the contacts are, value for value, as that merge left them). One statement per kind
    of write for all the merges.
    """
    now = utcnow()
    renewed: dict[str, int] = {}
    restored: dict[str, int] = {}
    for u in undos:
        renewed.update({cid: version + 1 for cid, version in u.after.items()})
        restored.update({row["id"]: row["version"] for row in u.before["contact"]})
    session.connection().execute(
        update(Contact.__table__)  # type: ignore[arg-type]
        .where(Contact.__table__.c.id == bindparam("k_id"))
        .values(version=bindparam("v_version"), updated_at=bindparam("v_updated_at")),
        [{"k_id": cid, "v_version": v, "v_updated_at": now} for cid, v in renewed.items()],
    )
    org_ids = {u.org_id for u in undos}
    op_ids = {u.id for u in undos}
    for batch in batches(sorted(renewed)):
        earlier = session.scalars(
            select(MergeOperation).where(
                MergeOperation.organization_id.in_(org_ids),
                MergeOperation.entity == "contact",
                MergeOperation.winner_id.in_(batch),
                MergeOperation.undone_at.is_(None),
            )
        )
        for other in earlier:
            if other.id in op_ids:
                continue
            expected = dict(other.snapshot.get("after") or {})
            changed = {
                cid: renewed[cid] for cid, v in expected.items() if cid in renewed and restored.get(cid) == v
            }
            if changed:
                other.snapshot = {**other.snapshot, "after": {**expected, **changed}}
