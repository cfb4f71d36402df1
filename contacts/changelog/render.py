"""Help packages render their records for ``GET /changes?include=data``: rows by id, in batches, as JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ExecutableOption

from contacts.db import batches

M = TypeVar("M")


def by_ids(
    session: Session, model: type[M], org_id: str, ids: Sequence[str], *options: ExecutableOption
) -> list[M]:
    """Load the organisation's rows of ``model`` with these ids (one query per chunk of 500)."""
    rows: list[M] = []
    column = model.id  # type: ignore[attr-defined]
    org = model.organization_id  # type: ignore[attr-defined]
    for batch in batches(ids):
        stmt = select(model).where(org == org_id, column.in_(batch)).options(*options)
        rows += session.scalars(stmt).all()
    return rows


def as_json(
    outs: Iterable[BaseModel], key: Callable[[Any], str] = lambda o: str(o.id)
) -> dict[str, dict[str, Any]]:
    """Map each serialised record's id to its JSON."""
    return {key(o): o.model_dump(mode="json") for o in outs}
