"""Make many contact merges at once, as making them one by one would, with statements shared among them.

For callers that merge in bulk (an import's chunk), and for :func:`merge_contacts`, a call with one merge.
The merges of one call share no contact and no snapshot row (:class:`MergesNotApart` otherwise), so the
order among them does not matter: their contacts are locked and their snapshots dumped
together, the packages that can move the rows of many merges at once do, and one ``ContactMergesMade`` event
holds a ``ContactsMerged`` per merge. Each merge still gets its own operation and snapshot, undoable alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from contacts import ownership
from contacts.bus import publish
from contacts.db import IN_LIST_BATCH, new_id
from contacts.dedup import stored
from contacts.dedup.events import ContactMergesMade, ContactsMerged
from contacts.dedup.merge import (
    MADE,
    VALUES,
    carry_dismissals,
    check_choices,
    check_group,
    choose_fields,
    contact_snapshot,
    lock_rows,
    merge_values,
    move_links,
    row_contacts,
    settle_employment,
)
from contacts.dedup.models import MergeOperation
from contacts.errors import Conflict
from contacts.people import service as people
from contacts.people.models import Contact
from contacts.provenance import Actor
from contacts.status import RecordStatus

#: A merge to make: (winner id, loser ids) or (winner id, loser ids, field choices).
Group = tuple[str, Sequence[str]] | tuple[str, Sequence[str], dict[str, str] | None]
Snapshot = dict[str, list[dict[str, Any]]]


class MergesNotApart(Conflict):
    """Merges asked for together share a contact or a snapshot row: they cannot be made (nor undone) apart.

    A caller that merges in bulk makes them one by one instead.
    """


@dataclass
class _Merge:
    """One merge of the call, as it is made."""

    winner: Contact
    losers: list[Contact]
    choices: dict[str, str]
    op: MergeOperation
    before: Snapshot


def merge_groups(
    session: Session, actor: Actor, groups: Sequence[Group], *, automatic: bool
) -> list[MergeOperation]:
    """Merge each group's losers into its winner in the caller's transaction; return the operations, in the
    order of the groups, each undoable alone (see the module's docstring)."""
    org_id = actor.organization_id
    wanted = [(g[0], check_group(g[0], g[1]), dict((g[2] if len(g) > 2 else None) or {})) for g in groups]
    members = [[winner_id, *loser_ids] for winner_id, loser_ids, _ in wanted]
    group_of: dict[str, int] = {}
    for index, ids in enumerate(members):
        for contact_id in ids:
            if group_of.setdefault(contact_id, index) != index:
                raise MergesNotApart(f"contact {contact_id} is in two of the merges asked for together")
    # Held until the merges are made: the session keeps unchanged rows by weak reference only.
    locked = lock_rows(session, Contact, list(group_of), *VALUES)
    participants = []
    for (winner_id, loser_ids, choices), ids in zip(wanted, members, strict=True):
        winner = people.get_active_contact(session, org_id, winner_id)
        losers = [people.get_active_contact(session, org_id, i) for i in loser_ids]
        check_choices(choices, set(ids))
        participants.append((winner, losers, choices))
    merges: list[_Merge] = []
    befores = _snapshots(session, members, group_of)
    for (winner, losers, choices), before in zip(participants, befores, strict=True):
        op = MergeOperation(
            id=new_id(),
            organization_id=org_id,
            entity="contact",
            winner_id=winner.id,
            loser_ids=[c.id for c in losers],
            field_choices=choices,
            automatic=automatic,
            created_by=actor.user_id,
            snapshot={},
        )
        merges.append(_Merge(winner, losers, choices, op, before))
    made = session.info.setdefault(MADE, {})
    settling = []
    changed: list[list[str]] = []
    dropped: list[list[dict[str, Any]]] = []
    for m in merges:
        made.update(dict.fromkeys(m.op.loser_ids, m.op.id))
        source = actor.source("merge", m.op.id)
        settling.append((m.winner, source, m.winner.company_id, m.winner.title))
        changed.append(choose_fields(m.winner, m.losers, m.choices, source.stamp()))
        dropped.append(merge_values(m.winner, m.losers))
    move_links(
        session,
        [
            (
                ownership.Merge(
                    org_id=org_id,
                    actor_id=actor.user_id,
                    winner_id=m.winner.id,
                    loser_ids=list(m.op.loser_ids),
                    merge_id=m.op.id,
                ),
                m.before,
            )
            for m in merges
        ],
    )
    carried = [
        carry_dismissals(session, m.winner, list(m.op.loser_ids), m.before["duplicate_candidate"])
        for m in merges
    ]
    settle_employment(session, settling)
    for m in merges:
        for loser in m.losers:
            loser.status = RecordStatus.MERGED
            loser.merged_into_id = m.winner.id
    session.flush()
    stored.drop_keys(session, [i for m in merges for i in m.op.loser_ids])
    stored.store_keys_many(session, org_id, [stored.keys_of(m.winner) for m in merges])
    # The people package refreshes the winners' search text and bumps every version (see contacts.packages).
    publish(
        session,
        ContactMergesMade(
            org_id=org_id,
            actor_id=actor.user_id,
            merges=tuple(
                ContactsMerged(
                    org_id=org_id,
                    actor_id=actor.user_id,
                    winner=m.winner,
                    losers=tuple(m.losers),
                    data={
                        "merge_id": m.op.id,
                        "winner_id": m.winner.id,
                        "loser_ids": m.op.loser_ids,
                        "automatic": automatic,
                    },
                    fields=tuple(fields),
                )
                for m, fields in zip(merges, changed, strict=True)
            ),
        ),
    )
    for m, lost, created in zip(merges, dropped, carried, strict=True):
        m.op.snapshot = {
            "before": m.before,
            "dropped": lost,
            "after": {c.id: c.version for c in (m.winner, *m.losers)},
            "created_candidates": created,
        }
    session.add_all([m.op for m in merges])
    session.flush()
    del locked
    return [m.op for m in merges]


def merge_contacts(
    session: Session,
    actor: Actor,
    winner_id: str,
    loser_ids: Sequence[str],
    field_choices: dict[str, str] | None = None,
    *,
    automatic: bool = False,
) -> MergeOperation:
    """Merge losers into the winner in the caller's transaction; the returned operation can be undone."""
    (op,) = merge_groups(session, actor, [(winner_id, loser_ids, field_choices)], automatic=automatic)
    return op


def _snapshots(session: Session, members: list[list[str]], group_of: dict[str, int]) -> list[Snapshot]:
    """Return each merge's :func:`~contacts.dedup.merge.contact_snapshot`, with one dump per package for many
    merges; refuse merges a dumped row belongs to two of (:class:`MergesNotApart`)."""
    session.flush()
    out: list[Snapshot] = []
    start = 0
    while start < len(members):
        # Whole merges per dump, so that a row of a merge is dumped (and kept) once.
        end, count = start, 0
        while end < len(members) and (end == start or count + len(members[end]) <= IN_LIST_BATCH):
            count += len(members[end])
            end += 1
        ids = [i for group in members[start:end] for i in group]
        snap = contact_snapshot(session, ids)
        mine: list[Snapshot] = [{key: [] for key in snap} for _ in range(start, end)]
        unsure = False
        for key, rows in snap.items():
            for row in rows:
                named = {group_of[c] for c in row_contacts(key, row) if c in group_of}
                if len(named) > 1:
                    raise MergesNotApart(f"a {key} row belongs to two of the merges asked for together")
                if not named:
                    unsure = True
                for index in named:
                    mine[index - start][key].append(row)
        if unsure:  # a row that names no contact of the merges: each merge dumps its own
            mine = [contact_snapshot(session, group) for group in members[start:end]]
        out += mine
        start = end
    return out
