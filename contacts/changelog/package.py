"""How the changelog package (the change feed) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_
from sqlalchemy.orm import Session

from contacts.changelog.api import bp
from contacts.changelog.models import IdempotencyRecord
from contacts.ownership import Erasure, OwnedRows
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint and the stored responses kept per contact."""
    registry.blueprint(bp)
    registry.owns(OwnedRows(key="idempotency_key", erase=erase_responses))


def erase_responses(session: Session, erasure: Erasure) -> dict[str, int]:
    """Delete the stored idempotent responses that repeat the person's values."""
    result = cast(
        CursorResult[Any],
        session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.organization_id == erasure.org_id,
                or_(*(IdempotencyRecord.response_body.contains(i) for i in erasure.contact_ids)),
            )
        ),
    )
    return {"idempotency_records": int(result.rowcount)}
