"""A card's further offices' numbers (other_phones) become further phones of the contact on confirmation."""

from __future__ import annotations

from contacts.cards.models import Card
from contacts.db import session_factory
from tests.cards.conftest import image, upload
from tests.conftest import OrgClient


def test_other_offices_numbers_become_further_work_phones(org: OrgClient) -> None:
    card_id = upload(org, [("front", "a.jpg", image("scans/0001.jpg"))]).get_json()["cards"][0]["id"]
    with session_factory(org.app)() as session:  # as OCR leaves a card of a company with two offices
        row = session.get(Card, card_id)
        assert row is not None
        row.status = "needs_review"
        row.fields = {
            "name": {"value": "山田 太郎", "confidence": 0.9, "box": [1, 2, 3, 4], "side": "front"},
            "phone": {"value": "03-1111-2222", "confidence": 0.9, "box": [1, 2, 3, 4], "side": "front"},
            "other_phones": {
                "value": "06-3333-4444; 052-555-6666",
                "confidence": 0.7,
                "box": [1, 2, 3, 4],
                "side": "front",
            },
        }
        session.commit()
    done = org.post(f"/api/v1/cards/{card_id}/confirm").get_json()
    contact = org.get(f"/api/v1/contacts/{done['contact_id']}").get_json()
    assert [p["value"] for p in contact["phones"]] == ["03-1111-2222", "06-3333-4444", "052-555-6666"]
