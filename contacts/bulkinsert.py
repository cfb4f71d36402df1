"""Batched INSERTs of many rows, and ORM objects written that way made persistent without a flush.

A flush of many new objects costs the ORM's unit of work per object, and psycopg's ``executemany`` sends one
execution per row (in a pipeline). :func:`insert_rows` asks for the primary key back, which makes SQLAlchemy's
"insertmanyvalues" send one multi-row ``INSERT ... VALUES`` per thousand rows (on PostgreSQL and SQLite); and
:func:`object_rows` / :func:`attach` let a writer insert objects it built that way and then use them as if it
had flushed them (in the identity map, every column loaded, nothing pending).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, insert, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from contacts.db import Base


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def insert_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (column key to value) into ``model``'s table, in the session's transaction, with one
    statement per thousand rows that name the same columns."""
    table = _table(model)
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(row), []).append(row)
    for same in by_columns.values():
        session.execute(insert(table).returning(*table.primary_key.columns), same).all()


@functools.cache
def _columns(model: type[Base]) -> tuple[tuple[str, str, Any], ...]:
    """(attribute key, column key, Python-side default or None) of each column of ``model``."""
    out = []
    for prop in inspect(model).column_attrs:
        column = prop.columns[0]
        out.append((prop.key, column.key, column.default))
    return tuple(out)


def object_rows(objects: Iterable[Base]) -> list[dict[str, Any]]:
    """Return the row of each new (transient) object as its flush would insert it: each column's value as set,
    else its Python-side default, else nothing (SQL NULL: a JSON column's None would be JSON null). The values
    taken from defaults are set on the object too, so that once written and :func:`attach` ed it holds every
    column."""
    rows = []
    for obj in objects:
        state = obj.__dict__
        row: dict[str, Any] = {}
        for attr, key, default in _columns(type(obj)):
            if attr in state:
                value = state[attr]
            elif default is None:
                continue
            else:  # a scalar, or a Python callable SQLAlchemy wrapped to take the execution context
                value = default.arg if default.is_scalar else default.arg(None)
                setattr(obj, attr, value)
            row[key] = value
        rows.append(row)
    return rows


def attach(session: Session, objects: Iterable[Base]) -> None:
    """Make objects whose rows were inserted (see :func:`object_rows`) persistent in the session, as if
    flushed: their attributes become their loaded state, nothing is written for them."""
    objects = list(objects)
    for obj in objects:
        make_transient_to_detached(obj)
        for attr, _, _ in _columns(type(obj)):
            if attr not in obj.__dict__:  # inserted as NULL: loaded as None, not expired
                set_committed_value(obj, attr, None)
    for obj in objects:
        session.add(obj)
