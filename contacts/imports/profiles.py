"""Column mappings of known contact exports, recognised by their headers, and explicit mappings.

A mapping sends each column to one import field (:data:`FIELDS`). Several columns may feed one field:
``address`` parts are joined with a space in column order, ``emails``/``phones``/``tags`` collect values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from contacts.segments.export import DEFAULT_COLUMNS

# field -> what it holds; multi-valued fields split cells on ";" (Meishi's export joins them with "; ").
FIELDS: dict[str, str] = {
    "external_id": "the record's id in the source system (kept in the row, not on the contact)",
    "full_name": "the printed name (split into family and given when they are not given)",
    "family_name": "family name",
    "given_name": "given name",
    "name_kana": "reading in katakana or hiragana",
    "family_name_kana": "reading of the family name (joined with the given one)",
    "given_name_kana": "reading of the given name",
    "name_romaji": "name in Latin letters",
    "company": "company name (found or created like a card's)",
    "department": "department",
    "title": "title",
    "emails": "email addresses (';'-separated)",
    "phones": "office phone numbers (';'-separated)",
    "mobile": "mobile phone number",
    "fax": "fax number",
    "postal_code": "postal code",
    "address": "address (several columns are joined in order)",
    "url": "web site",
    "tags": "tag names (';'-separated)",
    "met_at": "when the person was met (date or date-time); with met_where, a touchpoint of kind import",
    "met_where": "where the person was met",
    "ignore": "a column that is read and dropped",
}
MULTI = frozenset({"emails", "phones", "tags"})


@dataclass(frozen=True)
class Profile:
    """A known export: its columns and the fields they feed; ``signature`` columns identify it."""

    name: str
    columns: Mapping[str, str]
    signature: frozenset[str]
    exact: bool = False  # recognised only when the header is exactly ``columns`` (Meishi's own export)


MEISHI_HEADER = list(DEFAULT_COLUMNS)  # what GET /contacts/export.csv writes by default

MEISHI = Profile(
    name="meishi",
    columns={
        "id": "external_id",
        **{n: n for n in MEISHI_HEADER[1:13]},
        "tags": "tags",
        "owner": "ignore",
        "last_touchpoint_at": "ignore",
    },
    signature=frozenset(MEISHI_HEADER),
    exact=True,
)

SALESFORCE = Profile(
    name="salesforce",
    columns={
        # report / Data Export labels
        "Contact ID": "external_id",
        "Salutation": "ignore",
        "First Name": "given_name",
        "Last Name": "family_name",
        "Account Name": "company",
        "Title": "title",
        "Department": "department",
        "Email": "emails",
        "Phone": "phones",
        "Mobile": "mobile",
        "Fax": "fax",
        "Mailing Zip/Postal Code": "postal_code",
        "Mailing Country": "ignore",
        "Mailing State/Province": "address",
        "Mailing City": "address",
        "Mailing Street": "address",
        # Data Loader API names
        "Id": "external_id",
        "FirstName": "given_name",
        "LastName": "family_name",
        "Account.Name": "company",
        "MobilePhone": "mobile",
        "MailingPostalCode": "postal_code",
        "MailingState": "address",
        "MailingCity": "address",
        "MailingStreet": "address",
        "MailingCountry": "ignore",
    },
    signature=frozenset({"First Name", "Last Name", "Account Name"}),
)
SALESFORCE_API = Profile(
    name="salesforce",
    columns=SALESFORCE.columns,
    signature=frozenset({"FirstName", "LastName", "Account.Name"}),
)

HUBSPOT = Profile(
    name="hubspot",
    columns={
        "Record ID": "external_id",
        "First Name": "given_name",
        "Last Name": "family_name",
        "Email": "emails",
        "Phone Number": "phones",
        "Mobile Phone Number": "mobile",
        "Fax Number": "fax",
        "Company Name": "company",
        "Job Title": "title",
        "Department": "department",
        "Postal Code": "postal_code",
        "Country/Region": "ignore",
        "State/Region": "address",
        "City": "address",
        "Street Address": "address",
        "Website URL": "url",
        "Contact owner": "ignore",
        "Create Date": "ignore",
        "Last Activity Date": "ignore",
    },
    signature=frozenset({"Record ID", "First Name", "Last Name", "Email"}),
)

SANSAN = Profile(
    name="sansan",
    columns={
        "名刺ID": "external_id",
        "会社名": "company",
        "部署名": "department",
        "役職": "title",
        "氏名": "full_name",
        "姓": "family_name",
        "名": "given_name",
        "姓（カナ）": "family_name_kana",
        "名（カナ）": "given_name_kana",
        "氏名（カナ）": "name_kana",
        "メールアドレス": "emails",
        "郵便番号": "postal_code",
        "住所": "address",
        "TEL会社": "phones",
        "TEL部門": "phones",
        "TEL直通": "phones",
        "FAX": "fax",
        "Fax": "fax",
        "携帯電話": "mobile",
        "URL": "url",
        "名刺交換日": "met_at",
        "名刺交換場所": "met_where",
        "所有者": "ignore",
        "登録日時": "ignore",
    },
    signature=frozenset({"会社名", "部署名", "役職", "名刺交換日"}),
)

PROFILES: tuple[Profile, ...] = (MEISHI, SALESFORCE, SALESFORCE_API, HUBSPOT, SANSAN)
PROFILE_NAMES = ("meishi", "salesforce", "hubspot", "sansan")


class MappingError(ValueError):
    """The columns cannot be mapped: no profile recognises them, or the explicit mapping is wrong."""

    def __init__(self, message: str, errors: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.errors = errors


def recognise(header: Sequence[str], *, profile: str | None = None) -> Profile | None:
    """Return the profile whose signature the header carries (the one named by ``profile`` if given)."""
    have = set(header)
    for candidate in PROFILES:
        if profile is not None and candidate.name != profile:
            continue
        if candidate.exact and list(header) != list(candidate.columns):
            continue
        if candidate.signature <= have:
            return candidate
    return None


def columns_for(
    header: Sequence[str], *, profile: str | None = None, mapping: Mapping[str, str] | None = None
) -> tuple[str, dict[str, str]]:
    """Return (profile name, column -> field) for ``header``: an explicit mapping, else a recognised profile.

    Unknown columns of a recognised profile are ignored; an explicit mapping must name existing columns and
    known fields, and columns it leaves out are ignored.
    """
    if mapping:
        errors = [
            {"field": f"mapping.{col}", "message": f"no column {col!r} in the file", "code": "unknown_column"}
            for col in mapping
            if col not in header
        ] + [
            {
                "field": f"mapping.{col}",
                "message": f"unknown field {f!r}; one of {', '.join(FIELDS)}",
                "code": "unknown_field",
            }
            for col, f in mapping.items()
            if f not in FIELDS
        ]
        if errors:
            raise MappingError("the mapping does not fit the file", errors)
        return "mapping", {col: mapping[col] for col in header if col in mapping}
    found = recognise(header, profile=profile)
    if found is None:
        what = (
            f"the {profile} profile" if profile else "no known export (Salesforce, HubSpot, Sansan, Meishi)"
        )
        raise MappingError(
            f"the header matches {what}; send a mapping of columns to fields",
            [
                {
                    "field": "mapping",
                    "message": f"columns {', '.join(header[:20])} are not recognised; send mapping",
                    "code": "unrecognised_header",
                }
            ],
        )
    return found.name, {col: found.columns[col] for col in header if col in found.columns}
