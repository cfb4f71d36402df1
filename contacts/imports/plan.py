"""The dry-run: what each row would do to the contact base (create, update, merge, skip, error), read-only.

Look-ups are batched per chunk: one query finds the contacts holding any of the chunk's email addresses
(with their values), and the matching engine scores only the rows no email settles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from contacts import normalize
from contacts.db import batches
from contacts.dedup.matching import match_keys_many
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


def plan_rows(
    session: Session, org_id: str, rows: Sequence[tuple[int, dict[str, Any]]], seen: dict[str, int]
) -> list[RowPlan]:
    """Plan a chunk of (row number, fields); ``seen`` maps emails of earlier rows of the file to their row."""
    people = [row_person(values) for _, values in rows]
    keys = {people_inputs.email_key(e) or "" for p, _ in people if p for e in p.emails}
    holders = contacts_by_email(session, org_id, keys - {""})
    plans: list[RowPlan | None] = []
    unmatched: list[tuple[int, MatchKeys]] = []  # (index in plans, keys) of rows no email settles
    for (number, _values), (person, errors) in zip(rows, people, strict=True):
        if person is None:
            plans.append(RowPlan(ERROR, {"errors": errors}))
            continue
        row_keys = [k for k in (people_inputs.email_key(e) for e in person.emails) if k]
        holder = next((holders[k] for k in row_keys if k in holders), None)
        earlier = next((seen[k] for k in row_keys if k in seen), None)
        for key in row_keys:
            seen.setdefault(key, number)
        if holder is not None:
            fields = changed_fields(holder, person)
            detail = {"contact_id": holder.id, "reasons": ["same email"]}
            plans.append(
                RowPlan(UPDATE, {**detail, "fields": fields})
                if fields
                else RowPlan(SKIP, {**detail, "why": "the contact already holds every value of the row"})
            )
        elif earlier is not None:
            plans.append(
                RowPlan(UPDATE, {"same_as_row": earlier, "reasons": ["same email as an earlier row"]})
            )
        else:
            unmatched.append((len(plans), record_keys(match_record(f"row{number}", person))))
            plans.append(None)
    # The matching engine, with one candidate look-up for the whole chunk.
    scored = match_keys_many(session, org_id, [keys for _, keys in unmatched])
    for (index, _keys), pairs in zip(unmatched, scored, strict=True):
        best = next((p for p in pairs if p.decision == MERGE), None)
        if best is not None:
            plans[index] = RowPlan(
                MERGE_INTO, {"contact_id": best.b, "score": round(best.score, 3), "reasons": best.reasons}
            )
        else:
            plans[index] = RowPlan(CREATE, {"candidates": [p.b for p in pairs][:5]} if pairs else {})
    return [p for p in plans if p is not None]


def totals(actions: Iterable[str]) -> dict[str, int]:
    """Count the actions, every action present (zero when none)."""
    out = dict.fromkeys(ACTIONS, 0)
    for action in actions:
        out[action] += 1
    return out
