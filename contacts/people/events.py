"""What the people package publishes: a contact was written, or changed jobs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contacts.bus import Change, Event
from contacts.changelog.vocabulary import Entity, Operation
from contacts.people.models import Contact


@dataclass(frozen=True, kw_only=True)
class ContactWritten(Event):
    """A contact was created, updated, deleted or restored (its search text and version already current).

    ``auto_merge`` (cards, imports): a new contact the matching engine is sure of merges into its twin.
    """

    contact: Contact
    operation: Operation
    data: Mapping[str, Any] | None = None
    auto_merge: bool = False

    def changes(self) -> tuple[Change, ...]:
        """Log the write of this contact."""
        return (Change(Entity.CONTACT, (self.contact.id,), self.operation, self.data),)


@dataclass(frozen=True, kw_only=True)
class ContactsWritten(Event):
    """Many contacts were written the same way at once (a chunk of an import, its rollback): one change-log
    row each, numbered in one range.

    Created ones were matched by their writer, which stored their keys and candidates itself
    (``contacts.dedup.matching.store_matched``); updated ones are also given loaded (``contacts``), for the
    subscribers that recompute what they keep from a contact's values.
    """

    ids: tuple[str, ...]
    operation: Operation
    contacts: tuple[Contact, ...] = ()
    data: Mapping[str, Any] | None = None

    def changes(self) -> tuple[Change, ...]:
        """Log the write of every contact, in one range of sequence numbers."""
        return (Change(Entity.CONTACT, self.ids, self.operation, self.data),) if self.ids else ()


@dataclass(frozen=True, kw_only=True)
class JobChanged(Event):
    """A contact moved from one company to another (the employment history has the new entry)."""

    contact: Contact
    from_company_id: str | None
    to_company_id: str | None

    def changes(self) -> tuple[Change, ...]:
        """Log the job change."""
        return (
            Change(
                Entity.CONTACT,
                (self.contact.id,),
                Operation.CONTACT_JOB_CHANGED,
                {"from_company_id": self.from_company_id, "to_company_id": self.to_company_id},
            ),
        )
