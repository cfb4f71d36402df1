"""The one publisher: a typed event is written to the change log, then handed to its subscribers.

Events are frozen dataclasses (``ContactWritten``, ``CompanyRenamed``, ...) that each domain package defines
next to its service. :func:`publish` runs in the caller's transaction: it logs the event's changes
(:meth:`Event.changes`; the rows are numbered and written as the transaction commits), then calls, in order, the subscribers registered for exactly that event type. The
subscriber table is built in ``create_app`` from every package's ``register`` (see ``contacts.packages``);
there are no wildcards, so the table printed by :func:`Subscribers.table` is the whole wiring.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from contacts.changelog import service as changelog
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import utcnow


@dataclass(frozen=True)
class Change:
    """One change-log row per id: ``operation`` happened to the ``entity`` records ``ids``."""

    entity: Entity
    ids: tuple[str, ...]
    operation: Operation
    data: Mapping[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class Event:
    """Something that happened in an organisation, by an actor (None for the system)."""

    org_id: str
    actor_id: str | None

    def changes(self) -> tuple[Change, ...]:
        """Return the change-log rows this event writes (none by default)."""
        return ()


@dataclass(frozen=True, kw_only=True)
class Recorded(Event):
    """A write no other package reacts to: only its change-log row(s)."""

    entity: Entity
    ids: tuple[str, ...]
    operation: Operation
    data: Mapping[str, Any] | None = None

    def changes(self) -> tuple[Change, ...]:
        """Return the one change this event is."""
        return (Change(self.entity, self.ids, self.operation, self.data),)


Subscriber = Callable[[Session, Any], None]


@dataclass
class Subscribers:
    """Which functions run for which event type, in registration order."""

    _table: dict[type[Event], list[Subscriber]] = field(default_factory=dict)

    def subscribe(self, event_type: type[Event], subscriber: Subscriber) -> None:
        """Run ``subscriber(session, event)`` after every published event of exactly ``event_type``."""
        if event_type in (Event, Recorded) or not issubclass(event_type, Event):
            raise TypeError(f"subscribe to one concrete event type, not {event_type.__name__}")
        handlers = self._table.setdefault(event_type, [])
        if subscriber not in handlers:
            handlers.append(subscriber)

    def of(self, event_type: type[Event]) -> list[Subscriber]:
        """Return the subscribers of ``event_type``."""
        return self._table.get(event_type, [])

    def table(self) -> list[tuple[str, list[str]]]:
        """Return (event, [subscriber, ...]) rows, events by name, for documentation and tests."""
        return sorted(
            (event.__name__, [f"{s.__module__}.{s.__qualname__}" for s in subs])
            for event, subs in self._table.items()
        )


_installed: Subscribers | None = None


def install(subscribers: Subscribers) -> None:
    """Make ``subscribers`` the table :func:`publish` uses (``create_app`` does this)."""
    global _installed
    _installed = subscribers


def installed() -> Subscribers:
    """Return the installed subscriber table; publishing before ``create_app`` is a programming error."""
    if _installed is None:
        raise RuntimeError("no subscribers installed: create the app (contacts.app.create_app) first")
    return _installed


def publish(session: Session, event: Event) -> None:
    """Log the event's changes, then run its subscribers, all in the caller's transaction.

    The change-log rows are numbered and written when the transaction commits (``changelog.defer``).
    """
    subscribers = installed().of(type(event))
    for change in event.changes():
        data = dict(change.data) if change.data is not None else None
        changelog.defer(
            session, event.org_id, change.entity, change.ids, change.operation, event.actor_id, data
        )
    for subscriber in subscribers:
        subscriber(session, event)


def bump_and_record(
    session: Session,
    model: Any,
    ids: list[str],
    *,
    org_id: str,
    actor_id: str | None,
    entity: Entity,
    data: Mapping[str, Any],
    synchronize: str | bool = False,
) -> None:
    """Give the rows ``ids`` of ``model`` a new version and log them as updated with ``data``.

    One set-based UPDATE: for rows whose JSON another record's change altered (moved by a merge, re-pointed,
    shown differently), so that a feed follower sees them change.
    """
    if not ids:
        return
    session.execute(
        update(model)
        .where(model.id.in_(ids))
        .values(version=model.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=synchronize)
    )
    publish(
        session,
        Recorded(
            org_id=org_id,
            actor_id=actor_id,
            entity=entity,
            ids=tuple(ids),
            operation=Operation.UPDATED,
            data=data,
        ),
    )
