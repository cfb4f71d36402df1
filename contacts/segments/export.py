"""CSV export of contacts: the columns, formula escaping, encodings, and rows read in keyset batches.

Contacts are read ``BATCH`` at a time in id order (``id > last``) as plain rows, one query per kind of value
the chosen columns need, so memory stays flat however many are exported, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from contacts.auth.models import User
from contacts.companies.models import Company
from contacts.errors import ValidationFailed
from contacts.people.models import Contact, ContactAddress, ContactEmail, ContactPhone
from contacts.tags.models import ContactTag, Tag
from contacts.touchpoints.models import Touchpoint

BATCH = 1000
SMALL_BATCH = 100  # up to this many ids are sent as a list, more as the batch's id range
JOIN = "; "
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

DEFAULT_COLUMNS = (
    "id",
    "family_name",
    "given_name",
    "full_name",
    "name_kana",
    "name_romaji",
    "company",
    "department",
    "title",
    "emails",
    "phones",
    "postal_code",
    "address",
    "tags",
    "owner",
    "last_touchpoint_at",
)

# Characters cp932 lacks, replaced by the character Japanese software shows for them (then NFKC, then the
# letter without its accents); anything still unencodable is a 422 naming the row.
CP932_REPLACEMENTS = {
    "\u2014": "\u2015",  # EM DASH -> HORIZONTAL BAR (the cp932 dash)
    "\u00a5": "\uffe5",  # YEN SIGN -> FULLWIDTH YEN SIGN
    "\u203e": "\uffe3",  # OVERLINE -> FULLWIDTH MACRON
    "\u00a0": " ",  # NO-BREAK SPACE -> SPACE
    "\U00020bb7": "\u5409",  # 𠮷 (tsuchi-yoshi) -> 吉
    "\U0002123d": "\u571f",  # 𡈽 -> 土
    "\U0002363a": "\u6a4b",  # 𣘺 -> 橋
    "\U0002550e": "\u5d0e",  # 𥔎 -> 崎
    "\u69d7": "\u6a4b",  # 槗 -> 橋
    # JIS X 0213:2004 forms -> the cp932 (JIS X 0208) forms of the same characters
    "\u9dd7": "\u9d0e",  # 鷗 -> 鴎
    "\u4ff1": "\u5036",  # 俱 -> 倶
    "\u525d": "\u5265",  # 剝 -> 剥
    "\u9830": "\u982c",  # 頰 -> 頬
    "\u5861": "\u586b",  # 塡 -> 填
    "\u6451": "\u63b4",  # 摑 -> 掴
    "\u7626": "\u75e9",  # 瘦 -> 痩
    "\u7e6b": "\u7e4b",  # 繫 -> 繋
}


@dataclass
class Record:
    """One contact as the cells need it, read as plain rows (no ORM objects: an export reads many)."""

    id: str
    uid: str
    family_name: str | None
    given_name: str | None
    full_name: str
    name_kana: str | None
    name_romaji: str | None
    company: str | None
    company_id: str | None
    department: str | None
    title: str | None
    url: str | None
    notes: str | None
    owner_id: str | None
    created_at: datetime
    updated_at: datetime
    emails: list[tuple[str, bool]] = field(default_factory=list)
    phones: list[tuple[str, bool]] = field(default_factory=list)
    addresses: list[tuple[str | None, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    owner_email: str = ""
    owner_name: str = ""
    last_touch: datetime | None = None


_SCALARS = (
    Contact.id,
    Contact.uid,
    Contact.family_name,
    Contact.given_name,
    Contact.full_name,
    Contact.name_kana,
    Contact.name_romaji,
    Company.name,
    Contact.company_id,
    Contact.department,
    Contact.title,
    Contact.url,
    Contact.notes,
    Contact.owner_id,
    Contact.created_at,
    Contact.updated_at,
)


def _primary_first(values: list[tuple[str, bool]]) -> str:
    return JOIN.join(v for v, _ in sorted(values, key=lambda item: not item[1]))


Cell = Callable[[Record], str | None]

COLUMNS: dict[str, tuple[Cell, str]] = {
    "id": (lambda r: r.id, "Contact id."),
    "uid": (lambda r: r.uid, "Stable urn:uuid (as in vCard)."),
    "family_name": (lambda r: r.family_name, "Family name."),
    "given_name": (lambda r: r.given_name, "Given name."),
    "full_name": (lambda r: r.full_name, "Full name as printed."),
    "name_kana": (lambda r: r.name_kana, "Reading in kana."),
    "name_romaji": (lambda r: r.name_romaji, "Reading in romaji."),
    "company": (lambda r: r.company, "Company name."),
    "company_id": (lambda r: r.company_id, "Company id."),
    "department": (lambda r: r.department, "Department."),
    "title": (lambda r: r.title, "Title."),
    "emails": (lambda r: _primary_first(r.emails), "E-mails, primary first."),
    "phones": (lambda r: _primary_first(r.phones), "Phones as printed, primary first."),
    "postal_code": (
        lambda r: JOIN.join(p or "" for p, _ in r.addresses),
        "Postal codes, one per address, in the order of the address column.",
    ),
    "address": (lambda r: JOIN.join(v for _, v in r.addresses), "Addresses."),
    "url": (lambda r: r.url, "Web page."),
    "notes": (lambda r: r.notes, "Notes."),
    "tags": (lambda r: JOIN.join(r.tags), "Tag names, sorted."),
    "owner": (lambda r: r.owner_email, "The owner's e-mail address."),
    "owner_id": (lambda r: r.owner_id, "The owner's user id."),
    "owner_name": (lambda r: r.owner_name, "The owner's name."),
    "last_touchpoint_at": (
        lambda r: r.last_touch.isoformat() if r.last_touch else None,
        "When the latest touchpoint happened (RFC 3339, UTC).",
    ),
    "created_at": (lambda r: r.created_at.isoformat(), "Created at (RFC 3339, UTC)."),
    "updated_at": (lambda r: r.updated_at.isoformat(), "Last changed at (RFC 3339, UTC)."),
}

# The columns that need a query besides the contact's own row.
_NEEDS = {
    "emails": {"emails"},
    "phones": {"phones"},
    "postal_code": {"addresses"},
    "address": {"addresses"},
    "tags": {"tags"},
    "owner": {"owners"},
    "owner_name": {"owners"},
    "last_touchpoint_at": {"touches"},
}


def choose_columns(requested: list[str]) -> list[str]:
    """Return the columns asked for (repeated or comma-separated), the default set when none; 422 on others."""
    names = [n.strip() for value in requested for n in value.split(",") if n.strip()]
    if not names:
        return list(DEFAULT_COLUMNS)
    unknown = sorted({n for n in names if n not in COLUMNS})
    if unknown:
        raise ValidationFailed(
            "unknown export columns",
            errors=[
                {
                    "field": "columns",
                    "message": f"unknown column {n!r}; choose from {', '.join(COLUMNS)}",
                    "code": "unknown_column",
                }
                for n in unknown[:20]
            ],
        )
    if len(set(names)) != len(names):
        raise ValidationFailed(
            "repeated export columns",
            errors=[{"field": "columns", "message": "name each column once", "code": "duplicate"}],
        )
    return names


def escape_formula(value: str | None) -> str:
    """Prefix ``'`` to a cell a spreadsheet would read as a formula (=, +, -, @, tab, CR at the start)."""
    if not value:
        return ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unescape_formula(value: str) -> str:
    """Undo :func:`escape_formula`: drop the ``'`` it put before a cell that starts like a formula."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def _of_batch(column: Any, ids: list[str], after: str) -> ColumnElement[bool]:
    """Select the rows of the batch's contacts: by id when few, else by the batch's id range (rows of contacts
    the filter left out are dropped afterwards), since a thousand bound ids cost more to send than to skip."""
    if len(ids) <= SMALL_BATCH:
        return column.in_(ids)
    return and_(column > after, column <= ids[-1])


def _records(session: Session, ids: list[str], after: str, needs: set[str]) -> list[Record]:
    """Read the contacts ``ids`` (the ids after ``after``, in order) and what the chosen columns need."""
    wanted = set(ids)
    found = {
        row[0]: Record(*row)
        for row in session.execute(
            select(*_SCALARS)
            .outerjoin(Company, Company.id == Contact.company_id)
            .where(_of_batch(Contact.id, ids, after))
        )
        if row[0] in wanted
    }
    records = [found[i] for i in ids if i in found]
    for kind, model, fields in (
        ("emails", ContactEmail, (ContactEmail.value, ContactEmail.primary)),
        ("phones", ContactPhone, (ContactPhone.value, ContactPhone.primary)),
        ("addresses", ContactAddress, (ContactAddress.postal_code, ContactAddress.value)),
    ):
        if kind not in needs:
            continue
        for cid, first, second in session.execute(
            select(model.contact_id, *fields)
            .where(_of_batch(model.contact_id, ids, after))
            .order_by(model.contact_id, model.position)
        ):
            if cid in found:
                getattr(found[cid], kind).append((first, second))
    if "tags" in needs:
        for cid, name in session.execute(
            select(ContactTag.contact_id, Tag.name)
            .join(Tag, Tag.id == ContactTag.tag_id)
            .where(_of_batch(ContactTag.contact_id, ids, after))
            .order_by(ContactTag.contact_id, Tag.name)
        ):
            if cid in found:
                found[cid].tags.append(name)
    if "owners" in needs:
        owner_ids = {r.owner_id for r in records if r.owner_id}
        owners = {
            uid: (email, name)
            for uid, email, name in session.execute(
                select(User.id, User.email, User.name).where(User.id.in_(owner_ids))
            )
        }
        for r in records:
            r.owner_email, r.owner_name = owners.get(r.owner_id or "", ("", ""))
    if "touches" in needs:
        for cid, at in session.execute(
            select(Touchpoint.contact_id, func.max(Touchpoint.occurred_at))
            .where(_of_batch(Touchpoint.contact_id, ids, after))
            .group_by(Touchpoint.contact_id)
        ):
            if cid in found:
                found[cid].last_touch = at
    return records


Row = tuple[str, list[str]]  # the contact id and its escaped cells


def row_batches(session: Session, stmt: Select[tuple[Contact]], columns: list[str]) -> Iterator[list[Row]]:
    """Yield the contacts ``stmt`` selects with their escaped cells, ``BATCH`` rows at a time, in id order."""
    cells = [COLUMNS[name][0] for name in columns]
    needs = {need for name in columns for need in _NEEDS.get(name, ())}
    ids_stmt = stmt.with_only_columns(Contact.id).order_by(Contact.id)
    last = ""
    while True:
        ids = list(session.scalars(ids_stmt.where(Contact.id > last).limit(BATCH)))
        if not ids:
            return
        yield [
            (r.id, [escape_formula(cell(r)) for cell in cells]) for r in _records(session, ids, last, needs)
        ]
        last = ids[-1]
        if len(ids) < BATCH:
            return


def csv_text(rows: list[list[str]]) -> str:
    """Format rows as CSV with CRLF line ends (as Excel writes it)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def cp932_char(char: str) -> str | None:
    """Return what stands for ``char`` in cp932 (itself, the table, NFKC, the unaccented letter) or None."""
    for candidate in (
        char,
        CP932_REPLACEMENTS.get(char, ""),
        unicodedata.normalize("NFKC", char),
        "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)),
    ):
        if candidate and _encodes(candidate):
            return candidate
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def to_cp932(text: str) -> bytes:
    """Encode to cp932 with the documented replacements; '?' for what has none (checked beforehand)."""
    try:
        return text.encode("cp932")
    except UnicodeEncodeError:
        return b"".join(_line_to_cp932(line) for line in text.splitlines(keepends=True))


def _line_to_cp932(line: str) -> bytes:
    try:
        return line.encode("cp932")
    except UnicodeEncodeError:
        return "".join(cp932_char(ch) or "?" for ch in line).encode("cp932")


def check_cp932(session: Session, stmt: Select[tuple[Contact]], columns: list[str]) -> None:
    """Raise a 422 naming the first row, column and character cp932 cannot show even with a replacement."""
    number = 0
    for rows in row_batches(session, stmt, columns):
        for contact_id, row in rows:
            number += 1
            if _encodes("".join(row)):
                continue
            for name, cell in zip(columns, row, strict=True):
                bad = next((ch for ch in cell if cp932_char(ch) is None), None)
                if bad is not None:
                    message = (
                        f"row {number} (contact {contact_id}), "
                        f"column {name}: U+{ord(bad):04X} {bad!r} has no cp932 form; export as utf-8"
                    )
                    raise ValidationFailed(
                        "a value cannot be written in cp932",
                        errors=[{"field": "encoding", "message": message, "code": "unencodable"}],
                    )
