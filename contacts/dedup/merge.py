"""Merge contacts in one transaction, with the snapshot taken before it that an undo puts back exactly
(:mod:`contacts.dedup.undo_many`).

A merge keeps every email, phone and address (one row per normalised value: the first one seen stays, the
others are listed in the operation as dropped duplicates with their sources), moves cards, touchpoints, tags
and employment history to the winner, and keeps the losers as ``merged`` records pointing at the winner.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.base import ExecutableOption

from contacts import normalize, ownership, snapshot
from contacts.db import batches, get_owned, new_id, utcnow
from contacts.dedup.models import CandidateStatus, DuplicateCandidate, MergeOperation
from contacts.errors import ValidationFailed
from contacts.people import service as people
from contacts.people.models import Contact, Employment
from contacts.provenance import Source

#: Fields a merge can take from a loser (``field_choices``); the rest of a contact is merged, not chosen.
CHOOSABLE_FIELDS: Final = (*people.SCALAR_FIELDS, "company", "owner_id")
MAX_LOSERS: Final = 50
#: The loader options of a merge's contacts: it moves their values.
VALUES: Final = (selectinload(Contact.emails), selectinload(Contact.phones), selectinload(Contact.addresses))
#: ``session.info`` key: the ids of the contact merges the session made, by the id of each of their losers.
MADE: Final = "meishi.contact_merges_made"


def get_merge(session: Session, org_id: str, merge_id: str) -> MergeOperation:
    """Return the organisation's merge operation or raise NotFound."""
    return get_owned(session, MergeOperation, org_id, merge_id, what="merge")


def merge_made(session: Session, loser_id: str) -> str | None:
    """Return the id of the merge this session made of ``loser_id`` into another contact (None: none).

    A caller that had a new contact merged away (by the event its creation published) learns which merge
    took it without querying for it.
    """
    made: dict[str, str] = session.info.get(MADE, {})
    return made.get(loser_id)


def check_group(winner_id: str, loser_ids: Sequence[str]) -> list[str]:
    """Return the losers of a merge, each once, or refuse a winner among them or a count out of bounds."""
    ids = list(dict.fromkeys(loser_ids))
    if winner_id in ids:
        raise ValidationFailed(
            "the winner cannot also be a loser",
            errors=[
                {"field": "loser_ids", "message": "must not contain winner_id", "code": "winner_in_losers"}
            ],
        )
    if not ids or len(ids) > MAX_LOSERS:
        raise ValidationFailed(
            "name 1 to 50 losers",
            errors=[{"field": "loser_ids", "message": f"1 to {MAX_LOSERS} ids", "code": "length"}],
        )
    return ids


def lock_rows(session: Session, model: Any, ids: Sequence[str], *options: ExecutableOption) -> list[Any]:
    """Lock rows in id order and reload them (with the loader ``options``), so two merges of one record
    serialise (PostgreSQL); return them (a caller that keeps them keeps them in the session).

    SQLite needs nothing here: its write transactions begin IMMEDIATE, one at a time.
    """
    session.flush()
    return list(
        session.scalars(
            select(model)
            .where(model.id.in_(sorted(set(ids))))
            .order_by(model.id)
            .with_for_update(of=model)
            .options(*options)
            .execution_options(populate_existing=True)
        )
    )


def check_choices(field_choices: dict[str, str], allowed_ids: set[str]) -> None:
    errors = []
    for name, chosen in field_choices.items():
        if name not in CHOOSABLE_FIELDS:
            errors.append(
                {
                    "field": f"field_choices.{name}",
                    "code": "unknown_field",
                    "message": f"choose among {', '.join(CHOOSABLE_FIELDS)}",
                }
            )
        elif chosen not in allowed_ids:
            errors.append(
                {
                    "field": f"field_choices.{name}",
                    "code": "not_in_merge",
                    "message": "name the winner or one of the losers",
                }
            )
    if errors:
        raise ValidationFailed("invalid field_choices", errors=errors)


