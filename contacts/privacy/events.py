"""What the privacy package publishes: a person was erased."""

from __future__ import annotations

from dataclasses import dataclass

from contacts.bus import Change, Event
from contacts.changelog.vocabulary import Entity, Operation


@dataclass(frozen=True, kw_only=True)
class PersonErased(Event):
    """Every record of a person is gone: ``contact_ids`` (the contact and those merged into it)."""

    contact_ids: tuple[str, ...]
    reason: str | None = None

    def changes(self) -> tuple[Change, ...]:
        """Log each contact as erased, so systems that synced the person delete it too."""
        return (
            Change(
                Entity.CONTACT,
                self.contact_ids,
                Operation.ERASED,
                {"reason": self.reason} if self.reason else None,
            ),
        )
