"""Rollback of a committed import: created contacts deleted, updated ones restored, merges undone.

It refuses, naming the records, when any contact the import wrote changed since (its version moved on):
restoring it would lose that change. Rows are undone newest first, so a contact two rows wrote comes back
to its state before the first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import batches, utcnow
from contacts.dedup import service as dedup
from contacts.dedup.merge import restore_contact_snapshot
from contacts.dedup.models import MergeOperation
from contacts.dedup.undo_many import created_candidates, ids_named, records_of, undo_contact_merges
from contacts.errors import Conflict
from contacts.imports.models import ContactImport, ImportRow, ImportStatus
from contacts.imports.plan import CREATE, MERGE_INTO, UPDATE
from contacts.people import service as people
from contacts.people.events import ContactsWritten
from contacts.people.models import Contact
from contacts.provenance import Actor
from contacts.status import RecordStatus
from contacts.touchpoints import service as touchpoints
from contacts.touchpoints.models import Touchpoint

NAMED = 20  # how many changed records a refusal names
MERGES = 100  # merges undone at once: their contacts and snapshot rows stay in bounded IN lists
WAVE = 100  # contacts restored at once: their values' ids, a few per contact, stay in bounded IN lists


@dataclass(frozen=True)
class _Written:
    """What the rollback reads of a row: plain values, so that no expiry of the session reloads them."""

    result: str
    contact_id: str | None
    created_contact_id: str | None
    merge_id: str | None
    touchpoint_id: str | None
    before: dict[str, Any] | None
    version_after: int | None


def _written_rows(session: Session, imp: ContactImport) -> list[_Written]:
    return [
        _Written(*row)
        for row in session.execute(
            select(
                ImportRow.result,
                ImportRow.contact_id,
                ImportRow.created_contact_id,
                ImportRow.merge_id,
                ImportRow.touchpoint_id,
                ImportRow.before,
                ImportRow.version_after,
            )
            .where(ImportRow.import_id == imp.id, ImportRow.result.in_((CREATE, UPDATE, MERGE_INTO)))
            .order_by(ImportRow.row_number.desc())
        )
    ]


def changed_since(session: Session, rows: list[_Written]) -> list[str]:
    """Return the ids of contacts the import wrote whose version or status moved on since."""
    expected: dict[str, int] = {}
    for row in rows:  # newest first: the first seen is the last write
        if row.contact_id and row.version_after is not None:
            expected.setdefault(row.contact_id, row.version_after)
    changed: list[str] = []
    ids = sorted(expected)
    for batch in batches(ids):
        for cid, version, status in session.execute(
            select(Contact.id, Contact.version, Contact.status).where(Contact.id.in_(batch))
        ):
            if version != expected[cid] or status != RecordStatus.ACTIVE:
                changed.append(cid)
    return sorted(changed)


def rollback_import(session: Session, actor: Actor, imp: ContactImport) -> ContactImport:
    """Restore the contact base to its state before ``imp``, in the caller's transaction, or refuse (409).

    Rows are undone newest first, the writes of consecutive rows together: the import's touchpoints deleted,
    updated contacts restored from their snapshots (a contact's oldest snapshot last), created contacts
    deleted with set-based updates. Merges are undone together too (:func:`undo_contact_merges`), up to
    ``MERGES`` of them that share no contact (nor a snapshot's row) with one another; a merge or a row that
    shares one with newer rows still to undo waits until they are undone. The candidate rows the import
    wrote (the pairs of the contacts it created, those its merges gave their survivors) are dropped last,
    all at once, so that the candidates are those before the import.
    """
    if imp.status not in (ImportStatus.COMMITTED, ImportStatus.FAILED):
        raise Conflict(
            f"import {imp.id} is {imp.status}; only a committed (or failed) import can be rolled back"
        )
    rows = _written_rows(session, imp)
    changed = changed_since(session, rows)
    if changed:
        more = f" and {len(changed) - NAMED} more" if len(changed) > NAMED else ""
        raise Conflict(
            f"contacts changed since import {imp.id}: {', '.join(changed[:NAMED])}{more}; rolling back would "
            "lose those changes",
            errors=[
                {"field": "contact_id", "message": "changed since the import", "code": "changed", "id": c}
                for c in changed[:NAMED]
            ],
        )
    records = _merged_records(session, [r.merge_id for r in rows if r.result == MERGE_INTO and r.merge_id])
    restored: dict[str, int] = {}
    candidates: list[str] = []  # the candidate rows the undone merges created, dropped at the end
    segment: list[_Written] = []
    held: set[str] = set()  # the contacts the segment's rows wrote, and those their snapshots name
    merges: list[_Written] = []
    merging: set[str] = set()  # the same for the merges waiting
    for row in rows:
        if row.result != MERGE_INTO:
            mine = {i for i in (row.contact_id, row.created_contact_id) if i} | ids_named(row.before)
            if merging & mine:
                # A newer merge shares a contact (or a row of one) with this row: it is undone first.
                _undo_merges(session, actor, merges, candidates)
                merges, merging = [], set()
            segment.append(row)
            held |= mine
            continue
        mine = {i for i in (row.contact_id, row.created_contact_id) if i}
        mine |= records.get(row.merge_id or "", frozenset())
        if held & mine:
            # The merge and the newer rows share a contact (or a row of one): they are undone in order.
            _undo_segment(session, actor, segment, restored)
            segment, held = [], set()
        if merging & mine or len(merges) >= MERGES:
            _undo_merges(session, actor, merges, candidates)
            merges, merging = [], set()
        merges.append(row)
        merging |= mine
    _undo_merges(session, actor, merges, candidates)
    _undo_segment(session, actor, segment, restored)
    # The pairs of the contacts the import created go with them, as do the pairs its merges gave survivors.
    dedup.drop_candidates(session, imp.organization_id, candidates)
    dedup.drop_pairs_of(
        session, imp.organization_id, [r.created_contact_id for r in rows if r.created_contact_id]
    )
    _renew(session, actor, imp, restored)
    imp.status = ImportStatus.ROLLED_BACK
    imp.rolled_back_at = imp.updated_at = utcnow()
    imp.version += 1
    publish(
        session,
        Recorded(
            org_id=imp.organization_id,
            actor_id=actor.user_id,
            entity=Entity.IMPORT,
            ids=(imp.id,),
            operation=Operation.UPDATED,
            data={"status": imp.status},
        ),
    )
    session.flush()
    return imp


def _merged_records(session: Session, ids: list[str]) -> dict[str, frozenset[str]]:
    """Read what the import's merges hold (:func:`records_of`), a few queries for all of them."""
    found: dict[str, frozenset[str]] = {}
    for batch in batches(sorted(set(ids))):
        for op in session.scalars(select(MergeOperation).where(MergeOperation.id.in_(batch))):
            found[op.id] = frozenset(records_of(op))
    return found


def _undo_merges(session: Session, actor: Actor, rows: list[_Written], candidates: list[str]) -> None:
    """Undo merge rows (newest first) that share no contact nor snapshot row, as undoing them one by one would.

    Their touchpoints go first, then the merges still in force are undone together (one of a company by the
    general undo, each in turn), then the contacts the rows created, their losers, are deleted. The candidate
    rows the merges created are added to ``candidates``, for the caller to drop.
    """
    if not rows:
        return
    _delete_touchpoints(session, actor, [r.touchpoint_id for r in rows if r.touchpoint_id])
    wanted = [r.merge_id for r in rows if r.merge_id]
    loaded = {
        op.id: op
        for batch in batches(wanted)
        for op in session.scalars(
            select(MergeOperation)
            .where(MergeOperation.id.in_(batch))
            .execution_options(populate_existing=True)
        )
    }
    pending = [loaded[i] for i in wanted if i in loaded and loaded[i].undone_at is None]
    candidates += created_candidates([op for op in pending if op.entity == "contact"])
    if any(op.entity != "contact" for op in pending):
        for op in pending:
            if op.entity == "contact":
                undo_contact_merges(session, actor, [op], drop_created=False)
            else:
                dedup.undo(session, actor, op)
    else:
        undo_contact_merges(session, actor, pending, drop_created=False)
    people.delete_contacts(session, actor, [r.created_contact_id for r in rows if r.created_contact_id])


def _delete_touchpoints(session: Session, actor: Actor, ids: list[str]) -> None:
    for batch in batches(ids):
        for tp in session.scalars(select(Touchpoint).where(Touchpoint.id.in_(batch))):
            touchpoints.delete_touchpoint(session, actor, tp)


def _undo_segment(session: Session, actor: Actor, rows: list[_Written], restored: dict[str, int]) -> None:
    """Undo rows (newest first) that contain no merge: as undoing them one by one would, with fewer statements.

    Restores of distinct contacts go together (their snapshots hold the rows of their own contacts; a row
    two snapshots hold, a duplicate candidate of both, comes back as the older one had it); a contact restored
    twice starts another wave, so that its oldest snapshot is put back last. No created contact is restored
    (a contact is created before any row updates it), so the deletes come last.
    """
    if not rows:
        return
    _delete_touchpoints(session, actor, [r.touchpoint_id for r in rows if r.touchpoint_id])
    wave: list[_Written] = []
    for row in rows:
        if row.result != UPDATE or row.before is None or not row.contact_id:
            continue
        restored.setdefault(row.contact_id, row.version_after or 0)
        if len(wave) >= WAVE or any(w.contact_id == row.contact_id for w in wave):
            _restore_wave(session, wave)
            wave = []
        wave.append(row)
    _restore_wave(session, wave)
    created = [r.created_contact_id for r in rows if r.result == CREATE and r.created_contact_id]
    people.delete_contacts(session, actor, created)


def _restore_wave(session: Session, wave: list[_Written]) -> None:
    """Put back the snapshots of distinct contacts at once (newest first, so older rows win a shared row)."""
    if not wave:
        return
    combined: dict[str, dict[Any, dict[str, Any]]] = {}
    for row in wave:
        assert row.before is not None
        for key, dumped in row.before.items():
            kept = combined.setdefault(key, {})
            for item in dumped:
                kept[item.get("id") or json.dumps(item, sort_keys=True)] = item
    snap = {key: list(kept.values()) for key, kept in combined.items()}
    restore_contact_snapshot(session, snap, [r.contact_id for r in wave if r.contact_id])


def _renew(session: Session, actor: Actor, imp: ContactImport, restored: dict[str, int]) -> None:
    """Give the restored contacts new versions and search text, logged as updated, so feed followers see them."""
    ids = sorted(restored)
    for batch in batches(ids):
        contacts = list(
            session.scalars(
                select(Contact)
                .where(Contact.id.in_(batch), Contact.status == RecordStatus.ACTIVE)
                .options(
                    selectinload(Contact.emails),
                    selectinload(Contact.phones),
                    selectinload(Contact.addresses),
                )
            )
        )
        now = utcnow()
        for contact in contacts:
            # Back to the values before the import, under a new version.
            people.refresh_search(contact)
            contact.version = max(contact.version, restored[contact.id]) + 1
            contact.updated_at = now
        publish(
            session,
            ContactsWritten(
                org_id=actor.organization_id,
                actor_id=actor.user_id,
                ids=tuple(c.id for c in contacts),
                operation=Operation.UPDATED,
                contacts=tuple(contacts),
                data={"import_id": imp.id, "rolled_back": True},
            ),
        )
