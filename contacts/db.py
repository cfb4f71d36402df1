"""Database plumbing: declarative base, column types, engine and per-request sessions."""

from __future__ import annotations

import functools
import json
import os
import secrets
import time
from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, g
from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Dialect,
    MetaData,
    String,
    any_,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, SessionTransaction, sessionmaker
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import TypeDecorator

from contacts.errors import NotFound

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


class Base(DeclarativeBase):
    """Declarative base with the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps stored as UTC on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """Return a new opaque, time-ordered, never-reused id (26 Crockford base32 characters, like a ULID)."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(secrets.token_bytes(10), "big")
    out = []
    for _ in range(26):
        out.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(out))


@functools.cache
def _json_loader() -> type[Any]:
    """Return a psycopg loader of json and jsonb text that scans the value with json's C scanner.

    ``json.loads`` of bytes first guesses their encoding, decodes them and checks for whitespace around the
    value; PostgreSQL writes jsonb and what it aggregates as json as UTF-8 without any. A page of contacts
    decodes fifty of each (their sources, their values).
    """
    from psycopg.adapt import Loader

    # the decoder's C scanner (typeshed leaves scan_once out of JSONDecoder's attributes)
    scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]

    class JsonScanLoader(Loader):
        def load(self, data: Any) -> Any:
            text_ = bytes(data).decode()
            try:
                value, end = scan(text_, 0)
            except StopIteration:  # whitespace first (json as stored) or no value: loads says which
                return json.loads(text_)
            return value if end == len(text_) else json.loads(text_)

    return JsonScanLoader


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Python's sqlite3 opens transactions lazily; let SQLAlchemy's BEGIN do it.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # Deleted content is overwritten with zeros, so an erased person's bytes leave the file.
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock up front, so a transaction that reads and then writes
            # waits for another writer instead of failing with SQLITE_BUSY half-way.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **kwargs)
    if engine.dialect.driver == "psycopg":

        @event.listens_for(engine, "connect")
        def _fast_json(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.adapters.register_loader("jsonb", _json_loader())
            dbapi_conn.adapters.register_loader("json", _json_loader())

    return engine


def among(session: Session, column: Any, ids: Collection[str]) -> ColumnElement[bool]:
    """Return ``column`` is one of ``ids``: ``= ANY(:array)`` on PostgreSQL, ``IN (...)`` elsewhere.

    ``IN`` expands to one parameter per id, so every page size is another statement text: another entry in
    SQLAlchemy's compiled cache and never a prepared statement on the server. One array parameter keeps a
    single text, which psycopg prepares after a few executions. SQLite has no arrays and parses quickly.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(String()), unique=True))
    return column.in_(list(ids))


def among_bound(column: Any, name: str, *, postgresql: bool) -> ColumnElement[bool]:
    """Return ``column`` is one of the ids given at execution as parameter ``name``: ``among`` for a statement
    built once and executed many times (a built statement keeps its cache key, so SQLAlchemy does not
    traverse it again on every execution)."""
    if postgresql:
        return column == any_(bindparam(name, type_=ARRAY(String())))
    return column.in_(bindparam(name, expanding=True))


def analyze(session: Session, tables: Sequence[str]) -> None:
    """Refresh the planner's statistics of ``tables`` (PostgreSQL; nothing elsewhere), in the session's
    transaction. For a writer that grows tables fast: a plan made for a small table (a hash join over all of
    it, a sequential scan) is chosen again and again until autovacuum, if on, analyzes it."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql" or not tables:
        return
    quote = bind.dialect.identifier_preparer.quote
    session.execute(text("ANALYZE " + ", ".join(quote(t) for t in tables)))


def planned_rows(session: Session, table: str) -> int:
    """Return the rows the planner's statistics count in ``table`` (PostgreSQL; 0 elsewhere, or before any)."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    found = session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:table)"), {"table": table}
    ).scalar()
    return max(int(found or 0), 0)


def checkpoint_wal(engine: Engine) -> None:
    """Copy SQLite's write-ahead log into the database and truncate it (no-op on other databases).

    Old versions of erased rows live on in the WAL until a checkpoint; TRUNCATE also empties the file.
    Runs on its own connection outside any transaction, after the erasing transaction committed.
    """
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cur.close()
    finally:
        raw.close()


def init_app(app: Flask, engine: Engine) -> None:
    """Attach the engine and a session factory to the app; sessions live for one request."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    app.extensions["meishi.engine"] = engine
    app.extensions["meishi.sessionmaker"] = factory

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_session() -> Session:
    """Return the session of the current app context, opening it on first use."""
    session: Session | None = g.get("db_session")
    if session is None:
        from flask import current_app

        session = current_app.extensions["meishi.sessionmaker"]()
        g.db_session = session
    return session


def session_factory(app: Flask) -> sessionmaker[Session]:
    """Return the app's session factory (for workers and CLI commands outside a request)."""
    factory: sessionmaker[Session] = app.extensions["meishi.sessionmaker"]
    return factory


def hold(session: Session, *rows: Any) -> None:
    """Keep ``rows`` in the session's identity map for as long as the session lives.

    The identity map holds unchanged rows weakly: a row nobody references any more is dropped, and the next
    ``session.get`` of it queries again. A request that has checked a row (its token and user, the rows its
    path names) holds them, so the view finds them without another round trip.
    """
    held: list[Any] = session.info.setdefault("meishi.held", [])
    held.extend(rows)


_NOTES = "meishi.notes"  # session.info: {name: (tables, notes)} of transaction_notes


def transaction_notes(session: Session, name: str, tables: tuple[str, ...]) -> dict[str, Any]:
    """Return what the package keeping notes ``name`` noted of rows it wrote in the current transaction.

    A writer notes what it knows of rows it has just written (a new contact's opt-outs, say), so that the
    answer to the write need not read them back. The notes last until a transaction or savepoint ends, or
    until a statement run through the session writes to one of ``tables``, whoever runs it; rows the unit of
    work adds or deletes are the writer's to note (its own functions do).
    """
    kept: dict[str, tuple[tuple[str, ...], dict[str, Any]]] | None = session.info.get(_NOTES)
    if kept is None:
        kept = session.info[_NOTES] = {}
        if not event.contains(session, "after_transaction_end", _forget_notes):
            event.listen(session, "after_transaction_end", _forget_notes)
            event.listen(session, "do_orm_execute", _forget_written)
    if name not in kept:
        kept[name] = (tables, {})
    return kept[name][1]


def noted(session: Session, name: str) -> dict[str, Any]:
    """Return the notes ``name`` without starting them (empty when there are none)."""
    kept = session.info.get(_NOTES)
    return kept[name][1] if kept and name in kept else {}


def _forget_notes(session: Session, transaction: SessionTransaction) -> None:
    # a flush's inner transaction ends too: the notes outlive it, not a savepoint or the transaction
    if transaction.parent is None or transaction.nested:
        session.info.pop(_NOTES, None)


def _forget_written(state: ORMExecuteState) -> None:
    """Forget the notes of the tables a statement writes to (a raw SQL text: of the tables it names)."""
    kept = state.session.info.get(_NOTES)
    if not kept:
        return
    statement = state.statement
    written: set[str | None]
    if isinstance(statement, TextClause):
        written = {t for tables, _ in kept.values() for t in tables if t in statement.text}
    elif state.is_insert or state.is_update or state.is_delete:
        written = {getattr(getattr(statement, "table", None), "name", None)}
    else:
        return
    forget_notes_of(state.session, written)


def forget_notes_of(session: Session, written: Collection[str | None]) -> None:
    """Forget the notes kept of any of the tables ``written`` (see :func:`transaction_notes`): for a writer that
    writes without a statement the session executes (a COPY on its connection)."""
    kept = session.info.get(_NOTES)
    if not kept:
        return
    for name in [n for n, (tables, _) in kept.items() if set(written) & set(tables)]:
        del kept[name]


Owned = TypeVar("Owned", bound=Base)
Item = TypeVar("Item")

IN_LIST_BATCH = 500  # ids bound into one IN (...) list: well under the 999 parameters of older SQLite builds


def batches(items: Sequence[Item], size: int = IN_LIST_BATCH) -> Iterator[Sequence[Item]]:
    """Yield ``items`` in consecutive slices of at most ``size`` (an IN list per slice stays bounded)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def get_owned(
    session: Session, model: type[Owned], org_id: str, row_id: str, *, what: str | None = None
) -> Owned:
    """Return the organisation's row of ``model`` with id ``row_id``, or raise NotFound ("no such <what>")."""
    row = session.get(model, row_id)
    if row is None or getattr(row, "organization_id", None) != org_id:
        raise NotFound(f"no such {what or model.__name__.lower()}")
    return row
