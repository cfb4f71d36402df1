"""What the companies package publishes: a company was written; its people show a new name, or none."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contacts.bus import Change, Event
from contacts.changelog.vocabulary import Entity, Operation
from contacts.companies.models import Company
from contacts.people.models import Contact


@dataclass(frozen=True, kw_only=True)
class CompanyWritten(Event):
    """A company was created, updated or deleted; ``fields`` names what an update changed."""

    company: Company
    operation: Operation
    fields: frozenset[str] = field(default_factory=frozenset)
    data: Mapping[str, Any] | None = None

    def changes(self) -> tuple[Change, ...]:
        """Log the write of this company."""
        return (Change(Entity.COMPANY, (self.company.id,), self.operation, self.data),)


@dataclass(frozen=True, kw_only=True)
class CompanyRenamed(Event):
    """A company's name changed; ``contacts`` work there and show it (published before its CompanyWritten)."""

    company: Company
    contacts: tuple[Contact, ...]

    def changes(self) -> tuple[Change, ...]:
        """Log an update of every contact that shows the company."""
        return (
            Change(
                Entity.CONTACT, tuple(c.id for c in self.contacts), Operation.UPDATED, {"fields": ["company"]}
            ),
        )


@dataclass(frozen=True, kw_only=True)
class CompanyUnlinked(Event):
    """A company deleted with force no longer employs ``contacts`` (their company is already unset)."""

    company: Company
    contacts: tuple[Contact, ...]

    def changes(self) -> tuple[Change, ...]:
        """Log an update of every contact that lost the company."""
        return (
            Change(
                Entity.CONTACT, tuple(c.id for c in self.contacts), Operation.UPDATED, {"fields": ["company"]}
            ),
        )
