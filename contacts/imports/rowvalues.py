"""One import row's fields as the people service's input, a match record, and a meeting (when and where)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from contacts.dedup.records import ContactRecord
from contacts.people import inputs as people_inputs
from contacts.people.inputs import PersonValues

_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
)


MAX_VALUE = 400  # the longest name, title, department, ... a contact takes (contacts.api.schemas.Short)
MAX_EMAILS = 20  # the most emails a contact takes (contacts.people.schemas.ContactCreate)


@dataclass(frozen=True)
class RowPerson:
    """What a row says about a person, ready for the people service, with the row's other facts."""

    person: PersonValues
    emails: tuple[str, ...]
    company: str | None
    tags: tuple[str, ...]
    met_at: datetime | None
    met_where: str | None


def _name(values: dict[str, Any]) -> str | None:
    if values.get("full_name"):
        return str(values["full_name"])
    family, given = values.get("family_name"), values.get("given_name")
    if family and given:
        latin = all(ord(c) < 0x250 for c in f"{family}{given}")
        return f"{given} {family}" if latin else f"{family} {given}"
    return family or given or None


def _kana(values: dict[str, Any]) -> str | None:
    if values.get("name_kana"):
        return str(values["name_kana"])
    parts = [values.get("family_name_kana"), values.get("given_name_kana")]
    return " ".join(p for p in parts if p) or None


def parse_when(value: str) -> datetime:
    """Read a date or date-time (ISO 8601, or with slashes); naive values are taken as UTC."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"not a date: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def row_person(values: dict[str, Any]) -> tuple[RowPerson | None, list[dict[str, str]]]:
    """Map a row's fields to a :class:`RowPerson`; return it (None when unusable) and the row's errors."""
    errors: list[dict[str, str]] = []
    emails = tuple(values.get("emails") or ())
    good = [e for e in emails if people_inputs.email_key(e)]
    for bad in (e for e in emails if not people_inputs.email_key(e)):
        errors.append(
            {"column": "emails", "message": f"not an email address: {bad!r}", "code": "invalid_email"}
        )
    if len(emails) > MAX_EMAILS:
        errors.append(
            {"column": "emails", "message": f"more than {MAX_EMAILS} email addresses", "code": "too_many"}
        )
    for field, value in values.items():
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and len(t) > MAX_VALUE for t in texts):
            errors.append(
                {"column": field, "message": f"longer than {MAX_VALUE} characters", "code": "too_long"}
            )
    name = _name(values)
    if not name and not good:
        errors.append(
            {"column": "full_name", "message": "neither a name nor an email address", "code": "missing"}
        )
    met_at = None
    if values.get("met_at"):
        try:
            met_at = parse_when(str(values["met_at"]))
        except ValueError as e:
            errors.append({"column": "met_at", "message": str(e), "code": "invalid_date"})
    if errors:
        return None, errors
    phones = tuple((p, "work") for p in values.get("phones") or ())
    if values.get("mobile"):
        phones += ((str(values["mobile"]), "mobile"),)
    if values.get("fax"):
        phones += ((str(values["fax"]), "fax"),)
    person = PersonValues(
        name=name,
        name_kana=_kana(values),
        name_romaji=values.get("name_romaji"),
        department=values.get("department"),
        title=values.get("title"),
        url=values.get("url"),
        email=good[0] if good else None,
        other_emails=tuple(good[1:]),
        phones=phones,
        address=values.get("address"),
        postal_code=values.get("postal_code"),
    )
    return (
        RowPerson(
            person=person,
            emails=tuple(good),
            company=values.get("company"),
            tags=tuple(values.get("tags") or ()),
            met_at=met_at,
            met_where=values.get("met_where"),
        ),
        [],
    )


def match_record(row_id: str, row: RowPerson) -> ContactRecord:
    """Describe the row as the matching engine's record."""
    person = row.person
    phones = dict((kind, value) for value, kind in reversed(person.phones))
    family, given = (row.person.name and people_inputs.split_name(row.person.name)) or (None, None)
    return ContactRecord(
        id=row_id,
        name=person.name or "",
        family_name=family or "",
        given_name=given or "",
        name_kana=person.name_kana or "",
        name_romaji=person.name_romaji or "",
        company=row.company or "",
        department=person.department or "",
        title=person.title or "",
        emails=row.emails,
        phone=phones.get("work", ""),
        mobile=phones.get("mobile", ""),
        fax=phones.get("fax", ""),
        postal_code=person.postal_code or "",
        address=person.address or "",
        url=person.url or "",
    )
