"""CSV export of contacts: the columns, formula escaping, encodings, and rows read in keyset batches.

Rows are read ``BATCH`` at a time in id order (``id > last``), each batch's objects leave the session once
written, so memory stays flat however many contacts are exported, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from contacts.auth.models import User
from contacts.errors import ValidationFailed
from contacts.people.models import Contact
from contacts.tags import service as tags
from contacts.touchpoints.models import Touchpoint

BATCH = 1000
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


@dataclass(frozen=True)
class Batch:
    """What the cells of one batch of contacts need besides the contacts."""

    tags: dict[str, list[str]]
    owners: dict[str, User]
    last_touch: dict[str, datetime]


def _primary_first(values: list[tuple[str, bool]]) -> str:
    return JOIN.join(v for v, _ in sorted(values, key=lambda item: not item[1]))


def _owner(c: Contact, b: Batch) -> str:
    owner = b.owners.get(c.owner_id or "")
    return owner.email if owner else ""


def _owner_name(c: Contact, b: Batch) -> str:
    owner = b.owners.get(c.owner_id or "")
    return owner.name if owner else ""


def _touch(c: Contact, b: Batch) -> str:
    at = b.last_touch.get(c.id)
    return at.isoformat() if at else ""


Cell = Callable[[Contact, Batch], str | None]

COLUMNS: dict[str, tuple[Cell, str]] = {
    "id": (lambda c, b: c.id, "Contact id."),
    "uid": (lambda c, b: c.uid, "Stable urn:uuid (as in vCard)."),
    "family_name": (lambda c, b: c.family_name, "Family name."),
    "given_name": (lambda c, b: c.given_name, "Given name."),
    "full_name": (lambda c, b: c.full_name, "Full name as printed."),
    "name_kana": (lambda c, b: c.name_kana, "Reading in kana."),
    "name_romaji": (lambda c, b: c.name_romaji, "Reading in romaji."),
    "company": (lambda c, b: c.company.name if c.company else None, "Company name."),
    "company_id": (lambda c, b: c.company_id, "Company id."),
    "department": (lambda c, b: c.department, "Department."),
    "title": (lambda c, b: c.title, "Title."),
    "emails": (
        lambda c, b: _primary_first([(e.value, e.primary) for e in c.emails]),
        "E-mails, primary first.",
    ),
    "phones": (lambda c, b: _primary_first([(p.value, p.primary) for p in c.phones]), "Phones as printed."),
    "postal_code": (
        lambda c, b: JOIN.join(a.postal_code or "" for a in c.addresses) if c.addresses else None,
        "Postal codes, one per address, in the order of the address column.",
    ),
    "address": (lambda c, b: JOIN.join(a.value for a in c.addresses), "Addresses."),
    "url": (lambda c, b: c.url, "Web page."),
    "notes": (lambda c, b: c.notes, "Notes."),
    "tags": (lambda c, b: JOIN.join(b.tags.get(c.id, [])), "Tag names, sorted."),
    "owner": (_owner, "The owner's e-mail address."),
    "owner_id": (lambda c, b: c.owner_id, "The owner's user id."),
    "owner_name": (_owner_name, "The owner's name."),
    "last_touchpoint_at": (_touch, "When the latest touchpoint happened (RFC 3339, UTC)."),
    "created_at": (lambda c, b: c.created_at.isoformat(), "Created at (RFC 3339, UTC)."),
    "updated_at": (lambda c, b: c.updated_at.isoformat(), "Last changed at (RFC 3339, UTC)."),
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


def _batch_info(session: Session, contacts: list[Contact]) -> Batch:
    ids = [c.id for c in contacts]
    owner_ids = {c.owner_id for c in contacts if c.owner_id}
    owners = (
        {u.id: u for u in session.scalars(select(User).where(User.id.in_(owner_ids)))} if owner_ids else {}
    )
    touches = session.execute(
        select(Touchpoint.contact_id, func.max(Touchpoint.occurred_at))
        .where(Touchpoint.contact_id.in_(ids))
        .group_by(Touchpoint.contact_id)
    )
    return Batch(tags=tags.tag_names_for(session, ids), owners=owners, last_touch={k: v for k, v in touches})


Row = tuple[str, list[str]]  # the contact id and its escaped cells


def row_batches(session: Session, stmt: Select[tuple[Contact]], columns: list[str]) -> Iterator[list[Row]]:
    """Yield the contacts ``stmt`` selects with their escaped cells, ``BATCH`` rows at a time, in id order."""
    cells = [COLUMNS[name][0] for name in columns]
    stmt = stmt.options(
        selectinload(Contact.emails), selectinload(Contact.phones), selectinload(Contact.addresses)
    ).order_by(Contact.id)
    last = ""
    while True:
        contacts = list(session.scalars(stmt.where(Contact.id > last).limit(BATCH)))
        if not contacts:
            return
        info = _batch_info(session, contacts)
        yield [(c.id, [escape_formula(cell(c, info)) for cell in cells]) for c in contacts]
        last = contacts[-1].id
        session.expunge_all()  # the written contacts leave the identity map: memory stays flat
        if len(contacts) < BATCH:
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
        return "".join(cp932_char(ch) or "?" for ch in text).encode("cp932")


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
