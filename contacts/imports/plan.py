"""The dry-run: what each row would do to the contact base (create, update, merge, skip, error), read-only.

Look-ups are batched per chunk: one query finds the contacts holding any of the chunk's email addresses
(with their values), one read of the stored blocks serves the rows no email settles, which the matching
engine scores. Rows are planned in file order against the base as the rows before them would leave it
(:class:`PlanState`), as the commit applies them: a row that merges into a twin gives it its email and
phones, a row that creates a contact gives the rows after it a twin.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from contacts import normalize
from contacts.db import batches
from contacts.dedup import stored
from contacts.dedup.engine import ScoredPair, match_one
from contacts.dedup.records import MatchKeys, record_keys
from contacts.dedup.scoring import MERGE
from contacts.imports.rowvalues import RowPerson, match_record, row_person
from contacts.people import inputs as people_inputs
from contacts.people.models import Contact, ContactEmail
from contacts.status import RecordStatus

CREATE, UPDATE, MERGE_INTO, SKIP, ERROR = "create", "update", "merge", "skip", "error"
ACTIONS = (CREATE, UPDATE, MERGE_INTO, SKIP, ERROR)


@dataclass
class RowPlan:
    """What one row would do, and why."""

    action: str
    detail: dict[str, Any] = field(default_factory=dict)


def contacts_by_email(session: Session, org_id: str, keys: Iterable[str]) -> dict[str, Contact]:
    """Return the oldest active contact holding each normalised email, loaded with its values (one query)."""
    wanted = sorted(set(keys))
    found: dict[str, Contact] = {}
    for batch in batches(wanted):
        rows = session.execute(
            select(ContactEmail.value_normalized, Contact)
            .join(Contact, Contact.id == ContactEmail.contact_id)
            .where(
                ContactEmail.organization_id == org_id,
                ContactEmail.value_normalized.in_(batch),
                Contact.status == RecordStatus.ACTIVE,
            )
            .order_by(Contact.created_at)
            .options(
                selectinload(Contact.emails),
                selectinload(Contact.phones),
                selectinload(Contact.addresses),
                selectinload(Contact.company),
            )
        ).all()
        for key, contact in rows:
            found.setdefault(key, contact)
    return found


def changed_fields(contact: Contact, row: RowPerson) -> list[str]:
    """Name the fields the row would change on ``contact``: values it lacks, a new job, missing readings."""
    person = row.person
    out: list[str] = []
    have_emails = {e.value_normalized for e in contact.emails}
    if any(people_inputs.email_key(e) not in have_emails for e in row.emails):
        out.append("emails")
    have_phones = {p.e164 or normalize.fold_text(p.value) for p in contact.phones}
    if any((normalize.to_e164(v) or normalize.fold_text(v)) not in have_phones for v, _ in person.phones):
        out.append("phones")
    if person.address and normalize.normalize_address(person.address) not in {
        a.value_normalized for a in contact.addresses
    }:
        out.append("addresses")
    if row.company and (
        contact.company is None
        or normalize.normalize_company_name(row.company) != contact.company.name_normalized
    ):
        out.append("company")
    for name in ("title", "department"):
        if getattr(person, name) and getattr(person, name) != getattr(contact, name):
            out.append(name)
    for name in ("name_kana", "name_romaji", "url"):
        if getattr(person, name) and not getattr(contact, name):
            out.append(name)
    return out


def row_keys(row_id: str, row: RowPerson) -> MatchKeys:
    """Return the match keys of the contact the commit would create from ``row``, as it stores them: every
    email and every phone of the row (as :func:`~contacts.dedup.stored.keys_of` reads them)."""
    keys = record_keys(match_record(row_id, row))
    mobiles: list[str] = []
    phones: list[str] = []
    for value, kind in row.person.phones:
        e164 = normalize.to_e164(value)
        if e164 is None:
            continue
        type_of = normalize.phone_type_of(e164)
        target = mobiles if type_of == "mobile" or (kind == "mobile" and type_of == "other") else phones
        if e164 not in target:
            target.append(e164)
    return dataclasses.replace(keys, mobiles=tuple(mobiles), phones=tuple(phones))


_LISTS = ("emails", "role_emails", "domains", "mobiles", "phones")
_NAME = ("name", "name_loose", "family", "given", "latin")
_ADDRESS = ("postal", "address", "address_words")
_JOB = ("company", "department", "title")


def _taken(into: MatchKeys, row: MatchKeys, job: Iterable[str]) -> MatchKeys:
    """The keys of ``into`` once it took the row's values: every email and phone, the named ``job`` fields,
    its empty fields filled (what a merge and an update both do; a contact keeps its primary address)."""
    changes: dict[str, Any] = {
        name: tuple(dict.fromkeys((*getattr(into, name), *getattr(row, name)))) for name in _LISTS
    }
    if not into.name:
        changes.update((name, getattr(row, name)) for name in _NAME)
    if not into.readings:
        changes["readings"] = row.readings
    if not (into.address or into.postal):
        changes.update((name, getattr(row, name)) for name in _ADDRESS)
    for name in _JOB:
        if name in job or not getattr(into, name):
            changes[name] = getattr(row, name)
    return dataclasses.replace(into, **changes)


def merged_keys(twin: MatchKeys, row: MatchKeys) -> MatchKeys:
    """Predict the keys of ``twin`` after the row's new contact merged into it: a newer card that names
    another company brings its job (company, department, title), as an automatic merge takes it."""
    job = _JOB if row.company and row.company != twin.company else ()
    return _taken(twin, row, job)


def updated_keys(contact: MatchKeys, row: MatchKeys) -> MatchKeys:
    """Predict the keys of ``contact`` after the row updated it: the row's company, department and title
    where it names them, values it lacks added (:func:`changed_fields`)."""
    return _taken(contact, row, [name for name in _JOB if getattr(row, name)])


@dataclass
class PlanState:
    """What the rows planned so far would make of the contact base, for the rows after them.

    The commit applies the rows in file order, each seeing what the rows before it wrote: a twin that
    absorbed a row holds its email and phones (another inbox at the same domain then tells the engine of a
    namesake, not the same person), a contact a row creates is a twin for the rows after it. ``seen`` maps
    each email of an earlier row to the row's number, ``landed`` to the contact the row ended in (its id, or
    ``row:N`` for the contact row N creates); ``keys`` holds the predicted keys of every contact the earlier
    rows created or changed, ``holding`` their ids by stored blocking key.
    """

    seen: dict[str, int] = field(default_factory=dict)
    landed: dict[str, str] = field(default_factory=dict)
    keys: dict[str, MatchKeys] = field(default_factory=dict)
    holding: dict[str, dict[str, None]] = field(default_factory=dict)
    _held: dict[str, list[str]] = field(default_factory=dict)
    held_of: dict[int, list[str]] = field(default_factory=dict)

    def put(self, keys: MatchKeys, blocks: stored.Blocks, held: list[str] | None = None) -> None:
        """Record a contact's keys as the rows so far leave them, in the state and in the chunk's ``blocks``
        (``held``: their stored blocking keys, when known)."""
        for old in self._held.get(keys.id, []):
            self.holding[old].pop(keys.id, None)
        held = stored.storable_keys(keys) if held is None else held
        for key in held:
            self.holding.setdefault(key, {})[keys.id] = None
        self.keys[keys.id], self._held[keys.id] = keys, held
        blocks.rekey(keys.id, keys, held)

    def blocks(self, session: Session, org_id: str, many: dict[int, MatchKeys]) -> stored.Blocks:
        """Read the stored blocks of ``many`` (one chunk's rows), counting the contacts the earlier rows
        created or changed by their predicted keys; leave each row's stored blocking keys in ``held_of``."""
        blocks = stored.fetch_blocks(session, org_id, list(many.values()))
        self.held_of = {index: stored.storable_keys(keys) for index, keys in many.items()}
        wanted = sorted({key for held in self.held_of.values() for key in held})
        changed = dict.fromkeys(
            contact_id
            for key in wanted
            for contact_id in (*blocks.members.get(key, ()), *self.holding.get(key, ()))
            if contact_id in self.keys
        )
        for contact_id in changed:
            blocks.rekey(contact_id, self.keys[contact_id], self._held[contact_id])
        return blocks


def _row_id(number: int) -> str:
    return f"row:{number}"


def _row_of(contact_id: str) -> int | None:
    """The row whose new contact ``contact_id`` names (None: a contact of the base)."""
    return int(contact_id[4:]) if contact_id.startswith("row:") else None


def plan_rows(
    session: Session, org_id: str, rows: Sequence[tuple[int, dict[str, Any]]], state: PlanState
) -> list[RowPlan]:
    """Plan a chunk of (row number, fields) after the rows ``state`` holds, and add the chunk's to it.

    Each row is planned as the commit applies it: against the base as the rows before it leave it.
    """
    people = [row_person(values) for _, values in rows]
    keys = {people_inputs.email_key(e) or "" for p, _ in people if p for e in p.emails}
    holders = contacts_by_email(session, org_id, keys - {""})
    # The rows the engine answers: none of their emails is held, by the base or an earlier row.
    new_keys: dict[int, MatchKeys] = {}
    chunk_seen: set[str] = set()  # the emails of the chunk's rows so far (state.seen holds the earlier ones)
    for index, ((number, _values), (person, _errors)) in enumerate(zip(rows, people, strict=True)):
        if person is None:
            continue
        row_emails = [k for k in (people_inputs.email_key(e) for e in person.emails) if k]
        if not any(k in holders or k in state.seen or k in chunk_seen for k in row_emails):
            new_keys[index] = row_keys(_row_id(number), person)
        chunk_seen.update(row_emails)
    # One read of the blocks for the whole chunk, kept current as the rows are planned.
    blocks = state.blocks(session, org_id, new_keys)
    plans: list[RowPlan] = []
    for index, ((number, _values), (person, errors)) in enumerate(zip(rows, people, strict=True)):
        if person is None:
            plans.append(RowPlan(ERROR, {"errors": errors}))
            continue
        row_emails = [k for k in (people_inputs.email_key(e) for e in person.emails) if k]
        holder = next((holders[k] for k in row_emails if k in holders), None)
        earlier = next((k for k in row_emails if k in state.seen), None)
        if holder is not None:
            fields = changed_fields(holder, person)
            detail = {"contact_id": holder.id, "reasons": ["same email"]}
            if fields:
                plans.append(RowPlan(UPDATE, {**detail, "fields": fields}))
                current = state.keys.get(holder.id) or stored.keys_of(holder)
                state.put(updated_keys(current, row_keys(holder.id, person)), blocks)
            else:
                why = "the contact already holds every value of the row"
                plans.append(RowPlan(SKIP, {**detail, "why": why}))
            landed = holder.id
        elif earlier is not None:
            plans.append(
                RowPlan(
                    UPDATE, {"same_as_row": state.seen[earlier], "reasons": ["same email as an earlier row"]}
                )
            )
            landed = state.landed[earlier]
            if landed in state.keys:
                update = row_keys(landed, person)
                state.put(updated_keys(state.keys[landed], update), blocks)
        else:
            new = new_keys[index]
            found = blocks.candidates(new)
            pairs = match_one(new, found.keys, stats=found.stats)
            best = next((p for p in pairs if p.decision == MERGE), None)
            if best is not None:
                landed = best.b
                twin_row = _row_of(landed)
                plans.append(
                    RowPlan(
                        MERGE_INTO,
                        {
                            **({"contact_id": landed} if twin_row is None else {"same_as_row": twin_row}),
                            "score": round(best.score, 3),
                            "reasons": best.reasons,
                        },
                    )
                )
                twin = state.keys.get(landed) or blocks.profiles[landed]
                state.put(merged_keys(twin, new), blocks)
            else:
                plans.append(RowPlan(CREATE, _candidates(pairs)))
                landed = new.id
                state.put(new, blocks, state.held_of[index])
        for key in row_emails:
            state.seen.setdefault(key, number)
            state.landed[key] = landed
    return plans


def _candidates(pairs: list[ScoredPair]) -> dict[str, Any]:
    """Name a new contact's likely duplicates, those the engine is not sure enough of to merge: contacts of
    the base as ``candidates`` (with the engine's ``candidate_reasons``), those earlier rows create as
    ``candidate_rows``."""
    shown = pairs[:5]
    if not shown:
        return {}
    base = [p for p in shown if _row_of(p.b) is None]
    out: dict[str, Any] = {"candidates": [p.b for p in base], "candidate_reasons": [p.reasons for p in base]}
    rows = [n for p in shown if (n := _row_of(p.b)) is not None]
    if rows:
        out["candidate_rows"] = rows
    return out


def totals(actions: Iterable[str]) -> dict[str, int]:
    """Count the actions, every action present (zero when none)."""
    out = dict.fromkeys(ACTIONS, 0)
    for action in actions:
        out[action] += 1
    return out
