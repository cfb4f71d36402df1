"""Contact records as the matcher sees them, and their normalised keys (computed once, stored as JSON)."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Final

from contacts.normalize import (
    company_key_from_email,
    domain_of_url,
    fold_loose,
    fold_text,
    has_kanji,
    is_role_email,
    normalize_address,
    normalize_company_name,
    normalize_email,
    normalize_postal_code,
    phone_type_of,
    romaji_tokens,
    to_e164,
)

__all__ = [
    "CSV_COLUMNS",
    "ContactRecord",
    "CsvError",
    "MatchKeys",
    "iter_csv_records",
    "record_from_row",
    "record_keys",
]

#: Columns understood in a CSV file (others are ignored). "emails" is accepted as a synonym of "email".
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "family_name",
    "given_name",
    "name_kana",
    "name_romaji",
    "company",
    "department",
    "title",
    "email",
    "phone",
    "mobile",
    "fax",
    "postal_code",
    "address",
    "url",
)


class CsvError(ValueError):
    """A CSV file cannot be read as contacts (missing, not CSV, no known column)."""


@dataclass(frozen=True, slots=True)
class ContactRecord:
    """One contact as printed on a card or imported: raw strings, nothing normalised yet."""

    id: str
    name: str = ""
    family_name: str = ""
    given_name: str = ""
    name_kana: str = ""
    name_romaji: str = ""
    company: str = ""
    department: str = ""
    title: str = ""
    emails: tuple[str, ...] = ()
    phone: str = ""
    mobile: str = ""
    fax: str = ""
    postal_code: str = ""
    address: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class MatchKeys:
    """Normalised keys of one contact: compute once with :func:`record_keys`, store with :meth:`to_dict`.

    Name fields are folded (:func:`contacts.normalize.fold_text`); ``*_loose`` fields also merge look-alike
    kanji (斎/斉). ``readings`` are romaji token keys from kana or romaji, sorted so that name order does
    not matter. ``latin`` tells that the name was written in Latin letters (English-side card).
    """

    id: str
    name: str = ""
    name_loose: str = ""
    family: str = ""
    given: str = ""
    latin: bool = False
    readings: tuple[str, ...] = ()
    company: str = ""
    domains: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    role_emails: tuple[str, ...] = ()
    mobiles: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    postal: str = ""
    address: str = ""
    address_words: str = ""
    department: str = ""
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (tuples become lists)."""
        # Not dataclasses.asdict, which copies every value deeply: the values are strings, booleans and
        # tuples of strings.
        out: dict[str, Any] = {}
        for name in _MATCH_KEY_FIELDS:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MatchKeys:
        """Rebuild keys stored with :meth:`to_dict` (unknown fields are ignored)."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known
        }
        return cls(**values)


_MATCH_KEY_FIELDS: Final = tuple(f.name for f in fields(MatchKeys))
_SPLIT_RE = re.compile(r"[\s,;/]+")
_WORDS_RE = re.compile(r"[^\w]+")


def _split_name(name: str) -> tuple[str, str]:
    """Split "山田 太郎" into (family, given); Latin names give ("", "") because their order is unknown."""
    parts = unicodedata.normalize("NFKC", name).split()
    if len(parts) == 2 and has_kanji(name):
        return parts[0], parts[1]
    return "", ""


def _emails(raw: tuple[str, ...]) -> tuple[list[str], list[str]]:
    personal: list[str] = []
    role: list[str] = []
    for chunk in raw:
        for candidate in _SPLIT_RE.split(unicodedata.normalize("NFKC", chunk)):
            if "@" not in candidate:
                continue
            try:
                email = normalize_email(candidate)
            except ValueError:
                continue
            target = role if is_role_email(email) else personal
            if email not in target:
                target.append(email)
    return personal, role


def record_keys(record: ContactRecord) -> MatchKeys:
    """Normalise a record once into the keys that blocking and scoring use."""
    family_raw, given_raw = record.family_name.strip(), record.given_name.strip()
    full_raw = record.name.strip()
    if not family_raw and not given_raw and full_raw:
        family_raw, given_raw = _split_name(full_raw)
    if not full_raw:
        full_raw = f"{family_raw} {given_raw}".strip()
    latin = bool(full_raw) and not has_kanji(full_raw) and any("a" <= c <= "z" for c in full_raw.lower())

    readings: list[str] = []
    for source in (record.name_kana, record.name_romaji):
        if source and not readings:
            readings = romaji_tokens(source)
    if not readings and full_raw and not has_kanji(full_raw):
        readings = romaji_tokens(full_raw)

    personal, role = _emails(record.emails)
    domains: list[str] = []
    for email in personal + role:
        key = company_key_from_email(email)
        if key and key not in domains:
            domains.append(key)
    url_domain = domain_of_url(record.url) if record.url else None
    if url_domain and url_domain not in domains:
        domains.append(url_domain)

    mobiles: list[str] = []
    phones: list[str] = []
    for raw, declared_mobile in ((record.mobile, True), (record.phone, False), (record.fax, False)):
        if not raw:
            continue
        e164 = to_e164(raw)
        if e164 is None:
            continue
        is_mobile = phone_type_of(e164) == "mobile" or (declared_mobile and phone_type_of(e164) == "other")
        target = mobiles if is_mobile else phones
        if e164 not in target:
            target.append(e164)

    postal = normalize_postal_code(record.postal_code)
    if not postal:
        digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", record.postal_code))
        postal = digits if 3 <= len(digits) <= 10 else ""
    address_folded = unicodedata.normalize("NFKC", record.address).casefold()
    address_words = (
        " ".join(w for w in _WORDS_RE.split(address_folded) if w) if address_folded.isascii() else ""
    )

    return MatchKeys(
        id=record.id,
        name=fold_text(full_raw),
        name_loose=fold_loose(full_raw),
        family=fold_loose(family_raw),
        given=fold_loose(given_raw),
        latin=latin,
        readings=tuple(sorted(readings)),
        company=normalize_company_name(record.company),
        domains=tuple(domains),
        emails=tuple(personal),
        role_emails=tuple(role),
        mobiles=tuple(mobiles),
        phones=tuple(phones),
        postal=postal,
        address=normalize_address(record.address),
        address_words=address_words,
        department=fold_text(record.department),
        title=fold_text(record.title),
    )


def record_from_row(row: Mapping[str, str | None], default_id: str) -> ContactRecord:
    """Build a record from a CSV row (column names already lower-cased; unknown columns ignored)."""

    def get(name: str) -> str:
        return (row.get(name) or "").strip()

    emails = tuple(x for x in (get("email"), get("emails")) if x)
    return ContactRecord(
        id=get("id") or default_id,
        name=get("name"),
        family_name=get("family_name"),
        given_name=get("given_name"),
        name_kana=get("name_kana"),
        name_romaji=get("name_romaji"),
        company=get("company"),
        department=get("department"),
        title=get("title"),
        emails=emails,
        phone=get("phone"),
        mobile=get("mobile"),
        fax=get("fax"),
        postal_code=get("postal_code"),
        address=get("address"),
        url=get("url"),
    )


def iter_csv_records(path: str | Path) -> Iterator[ContactRecord]:
    """Read contacts from a CSV file with a header; raise :class:`CsvError` when it is unusable."""
    p = Path(path)
    try:
        handle = p.open(encoding="utf-8-sig", newline="")
    except OSError as e:
        raise CsvError(f"cannot open {p}: {e.strerror or e}") from e
    with handle:
        try:
            reader = csv.reader(handle)
            header = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as e:
            raise CsvError(f"{p} is not a UTF-8 CSV file: {e}") from e
        if not header:
            raise CsvError(f"{p} is empty: a header row is required")
        columns = [h.strip().lower() for h in header]
        if not set(columns) & (set(CSV_COLUMNS) | {"emails"}):
            raise CsvError(f"{p} has no known column (expected some of: {', '.join(CSV_COLUMNS)})")
        try:
            for number, values in enumerate(reader, start=1):
                if not any(v.strip() for v in values):
                    continue
                yield record_from_row(dict(zip(columns, values, strict=False)), default_id=str(number))
        except (UnicodeDecodeError, csv.Error) as e:
            raise CsvError(f"{p} is not a readable CSV file: {e}") from e
