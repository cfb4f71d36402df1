"""Rollback of a committed import: created contacts deleted, updated ones restored, merges undone.

It refuses, naming the records, when any contact the import wrote changed since (its version moved on):
restoring it would lose that change. Rows are undone newest first, so a contact two rows wrote comes back
to its state before the first.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import batches, utcnow
from contacts.dedup import service as dedup
from contacts.dedup.merge import restore_contact_snapshot
from contacts.dedup.models import MergeOperation
from contacts.errors import Conflict
from contacts.imports.models import ContactImport, ImportRow, ImportStatus
from contacts.imports.plan import CREATE, MERGE_INTO, UPDATE
from contacts.people import service as people
from contacts.people.events import ContactWritten
from contacts.people.models import Contact
from contacts.provenance import Actor
from contacts.status import RecordStatus
from contacts.touchpoints import service as touchpoints
from contacts.touchpoints.models import Touchpoint

NAMED = 20  # how many changed records a refusal names


def _written_rows(session: Session, imp: ContactImport) -> list[ImportRow]:
    return list(
        session.scalars(
            select(ImportRow)
            .where(ImportRow.import_id == imp.id, ImportRow.result.in_((CREATE, UPDATE, MERGE_INTO)))
            .order_by(ImportRow.row_number.desc())
        )
    )


def changed_since(session: Session, rows: list[ImportRow]) -> list[str]:
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
    """Restore the contact base to its state before ``imp``, in the caller's transaction, or refuse (409)."""
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
    restored: dict[str, int] = {}
    for row in rows:
        if row.touchpoint_id:
            tp = session.get(Touchpoint, row.touchpoint_id)
            if tp is not None:
                touchpoints.delete_touchpoint(session, actor, tp)
        if row.result == UPDATE and row.before is not None and row.contact_id:
            restored.setdefault(row.contact_id, row.version_after or 0)
            restore_contact_snapshot(session, row.before, [row.contact_id])
        elif row.result == MERGE_INTO and row.merge_id:
            op = session.get(MergeOperation, row.merge_id)
            if op is not None and op.undone_at is None:
                dedup.undo(session, actor, op)
            _delete(session, actor, row.created_contact_id)
        elif row.result == CREATE:
            _delete(session, actor, row.created_contact_id)
    for contact_id, after in restored.items():
        contact = session.get(Contact, contact_id)
        if contact is None or contact.status != RecordStatus.ACTIVE:
            continue
        # Back to the values before the import, under a new version, so followers of the feed see it.
        people.refresh_search(contact)
        contact.version = max(contact.version, after) + 1
        contact.updated_at = utcnow()
        publish(
            session,
            ContactWritten(
                org_id=actor.organization_id,
                actor_id=actor.user_id,
                contact=contact,
                operation=Operation.UPDATED,
                data={"import_id": imp.id, "rolled_back": True},
            ),
        )
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


def _delete(session: Session, actor: Actor, contact_id: str | None) -> None:
    contact = session.get(Contact, contact_id) if contact_id else None
    if contact is not None and contact.status == RecordStatus.ACTIVE:
        people.delete_contact(session, actor, contact)
