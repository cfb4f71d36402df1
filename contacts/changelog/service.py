"""Append to the change log; the only writer of change_log rows.

A write's changes are numbered when its transaction commits, not when they happen: :func:`defer` keeps them
on the session, and just before the commit :func:`write_deferred` takes each organisation's counter row once
and inserts them. The counter's row lock (which serialises the organisation's writers, so that numbers are
gap-free and in commit order) is then held for those two statements and the commit only, not for the rest
of the write: matching, reading the record back, serialising it. A savepoint rolled back drops the changes
deferred inside it. On PostgreSQL the counter update and the insert are one statement (a data-modifying
``WITH``), so the lock is held for one round trip and the commit.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, cast

from flask import Flask
from sqlalchemy import (
    CursorResult,
    Table,
    Update,
    bindparam,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session, SessionTransaction

from contacts.auth.models import Organization
from contacts.changelog.models import ChangeLogEntry
from contacts.changelog.schemas import ChangeOut
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import session_factory, utcnow
from contacts.errors import Gone, ValidationFailed

log = logging.getLogger(__name__)

DEFERRED_KEY = "meishi.deferred_changes"


def _reserve(session: Session, org_id: str, count: int) -> int:
    """Advance the organisation's counter by ``count`` and return the first reserved number.

    The counter row is updated in the caller's transaction, so concurrent writers of one organisation
    serialise on it and the sequence has no gaps and no reuse.
    """
    last = session.execute(_advance_counter(), {"org_id": org_id, "count": count}).scalar_one()
    return int(last) - count + 1


@functools.cache
def _advance_counter() -> Update:
    """Return the counter update of :func:`_reserve`, built once, on the table (no ORM session sync to
    skip): every write runs it while it holds the organisation's lock."""
    table = cast(Table, Organization.__table__)
    return (
        update(table)
        .where(table.c.id == bindparam("org_id"))
        .values(change_seq=table.c.change_seq + bindparam("count"))
        .returning(table.c.change_seq)
    )


@dataclass(frozen=True)
class _Deferred:
    """Changes to number at commit, and the (innermost) transaction that made them."""

    transaction: SessionTransaction
    org_id: str
    entity: Entity
    entity_ids: tuple[str, ...]
    operation: Operation
    actor_id: str | None
    data: dict[str, Any] | None
    occurred_at: datetime


