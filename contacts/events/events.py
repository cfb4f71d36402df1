"""What the events package publishes for other packages to react to."""

from __future__ import annotations

from dataclasses import dataclass

from contacts.bus import Change, Event
from contacts.changelog.vocabulary import Entity, Operation


@dataclass(frozen=True, kw_only=True)
class EventDeleted(Event):
    """A trade-show event is being deleted (still in the database: subscribers unlink what names it)."""

    event_id: str
    name: str

    def changes(self) -> tuple[Change, ...]:
        """Log the deletion of the event."""
        return (Change(Entity.EVENT, (self.event_id,), Operation.DELETED, {"name": self.name}),)


@dataclass(frozen=True, kw_only=True)
class MembersUnsubscribed(Event):
    """Campaign members moved to ``unsubscribed`` (their change-log rows are the members' updates).

    The opt-outs package opts the contacts out of e-mail.
    """

    campaign_id: str
    contact_ids: tuple[str, ...]
