"""What the cards package publishes: a card became (part of) a contact."""

from __future__ import annotations

from dataclasses import dataclass

from contacts.bus import Change, Event
from contacts.changelog.vocabulary import Entity, Operation


@dataclass(frozen=True, kw_only=True)
class CardConfirmed(Event):
    """A card was confirmed into ``contact_id`` (``actor_id`` None: the worker confirmed it by itself)."""

    card_id: str
    contact_id: str

    def changes(self) -> tuple[Change, ...]:
        """Log the confirmation."""
        return (
            Change(
                Entity.CARD,
                (self.card_id,),
                Operation.CONFIRMED,
                {"contact_id": self.contact_id, "automatic": self.actor_id is None},
            ),
        )
