"""Append to the change log; the only writer of change_log rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from contacts.auth.models import Organization
from contacts.changelog.models import ChangeLogEntry


def record(session: Session, org_id: str, entity: str, entity_id: str, operation: str,
           actor_id: str | None, data: dict[str, Any] | None = None) -> ChangeLogEntry:
    """Append one change with the organisation's next sequence number.

    The counter row is updated in the caller's transaction, so concurrent writers of one organisation
    serialise on it and the sequence has no gaps and no reuse.
    """
    seq = session.execute(
        update(Organization).where(Organization.id == org_id)
        .values(change_seq=Organization.change_seq + 1).returning(Organization.change_seq)
    ).scalar_one()
    entry = ChangeLogEntry(organization_id=org_id, seq=seq, entity=entity, entity_id=entity_id,
                           operation=operation, actor_id=actor_id, data=data)
    session.add(entry)
    return entry