def defer(
    session: Session,
    org_id: str,
    entity: Entity,
    entity_ids: Sequence[str],
    operation: Operation,
    actor_id: str | None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one change per entity when the session's transaction commits (see the module docstring)."""
    if not entity_ids:
        return
    # the innermost transaction, begun if need be as the write that made the change would have: a rollback
    # of it must forget the change
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(DEFERRED_KEY, []).append(
        _Deferred(transaction, org_id, entity, tuple(entity_ids), operation, actor_id, data, utcnow())
    )


def write_deferred(session: Session) -> None:
    """Number and insert the session's deferred changes: per organisation, one counter update and one insert
    (one statement for both on PostgreSQL)."""
    deferred: list[_Deferred] = session.info.pop(DEFERRED_KEY, [])
    if not deferred:
        return
    by_org: dict[str, list[_Deferred]] = {}
    for item in deferred:
        by_org.setdefault(item.org_id, []).append(item)
    postgresql = session.get_bind().dialect.name == "postgresql"
    rows = []
    for org_id in sorted(by_org):  # one lock order for every writer
        items = by_org[org_id]
        count = sum(len(item.entity_ids) for item in items)
        if postgresql:
            _reserve_and_insert(session, org_id, count, items)
            continue
        seq = _reserve(session, org_id, count)
        for item in items:
            for entity_id in item.entity_ids:
                rows.append(
                    {
                        "organization_id": org_id,
                        "seq": seq,
                        "entity": item.entity.value,
                        "entity_id": entity_id,
                        "operation": item.operation.value,
                        "actor_id": item.actor_id,
                        "data": item.data,
                        "occurred_at": item.occurred_at,
                    }
                )
                seq += 1
    if rows:
        # into the table: the ORM's bulk insert would add its bookkeeping for rows no one reads back
        session.execute(insert(cast(Table, ChangeLogEntry.__table__)), rows)


#: The counter update and the insert of the numbered rows in one statement (PostgreSQL). The rows come as
#: parallel arrays in their order; row n (from 1) gets the number last - count + n, as :func:`_reserve`
#: numbers them. ``data`` travels as JSON text (``null`` for None, as the JSON column stores it).
_RESERVE_AND_INSERT: Final = text(
    "WITH counter AS (UPDATE organization SET change_seq = change_seq + :count WHERE id = :org_id "
    "RETURNING change_seq) "
    "INSERT INTO change_log (organization_id, seq, entity, entity_id, operation, actor_id, data, occurred_at) "
    "SELECT :org_id, counter.change_seq - :count + r.n, r.entity, r.entity_id, r.operation, r.actor_id, "
    "CAST(r.data AS jsonb), r.occurred_at FROM counter, "
    "unnest(CAST(:entities AS text[]), CAST(:entity_ids AS text[]), CAST(:operations AS text[]), "
    "CAST(:actor_ids AS text[]), CAST(:data AS text[]), CAST(:occurred_at AS timestamptz[])) "
    "WITH ORDINALITY AS r(entity, entity_id, operation, actor_id, data, occurred_at, n) ORDER BY r.n"
)


def _reserve_and_insert(session: Session, org_id: str, count: int, items: list[_Deferred]) -> None:
    """Advance the organisation's counter by ``count`` and insert its numbered rows, in one statement."""
    columns: dict[str, list[Any]] = {
        name: [] for name in ("entities", "entity_ids", "operations", "actor_ids", "data", "occurred_at")
    }
    for item in items:
        data = json.dumps(item.data)  # the JSON column's serialiser (None is stored as JSON null)
        occurred_at = item.occurred_at.astimezone(UTC)
        for entity_id in item.entity_ids:
            columns["entities"].append(item.entity.value)
            columns["entity_ids"].append(entity_id)
            columns["operations"].append(item.operation.value)
            columns["actor_ids"].append(item.actor_id)
            columns["data"].append(data)
            columns["occurred_at"].append(occurred_at)
    result = session.execute(_RESERVE_AND_INSERT, {"org_id": org_id, "count": count, **columns})
    if cast(CursorResult[Any], result).rowcount != count:  # no counter row, as _reserve's scalar_one()
        raise NoResultFound(f"no organisation {org_id!r} to number its changes")


def _within(transaction: SessionTransaction, ended: SessionTransaction) -> bool:
    current: SessionTransaction | None = transaction
    while current is not None:
        if current is ended:
            return True
        current = current.parent
    return False


def drop_rolled_back(session: Session, rolled_back: SessionTransaction) -> None:
    """Forget the deferred changes made inside a transaction or savepoint that rolled back."""
    deferred: list[_Deferred] | None = session.info.get(DEFERRED_KEY)
    if not deferred:
        return
    if rolled_back.parent is None:
        session.info.pop(DEFERRED_KEY, None)
        return
    session.info[DEFERRED_KEY] = [d for d in deferred if not _within(d.transaction, rolled_back)]


def init_app(app: Flask) -> None:
    """Write deferred changes as each session of the app commits (a savepoint's commit leaves them pending)."""
    factory = session_factory(app)

    @event.listens_for(factory, "before_commit")
    def _write(session: Session) -> None:
        if not session.in_nested_transaction():
            write_deferred(session)

    @event.listens_for(factory, "after_soft_rollback")
    def _drop(session: Session, previous: SessionTransaction) -> None:
        drop_rolled_back(session, previous)

    @event.listens_for(factory, "after_commit")
    def _check(session: Session) -> None:
        if not session.in_nested_transaction() and session.info.pop(DEFERRED_KEY, None):
            log.error("a commit with a savepoint still open left changes out of the change log")


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
