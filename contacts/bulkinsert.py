"""Batched INSERTs of many new ORM objects without the ORM's unit of work, the objects then persistent.

A flush of many new objects costs the unit of work's bookkeeping per object and per attribute. A writer of
many (an import's chunk) takes their rows with :func:`object_rows` (as the flush would insert them, defaults
applied), inserts them with :func:`insert_rows` (a Core executemany per table, which psycopg 3 pipelines),
and :func:`attach` es the objects to the session as if flushed: in the identity map, every column loaded,
nothing pending. (Multi-row ``INSERT ... VALUES``, SQLAlchemy's "insertmanyvalues", was slower: psycopg
converts the placeholders of such a long statement anew each time, about a tenth of a second for 500 rows.)
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
    """Insert ``rows`` (column key to value) into ``model``'s table, in the session's transaction: one
    executemany of the table's INSERT per set of columns named (psycopg pipelines its executions)."""
    table = _table(model)
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(row), []).append(row)
    for same in by_columns.values():
        session.execute(insert(table), same)


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
    flushed: their attributes become their loaded state, nothing is written for them. Give parents before
    their children: adding a parent cascades to them."""
    objects = list(objects)
    for obj in objects:
        make_transient_to_detached(obj)
        for attr, _, _ in _columns(type(obj)):
            if attr not in obj.__dict__:  # inserted as NULL: loaded as None, not expired
                set_committed_value(obj, attr, None)
    for obj in objects:
        if obj not in session:  # not added already by the cascade from an object before it (its parent)
            session.add(obj)
