"""What the dedup package publishes: merges, their undos and dismissed candidates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contacts.bus import Change, Event
from contacts.changelog.vocabulary import Entity, Operation
from contacts.companies.models import Company
from contacts.people.models import Contact


@dataclass(frozen=True, kw_only=True)
class ContactsMerged(Event):
    """Losers were merged into the winner (values and links already moved, losers marked ``merged``)."""

    winner: Contact
    losers: tuple[Contact, ...]
    data: Mapping[str, Any]
    fields: tuple[str, ...]

    def changes(self) -> tuple[Change, ...]:
        """Log the merge on the winner (with the fields it took) and on each loser."""
        return (
            Change(
                Entity.CONTACT,
                (self.winner.id,),
                Operation.CONTACT_MERGED,
                {**self.data, "fields": sorted(self.fields)},
            ),
            *(
                Change(Entity.CONTACT, (loser.id,), Operation.CONTACT_MERGED, self.data)
                for loser in self.losers
            ),
        )


@dataclass(frozen=True, kw_only=True)
class ContactMergesMade(Event):
    """Contact merges were made together (:mod:`contacts.dedup.merge_many`; a single merge is one of them):
    what as many ``ContactsMerged`` events say, in one event, so that subscribers act on all of them at once."""

    merges: tuple[ContactsMerged, ...]

    def changes(self) -> tuple[Change, ...]:
        """Log each merge as its own ``ContactsMerged`` does."""
        return tuple(change for each in self.merges for change in each.changes())


@dataclass(frozen=True, kw_only=True)
class CompaniesMerged(Event):
    """Companies were merged; ``contacts`` are the people who worked at a loser and now work at the winner."""

    winner: Company
    losers: tuple[Company, ...]
    contacts: tuple[Contact, ...]
    merge_id: str

    def changes(self) -> tuple[Change, ...]:
        """Log the update of every moved contact, then the merge on every company of it."""
        data = {
            "merge_id": self.merge_id,
            "winner_id": self.winner.id,
            "loser_ids": [c.id for c in self.losers],
        }
        return (
            *(
                Change(
                    Entity.CONTACT,
                    (c.id,),
                    Operation.UPDATED,
                    {"fields": ["company"], "merge_id": self.merge_id},
                )
                for c in self.contacts
            ),
            *(
                Change(Entity.COMPANY, (c.id,), Operation.COMPANY_MERGED, data)
                for c in (self.winner, *self.losers)
            ),
        )


@dataclass(frozen=True, kw_only=True)
class MergeUndone(Event):
    """A merge was undone: every record of it is back as it was (``contact_ids`` had their company back).

    A company merge's undo publishes it; contact merges' undos publish theirs inside a ``ContactMergesUndone``.
    """

    entity: Entity
    merge_id: str
    record_ids: tuple[str, ...]
    contact_ids: tuple[str, ...] = ()

    def changes(self) -> tuple[Change, ...]:
        """Log the undo on every merged record, then the contacts whose company it gave back."""
        operation = (
            Operation.COMPANY_MERGE_UNDONE
            if self.entity == Entity.COMPANY
            else Operation.CONTACT_MERGE_UNDONE
        )
        return (
            *(Change(self.entity, (i,), operation, {"merge_id": self.merge_id}) for i in self.record_ids),
            *(
                Change(
                    Entity.CONTACT,
                    (i,),
                    Operation.UPDATED,
                    {"fields": ["company"], "merge_id": self.merge_id, "undone": True},
                )
                for i in self.contact_ids
            ),
        )


@dataclass(frozen=True, kw_only=True)
class ContactMergesUndone(Event):
    """Contact merges were undone together (:mod:`contacts.dedup.undo_many`): what as many ``MergeUndone``
    events say, in one event, so that subscribers act on the contacts of all of them at once."""

    undone: tuple[MergeUndone, ...]

    def changes(self) -> tuple[Change, ...]:
        """Log each undo as its own ``MergeUndone`` does."""
        return tuple(change for each in self.undone for change in each.changes())


@dataclass(frozen=True, kw_only=True)
class CandidateDismissed(Event):
    """A person decided that a proposed pair is not the same record."""

    candidate_id: str
    entity: str
    a_id: str
    b_id: str

    def changes(self) -> tuple[Change, ...]:
        """Log the dismissal."""
        return (
            Change(
                Entity.DUPLICATE_CANDIDATE,
                (self.candidate_id,),
                Operation.DISMISSED,
                {"entity": self.entity, "a_id": self.a_id, "b_id": self.b_id},
            ),
        )
