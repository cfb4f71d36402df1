"""Append to the change log; the only writer of change_log rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, insert, select, update
from sqlalchemy.orm import Session

from contacts.auth.models import Organization
from contacts.changelog.models import ChangeLogEntry
from contacts.changelog.schemas import ChangeOut
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import utcnow
from contacts.errors import Gone, ValidationFailed


def _reserve(session: Session, org_id: str, count: int) -> int:
    """Advance the organisation's counter by ``count`` and return the first reserved number.

    The counter row is updated in the caller's transaction, so concurrent writers of one organisation
    serialise on it and the sequence has no gaps and no reuse.
    """
    last = session.execute(
        update(Organization)
        .where(Organization.id == org_id)
        .values(change_seq=Organization.change_seq + count)
        .returning(Organization.change_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return int(last) - count + 1


def record(
    session: Session,
    org_id: str,
    entity: Entity,
    entity_id: str,
    operation: Operation,
    actor_id: str | None,
    data: dict[str, Any] | None = None,
) -> ChangeLogEntry:
    """Append one change with the organisation's next sequence number."""
    seq = _reserve(session, org_id, 1)
    entry = ChangeLogEntry(
        organization_id=org_id,
        seq=seq,
        entity=entity.value,
        entity_id=entity_id,
        operation=operation.value,
        actor_id=actor_id,
        data=data,
    )
    session.add(entry)
    return entry


def record_many(
    session: Session,
    org_id: str,
    entity: Entity,
    entity_ids: Sequence[str],
    operation: Operation,
    actor_id: str | None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append the same change for many entities with one counter update and one bulk insert."""
    if not entity_ids:
        return
    first = _reserve(session, org_id, len(entity_ids))
    now = utcnow()
    session.execute(
        insert(ChangeLogEntry),
        [
            {
                "organization_id": org_id,
                "seq": first + i,
                "entity": entity.value,
                "entity_id": entity_id,
                "operation": operation.value,
                "actor_id": actor_id,
                "data": data,
                "occurred_at": now,
            }
            for i, entity_id in enumerate(entity_ids)
        ],
    )


def change_out(entry: ChangeLogEntry) -> ChangeOut:
    """Serialise a change-log row (the feed, webhook deliveries and personal-data exports show this shape)."""
    return ChangeOut.model_validate(entry, from_attributes=True)


def head(session: Session, org_id: str) -> int:
    """Return the organisation's last sequence number (0 before its first change)."""
    return int(session.scalar(select(Organization.change_seq).where(Organization.id == org_id)) or 0)


def check_position(session: Session, org_id: str, after: int, last: int) -> None:
    """Refuse a position the feed cannot continue from: ahead of it (422), or older than it keeps (410)."""
    if after > last:
        raise ValidationFailed(
            f"the cursor is ahead of this organisation's feed (its last change is {last})",
            errors=[
                {"field": "cursor", "message": f"after {after} > last_seq {last}", "code": "cursor_ahead"}
            ],
        )
    if after == last:
        return
    oldest = session.scalar(
        select(func.min(ChangeLogEntry.seq)).where(ChangeLogEntry.organization_id == org_id)
    )
    if oldest is None or after < oldest - 1:
        raise Gone(
            f"changes after {after} are older than the feed keeps (MEISHI_CHANGES_RETENTION_DAYS); resync: "
            "read GET /api/v1/changes/cursor, snapshot every resource through its list endpoint, then "
            "follow the feed from that cursor"
        )


def prune(session: Session, older_than: datetime) -> int:
    """Delete change-log rows that happened before ``older_than`` (every organisation); return how many."""
    result = cast(
        CursorResult[Any],
        session.execute(delete(ChangeLogEntry).where(ChangeLogEntry.occurred_at < older_than)),
    )
    return int(result.rowcount)


def prune_by_retention(session: Session, days: int) -> int:
    """Delete change-log rows older than ``days``."""
    return prune(session, utcnow() - timedelta(days=days))
