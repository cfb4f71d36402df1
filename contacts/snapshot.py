"""Row snapshots for exact undo: dump rows to JSON, put them back column for column."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from contacts.db import Base, UTCDateTime


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _datetime_columns(table: Table) -> set[str]:
    return {c.name for c in table.columns if isinstance(c.type, UTCDateTime)}


def to_json(model: type[Base], row: dict[str, Any]) -> dict[str, Any]:
    """Turn one row (column name to value) into JSON-safe values."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def from_json(model: type[Base], data: dict[str, Any]) -> dict[str, Any]:
    """Turn a dumped row back into column values."""
    stamps = _datetime_columns(_table(model))
    return {
        k: datetime.fromisoformat(v) if k in stamps and isinstance(v, str) else v for k, v in data.items()
    }


def dump(
    session: Session, model: type[Base], where: ColumnElement[bool], columns: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Return the rows of ``model`` matching ``where`` (all columns, or the named ones), ordered by key."""
    table = _table(model)
    cols = [table.c[name] for name in columns] if columns else list(table.columns)
    order = list(table.primary_key.columns)
    rows = session.execute(select(*cols).where(where).order_by(*order)).mappings()
    return [to_json(model, dict(r)) for r in rows]


def replace(
    session: Session, model: type[Base], where: ColumnElement[bool], rows: list[dict[str, Any]]
) -> None:
    """Delete the rows matching ``where`` and insert the dumped ones exactly as they were."""
    session.execute(delete(_table(model)).where(where))
    if rows:
        session.execute(insert(_table(model)), [from_json(model, r) for r in rows])


def put_back(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Write dumped columns back onto existing rows, matched by primary key (rows gone since are skipped).

    One executemany per set of dumped columns (a dump has one), not a statement per row.
    """
    table = _table(model)
    keys = [c.name for c in table.primary_key.columns]
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for data in rows:
        values = from_json(model, data)
        rest = tuple(k for k in values if k not in keys)
        if rest:
            by_columns.setdefault(rest, []).append(
                {**{f"k_{k}": values[k] for k in keys}, **{f"v_{k}": values[k] for k in rest}}
            )
    for rest, params in by_columns.items():
        statement = (
            update(table)
            .where(*(table.c[k] == bindparam(f"k_{k}") for k in keys))
            .values({k: bindparam(f"v_{k}") for k in rest})
        )
        session.execute(statement, params)
