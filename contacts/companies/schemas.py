"""Company request and response schemas (the JSON shapes of design.md)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from contacts import normalize
from contacts.api.schemas import AwareDatetime, ListQuery, Short, StrictModel, Url, text
from contacts.people.schemas import AddressIn, AddressOut, PhoneIn, PhoneOut

CompanyStatus = Literal["active", "merged", "deleted"]
_CORPORATE_NUMBER_SEPARATORS = re.compile(r"[\s\-‐‑–—−ー]")


def corporate_number_check_digit(base: str) -> int:
    """Return the check digit of a 12-digit base 法人番号 (National Tax Agency rule).

    The check digit is ``9 - (Σ P_n × Q_n mod 9)`` where ``P_n`` is the n-th digit of the base counted from
    the right and ``Q_n`` is 1 for odd n and 2 for even n.
    """
    total = sum(int(d) * (2 if n % 2 == 0 else 1) for n, d in enumerate(reversed(base), start=1))
    return 9 - total % 9


def normalize_corporate_number(raw: str) -> str:
    """Return a 13-digit 法人番号 from full- or half-width input with separators; raise ValueError if invalid."""
    digits = _CORPORATE_NUMBER_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if not re.fullmatch(r"[0-9]{13}", digits):
        raise ValueError("a corporate number (法人番号) has exactly 13 digits")
    if int(digits[0]) != corporate_number_check_digit(digits[1:]):
        raise ValueError("the check digit (first digit) of this corporate number does not match")
    return digits


def _domain(raw: str) -> str:
    domain = normalize.domain_of_url(raw)
    if domain is None:
        raise ValueError("not a registrable domain name (for example example.co.jp)")
    return domain


CorporateNumber = Annotated[str, Field(max_length=40), AfterValidator(normalize_corporate_number)]
Domain = Annotated[str, Field(min_length=3, max_length=253), AfterValidator(_domain)]
if TYPE_CHECKING:
    CompanyName = str
    Kana = str
else:
    CompanyName = text(300, min_length=1)
    Kana = text(300)


class _CompanyFields(StrictModel):
    name_kana: Kana | None = None
    corporate_number: CorporateNumber | None = None
    url: Url | None = None
    domains: list[Domain] | None = Field(default=None, max_length=20)
    addresses: list[AddressIn] | None = Field(default=None, max_length=10)
    phones: list[PhoneIn] | None = Field(default=None, max_length=20)


class CompanyCreate(_CompanyFields):
    """Body of POST /companies; the URL's domain joins ``domains``."""

    name: CompanyName


class CompanyUpdate(_CompanyFields):
    """Body of PATCH /companies/{id}: only the fields sent change; lists are replaced whole."""

    name: CompanyName | None = None


class CompanyOut(BaseModel):
    id: str
    name: str
    name_normalized: str
    name_kana: str | None
    domains: list[str]
    corporate_number: str | None
    url: str | None
    addresses: list[AddressOut]
    phones: list[PhoneOut]
    tags: list[str]
    status: CompanyStatus
    version: int
    created_at: datetime
    updated_at: datetime


class CompanyPage(BaseModel):
    items: list[CompanyOut]
    next_cursor: str | None


class CompanyListQuery(ListQuery):
    """Filters of GET /companies: ``q`` matches the normalised name, the reading and the domains."""

    q: str | None = Field(default=None, max_length=200)
    domain: str | None = Field(default=None, max_length=253)
    corporate_number: str | None = Field(default=None, max_length=40)
    updated_since: AwareDatetime | None = None
    tag: list[Short] = Field(default_factory=list, max_length=20, description="Tag names; all of them.")
    status: CompanyStatus = "active"


class CompanyDeleteQuery(StrictModel):
    """Options of DELETE /companies/{id}."""

    force: bool = Field(
        default=False, description="Unlink the company from its active contacts and delete it."
    )


class CompanyContactsQuery(ListQuery):
    """Paging of GET /companies/{id}/contacts."""

    status: Literal["active", "merged", "deleted"] = "active"