def contact_snapshot(session: Session, ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Dump every row a contact merge may change: the contacts and what each package keeps per contact."""
    ids = list(ids)
    snap = {"contact": snapshot.dump(session, Contact, Contact.id.in_(ids))}
    for owned in ownership.installed():
        if owned.dump is not None:
            snap[owned.key] = owned.dump(session, ids)
    return snap


def row_contacts(key: str, row: dict[str, Any]) -> set[str]:
    """The contacts a row of a contact snapshot belongs to: its ``id`` for a contact, else the contacts its
    ``*contact_id``, ``a_id`` and ``b_id`` columns name."""
    if key == "contact":
        return {row["id"]}
    return {
        v
        for k, v in row.items()
        if isinstance(v, str) and (k in ("a_id", "b_id") or k.endswith("contact_id"))
    }


def contact_snapshots(session: Session, ids: Sequence[str]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Return what :func:`contact_snapshot` returns for each contact alone, with one dump per package in all.

    A dumped row goes to the contacts it names (its ``id`` for the contact itself, else its ``*contact_id``,
    ``a_id`` and ``b_id`` columns); a contact missing from the answer could not be told apart this way and
    must be dumped alone.
    """
    wanted = list(dict.fromkeys(ids))
    out: dict[str, dict[str, list[dict[str, Any]]]] = {
        c: {key: [] for key in ("contact", *(o.key for o in ownership.installed() if o.dump is not None))}
        for c in wanted
    }
    unsure: set[str] = set()
    for batch in batches(wanted):
        members = set(batch)
        snap = contact_snapshot(session, batch)
        for key, rows in snap.items():
            for row in rows:
                named = row_contacts(key, row) & members
                if not named:
                    unsure |= members
                for contact_id in named:
                    out[contact_id][key].append(row)
    return {c: snap for c, snap in out.items() if c not in unsure}


def restore_contact_snapshot(
    session: Session, snap: dict[str, list[dict[str, Any]]], ids: Sequence[str]
) -> None:
    """Put every row of a contact snapshot back exactly (the caller checked nothing changed since)."""
    ids = list(ids)
    session.flush()
    snapshot.put_back(session, Contact, snap["contact"])
    for owned in ownership.installed():
        if owned.restore is not None and owned.key in snap:  # rows of a package added since stay as they are
            owned.restore(session, snap[owned.key], ids)
    session.expire_all()


def _value_key(kind: str, row: Any) -> str:
    if kind == "emails":
        return str(row.value_normalized)
    if kind == "phones":
        return str(row.e164 or normalize.fold_text(row.value))
    return f"{row.postal_code or ''}|{row.value_normalized or normalize.fold_text(row.value)}"


def merge_values(winner: Contact, losers: list[Contact]) -> list[dict[str, Any]]:
    """Move the losers' emails, phones and addresses to the winner; return the duplicates dropped."""
    dropped: list[dict[str, Any]] = []
    for kind in ("emails", "phones", "addresses"):
        mine: list[Any] = getattr(winner, kind)
        seen = {_value_key(kind, r) for r in mine}
        for loser in losers:
            theirs: list[Any] = getattr(loser, kind)
            for row in list(theirs):
                theirs.remove(row)
                key = _value_key(kind, row)
                if key in seen:
                    dropped.append(
                        {
                            "kind": kind,
                            "contact_id": loser.id,
                            "value": row.value,
                            "source": {"type": row.source_type, "id": row.source_id},
                        }
                    )
                    continue
                seen.add(key)
                row.primary = False
                row.position = len(mine)
                mine.append(row)
    return dropped


def choose_fields(
    winner: Contact, losers: list[Contact], field_choices: dict[str, str], stamp: dict[str, Any]
) -> list[str]:
    """Take chosen fields from losers and fill the winner's empty fields; return the fields changed."""
    by_id = {c.id: c for c in losers}
    changed = []
    # A new dict, not an in-place change: the JSON column is compared with its old value on flush.
    sources = dict(winner.field_sources or {})
    for name in (*people.SCALAR_FIELDS, "owner_id", "company"):
        attr = "company_id" if name == "company" else name
        chosen = by_id.get(field_choices.get(name, winner.id))
        if chosen is None and getattr(winner, attr) in (None, ""):
            chosen = next((c for c in losers if getattr(c, attr) not in (None, "")), None)
        if chosen is None or getattr(chosen, attr) == getattr(winner, attr):
            continue
        setattr(winner, attr, getattr(chosen, attr))
        if name == "company":
            winner.company = chosen.company
        sources[name] = (chosen.field_sources or {}).get(name) or stamp
        changed.append(name)
    winner.field_sources = sources
    return changed


def move_links(
    session: Session, merges: Sequence[tuple[ownership.Merge, dict[str, list[dict[str, Any]]]]]
) -> None:
    """Hand the losers' rows of every package to the winner of each merge (with the snapshot dumped before
    it), package by package in registration order.

    A package none of a merge's contacts holds a row in (its rows in the merge's snapshot, dumped for the
    undo, which holds every row a move may change) has nothing to move for it, and is not asked to: a contact
    just created by a card or an import row owns only its values, keys and candidates. A package that moves
    many merges at once (``move_many``) is asked once for all of them.
    """
    session.flush()
    for owned in ownership.installed():
        moving = [
            move for move, before in merges if not (owned.dump is not None and before.get(owned.key) == [])
        ]
        if not moving:
            continue
        if owned.move_many is not None:
            owned.move_many(session, moving)
        elif owned.move is not None:
            for move in moving:
                owned.move(session, move)


def carry_dismissals(
    session: Session, winner: Contact, loser_ids: list[str], candidates: list[dict[str, Any]]
) -> list[str]:
    """A person's "not the same" stays true after a merge: dismissed pairs of losers carry to the winner.

    Return the ids of the candidate rows created, so that an undo removes them.
    """
    members = {winner.id, *loser_ids}
    have = {(r["a_id"], r["b_id"]): r for r in candidates}
    created: list[str] = []
    for row in candidates:
        if row["status"] != CandidateStatus.DISMISSED:
            continue
        other = row["b_id"] if row["a_id"] in loser_ids else row["a_id"] if row["b_id"] in loser_ids else None
        if other is None or other in members:
            continue
        a_id, b_id = (winner.id, other) if winner.id < other else (other, winner.id)
        existing = have.get((a_id, b_id))
        if existing is not None:
            if existing["status"] != CandidateStatus.DISMISSED:
                session.execute(
                    update(DuplicateCandidate)
                    .where(DuplicateCandidate.id == existing["id"])
                    .values(
                        status=CandidateStatus.DISMISSED, decided_by=row["decided_by"], decided_at=utcnow()
                    )
                )
            continue
        new_row = DuplicateCandidate(
            id=new_id(),
            organization_id=winner.organization_id,
            entity="contact",
            a_id=a_id,
            b_id=b_id,
            score=row["score"],
            decision=row["decision"],
            reasons=list(row["reasons"] or []),
            status=CandidateStatus.DISMISSED,
            decided_by=row["decided_by"],
            decided_at=utcnow(),
        )
        session.add(new_row)
        have[(a_id, b_id)] = {"id": new_row.id, "status": CandidateStatus.DISMISSED}
        created.append(new_row.id)
    session.flush()
    return created


def note_created_candidates(op: MergeOperation, rows: Sequence[DuplicateCandidate]) -> None:
    """Count the candidate rows among ``rows`` that did not exist before ``op`` (its snapshot holds every row
    of its contacts then) as created by it, so that its undo deletes them: the survivor's new pairs."""
    held = {row["id"] for row in op.snapshot["before"].get("duplicate_candidate") or []}
    created = list(op.snapshot.get("created_candidates") or [])
    new = [row.id for row in rows if row.id not in held and row.id not in created]
    if new:
        # A new dict, not an in-place change: the JSON column is compared with its old value on flush.
        op.snapshot = {**op.snapshot, "created_candidates": [*created, *new]}


def settle_employment(
    session: Session, settling: Sequence[tuple[Contact, Source, str | None, str | None]]
) -> None:
    """A new company or title is a job change; open entries of other companies end at the merge.

    ``settling`` holds each merge's winner, the merge's source, and the winner's company and title before it;
    the open entries of all the winners are read with one query.
    """
    session.flush()
    current: dict[str, Employment] = {}
    changing = [s for s in settling if s[0].company_id != s[2] or s[0].title != s[3]]
    opened = people.open_employment(session, [winner.id for winner, *_ in changing]) if changing else {}
    for winner, source, before_company, _ in changing:
        current[winner.id] = people.change_job(
            session,
            winner,
            source,
            previous_company_id=before_company,
            open_entries=opened.get(winner.id, []),
        )
    session.flush()
    now = utcnow()
    company_of = {winner.id: winner.company_id for winner, *_ in settling}
    kept: dict[str, set[tuple[str | None, str | None, str | None]]] = {}
    for batch in batches(list(company_of)):
        entries = session.scalars(
            select(Employment)
            .where(Employment.contact_id.in_(batch), Employment.ended_at.is_(None))
            .order_by(Employment.created_at, Employment.id)
            .execution_options(populate_existing=True)
        )
        for entry in entries:
            job = (entry.company_id, entry.department, entry.title)
            mine = kept.setdefault(entry.contact_id, set())
            if (
                entry is not current.get(entry.contact_id)
                and entry.company_id != company_of[entry.contact_id]
            ):
                entry.ended_at = now
            elif job in mine:
                session.delete(entry)  # two cards of one job make one entry (the undo snapshot keeps both)
            else:
                mine.add(job)
