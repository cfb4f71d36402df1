"""Factories for engine tests: contact records and their keys with sensible defaults."""

from __future__ import annotations

from typing import Any

from contacts.dedup import ContactRecord, MatchKeys, record_keys

_counter = iter(range(1, 1_000_000))


def card(**fields: Any) -> ContactRecord:
    """Build a record; ``email`` may be a string, ids are generated unless given."""
    email = fields.pop("email", None)
    if email is not None:
        fields["emails"] = (email,)
    fields.setdefault("id", f"r{next(_counter)}")
    return ContactRecord(**fields)


def keys(**fields: Any) -> MatchKeys:
    """Build a record and return its match keys."""
    return record_keys(card(**fields))


ACME = {
    "company": "株式会社アクメ",
    "phone": "03-1111-2222",
    "address": "東京都千代田区丸の内1-2-3",
    "postal_code": "100-0005",
    "url": "https://www.acme.co.jp",
}
