"""Engine-test fixtures: the shared record factories (as ``card``/``keys``) and a company record."""

from __future__ import annotations

from tests.factories import match_keys as keys
from tests.factories import record as card

__all__ = ["ACME", "card", "keys"]

ACME = {
    "company": "株式会社アクメ",
    "phone": "03-1111-2222",
    "address": "東京都千代田区丸の内1-2-3",
    "postal_code": "100-0005",
    "url": "https://www.acme.co.jp",
}
