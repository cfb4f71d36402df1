"""Batched INSERTs of many new ORM objects without the ORM's unit of work, the objects then persistent.

A flush of many new objects costs the unit of work's bookkeeping per object and per attribute. A writer of
many (an import's chunk) takes their rows with :func:`object_rows` (as the flush would insert them, defaults
applied), inserts them with :func:`insert_rows` (a Core executemany per table, a COPY on PostgreSQL),
and :func:`attach` es the objects to the session as if flushed: in the identity map, every column loaded,
nothing pending. (Multi-row ``INSERT ... VALUES``, SQLAlchemy's "insertmanyvalues", was slower: psycopg
converts the placeholders of such a long statement anew each time, about a tenth of a second for 500 rows.)

On PostgreSQL (psycopg) the rows go in with ``COPY ... FROM STDIN`` instead: psycopg pipelines an
executemany, but it and SQLAlchemy work per row and per parameter in Python (insert_rows took about a quarter
of a profiled all-new import's commit); psycopg formats COPY's rows in C. The values are those the executemany
sends: each column's bind processor applied (JSON wrapped for psycopg, timestamps made UTC), then dumped by
psycopg's own dumpers, in COPY's text format.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Dialect, Table, insert, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from contacts.db import Base, forget_notes_of


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def insert_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (column key to value) into ``model``'s table, in the session's transaction: per set of
    columns named, one COPY on PostgreSQL (psycopg), elsewhere one executemany of the table's INSERT.

    A COPY took less CPU and time from one row on (contact_email rows: 0.07 against 0.11 ms of CPU for one,
    0.13 against 0.26 ms for eight, 0.6 against 1.2 ms for 64), so every set of rows gets one there.
    """
    table = _table(model)
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(row), []).append(row)
    copying = _copies(session)
    for columns, same in by_columns.items():
        if copying:
            _copy(session, table, columns, same)
        else:
            session.execute(insert(table), same)


def _copies(session: Session) -> bool:
    """Tell whether the session's database is written with COPY (PostgreSQL through psycopg)."""
    return session.get_bind().dialect.driver == "psycopg"


def _copy(session: Session, table: Table, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` (each naming ``columns``) into ``table`` with one ``COPY ... FROM STDIN`` on the session's
    connection, in its transaction."""
    connection = session.connection()
    dialect = connection.dialect
    names, processors = _copy_columns(table, columns, dialect)
    statement = f"COPY {dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN"
    # What a statement the session executes does to the notes of the rows written (see transaction_notes).
    forget_notes_of(session, {table.name})
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = [row[key] for key in columns]
                for i, process in processors:
                    values[i] = process(values[i])
                copy.write_row(values)
    except dialect.loaded_dbapi.Error as e:
        # raised as SQLAlchemy raises the executemany's errors (an IntegrityError...)
        raise DBAPIError.instance(statement, None, e, dialect.loaded_dbapi.Error) from e


@functools.lru_cache(maxsize=256)
def _copy_columns(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[tuple[int, Callable[[Any], Any]], ...]]:
    """Return the quoted column list of a COPY of ``columns`` and, by position, the bind processor of each
    column that has one (the executemany applies them; the others' values go to psycopg as they are)."""
    quote = dialect.identifier_preparer.quote
    processors = []
    for i, key in enumerate(columns):
        process = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((i, process))
    return ", ".join(quote(table.c[key].name) for key in columns), tuple(processors)


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
